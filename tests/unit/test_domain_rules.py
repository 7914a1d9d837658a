"""Pure rules: mobile numbers, OTP challenges, sessions, subscriptions, context budget."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.chat import MessageRole
from domain.context import Turn, estimate_tokens, fit_to_budget
from domain.errors import InvalidOtp, ModelNotInPlan, ValidationError
from domain.models import ModelCatalogue, ModelOffer
from domain.otp import MAX_VERIFY_ATTEMPTS, OtpChallenge, OtpPurpose, looks_like_otp, new_otp_code
from domain.quota import DailyQuota, next_reset, usage_day
from domain.sessions import AuthSession
from domain.subscriptions import Subscription, SubscriptionSnapshot, SubscriptionStatus, current_subscription, tier_for
from domain.users import MobileNumber, Tier

T0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)

# Mobile numbers


@given(
    country=st.integers(1, 999),
    rest=st.text(alphabet=string.digits, min_size=6, max_size=11),
    separator=st.sampled_from(["", " ", "-", ".", " - "]),
    prefix=st.sampled_from(["+", "00"]),
)
def test_any_formatting_of_an_international_number_normalises_to_the_same_e164(
    country: int, rest: str, separator: str, prefix: str
) -> None:
    digits = f"{country}{rest}"
    if len(digits) > 15:
        return
    formatted = prefix + separator.join([str(country), rest[:3], rest[3:]])
    assert MobileNumber.parse(formatted).value == "+" + digits
    assert MobileNumber.parse(f"  {formatted} ").value == "+" + digits


@pytest.mark.parametrize(
    "raw", ["", "9876543210", "+0123456789", "+12345", "+1234567890123456", "+91abc4567890", "phone", "++919876543210"]
)
def test_numbers_that_are_not_international_are_refused_with_a_field_error(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        MobileNumber.parse(raw)
    assert caught.value.message.startswith("mobile_number:")


@given(st.text(max_size=30))
def test_parse_either_gives_e164_or_a_validation_error(raw: str) -> None:
    try:
        parsed = MobileNumber.parse(raw)
    except ValidationError:
        return
    assert parsed.value.startswith("+") and parsed.value[1:].isdigit() and 8 <= len(parsed.value) <= 16
    assert MobileNumber.parse(parsed.value) == parsed


# OTP


def _challenge(now: datetime = T0) -> OtpChallenge:
    return OtpChallenge.issue(
        id="c1",
        mobile_number=MobileNumber("+919876543210"),
        purpose=OtpPurpose.LOGIN,
        code_hash="h",
        now=now,
        ttl=timedelta(minutes=5),
    )


def test_new_codes_are_six_digits() -> None:
    codes = {new_otp_code() for _ in range(200)}
    assert all(looks_like_otp(code) for code in codes)
    assert len(codes) > 150  # random, not a constant


@given(wrong_tries=st.integers(0, 10), elapsed=st.integers(0, 600), right_code_last=st.booleans())
def test_a_challenge_accepts_the_right_code_only_while_live_and_only_once(
    wrong_tries: int, elapsed: int, right_code_last: bool
) -> None:
    challenge = _challenge()
    for _ in range(wrong_tries):
        with pytest.raises(InvalidOtp):
            challenge.redeem(code_matches=False, now=T0)
    now = T0 + timedelta(seconds=elapsed)
    should_pass = wrong_tries < MAX_VERIFY_ATTEMPTS and elapsed < 300
    if not right_code_last:
        with pytest.raises(InvalidOtp):
            challenge.redeem(code_matches=False, now=now)
        return
    if should_pass:
        challenge.redeem(code_matches=True, now=now)
        with pytest.raises(InvalidOtp):
            challenge.redeem(code_matches=True, now=now)  # single use
    else:
        with pytest.raises(InvalidOtp):
            challenge.redeem(code_matches=True, now=now)


def test_wrong_tries_are_counted_up_to_the_limit_and_then_the_code_is_dead() -> None:
    challenge = _challenge()
    for expected in range(1, MAX_VERIFY_ATTEMPTS + 1):
        with pytest.raises(InvalidOtp):
            challenge.redeem(code_matches=False, now=T0)
        assert challenge.attempts == expected
    assert not challenge.is_live(T0)


# Quota


@given(st.datetimes(timezones=st.just(UTC)))
def test_the_quota_day_resets_at_the_next_utc_midnight(instant: datetime) -> None:
    reset = next_reset(instant)
    assert reset > instant >= reset - timedelta(days=1)
    assert (reset.hour, reset.minute, reset.second) == (0, 0, 0)
    assert usage_day(reset) == usage_day(instant) + timedelta(days=1)
    assert 1 <= DailyQuota.seconds_until_reset(instant) <= 86400


def test_pro_is_unlimited_and_basic_is_capped() -> None:
    quota = DailyQuota(basic_limit=5)
    assert quota.limit_for(Tier.PRO) is None
    assert quota.limit_for(Tier.BASIC) == 5
    assert quota.status(tier=Tier.BASIC, used=7, now=T0).remaining == 0
    assert quota.status(tier=Tier.PRO, used=7, now=T0).remaining is None


# Sessions


def test_a_refresh_token_rotates_and_replaying_a_spent_one_revokes_the_session() -> None:
    session = AuthSession(id="s", user_id="u", refresh_jti="j1", created_at=T0, expires_at=T0 + timedelta(days=30))
    assert session.rotate(presented_jti="j1", next_jti="j2", now=T0, expires_at=T0 + timedelta(days=30))
    assert not session.rotate(presented_jti="j1", next_jti="j3", now=T0, expires_at=T0 + timedelta(days=30))
    assert not session.is_active(T0)
    assert not session.rotate(presented_jti="j2", next_jti="j4", now=T0, expires_at=T0 + timedelta(days=30))


# Subscriptions: events may arrive in any order


def _snapshot(sub: str, status: SubscriptionStatus, minute: int, cancel: bool = False) -> SubscriptionSnapshot:
    at = T0 + timedelta(minutes=minute)
    return SubscriptionSnapshot(
        subscription_id=sub,
        customer_id="cus_1",
        status=status,
        current_period_end=at + timedelta(days=30),
        cancel_at_period_end=cancel,
        as_of=at,
    )


LIFECYCLE = [
    _snapshot("sub_1", SubscriptionStatus.INCOMPLETE, 0),
    _snapshot("sub_1", SubscriptionStatus.ACTIVE, 1),
    _snapshot("sub_1", SubscriptionStatus.PAST_DUE, 2),
    _snapshot("sub_1", SubscriptionStatus.ACTIVE, 3),
    _snapshot("sub_1", SubscriptionStatus.ACTIVE, 4, cancel=True),
    _snapshot("sub_1", SubscriptionStatus.CANCELED, 5),
]


@given(st.permutations(LIFECYCLE), st.integers(1, len(LIFECYCLE)))
def test_any_arrival_order_ends_in_the_state_of_the_latest_snapshot(order: list[SubscriptionSnapshot], n: int) -> None:
    delivered = order[:n]
    subscription = Subscription(subscription_id="sub_1", user_id="u")
    for snapshot in delivered:
        subscription.apply(snapshot)
    latest = max(delivered, key=lambda s: s.as_of)
    assert subscription.status is latest.status
    assert subscription.cancel_at_period_end is latest.cancel_at_period_end


def test_an_old_update_after_the_cancellation_does_not_resurrect_pro() -> None:
    subscription = Subscription.first_seen("u", _snapshot("sub_1", SubscriptionStatus.CANCELED, 5))
    assert not subscription.apply(_snapshot("sub_1", SubscriptionStatus.ACTIVE, 9))
    assert tier_for([subscription]) is Tier.BASIC


def test_a_user_is_pro_while_any_of_their_subscriptions_is_paid_for() -> None:
    first = Subscription.first_seen("u", _snapshot("sub_1", SubscriptionStatus.ACTIVE, 1))
    second = Subscription.first_seen("u", _snapshot("sub_2", SubscriptionStatus.ACTIVE, 2))
    first.apply(_snapshot("sub_1", SubscriptionStatus.CANCELED, 3))
    assert tier_for([first, second]) is Tier.PRO and current_subscription([first, second]) is second
    second.apply(_snapshot("sub_2", SubscriptionStatus.CANCELED, 4))
    assert tier_for([first, second]) is Tier.BASIC
    assert tier_for([]) is Tier.BASIC and current_subscription([]) is None
    with pytest.raises(ValueError, match="another subscription"):
        first.apply(_snapshot("sub_2", SubscriptionStatus.ACTIVE, 9))


# Context budget

turns_strategy = st.lists(
    st.builds(Turn, role=st.sampled_from(list(MessageRole)), text=st.text(min_size=1, max_size=400)),
    min_size=1,
    max_size=40,
)


@given(turns_strategy, st.integers(0, 2000))
def test_the_context_fits_the_budget_and_is_the_newest_whole_turns_in_order(turns: list[Turn], budget: int) -> None:
    newest_first = list(reversed(turns))
    chosen = fit_to_budget(newest_first, budget)
    assert sum(estimate_tokens(t) for t in chosen) <= budget
    # The newest stretch of the conversation, whole, in the original order.
    assert chosen == turns[len(turns) - len(chosen) :]
    # Nothing that would have fitted was left out.
    if len(chosen) < len(turns):
        skipped = turns[len(turns) - len(chosen) - 1]
        assert sum(estimate_tokens(t) for t in chosen) + estimate_tokens(skipped) > budget


def test_building_the_context_reads_only_as_many_turns_as_fit() -> None:
    read = 0

    def endless():  # type: ignore[no-untyped-def]
        nonlocal read
        while True:
            read += 1
            yield Turn(MessageRole.USER, "x" * 40)

    chosen = fit_to_budget(endless(), 140)
    assert len(chosen) == 10 and read == 11


def _offer(model_id: str, plan: Tier) -> ModelOffer:
    return ModelOffer(
        id=model_id, provider="fake", plan=plan, display_name=model_id, context_window=8000, output_limit=1000
    )


def test_a_chat_is_answered_by_its_choice_while_the_plan_has_it_else_by_the_plans_default() -> None:
    flash, lite, pro = _offer("flash", Tier.BASIC), _offer("lite", Tier.BASIC), _offer("pro", Tier.PRO)
    catalogue = ModelCatalogue([flash, lite, pro], {Tier.BASIC: "lite"})
    assert (catalogue.default_for(Tier.BASIC), catalogue.default_for(Tier.PRO)) == (lite, pro)
    assert catalogue.title_writer == lite
    assert catalogue.effective("pro", Tier.PRO) == pro
    assert catalogue.effective("pro", Tier.BASIC) == lite  # dropped to Basic
    assert catalogue.effective("flash", Tier.PRO) == flash  # Pro has Basic's models
    assert catalogue.effective(None, Tier.PRO) == pro
    assert catalogue.effective("retired", Tier.PRO) == pro  # no longer offered
    assert (
        catalogue.unavailable_reason("pro", Tier.BASIC) == "pro needs the Pro plan; lite answers this chat until then."
    )
    assert (
        catalogue.unavailable_reason("retired", Tier.BASIC) == "retired is no longer offered; lite answers this chat."
    )
    assert (
        catalogue.unavailable_reason("pro", Tier.PRO) is None and catalogue.unavailable_reason(None, Tier.BASIC) is None
    )
    assert catalogue.choose(None, Tier.BASIC) is None
    with pytest.raises(ModelNotInPlan) as refused:
        catalogue.choose("pro", Tier.BASIC)
    assert refused.value.plan == "pro"
    with pytest.raises(ValidationError, match="model"):
        catalogue.choose("retired", Tier.PRO)


def test_a_catalogue_refuses_a_plan_without_a_model_or_a_default_above_its_plan() -> None:
    with pytest.raises(ValueError, match="basic"):
        ModelCatalogue([_offer("pro", Tier.PRO)])
    with pytest.raises(ValueError, match="higher plan"):
        ModelCatalogue([_offer("flash", Tier.BASIC), _offer("pro", Tier.PRO)], {Tier.BASIC: "pro"})
