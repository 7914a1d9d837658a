"""Configuration from environment variables (and an optional ``.env``), checked once at
start. A bad value stops the process with a message naming the variable and the fix."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from dotenv import dotenv_values

DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-in-production-0000"
DEV_STRIPE_WEBHOOK_SECRET = "whsec_dev_only_fake_webhook_secret"
MIN_SECRET_BYTES = 32
ENVIRONMENTS = ("development", "test", "production")

T = TypeVar("T")


class SettingsError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("Invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


OTP_DELIVERIES = ("response", "log", "twilio", "webhook")


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    # Unset means production: a deployment that forgets to say what it is gets the safe
    # behaviour. `make run`, the tests and docker compose say development explicitly.
    app_env: str = "production"
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = "http://127.0.0.1:8000"
    # "real": PostgreSQL, Redis and Dramatiq. "memory": everything in this process, for
    # tests and quick experiments (data is gone when it stops).
    adapters: str = "real"
    database_url: str | None = None
    redis_url: str | None = None
    jwt_secret: str = DEV_JWT_SECRET
    # Extra verification keys, "kid:secret,kid:secret": tokens signed with a retired key
    # stay valid until they expire. New tokens are signed with JWT_SECRET under JWT_KID.
    jwt_previous_keys: Mapping[str, str] = field(default_factory=dict)
    jwt_kid: str = "k1"
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    otp_delivery: str = "response"
    # OTP_DELIVERY=log writes live codes into the log; production takes it only on purpose.
    otp_delivery_log_in_production: bool = False
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from: str | None = None
    twilio_api_base: str = "https://api.twilio.com"
    otp_webhook_url: str | None = None
    otp_webhook_secret: str | None = None
    otp_ttl_seconds: int = 300
    # Code requests allowed per client address per 15 minutes (a shared NAT can need more).
    otp_sends_per_client: int = 30
    # Sign-in attempts (codes and passwords) per client address per 15 minutes.
    auth_attempts_per_client: int = 100
    # Failed attempts in a row on one number before it is refused (at most 100: NIST).
    auth_consecutive_failures: int = 50
    # For the whole service, every process together.
    logins_per_minute: int = 600
    sign_ups_per_minute: int = 120
    password_hash_profile: str = "default"
    # Threads that hash passwords (argon2id, 64 MiB each) and how many hashes may wait.
    password_hash_threads: int = 1
    password_hash_queue: int = 32
    # Proxies in front of the API that append to X-Forwarded-For; 0: use the peer address.
    trusted_proxy_hops: int = 0
    # Brakes on one user, whatever the tier.
    sends_per_minute: int = 30
    replies_in_flight_per_user: int = 10
    max_streams_per_session: int = 5
    redis_max_connections: int = 100
    redis_stream_connections: int = 500
    # /metrics on the public API needs "Authorization: Bearer <METRICS_TOKEN>"; without a
    # token it is served in development only.
    metrics_token: str | None = None
    basic_daily_limit: int = 5
    max_body_bytes: int = 64 * 1024
    context_token_budget: int = 8000
    llm_provider: str = "fake"
    fake_llm_chunks: int = 6
    fake_llm_chunk_delay: float = 0.05
    fake_llm_first_chunk_delay: float | None = None
    gemini_api_key: str | None = None
    gemini_model: str = "gemini-2.5-flash"
    gemini_base_url: str = "https://generativelanguage.googleapis.com"
    openai_api_key: str | None = None
    openai_model: str | None = None
    openai_base_url: str | None = None
    llm_system_instruction: str = "You are a helpful, concise assistant."
    llm_temperature: float = 0.7
    llm_max_output_tokens: int = 2048
    llm_connect_timeout_seconds: float = 5.0
    # Longest silence between two chunks, and longest whole call.
    llm_read_timeout_seconds: float = 30.0
    llm_total_timeout_seconds: float = 90.0
    stripe_secret_key: str | None = None
    stripe_price_id: str | None = None
    stripe_api_base: str | None = None
    stripe_webhook_secret: str = DEV_STRIPE_WEBHOOK_SECRET
    reply_max_attempts: int = 3
    reply_retry_backoff_seconds: float = 1.0
    reply_time_limit_seconds: int = 120
    reply_lease_seconds: int = 180
    sweep_interval_seconds: float = 15.0
    sweep_pending_grace_seconds: float = 30.0
    db_pool_size: int = 10
    db_max_overflow: int = 20
    sse_heartbeat_seconds: float = 15.0
    # Worst-case age of a per-process cached copy if an invalidation is lost (adapters.near_cache).
    near_cache_ttl_seconds: float = 30.0
    log_level: str = "INFO"
    # The worker serves its Prometheus metrics here (0: not at all).
    worker_metrics_port: int = 9191
    # json: one JSON object per line (production default); console: for people.
    log_format: str = "console"
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


class _Reader:
    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values
        self.problems: list[str] = []

    def raw(self, name: str) -> str | None:
        value = self.values.get(name)
        return None if value is None or value.strip() == "" else value.strip()

    def get(self, name: str, default: T, parse: Callable[[str], T], expected: str) -> T:
        value = self.raw(name)
        if value is None:
            return default
        try:
            return parse(value)
        except ValueError:
            self.problems.append(f"{name}={value!r} is not {expected}")
            return default

    def choice(self, name: str, default: str, options: tuple[str, ...]) -> str:
        value = (self.raw(name) or default).lower()
        if value not in options:
            self.problems.append(f"{name}={value!r}: use one of {', '.join(options)}")
            return default
        return value

    def positive_int(self, name: str, default: int) -> int:
        value = self.get(name, default, int, "a whole number")
        if value < 1:
            self.problems.append(f"{name}={value} must be at least 1")
        return value

    def seconds(self, name: str, default: float) -> float:
        value = self.get(name, default, float, "a number of seconds")
        if value < 0:
            self.problems.append(f"{name}={value} must not be negative")
        return value


def _key_set(raw: str) -> dict[str, str]:
    keys: dict[str, str] = {}
    for entry in raw.split(","):
        kid, sep, secret = entry.strip().partition(":")
        if not sep or not kid or not secret:
            raise ValueError(entry)
        keys[kid] = secret
    return keys


def load_settings(environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env") -> Settings:
    values: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    r = _Reader(values)

    app_env = r.choice("APP_ENV", "production", ENVIRONMENTS)
    host = r.raw("HOST") or "127.0.0.1"
    port = r.positive_int("PORT", 8000)
    gemini_api_key = r.raw("GEMINI_API_KEY")
    settings = Settings(
        app_env=app_env,
        host=host,
        port=port,
        public_url=(r.raw("PUBLIC_URL") or f"http://{host}:{port}").rstrip("/"),
        adapters=r.choice("ADAPTERS", "real", ("real", "memory")),
        database_url=r.raw("DATABASE_URL"),
        redis_url=r.raw("REDIS_URL"),
        jwt_secret=r.raw("JWT_SECRET") or DEV_JWT_SECRET,
        jwt_previous_keys=r.get("JWT_PREVIOUS_KEYS", {}, _key_set, "a list like kid:secret,kid:secret"),
        jwt_kid=r.raw("JWT_KID") or "k1",
        access_token_ttl_seconds=r.positive_int("ACCESS_TOKEN_TTL_SECONDS", 900),
        refresh_token_ttl_seconds=r.positive_int("REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600),
        otp_delivery=_otp_delivery(r, app_env),
        otp_delivery_log_in_production=r.choice("OTP_DELIVERY_LOG_IN_PRODUCTION", "no", ("yes", "no")) == "yes",
        twilio_account_sid=r.raw("TWILIO_ACCOUNT_SID"),
        twilio_auth_token=r.raw("TWILIO_AUTH_TOKEN"),
        twilio_from=r.raw("TWILIO_FROM"),
        twilio_api_base=r.raw("TWILIO_API_BASE") or "https://api.twilio.com",
        otp_webhook_url=r.raw("OTP_WEBHOOK_URL"),
        otp_webhook_secret=r.raw("OTP_WEBHOOK_SECRET"),
        otp_ttl_seconds=r.positive_int("OTP_TTL_SECONDS", 300),
        otp_sends_per_client=r.positive_int("OTP_SENDS_PER_CLIENT", 30),
        auth_attempts_per_client=r.positive_int("AUTH_ATTEMPTS_PER_CLIENT", 100),
        auth_consecutive_failures=r.positive_int("AUTH_CONSECUTIVE_FAILURES", 50),
        logins_per_minute=r.positive_int("LOGINS_PER_MINUTE", 600),
        sign_ups_per_minute=r.positive_int("SIGN_UPS_PER_MINUTE", 120),
        password_hash_profile=r.choice("PASSWORD_HASH_PROFILE", "default", ("default", "cheapest")),
        password_hash_threads=r.positive_int("PASSWORD_HASH_THREADS", 1),
        password_hash_queue=r.positive_int("PASSWORD_HASH_QUEUE", 32),
        trusted_proxy_hops=r.get("TRUSTED_PROXY_HOPS", 0, int, "a whole number"),
        sends_per_minute=r.positive_int("SENDS_PER_MINUTE", 30),
        replies_in_flight_per_user=r.positive_int("REPLIES_IN_FLIGHT_PER_USER", 10),
        max_streams_per_session=r.positive_int("MAX_STREAMS_PER_SESSION", 5),
        redis_max_connections=r.positive_int("REDIS_MAX_CONNECTIONS", 100),
        redis_stream_connections=r.positive_int("REDIS_STREAM_CONNECTIONS", 500),
        metrics_token=r.raw("METRICS_TOKEN"),
        basic_daily_limit=r.positive_int("BASIC_DAILY_LIMIT", 5),
        max_body_bytes=r.positive_int("MAX_BODY_BYTES", 64 * 1024),
        context_token_budget=r.positive_int("CONTEXT_TOKEN_BUDGET", 8000),
        llm_provider=r.choice("LLM_PROVIDER", "gemini" if gemini_api_key else "fake", ("gemini", "openai", "fake")),
        fake_llm_chunks=r.positive_int("FAKE_LLM_CHUNKS", 6),
        fake_llm_chunk_delay=r.seconds("FAKE_LLM_CHUNK_DELAY", 0.05),
        fake_llm_first_chunk_delay=r.get("FAKE_LLM_FIRST_CHUNK_DELAY", None, float, "a number of seconds"),
        gemini_api_key=gemini_api_key,
        gemini_model=r.raw("GEMINI_MODEL") or "gemini-2.5-flash",
        gemini_base_url=r.raw("GEMINI_BASE_URL") or "https://generativelanguage.googleapis.com",
        openai_api_key=r.raw("OPENAI_API_KEY"),
        openai_model=r.raw("OPENAI_MODEL"),
        openai_base_url=r.raw("OPENAI_BASE_URL"),
        llm_system_instruction=r.raw("LLM_SYSTEM_INSTRUCTION") or "You are a helpful, concise assistant.",
        llm_temperature=r.get("LLM_TEMPERATURE", 0.7, float, "a number"),
        llm_max_output_tokens=r.positive_int("LLM_MAX_OUTPUT_TOKENS", 2048),
        llm_connect_timeout_seconds=r.seconds("LLM_CONNECT_TIMEOUT_SECONDS", 5.0),
        llm_read_timeout_seconds=r.seconds("LLM_READ_TIMEOUT_SECONDS", 30.0),
        llm_total_timeout_seconds=r.seconds("LLM_TOTAL_TIMEOUT_SECONDS", 90.0),
        stripe_secret_key=r.raw("STRIPE_SECRET_KEY"),
        stripe_price_id=r.raw("STRIPE_PRICE_ID"),
        stripe_api_base=r.raw("STRIPE_API_BASE"),
        stripe_webhook_secret=r.raw("STRIPE_WEBHOOK_SECRET") or DEV_STRIPE_WEBHOOK_SECRET,
        reply_max_attempts=r.positive_int("REPLY_MAX_ATTEMPTS", 3),
        reply_retry_backoff_seconds=r.seconds("REPLY_RETRY_BACKOFF_SECONDS", 1.0),
        reply_time_limit_seconds=r.positive_int("REPLY_TIME_LIMIT_SECONDS", 120),
        reply_lease_seconds=r.positive_int("REPLY_LEASE_SECONDS", 180),
        sweep_interval_seconds=r.seconds("SWEEP_INTERVAL_SECONDS", 15.0),
        sweep_pending_grace_seconds=r.seconds("SWEEP_PENDING_GRACE_SECONDS", 30.0),
        db_pool_size=r.positive_int("DB_POOL_SIZE", 10),
        db_max_overflow=r.get("DB_MAX_OVERFLOW", 20, int, "a whole number"),
        sse_heartbeat_seconds=r.seconds("SSE_HEARTBEAT_SECONDS", 15.0),
        near_cache_ttl_seconds=r.seconds("NEAR_CACHE_TTL_SECONDS", 30.0),
        worker_metrics_port=r.get("WORKER_METRICS_PORT", 9191, int, "a port number"),
        log_level=r.choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error")).upper(),
        log_format=r.choice("LOG_FORMAT", "json" if app_env == "production" else "console", ("json", "console")),
        cors_allow_origins=tuple(
            origin.strip().rstrip("/") for origin in (r.raw("CORS_ALLOW_ORIGINS") or "").split(",") if origin.strip()
        ),
    )
    problems = r.problems + _unsafe_choices(settings)
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


def _otp_delivery(r: _Reader, app_env: str) -> str:
    if r.raw("OTP_DELIVERY"):
        return r.choice("OTP_DELIVERY", "response", OTP_DELIVERIES)
    if r.raw("TWILIO_ACCOUNT_SID"):
        return "twilio"
    if r.raw("OTP_WEBHOOK_URL"):
        return "webhook"
    # Production has no default: _otp_delivery_problems names OTP_DELIVERY.
    return "" if app_env == "production" else "response"


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
    if s.trusted_proxy_hops < 0:
        problems.append("TRUSTED_PROXY_HOPS must not be negative")
    if s.auth_consecutive_failures > 100:
        problems.append("AUTH_CONSECUTIVE_FAILURES must be at most 100 (NIST SP 800-63B §5.2.2)")
    if s.stripe_secret_key and s.stripe_webhook_secret == DEV_STRIPE_WEBHOOK_SECRET:
        problems.append(
            "STRIPE_WEBHOOK_SECRET must be set whenever STRIPE_SECRET_KEY is: the development secret is in the"
            " source code, so anyone could sign webhooks with it (`stripe listen` prints a whsec_... secret)"
        )
    if s.stripe_secret_key and not s.stripe_price_id:
        problems.append("STRIPE_SECRET_KEY is set but STRIPE_PRICE_ID is not: name the Pro plan's price (price_...)")
    if s.is_production and not s.stripe_secret_key:
        problems.append("STRIPE_SECRET_KEY must be set in production (the fake payment provider is for development)")
    if s.llm_provider == "gemini" and not s.gemini_api_key:
        problems.append("LLM_PROVIDER=gemini needs GEMINI_API_KEY (or unset LLM_PROVIDER to use the fake model)")
    if s.llm_provider == "openai" and not (s.openai_base_url and s.openai_model):
        problems.append(
            "LLM_PROVIDER=openai needs OPENAI_BASE_URL and OPENAI_MODEL (OPENAI_API_KEY if the server wants one)"
        )
    if s.llm_total_timeout_seconds >= s.reply_time_limit_seconds:
        problems.append("LLM_TOTAL_TIMEOUT_SECONDS must be shorter than REPLY_TIME_LIMIT_SECONDS")
    if "*" in s.cors_allow_origins and s.is_production:
        problems.append("CORS_ALLOW_ORIGINS=* is refused in production: list the origins of your web clients")
    if s.reply_lease_seconds <= s.reply_time_limit_seconds:
        problems.append("REPLY_LEASE_SECONDS must be longer than REPLY_TIME_LIMIT_SECONDS")
    if s.context_token_budget < 4000:
        problems.append("CONTEXT_TOKEN_BUDGET must be at least 4000, so the longest allowed message fits")
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


def _otp_delivery_problems(s: Settings) -> list[str]:
    if s.otp_delivery == "":
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
