"""Configuration from environment variables (and an optional ``.env``), checked once at
start. A bad value stops the process with a message naming the variable and the fix.

Each variable is declared once, below, as a field of ``Settings``: its environment name is
the field's name in upper case, its type (with msgspec's ``Meta`` constraints and
``Literal`` choices) is how its text is read, its default is the field's. The few whose
default depends on others (PUBLIC_URL, OTP_DELIVERY, LLM_PROVIDER, LOG_FORMAT) are
derived in ``_derived``."""

from __future__ import annotations

import os
import sys
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from dotenv import dotenv_values
from msgspec import Meta

from domain.models import MAX_MODEL_ID_LENGTH, ModelCatalogue, ModelOffer, display_name_of
from domain.uploads import UPLOAD_CEILING_BYTES
from domain.users import Tier

DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-in-production-0000"
DEV_STRIPE_WEBHOOK_SECRET = "whsec_dev_only_fake_webhook_secret"
MIN_SECRET_BYTES = 32

Count = Annotated[int, Meta(ge=1)]
Seconds = Annotated[float, Meta(ge=0)]
WholeSeconds = Annotated[int, Meta(ge=1)]


class SettingsError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("Invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    # Unset means production: a deployment that forgets to say what it is gets the safe
    # behaviour. `make run`, the tests and docker compose say development explicitly.
    app_env: Literal["development", "test", "production"] = "production"
    host: str = "127.0.0.1"
    port: Annotated[int, Meta(ge=1, le=65535)] = 8000
    # This service's public address (checkout return links); default http://HOST:PORT.
    public_url: str = ""
    # "real": PostgreSQL, Redis and Dramatiq. "memory": everything in this process, for
    # tests and quick experiments (data is gone when it stops).
    adapters: Literal["real", "memory"] = "real"
    database_url: str | None = None
    redis_url: str | None = None
    jwt_secret: str = DEV_JWT_SECRET
    # Extra verification keys, "kid:secret,kid:secret": tokens signed with a retired key
    # stay valid until they expire. New tokens are signed with JWT_SECRET under JWT_KID.
    jwt_previous_keys: dict[str, str] = msgspec.field(default_factory=dict)
    jwt_kid: str = "k1"
    access_token_ttl_seconds: WholeSeconds = 900
    refresh_token_ttl_seconds: WholeSeconds = 30 * 24 * 3600
    # How codes reach phones; derived from TWILIO_*/OTP_WEBHOOK_URL when unset, and
    # required in production (None there until named).
    otp_delivery: Literal["response", "log", "twilio", "webhook"] | None = None
    # OTP_DELIVERY=log writes live codes into the log; production takes it only on purpose.
    otp_delivery_log_in_production: bool = False
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from: str | None = None
    twilio_api_base: str = "https://api.twilio.com"
    otp_webhook_url: str | None = None
    otp_webhook_secret: str | None = None
    otp_ttl_seconds: WholeSeconds = 300
    # Code requests allowed per client address per 15 minutes (a shared NAT can need more).
    otp_sends_per_client: Count = 30
    # Sign-in attempts (codes and passwords) per client address per 15 minutes.
    auth_attempts_per_client: Count = 100
    # Failed attempts in a row on one number before it is refused (NIST: at most 100).
    auth_consecutive_failures: Annotated[int, Meta(ge=1, le=100)] = 50
    # For the whole service, every process together.
    logins_per_minute: Count = 600
    sign_ups_per_minute: Count = 120
    # cheapest: for tests only (production refuses it).
    password_hash_profile: Literal["default", "cheapest"] = "default"
    # Threads that hash passwords (argon2id, 64 MiB each) and how many hashes may wait.
    password_hash_threads: Count = 1
    password_hash_queue: Count = 32
    # Proxies in front of the API that append to X-Forwarded-For; 0: use the peer address.
    trusted_proxy_hops: Annotated[int, Meta(ge=0)] = 0
    # Brakes on one user, whatever the tier.
    sends_per_minute: Count = 30
    replies_in_flight_per_user: Count = 10
    max_streams_per_session: Count = 5
    redis_max_connections: Count = 100
    redis_stream_connections: Count = 500
    # /metrics on the public API needs "Authorization: Bearer <METRICS_TOKEN>"; without a
    # token it is served in development only.
    metrics_token: str | None = None
    basic_daily_limit: Count = 5
    max_body_bytes: Count = 64 * 1024
    # Must hold the longest allowed message.
    context_token_budget: Annotated[int, Meta(ge=4000)] = 8000
    # The models offered, "provider:model:plan[:option...]" comma-separated (read by
    # model_catalogue). Unset: LLM_PROVIDER's one model (the fake offers two).
    llm_models: str = ""
    # Derived: gemini when GEMINI_API_KEY is set, else fake. Only read without LLM_MODELS.
    llm_provider: Literal["gemini", "openai", "fake"] = "fake"
    fake_llm_chunks: Count = 6
    fake_llm_chunk_delay: Seconds = 0.05
    fake_llm_first_chunk_delay: Seconds | None = None
    gemini_api_key: str | None = None
    gemini_model: str = "gemini-2.5-flash"
    gemini_base_url: str = "https://generativelanguage.googleapis.com"
    # Files of one request sent inside it, up to this many bytes together; the rest go
    # through the Gemini File API (Gemini takes requests of at most 20 MB).
    gemini_inline_max_bytes: Annotated[int, Meta(ge=0, le=15 * 1024 * 1024)] = 14 * 1024 * 1024
    openai_api_key: str | None = None
    openai_model: str | None = None
    openai_base_url: str | None = None
    llm_system_instruction: str = "You are a helpful, concise assistant."
    llm_temperature: Annotated[float, Meta(ge=0, le=2)] = 0.7
    llm_max_output_tokens: Count = 2048
    llm_connect_timeout_seconds: Seconds = 5.0
    # Longest silence between two chunks, and longest whole call.
    llm_read_timeout_seconds: Seconds = 30.0
    llm_total_timeout_seconds: Seconds = 90.0
    # Uploads: the largest file and the most uploads a UTC day, per plan.
    upload_max_bytes_basic: Annotated[int, Meta(ge=1, le=UPLOAD_CEILING_BYTES)] = 5 * 1024 * 1024
    upload_max_bytes_pro: Annotated[int, Meta(ge=1, le=UPLOAD_CEILING_BYTES)] = 20 * 1024 * 1024
    uploads_per_day_basic: Count = 20
    uploads_per_day_pro: Count = 200
    # Where uploaded files are kept: a folder on this machine (shared by the API and the
    # worker), or an S3-compatible object store (S3_BUCKET and, for other than AWS, S3_ENDPOINT_URL).
    file_store: Literal["local", "s3"] = "local"
    files_dir: str = ".devdata/files"
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    # Unset: the usual AWS credential chain (environment, profile, instance role).
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    stripe_secret_key: str | None = None
    stripe_price_id: str | None = None
    stripe_api_base: str | None = None
    stripe_webhook_secret: str = DEV_STRIPE_WEBHOOK_SECRET
    reply_max_attempts: Count = 3
    reply_retry_backoff_seconds: Seconds = 1.0
    reply_time_limit_seconds: WholeSeconds = 120
    reply_lease_seconds: WholeSeconds = 180
    # Replies one worker process writes at once (each a task on its event loop).
    replies_per_worker: Count = 500
    sweep_interval_seconds: Seconds = 15.0
    sweep_pending_grace_seconds: Seconds = 30.0
    # At most 30 connections a process, as before, but all of them kept once opened: with
    # 10 kept and 20 more opened and closed under load, a burst opened a PostgreSQL
    # process (and both sides' set-up) per transaction past the tenth.
    db_pool_size: Count = 30
    db_max_overflow: Annotated[int, Meta(ge=0)] = 0
    sse_heartbeat_seconds: Seconds = 15.0
    # Worst-case age of a per-process cached copy if an invalidation is lost (adapters.near_cache).
    near_cache_ttl_seconds: Seconds = 30.0
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # The worker serves its Prometheus metrics here (0: not at all).
    worker_metrics_port: Annotated[int, Meta(ge=0, le=65535)] = 9191
    # json: one JSON object per line (the production default); console: for people.
    log_format: Literal["json", "console"] = "console"
    # Comma-separated origins of web clients ("*" is refused in production).
    cors_allow_origins: tuple[str, ...] = ()

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def payment_provider(self) -> str:
        return "stripe" if self.stripe_secret_key else "fake"

    @property
    def metrics_public(self) -> bool:
        return not self.is_production and self.metrics_token is None

    @property
    def dev_tools_enabled(self) -> bool:
        """The fake checkout route: only with the fake payment provider, never in production."""
        return not self.is_production and self.payment_provider == "fake"


def _key_set(raw: str) -> dict[str, str]:
    keys: dict[str, str] = {}
    for entry in raw.split(","):
        kid, sep, secret = entry.strip().partition(":")
        if not sep or not kid or not secret:
            raise ValueError("use kid:secret,kid:secret")
        keys[kid] = secret
    return keys


def _yes_or_no(raw: str) -> bool:
    if raw.lower() in ("yes", "true", "1"):
        return True
    if raw.lower() in ("no", "false", "0"):
        return False
    raise ValueError("use yes or no")


def _origins(raw: str) -> tuple[str, ...]:
    return tuple(origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip())


# Variables whose text is not read by their type alone.
_READERS: dict[str, Callable[[str], Any]] = {
    "jwt_previous_keys": _key_set,
    "otp_delivery_log_in_production": _yes_or_no,
    "cors_allow_origins": _origins,
}


def _read(field: msgspec.structs.FieldInfo, text: str) -> Any:
    reader = _READERS.get(field.name)
    if reader is not None:
        return reader(text)
    choices = _choices(field.type)
    if choices:
        # Choices are matched whatever their case: LOG_LEVEL=debug, ADAPTERS=Memory.
        matched = [choice for choice in choices if choice.lower() == text.lower()]
        if not matched:
            raise ValueError(f"use one of {', '.join(choices)}")
        text = matched[0]
    return msgspec.convert(text, field.type, strict=False)


def _choices(annotation: Any) -> tuple[str, ...]:
    """The values of a Literal field (or of the Literal in an optional one)."""
    for part in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(part) is Literal:
            return typing.get_args(part)
    return ()


def _derived(given: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults that depend on other variables."""
    app_env = given.get("app_env", "production")
    derived: dict[str, Any] = {
        "public_url": f"http://{given.get('host', '127.0.0.1')}:{given.get('port', 8000)}",
        "llm_provider": "gemini" if given.get("gemini_api_key") else "fake",
        "log_format": "json" if app_env == "production" else "console",
    }
    if given.get("twilio_account_sid"):
        derived["otp_delivery"] = "twilio"
    elif given.get("otp_webhook_url"):
        derived["otp_delivery"] = "webhook"
    elif app_env != "production":
        derived["otp_delivery"] = "response"
    # In production nothing: _otp_delivery_problems names OTP_DELIVERY.
    return derived


def load_settings(environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env") -> Settings:
    values: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    given: dict[str, Any] = {}
    problems: list[str] = []
    for field in msgspec.structs.fields(Settings):
        name = field.name.upper()
        text = (values.get(name) or "").strip()
        if not text:
            continue
        try:
            given[field.name] = _read(field, text)
        except (msgspec.ValidationError, ValueError) as error:
            problems.append(f"{name}={text!r}: {error}")
    given = {**_derived(given), **given}
    given["public_url"] = given["public_url"].rstrip("/")
    settings = msgspec.convert(given, Settings)
    problems += _unsafe_choices(settings)
    if problems:
        raise SettingsError(problems)
    return settings


def settings_or_exit() -> Settings:
    """The settings a process starts with; a bad one stops it (exit 2) naming each problem."""
    try:
        return load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        raise SystemExit(2) from None


def _unsafe_choices(s: Settings) -> list[str]:
    problems = []
    if s.adapters == "real":
        for name, value in (("DATABASE_URL", s.database_url), ("REDIS_URL", s.redis_url)):
            if not value:
                problems.append(
                    f"{name} is not set. `make run` starts embedded PostgreSQL and Redis for you;"
                    " or set ADAPTERS=memory for a throwaway in-process service"
                )
    problems += _otp_delivery_problems(s)
    if s.stripe_secret_key and s.stripe_webhook_secret == DEV_STRIPE_WEBHOOK_SECRET:
        problems.append(
            "STRIPE_WEBHOOK_SECRET must be set whenever STRIPE_SECRET_KEY is: the development secret is in the"
            " source code, so anyone could sign webhooks with it (`stripe listen` prints a whsec_... secret)"
        )
    if s.stripe_secret_key and not s.stripe_price_id:
        problems.append("STRIPE_SECRET_KEY is set but STRIPE_PRICE_ID is not: name the Pro plan's price (price_...)")
    if s.is_production and not s.stripe_secret_key:
        problems.append("STRIPE_SECRET_KEY must be set in production (the fake payment provider is for development)")
    problems += _model_problems(s)
    if s.file_store == "s3" and not s.s3_bucket:
        problems.append("FILE_STORE=s3 needs S3_BUCKET (and S3_ENDPOINT_URL for a store other than AWS)")
    if bool(s.s3_access_key_id) != bool(s.s3_secret_access_key):
        problems.append(
            "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both, or neither for AWS's own chain"
        )
    if s.llm_total_timeout_seconds >= s.reply_time_limit_seconds:
        problems.append("LLM_TOTAL_TIMEOUT_SECONDS must be shorter than REPLY_TIME_LIMIT_SECONDS")
    if "*" in s.cors_allow_origins and s.is_production:
        problems.append("CORS_ALLOW_ORIGINS=* is refused in production: list the origins of your web clients")
    if s.reply_lease_seconds <= s.reply_time_limit_seconds:
        problems.append("REPLY_LEASE_SECONDS must be longer than REPLY_TIME_LIMIT_SECONDS")
    if s.jwt_kid in s.jwt_previous_keys:
        problems.append("JWT_PREVIOUS_KEYS must not reuse the active JWT_KID")
    if not s.is_production:
        return problems
    if s.jwt_secret == DEV_JWT_SECRET:
        problems.append("JWT_SECRET must be set in production (at least 32 random bytes)")
    elif len(s.jwt_secret.encode()) < MIN_SECRET_BYTES:
        problems.append(f"JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
    if any(len(secret.encode()) < MIN_SECRET_BYTES for secret in s.jwt_previous_keys.values()):
        problems.append(f"every key in JWT_PREVIOUS_KEYS must be at least {MIN_SECRET_BYTES} bytes")
    if s.otp_delivery == "response":
        problems.append("OTP_DELIVERY=response would hand codes to anyone who asks; production refuses it")
    if s.otp_delivery == "log" and not s.otp_delivery_log_in_production:
        problems.append(
            "OTP_DELIVERY=log writes every live code into the log; production refuses it unless"
            " OTP_DELIVERY_LOG_IN_PRODUCTION=yes says that is meant (use twilio or webhook)"
        )
    if s.otp_delivery == "webhook" and len((s.otp_webhook_secret or "").encode()) < MIN_SECRET_BYTES:
        problems.append(f"OTP_WEBHOOK_SECRET must be at least {MIN_SECRET_BYTES} bytes in production")
    if s.password_hash_profile != "default":
        problems.append("PASSWORD_HASH_PROFILE=cheapest is for tests; production refuses it")
    if s.stripe_webhook_secret == DEV_STRIPE_WEBHOOK_SECRET:
        problems.append("STRIPE_WEBHOOK_SECRET must be set in production")
    return problems


def _model_problems(s: Settings) -> list[str]:
    if not s.llm_models:
        if s.llm_provider == "gemini" and not s.gemini_api_key:
            return ["LLM_PROVIDER=gemini needs GEMINI_API_KEY (or unset LLM_PROVIDER to use the fake model)"]
        if s.llm_provider == "openai" and not (s.openai_base_url and s.openai_model):
            return [
                "LLM_PROVIDER=openai needs OPENAI_BASE_URL and OPENAI_MODEL (OPENAI_API_KEY if the server wants one)"
            ]
    try:
        catalogue = model_catalogue(s)
    except ValueError as error:
        return [f"LLM_MODELS: {error}"]
    problems = []
    if "gemini" in catalogue.providers and not s.gemini_api_key:
        problems.append("LLM_MODELS offers gemini models but GEMINI_API_KEY is not set")
    if "openai" in catalogue.providers and not s.openai_base_url:
        problems.append(
            "LLM_MODELS offers openai models but OPENAI_BASE_URL is not set (OPENAI_API_KEY if the server wants one)"
        )
    return problems


def model_catalogue(s: Settings) -> ModelCatalogue:
    """The models the deployment offers: LLM_MODELS, or LLM_PROVIDER's one model (the fake
    offers two, one per plan, so the plan gate can be tried without a key). Raises
    ValueError naming the entry at fault."""
    text = (
        s.llm_models
        or {
            "fake": "fake:fake-flash:basic,fake:fake-pro:pro",
            "gemini": f"gemini:{s.gemini_model}:basic",
            "openai": f"openai:{s.openai_model}:basic",
        }[s.llm_provider]
    )
    offers: list[ModelOffer] = []
    defaults: dict[Tier, str] = {}
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            offer, is_default = _model_offer(entry, output_limit=s.llm_max_output_tokens)
        except ValueError as error:
            raise ValueError(f"entry {entry!r}: {error}; the form is {MODEL_ENTRY_FORM}") from None
        if any(listed.id == offer.id for listed in offers):
            raise ValueError(f"entry {entry!r}: {offer.id} is listed twice")
        offers.append(offer)
        if is_default:
            if offer.plan in defaults:
                raise ValueError(f"entry {entry!r}: the {offer.plan.value} plan already has a default")
            defaults[offer.plan] = offer.id
    return ModelCatalogue(offers, defaults)


MODEL_ENTRY_FORM = "provider:model:plan[:default][:attachments=yes|no][:name=...][:context=N][:output=N]"
# What a provider's models read when the entry does not say.
_CONTEXT_WINDOWS = {"gemini": 1_048_576, "openai": 128_000, "fake": 32_768}
_TAKES_ATTACHMENTS = {"gemini": True, "openai": False, "fake": True}
# Room for the longest message and every instruction besides the answer.
MIN_CONTEXT_BEYOND_OUTPUT = 4000


def _model_offer(entry: str, *, output_limit: int) -> tuple[ModelOffer, bool]:
    """One LLM_MODELS entry. The model's own name may hold colons (Ollama's
    ``llama3.1:8b``): it runs up to the first field that names a plan."""
    parts = [part.strip() for part in entry.split(":")]
    provider = parts[0].lower()
    if provider not in _CONTEXT_WINDOWS:
        raise ValueError(f"unknown provider {parts[0]!r} (use gemini, openai or fake)")
    plans = [index for index, part in enumerate(parts) if index >= 2 and part.lower() in Tier.__members__.values()]
    if not plans:
        raise ValueError("no plan (basic or pro) after the model name")
    model_id = ":".join(parts[1 : plans[0]])
    if not model_id or len(model_id) > MAX_MODEL_ID_LENGTH or any(c.isspace() or c in "/?#" for c in model_id):
        raise ValueError(f"{model_id!r} is not a model name")
    fields: dict[str, Any] = {
        "id": model_id,
        "provider": provider,
        "plan": Tier(parts[plans[0]].lower()),
        "display_name": display_name_of(model_id),
        "context_window": _CONTEXT_WINDOWS[provider],
        "output_limit": output_limit,
        "attachments": _TAKES_ATTACHMENTS[provider],
    }
    is_default = False
    for option in parts[plans[0] + 1 :]:
        name, sep, value = option.partition("=")
        if option == "default":
            is_default = True
        elif sep and name == "name" and value.strip():
            fields["display_name"] = value.strip()
        elif sep and name in ("context", "output") and value.isdigit() and int(value) > 0:
            fields["context_window" if name == "context" else "output_limit"] = int(value)
        elif sep and name == "attachments" and value in ("yes", "no"):
            fields["attachments"] = value == "yes"
        else:
            raise ValueError(f"unknown option {option!r}")
    if fields["context_window"] - fields["output_limit"] < MIN_CONTEXT_BEYOND_OUTPUT:
        raise ValueError(f"the context window must be at least {MIN_CONTEXT_BEYOND_OUTPUT} tokens beyond the output")
    return ModelOffer(**fields), is_default


def _otp_delivery_problems(s: Settings) -> list[str]:
    if s.otp_delivery is None:
        return [
            "OTP_DELIVERY must be set in production: twilio (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM)"
            " or webhook (OTP_WEBHOOK_URL, OTP_WEBHOOK_SECRET). For a local try, set APP_ENV=development"
        ]
    if s.otp_delivery == "twilio":
        missing = [
            name
            for name, value in (
                ("TWILIO_ACCOUNT_SID", s.twilio_account_sid),
                ("TWILIO_AUTH_TOKEN", s.twilio_auth_token),
                ("TWILIO_FROM", s.twilio_from),
            )
            if not value
        ]
        if missing:
            return [f"OTP_DELIVERY=twilio needs {', '.join(missing)}"]
    if s.otp_delivery == "webhook" and not (s.otp_webhook_url and s.otp_webhook_secret):
        return ["OTP_DELIVERY=webhook needs OTP_WEBHOOK_URL and OTP_WEBHOOK_SECRET (the HMAC key the gateway checks)"]
    return []
