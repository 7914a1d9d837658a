"""The models a deployment offers, and which plan may use which.

The operator lists the models (LLM_MODELS); each belongs to a plan, and a plan gets its
own models and those of every plan below it (Pro gets Basic's too). A chat names the
model it wants, or none for its plan's default; what answers is the *effective* model:
the one named while the owner's plan has it, else the plan's default. So a person who
drops to Basic keeps their Pro-model chats, answered by the Basic default, and going Pro
again gives them back their model without anyone touching the chats.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.errors import ModelNotInPlan, ValidationError
from domain.uploads import UploadKind
from domain.users import Tier

# Plans from the lowest: a plan may use the models of every plan up to its own.
PLANS: tuple[Tier, ...] = (Tier.BASIC, Tier.PRO)
MAX_MODEL_ID_LENGTH = 128


def plan_rank(plan: Tier) -> int:
    return PLANS.index(plan)


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelOffer:
    """One model of the catalogue. ``id`` is the provider's own name for it (what is sent
    on the wire) and what clients choose it by."""

    id: str
    provider: str
    plan: Tier
    display_name: str
    # Tokens the model reads (prompt and answer together) and writes at most per answer.
    context_window: int
    output_limit: int
    # Whether it reads images and PDFs themselves. Any model reads a PDF's or a text
    # file's text; only one that reads attachments sees an image (or a PDF's pictures).
    attachments: bool = False

    def open_to(self, plan: Tier) -> bool:
        return plan_rank(plan) >= plan_rank(self.plan)

    def reads(self, kind: UploadKind) -> bool:
        return self.attachments or kind is not UploadKind.IMAGE

    def check_reads(self, kinds: Iterable[UploadKind]) -> None:
        """Before a message is accepted, not as a failed reply: 422 naming the model and the kind."""
        for kind in kinds:
            if not self.reads(kind):
                raise ValidationError.for_field(
                    "attachment_ids", f"{self.display_name} ({self.id}) does not read {kind.value} files"
                )


class ModelCatalogue:
    """Every model offered, in the operator's order, and each plan's default."""

    def __init__(self, offers: Sequence[ModelOffer], defaults: dict[Tier, str] | None = None) -> None:
        if not offers:
            raise ValueError("a catalogue needs at least one model")
        self.offers: tuple[ModelOffer, ...] = tuple(offers)
        self._by_id = {offer.id: offer for offer in self.offers}
        if len(self._by_id) != len(self.offers):
            raise ValueError("model ids must be unique")
        chosen = defaults or {}
        self.defaults: dict[Tier, ModelOffer] = {}
        below: ModelOffer | None = None
        for plan in PLANS:
            named = self._by_id.get(chosen.get(plan, ""))
            if named is not None and not named.open_to(plan):
                raise ValueError(f"the {plan.value} default {named.id} is on a higher plan")
            # Unnamed: the plan's first model, or (a plan with none of its own) the default below.
            default = named or self._first_of(plan) or below
            if default is None:
                raise ValueError(f"no model is offered on the {plan.value} plan")
            self.defaults[plan] = below = default

    def _first_of(self, plan: Tier) -> ModelOffer | None:
        return next((offer for offer in self.offers if offer.plan is plan), None)

    def get(self, model_id: str | None) -> ModelOffer | None:
        return self._by_id.get(model_id or "")

    def default_for(self, plan: Tier) -> ModelOffer:
        return self.defaults[plan]

    @property
    def title_writer(self) -> ModelOffer:
        """Titles are written by the lowest plan's default: the cheapest model, for a
        few words nobody pays for."""
        return self.defaults[PLANS[0]]

    @property
    def providers(self) -> set[str]:
        return {offer.provider for offer in self.offers}

    def choose(self, model_id: str | None, plan: Tier) -> str | None:
        """A chat's or a gem's choice, checked against the chooser's plan. None: the
        plan's default, whichever it is when a reply is written."""
        if model_id is None:
            return None
        offer = self.get(model_id)
        if offer is None:
            raise ValidationError.for_field(
                "model", f"there is no model {model_id[:MAX_MODEL_ID_LENGTH]!r} (GET /models lists them)"
            )
        if not offer.open_to(plan):
            raise ModelNotInPlan(offer.id, offer.plan.value)
        return offer.id

    def effective(self, chosen: str | None, plan: Tier) -> ModelOffer:
        """The model that answers a chat that chose ``chosen``, for an owner on ``plan``:
        the chosen one while the plan has it (and the deployment still offers it), else
        the plan's default."""
        offer = self.get(chosen)
        if offer is not None and offer.open_to(plan):
            return offer
        return self.defaults[plan]

    def unavailable_reason(self, chosen: str | None, plan: Tier) -> str | None:
        """Why a chat is not answered by the model it chose, in words for its owner."""
        if chosen is None:
            return None
        offer = self.get(chosen)
        fallback = self.defaults[plan].id
        if offer is None:
            return f"{chosen} is no longer offered; {fallback} answers this chat."
        if not offer.open_to(plan):
            return f"{chosen} needs the {offer.plan.value.capitalize()} plan; {fallback} answers this chat until then."
        return None


def display_name_of(model_id: str) -> str:
    """``gemini-2.5-flash`` -> ``Gemini 2.5 Flash``: a readable name when the operator gives none."""
    return " ".join(word[:1].upper() + word[1:] for word in model_id.replace("_", "-").split("-") if word)
