"""The composition root, read as a wiring diagram:

    Services ─────────────┐
                          ├──> UseCases  (one provider per use case)
    RealAdapters    ─┐    │
      or            ─┴────┘
    InMemoryAdapters

``Services`` are the same whatever stores the process runs on; the two adapter sets
offer the same attribute names (transactions, limiter, invalidations, reply_events, cancellations,
job_queue, files, probes, open, close), and ``build_container`` chooses one, once. Only this
module (and the worker/CLI bootstraps) import adapters. The provider graph is
synchronous; connections are opened and closed by ``open``/``close`` of each part.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Literal

from dependency_injector import containers, providers

from adapters.archives.zip import ZipArchives
from adapters.dramatiq.queue import DramatiqJobQueue, create_broker
from adapters.files.local import LocalFileStore
from adapters.files.s3 import S3FileStore, S3Settings
from adapters.llm.gemini import GeminiLanguageModel
from adapters.llm.openai import OpenAICompatibleLanguageModel
from adapters.llm.router import ModelRouter
from adapters.llm.wire import ModelHttpSettings, create_http_client
from adapters.media.inspector import FileInspector
from adapters.memory.cancellations import InMemoryReplyCancellations
from adapters.memory.files import InMemoryFileStore
from adapters.memory.invalidations import InMemoryInvalidationBus, InMemoryInvalidationFeed
from adapters.memory.job_queue import InMemoryJobQueue
from adapters.memory.language_model import FakeLanguageModel
from adapters.memory.payments import FakePaymentGateway
from adapters.memory.probes import InMemoryProbe
from adapters.memory.rate_limiter import InMemoryRateLimiter
from adapters.memory.reply_events import InMemoryReplyEventStream
from adapters.memory.tables import InMemoryDatabase
from adapters.memory.unit_of_work import InMemoryUnitOfWorkFactory
from adapters.near_cache.store import NearStore
from adapters.near_cache.unit_of_work import CachingUnitOfWorkFactory
from adapters.otp.senders import (
    LogOtpSender,
    ResponseOtpSender,
    TwilioOtpSender,
    TwilioSettings,
    WebhookOtpSender,
)
from adapters.otp.senders import create_http_client as create_otp_http_client
from adapters.postgres.engine import create_engine
from adapters.postgres.migrate import ensure_schema_is_current
from adapters.postgres.probe import PostgresProbe
from adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from adapters.prometheus.telemetry import PrometheusTelemetry
from adapters.redis.cancellations import RedisReplyCancellations
from adapters.redis.client import create_client
from adapters.redis.invalidations import RedisInvalidationFeed
from adapters.redis.probe import RedisProbe
from adapters.redis.rate_limiter import RedisRateLimiter
from adapters.redis.reply_events import RedisReplyEventStream
from adapters.security.otp_hashing import HmacOtpHasher
from adapters.security.passwords import Argon2PasswordHasher
from adapters.security.tokens import JwtSettings, JwtTokenService
from adapters.stripe.gateway import StripePaymentGateway
from adapters.stripe.gateway import create_client as create_stripe_client
from adapters.stripe.gateway import create_http_client as create_stripe_http_client
from adapters.system.clock import SystemClock
from adapters.system.ids import Uuid7Generator
from application.services.live_sessions import LiveSessions
from application.services.one_time_codes import OneTimeCodes, OtpPolicy
from application.services.reply_requests import ReplyRequests, SendPolicy
from application.services.throttles import AuthThrottle, ThrottlePolicy
from application.use_cases.administer_users import CreateUser, ResetDailyUsage, SetTier, ShowUser
from application.use_cases.authenticate import Authenticate
from application.use_cases.cancel_reply import CancelReply
from application.use_cases.change_password import ChangePassword
from application.use_cases.check_readiness import CheckReadiness
from application.use_cases.complete_test_checkout import CompleteTestCheckout
from application.use_cases.configure_chatroom import ConfigureChatroom
from application.use_cases.continue_reply import ContinueReply
from application.use_cases.create_chatroom import CreateChatroom
from application.use_cases.delete_account import DeleteAccount
from application.use_cases.delete_chatroom import DeleteChatroom, SweepTemporaryChatrooms
from application.use_cases.export_chats import DownloadExport, GetExport, RequestExport, SweepExports, WriteExport
from application.use_cases.forgot_password import ForgotPassword
from application.use_cases.fork_chatroom import ForkChatroom
from application.use_cases.generate_reply import ContextPolicy, GenerateReply, GenerationPolicy
from application.use_cases.get_chatroom import GetChatroom
from application.use_cases.get_instructions import GetInstructions
from application.use_cases.get_message import GetMessage
from application.use_cases.get_model_choices import GetModelChoices
from application.use_cases.get_model_usage import GetModelUsage
from application.use_cases.get_profile import GetProfile
from application.use_cases.get_subscription_status import GetSubscriptionStatus
from application.use_cases.get_usage import GetUsage
from application.use_cases.handle_payment_event import HandlePaymentEvent
from application.use_cases.import_chats import ImportChats
from application.use_cases.list_chatrooms import ListChatrooms
from application.use_cases.list_messages import ListMessages
from application.use_cases.log_in import LogIn
from application.use_cases.log_out import LogOut
from application.use_cases.manage_gems import CreateGem, DeleteGem, EditGem, GetGem, ListGems
from application.use_cases.manage_uploads import (
    AllowUpload,
    DeleteUpload,
    FinishFileDeletions,
    GetUpload,
    StoreUpload,
    SweepUnattachedUploads,
    UploadSweepPolicy,
)
from application.use_cases.open_billing_portal import OpenBillingPortal
from application.use_cases.organise_chatroom import OrganiseChatroom
from application.use_cases.rate_reply import RateReply
from application.use_cases.refresh_tokens import RefreshTokens
from application.use_cases.regenerate_reply import RegenerateReply
from application.use_cases.rename_chatroom import RenameChatroom
from application.use_cases.requeue_stalled_replies import RequeueStalledReplies, SweepPolicy
from application.use_cases.reset_password import ResetPassword
from application.use_cases.retry_failed_replies import RetryFailedReplies
from application.use_cases.search_chats import SearchChats
from application.use_cases.send_confirmation_code import SendConfirmationCode
from application.use_cases.send_message import SendMessage
from application.use_cases.send_otp import SendOtp
from application.use_cases.set_instructions import SetInstructions
from application.use_cases.share_chats import (
    CopySharedChat,
    ListShares,
    OpenShare,
    RevokeShare,
    ShareChatroom,
    SharePolicy,
)
from application.use_cases.sign_up import SignUp
from application.use_cases.stream_reply import StreamPolicy, StreamReply
from application.use_cases.switch_branch import SwitchBranch
from application.use_cases.upgrade_to_pro import UpgradeToPro
from application.use_cases.verify_otp import VerifyOtp
from application.use_cases.verify_sign_up import VerifySignUp
from domain.models import ModelCatalogue
from domain.quota import DailyQuota
from domain.uploads import UploadLimits
from entrypoints.metrics import MetricsExporter
from entrypoints.settings import Settings, model_catalogue


def _jwt_settings(settings: Settings) -> JwtSettings:
    return JwtSettings(
        keys={**settings.jwt_previous_keys, settings.jwt_kid: settings.jwt_secret},
        active_kid=settings.jwt_kid,
        access_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
        refresh_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds),
    )


def _otp_pepper(settings: Settings) -> bytes:
    # Derived rather than configured separately: one fewer secret to manage, and
    # rotating JWT_SECRET only voids the codes in flight.
    return hmac.new(settings.jwt_secret.encode(), b"otp-pepper", hashlib.sha256).digest()


def _twilio_settings(settings: Settings) -> TwilioSettings:
    return TwilioSettings(
        account_sid=settings.twilio_account_sid or "",
        auth_token=settings.twilio_auth_token or "",
        sender=settings.twilio_from or "",
        api_base=settings.twilio_api_base,
    )


def _s3_settings(settings: Settings) -> S3Settings:
    return S3Settings(
        bucket=settings.s3_bucket or "",
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=settings.s3_secret_access_key,
    )


def _model_settings(settings: Settings, *, base_url: str, api_key: str | None, model: str) -> ModelHttpSettings:
    return ModelHttpSettings(
        base_url=base_url,
        api_key=api_key,
        model=model,
        temperature=settings.llm_temperature,
        max_output_tokens=settings.llm_max_output_tokens,
        total_timeout=settings.llm_total_timeout_seconds,
    )


def _gemini_settings(settings: Settings) -> ModelHttpSettings:
    return _model_settings(
        settings, base_url=settings.gemini_base_url, api_key=settings.gemini_api_key, model=settings.gemini_model
    )


def _openai_settings(settings: Settings) -> ModelHttpSettings:
    return _model_settings(
        settings,
        base_url=settings.openai_base_url or "",
        api_key=settings.openai_api_key,
        model=settings.openai_model or "",
    )


class Services(containers.DeclarativeContainer):
    """What every process uses, on whichever adapter set it runs."""

    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(Uuid7Generator)
    passwords = providers.Singleton(
        Argon2PasswordHasher,
        profile=settings.provided.password_hash_profile,
        threads=settings.provided.password_hash_threads,
        max_waiting=settings.provided.password_hash_queue,
    )
    otp_hasher = providers.Singleton(HmacOtpHasher, pepper=providers.Callable(_otp_pepper, settings))
    tokens = providers.Singleton(JwtTokenService, providers.Callable(_jwt_settings, settings), clock)
    otp_http = providers.Singleton(create_otp_http_client)
    otp_sender = providers.Selector(
        settings.provided.otp_delivery,
        response=providers.Singleton(ResponseOtpSender),
        log=providers.Singleton(LogOtpSender),
        twilio=providers.Singleton(TwilioOtpSender, otp_http, providers.Callable(_twilio_settings, settings)),
        webhook=providers.Singleton(
            WebhookOtpSender,
            otp_http,
            url=settings.provided.otp_webhook_url,
            secret=settings.provided.otp_webhook_secret,
        ),
    )
    telemetry = providers.Singleton(PrometheusTelemetry)
    inspector = providers.Singleton(FileInspector)
    archives = providers.Singleton(ZipArchives)
    # Per-process copies of hot reads (adapters.near_cache), fed by the adapters' invalidations.
    near_store = providers.Singleton(NearStore, ttl_seconds=settings.provided.near_cache_ttl_seconds)
    llm_http = providers.Singleton(
        create_http_client,
        connect_timeout=settings.provided.llm_connect_timeout_seconds,
        read_timeout=settings.provided.llm_read_timeout_seconds,
    )
    models = providers.Singleton(model_catalogue, settings)
    fake_model = providers.Singleton(
        FakeLanguageModel,
        chunks=settings.provided.fake_llm_chunks,
        chunk_delay=settings.provided.fake_llm_chunk_delay,
        first_chunk_delay=settings.provided.fake_llm_first_chunk_delay,
    )
    # The adapter set's FileStore (given by build_container): models read attachments from it.
    files: providers.Dependency[Any] = providers.Dependency()
    gemini_model = providers.Singleton(
        GeminiLanguageModel,
        llm_http,
        providers.Callable(_gemini_settings, settings),
        files,
        inline_max_bytes=settings.provided.gemini_inline_max_bytes,
    )
    openai_model = providers.Singleton(
        OpenAICompatibleLanguageModel, llm_http, providers.Callable(_openai_settings, settings), files
    )
    # Each model of the catalogue answered by its provider's adapter (only those it uses are made).
    language_model = providers.Singleton(
        lambda models, **adapters: ModelRouter(models, {name: adapters[name]() for name in models.providers}),
        models,
        fake=fake_model.provider,
        gemini=gemini_model.provider,
        openai=openai_model.provider,
    )
    fake_payments = providers.Singleton(
        FakePaymentGateway,
        clock=clock,
        webhook_secret=settings.provided.stripe_webhook_secret,
        public_url=settings.provided.public_url,
    )
    stripe_http = providers.Singleton(create_stripe_http_client)
    stripe_client = providers.Singleton(
        create_stripe_client,
        settings.provided.stripe_secret_key,
        api_base=settings.provided.stripe_api_base,
        http_client=stripe_http,
    )
    payments = providers.Selector(
        providers.Callable(lambda s: s.payment_provider, settings),
        fake=fake_payments,
        stripe=providers.Singleton(
            StripePaymentGateway,
            stripe_client,
            price_id=settings.provided.stripe_price_id,
            webhook_secret=settings.provided.stripe_webhook_secret,
            public_url=settings.provided.public_url,
            clock=clock,
        ),
    )
    close = providers.Callable(
        lambda models, settings, passwords, otp_http, llm_http, stripe_http: _close_services(
            models, settings, passwords, otp_http, llm_http, stripe_http
        ),
        models,
        settings,
        passwords.provider,
        otp_http.provider,
        llm_http.provider,
        stripe_http.provider,
    )


async def _close_services(
    models: ModelCatalogue,
    settings: Settings,
    passwords: Callable[[], Any],
    otp_http: Callable[[], Any],
    llm_http: Callable[[], Any],
    stripe_http: Callable[[], Any],
) -> None:
    """Close only what this configuration uses (the others were never opened)."""
    passwords().close()
    if settings.otp_delivery in ("twilio", "webhook"):
        await otp_http().aclose()
    if models.providers - {"fake"}:
        await llm_http().aclose()
    if settings.payment_provider == "stripe":
        await stripe_http().close_async()


class RealAdapters(containers.DeclarativeContainer):
    """PostgreSQL, Redis and Dramatiq."""

    settings = providers.Dependency(instance_of=Settings)
    services = providers.DependenciesContainer()

    engine = providers.Singleton(
        create_engine,
        settings.provided.database_url,
        pool_size=settings.provided.db_pool_size,
        max_overflow=settings.provided.db_max_overflow,
    )
    redis = providers.Singleton(
        create_client,
        settings.provided.redis_url,
        socket_timeout=2.0,
        max_connections=settings.provided.redis_max_connections,
    )
    # Readers of reply streams block for up to a heartbeat; their socket timeout must be longer.
    redis_streams = providers.Singleton(
        create_client,
        settings.provided.redis_url,
        socket_timeout=providers.Callable(lambda s: s.sse_heartbeat_seconds + 5.0, settings),
        max_connections=settings.provided.redis_stream_connections,
    )
    broker = providers.Singleton(create_broker, settings.provided.redis_url)

    transactions = providers.Singleton(PostgresUnitOfWorkFactory, engine)
    limiter = providers.Singleton(RedisRateLimiter, redis, services.clock)
    invalidations = providers.Singleton(RedisInvalidationFeed, redis, services.near_store)
    reply_events = providers.Singleton(RedisReplyEventStream, redis_streams)
    cancellations = providers.Singleton(RedisReplyCancellations, redis)
    job_queue = providers.Singleton(DramatiqJobQueue, broker)
    files = providers.Selector(
        settings.provided.file_store,
        local=providers.Singleton(LocalFileStore, settings.provided.files_dir),
        s3=providers.Singleton(S3FileStore, providers.Callable(_s3_settings, settings)),
    )
    probes = providers.List(providers.Singleton(PostgresProbe, engine), providers.Singleton(RedisProbe, redis))

    open = providers.Callable(lambda engine: ensure_schema_is_current(engine()), engine.provider)
    close = providers.Callable(
        lambda *parts: _close_real(*parts),
        settings,
        files.provider,
        invalidations.provider,
        engine.provider,
        redis.provider,
        redis_streams.provider,
        broker.provider,
    )


async def _close_real(
    settings: Settings,
    files: Callable[[], Any],
    invalidations: Callable[[], Any],
    engine: Callable[[], Any],
    redis: Callable[[], Any],
    redis_streams: Callable[[], Any],
    broker: Callable[[], Any],
) -> None:
    await invalidations().stop()
    await engine().dispose()
    for client in (redis(), redis_streams()):
        with contextlib.suppress(Exception):
            await client.aclose()
    broker().close()
    if settings.file_store == "s3":
        await files().close()


class InMemoryAdapters(containers.DeclarativeContainer):
    """Everything in this process: for tests and quick experiments (nothing is kept)."""

    settings = providers.Dependency(instance_of=Settings)
    services = providers.DependenciesContainer()
    # The use case the in-process job queue runs (GenerateReply), given by build_container.
    reply_writer: providers.Dependency[Any] = providers.Dependency()
    export_writer: providers.Dependency[Any] = providers.Dependency()

    database = providers.Singleton(InMemoryDatabase)
    invalidation_bus = providers.Singleton(InMemoryInvalidationBus)

    transactions = providers.Singleton(InMemoryUnitOfWorkFactory, database)
    limiter = providers.Singleton(InMemoryRateLimiter, services.clock)
    invalidations = providers.Singleton(InMemoryInvalidationFeed, invalidation_bus, services.near_store)
    reply_events = providers.Singleton(InMemoryReplyEventStream)
    cancellations = providers.Singleton(InMemoryReplyCancellations)
    files = providers.Singleton(InMemoryFileStore)
    job_queue = providers.Singleton(
        InMemoryJobQueue,
        reply_writer=reply_writer.provider,
        export_writer=export_writer.provider,
        max_attempts=settings.provided.reply_max_attempts,
        backoff_seconds=settings.provided.reply_retry_backoff_seconds,
    )
    probes = providers.List(providers.Singleton(InMemoryProbe, "database"), providers.Singleton(InMemoryProbe, "redis"))

    open = providers.Callable(lambda: _nothing_to_open())
    close = providers.Callable(
        lambda invalidations, job_queue: _close_memory(invalidations, job_queue),
        invalidations.provider,
        job_queue.provider,
    )


async def _nothing_to_open() -> None:
    return None


async def _close_memory(invalidations: Callable[[], Any], job_queue: Callable[[], Any]) -> None:
    await invalidations().stop()
    await job_queue().close()


class UseCases(containers.DeclarativeContainer):
    """One provider per use case (every Factory here is one), over either adapter set."""

    settings = providers.Dependency(instance_of=Settings)
    services = providers.Container(Services, settings=settings)
    # RealAdapters or InMemoryAdapters, chosen by build_container.
    adapters = providers.DependenciesContainer()

    # Rules and policies
    quota = providers.Singleton(DailyQuota, basic_limit=settings.provided.basic_daily_limit)
    otp_policy = providers.Singleton(
        OtpPolicy, ttl=providers.Callable(lambda s: timedelta(seconds=s.otp_ttl_seconds), settings)
    )
    throttle_policy = providers.Singleton(
        ThrottlePolicy,
        code_sends_per_client=settings.provided.otp_sends_per_client,
        attempts_per_client=settings.provided.auth_attempts_per_client,
        consecutive_failures=settings.provided.auth_consecutive_failures,
        password_logins_per_minute=settings.provided.logins_per_minute,
        sign_ups_per_minute=settings.provided.sign_ups_per_minute,
    )
    context_policy = providers.Singleton(
        ContextPolicy,
        token_budget=settings.provided.context_token_budget,
        system_instruction=settings.provided.llm_system_instruction,
    )
    upload_limits = providers.Singleton(
        UploadLimits,
        basic_max_bytes=settings.provided.upload_max_bytes_basic,
        pro_max_bytes=settings.provided.upload_max_bytes_pro,
        basic_per_day=settings.provided.uploads_per_day_basic,
        pro_per_day=settings.provided.uploads_per_day_pro,
    )
    generation_policy = providers.Singleton(
        GenerationPolicy, lease=providers.Callable(lambda s: timedelta(seconds=s.reply_lease_seconds), settings)
    )
    stream_policy = providers.Singleton(
        StreamPolicy,
        heartbeat_seconds=settings.provided.sse_heartbeat_seconds,
        max_per_session=settings.provided.max_streams_per_session,
    )
    send_policy = providers.Singleton(
        SendPolicy,
        sends_per_minute=settings.provided.sends_per_minute,
        replies_in_flight=settings.provided.replies_in_flight_per_user,
    )
    sweep_policy = providers.Singleton(
        SweepPolicy,
        pending_grace=providers.Callable(lambda s: timedelta(seconds=s.sweep_pending_grace_seconds), settings),
    )

    # Shared by use cases. Every unit of work serves hot reads from this process's copies
    # and drops, everywhere, every change to a user's data after its commit.
    uow = providers.Singleton(
        CachingUnitOfWorkFactory, adapters.transactions, services.near_store, adapters.invalidations
    )
    one_time_codes = providers.Singleton(
        OneTimeCodes,
        clock=services.clock,
        ids=services.ids,
        hasher=services.otp_hasher,
        sender=services.otp_sender,
        policy=otp_policy,
    )
    auth_throttle = providers.Singleton(AuthThrottle, limiter=adapters.limiter, policy=throttle_policy)
    live_sessions = providers.Singleton(LiveSessions, uow=uow, clock=services.clock)

    # Signing in
    authenticate = providers.Factory(Authenticate, tokens=services.tokens, sessions=live_sessions)
    sign_up = providers.Factory(
        SignUp, uow=uow, codes=one_time_codes, throttle=auth_throttle, passwords=services.passwords
    )
    verify_sign_up = providers.Factory(
        VerifySignUp,
        uow=uow,
        clock=services.clock,
        ids=services.ids,
        codes=one_time_codes,
        throttle=auth_throttle,
        tokens=services.tokens,
    )
    send_otp = providers.Factory(SendOtp, uow=uow, codes=one_time_codes, throttle=auth_throttle)
    verify_otp = providers.Factory(
        VerifyOtp,
        uow=uow,
        clock=services.clock,
        ids=services.ids,
        codes=one_time_codes,
        throttle=auth_throttle,
        tokens=services.tokens,
    )
    log_in = providers.Factory(
        LogIn,
        uow=uow,
        clock=services.clock,
        ids=services.ids,
        passwords=services.passwords,
        throttle=auth_throttle,
        tokens=services.tokens,
    )
    refresh_tokens = providers.Factory(RefreshTokens, uow=uow, clock=services.clock, tokens=services.tokens)
    log_out = providers.Factory(LogOut, uow=uow, clock=services.clock)
    forgot_password = providers.Factory(ForgotPassword, uow=uow, codes=one_time_codes, throttle=auth_throttle)
    reset_password = providers.Factory(
        ResetPassword,
        uow=uow,
        clock=services.clock,
        codes=one_time_codes,
        throttle=auth_throttle,
        passwords=services.passwords,
    )
    send_confirmation_code = providers.Factory(
        SendConfirmationCode, uow=uow, codes=one_time_codes, throttle=auth_throttle
    )
    change_password = providers.Factory(
        ChangePassword,
        uow=uow,
        clock=services.clock,
        ids=services.ids,
        codes=one_time_codes,
        throttle=auth_throttle,
        passwords=services.passwords,
        tokens=services.tokens,
    )
    delete_account = providers.Factory(
        DeleteAccount,
        uow=uow,
        codes=one_time_codes,
        throttle=auth_throttle,
        payments=services.payments,
        files=adapters.files,
    )

    # The signed-in user
    get_profile = providers.Factory(GetProfile, uow=uow)
    get_instructions = providers.Factory(GetInstructions, uow=uow)
    get_model_usage = providers.Factory(GetModelUsage, uow=uow, clock=services.clock)
    set_instructions = providers.Factory(SetInstructions, uow=uow, clock=services.clock)
    get_usage = providers.Factory(GetUsage, uow=uow, clock=services.clock, quota=quota)

    # Chatrooms and replies
    get_model_choices = providers.Factory(GetModelChoices, uow=uow, models=services.models)
    create_chatroom = providers.Factory(
        CreateChatroom, uow=uow, clock=services.clock, ids=services.ids, models=services.models
    )
    list_chatrooms = providers.Factory(ListChatrooms, uow=uow)
    get_chatroom = providers.Factory(GetChatroom, uow=uow)
    rename_chatroom = providers.Factory(RenameChatroom, uow=uow, clock=services.clock)
    configure_chatroom = providers.Factory(ConfigureChatroom, uow=uow, clock=services.clock, models=services.models)
    create_gem = providers.Factory(CreateGem, uow=uow, clock=services.clock, ids=services.ids, models=services.models)
    list_gems = providers.Factory(ListGems, uow=uow)
    get_gem = providers.Factory(GetGem, uow=uow)
    edit_gem = providers.Factory(EditGem, uow=uow, clock=services.clock, models=services.models)
    delete_gem = providers.Factory(DeleteGem, uow=uow)
    delete_chatroom = providers.Factory(DeleteChatroom, uow=uow, files=adapters.files)
    organise_chatroom = providers.Factory(OrganiseChatroom, uow=uow)
    search_chats = providers.Factory(SearchChats, uow=uow)
    share_policy = providers.Singleton(SharePolicy, base_url=settings.provided.public_url)
    share_chatroom = providers.Factory(ShareChatroom, uow=uow, clock=services.clock, policy=share_policy)
    list_shares = providers.Factory(ListShares, uow=uow, policy=share_policy)
    revoke_share = providers.Factory(RevokeShare, uow=uow)
    open_share = providers.Factory(OpenShare, uow=uow)
    copy_shared_chat = providers.Factory(CopySharedChat, uow=uow, clock=services.clock, ids=services.ids)
    request_export = providers.Factory(
        RequestExport,
        uow=uow,
        clock=services.clock,
        ids=services.ids,
        jobs=adapters.job_queue,
        limiter=adapters.limiter,
    )
    get_export = providers.Factory(GetExport, uow=uow, clock=services.clock)
    download_export = providers.Factory(DownloadExport, uow=uow, clock=services.clock, files=adapters.files)
    write_export = providers.Factory(
        WriteExport, uow=uow, clock=services.clock, files=adapters.files, archives=services.archives
    )
    sweep_exports = providers.Factory(SweepExports, uow=uow, clock=services.clock, files=adapters.files)
    import_chats = providers.Factory(
        ImportChats,
        uow=uow,
        clock=services.clock,
        ids=services.ids,
        archives=services.archives,
        files=adapters.files,
        inspector=services.inspector,
        limiter=adapters.limiter,
    )
    sweep_temporary_chatrooms = providers.Factory(
        SweepTemporaryChatrooms, uow=uow, clock=services.clock, files=adapters.files
    )
    allow_upload = providers.Factory(
        AllowUpload, uow=uow, clock=services.clock, limiter=adapters.limiter, limits=upload_limits
    )
    store_upload = providers.Factory(
        StoreUpload,
        uow=uow,
        clock=services.clock,
        ids=services.ids,
        files=adapters.files,
        inspector=services.inspector,
    )
    get_upload = providers.Factory(GetUpload, uow=uow, files=adapters.files)
    upload_sweep_policy = providers.Singleton(UploadSweepPolicy)
    sweep_unattached_uploads = providers.Factory(
        SweepUnattachedUploads, uow=uow, clock=services.clock, files=adapters.files, policy=upload_sweep_policy
    )
    finish_file_deletions = providers.Factory(
        FinishFileDeletions, uow=uow, files=adapters.files, policy=upload_sweep_policy
    )
    delete_upload = providers.Factory(DeleteUpload, uow=uow, files=adapters.files)
    # Not a use case (a Singleton): the door every request for a reply goes through.
    reply_requests = providers.Singleton(
        ReplyRequests,
        uow=uow,
        clock=services.clock,
        ids=services.ids,
        quota=quota,
        queue=adapters.job_queue,
        limiter=adapters.limiter,
        policy=send_policy,
    )
    send_message = providers.Factory(SendMessage, requests=reply_requests, ids=services.ids, models=services.models)
    regenerate_reply = providers.Factory(RegenerateReply, requests=reply_requests, ids=services.ids)
    continue_reply = providers.Factory(ContinueReply, requests=reply_requests, ids=services.ids)
    cancel_reply = providers.Factory(
        CancelReply,
        uow=uow,
        clock=services.clock,
        events=adapters.reply_events,
        cancellations=adapters.cancellations,
    )
    switch_branch = providers.Factory(SwitchBranch, uow=uow)
    fork_chatroom = providers.Factory(ForkChatroom, uow=uow, clock=services.clock, ids=services.ids)
    rate_reply = providers.Factory(RateReply, uow=uow, telemetry=services.telemetry)
    get_message = providers.Factory(GetMessage, uow=uow)
    list_messages = providers.Factory(ListMessages, uow=uow)
    stream_reply = providers.Factory(
        StreamReply,
        uow=uow,
        events=adapters.reply_events,
        policy=stream_policy,
        limiter=adapters.limiter,
        sessions=live_sessions,
        ids=services.ids,
    )
    generate_reply = providers.Factory(
        GenerateReply,
        uow=uow,
        clock=services.clock,
        model=services.language_model,
        models=services.models,
        events=adapters.reply_events,
        cancellations=adapters.cancellations,
        context=context_policy,
        generation=generation_policy,
        telemetry=services.telemetry,
    )
    requeue_stalled_replies = providers.Factory(
        RequeueStalledReplies, uow=uow, clock=services.clock, queue=adapters.job_queue, policy=sweep_policy
    )

    # Pro
    upgrade_to_pro = providers.Factory(UpgradeToPro, uow=uow, payments=services.payments)
    open_billing_portal = providers.Factory(OpenBillingPortal, uow=uow, payments=services.payments)
    get_subscription_status = providers.Factory(GetSubscriptionStatus, uow=uow)
    handle_payment_event = providers.Factory(
        HandlePaymentEvent, uow=uow, clock=services.clock, payments=services.payments, telemetry=services.telemetry
    )
    complete_test_checkout = providers.Factory(
        CompleteTestCheckout, simulator=services.fake_payments, handle_payment_event=handle_payment_event
    )

    # Operations and operators (the admin CLI)
    check_readiness = providers.Factory(CheckReadiness, probes=adapters.probes)
    metrics = providers.Factory(MetricsExporter, services.telemetry, adapters.job_queue)
    create_user = providers.Factory(
        CreateUser, uow=uow, clock=services.clock, ids=services.ids, passwords=services.passwords
    )
    show_user = providers.Factory(ShowUser, uow=uow, clock=services.clock, quota=quota)
    set_tier = providers.Factory(SetTier, uow=uow)
    reset_daily_usage = providers.Factory(ResetDailyUsage, uow=uow, clock=services.clock)
    retry_failed_replies = providers.Factory(
        RetryFailedReplies, uow=uow, clock=services.clock, queue=adapters.job_queue
    )


# What the rest of the code calls the wired application.
Container = UseCases
AdapterSet = Literal["real", "memory"]


def build_container(settings: Settings) -> UseCases:
    """Choose the adapter set, once, and wire the use cases over it."""
    use_cases = UseCases(settings=settings)
    adapters: Any
    if settings.adapters == "real":
        adapters = RealAdapters(settings=settings, services=use_cases.services)
    else:
        adapters = InMemoryAdapters(settings=settings, services=use_cases.services)
        adapters.reply_writer.override(use_cases.generate_reply)
        adapters.export_writer.override(use_cases.write_export)
    use_cases.adapters.override(adapters)
    use_cases.services.files.override(adapters.files)
    return use_cases


def adapter_set(container: UseCases) -> Any:
    """The adapter container a UseCases runs on (to override what is inside it)."""
    overriding: Any = container.adapters.last_overriding
    return overriding()


def use_case_providers(container: UseCases) -> dict[str, Callable[[], Any]]:
    """Every use case of the application, by name: the Factory providers of UseCases."""
    return {name: provider for name, provider in container.providers.items() if isinstance(provider, providers.Factory)}
