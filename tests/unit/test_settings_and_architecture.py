from __future__ import annotations

import pytest
from importlinter.cli import lint_imports

from domain.users import Tier
from entrypoints.settings import DEV_JWT_SECRET, SettingsError, load_settings

URLS = {"DATABASE_URL": "postgresql+asyncpg://localhost/app", "REDIS_URL": "redis://localhost:6379/0"}
DEV = {"APP_ENV": "development", **URLS}
STRIPE = {"STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_PRICE_ID": "price_x", "STRIPE_WEBHOOK_SECRET": "whsec_real"}
TWILIO = {"TWILIO_ACCOUNT_SID": "AC123", "TWILIO_AUTH_TOKEN": "token", "TWILIO_FROM": "+15005550006"}


def test_development_defaults_run_without_any_key() -> None:
    settings = load_settings(DEV, env_file=None)
    assert settings.adapters == "real"
    assert (settings.app_env, settings.host, settings.port) == ("development", "127.0.0.1", 8000)
    assert settings.otp_delivery == "response" and settings.llm_provider == "fake"
    assert settings.basic_daily_limit == 5 and settings.jwt_secret == DEV_JWT_SECRET
    assert settings.dev_tools_enabled and settings.metrics_public


def test_an_unset_app_env_is_production_and_refuses_to_start_without_secrets() -> None:
    """Forgetting APP_ENV must not hand out codes in responses or open the fake checkout."""
    with pytest.raises(SettingsError) as caught:
        load_settings(URLS, env_file=None)
    text = str(caught.value)
    for name in ("JWT_SECRET", "OTP_DELIVERY", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "APP_ENV=development"):
        assert name in text
    settings = load_settings({"JWT_SECRET": "x" * 32, **STRIPE, **TWILIO, **URLS}, env_file=None)
    assert settings.is_production and not settings.dev_tools_enabled and not settings.metrics_public


@pytest.mark.parametrize("app_env", ["development", "test"])
def test_a_real_stripe_key_never_takes_the_development_webhook_secret(app_env: str) -> None:
    environ = {"APP_ENV": app_env, "STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_PRICE_ID": "price_x", **URLS}
    with pytest.raises(SettingsError, match="STRIPE_WEBHOOK_SECRET must be set whenever STRIPE_SECRET_KEY is"):
        load_settings(environ, env_file=None)
    load_settings({**environ, "STRIPE_WEBHOOK_SECRET": "whsec_from_stripe_listen"}, env_file=None)


def test_production_takes_codes_in_the_log_only_when_told_so_on_purpose() -> None:
    production = {"APP_ENV": "production", "JWT_SECRET": "x" * 32, **STRIPE, **URLS}
    for unsafe in ("response", "log"):
        with pytest.raises(SettingsError, match=f"OTP_DELIVERY={unsafe}"):
            load_settings({**production, "OTP_DELIVERY": unsafe}, env_file=None)
    logged = load_settings(
        {**production, "OTP_DELIVERY": "log", "OTP_DELIVERY_LOG_IN_PRODUCTION": "yes"}, env_file=None
    )
    assert logged.otp_delivery == "log"
    with pytest.raises(SettingsError, match="TWILIO_AUTH_TOKEN, TWILIO_FROM"):
        load_settings({**production, "TWILIO_ACCOUNT_SID": "AC123"}, env_file=None)
    with pytest.raises(SettingsError, match="OTP_WEBHOOK_SECRET"):
        load_settings({**production, "OTP_WEBHOOK_URL": "https://sms.example/send"}, env_file=None)
    webhook = {"OTP_WEBHOOK_URL": "https://sms.example/send", "OTP_WEBHOOK_SECRET": "s" * 32}
    assert load_settings({**production, **webhook}, env_file=None).otp_delivery == "webhook"


def test_production_refuses_unsafe_defaults_and_names_each_one() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"APP_ENV": "production", "OTP_DELIVERY": "response", **URLS}, env_file=None)
    text = str(caught.value)
    for name in ("JWT_SECRET", "OTP_DELIVERY", "STRIPE_WEBHOOK_SECRET", "STRIPE_SECRET_KEY"):
        assert name in text
    with pytest.raises(SettingsError, match="at least 32 bytes"):
        load_settings(
            {"APP_ENV": "production", "JWT_SECRET": "short", "STRIPE_WEBHOOK_SECRET": "whsec_x"}, env_file=None
        )


def test_production_starts_with_real_secrets() -> None:
    settings = load_settings(
        {"APP_ENV": "production", "JWT_SECRET": "x" * 32, **STRIPE, **TWILIO, **URLS}, env_file=None
    )
    assert settings.otp_delivery == "twilio" and settings.is_production


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "eighty"),
        ("BASIC_DAILY_LIMIT", "0"),
        ("OTP_DELIVERY", "sms"),
        ("LLM_PROVIDER", "llama"),
        ("JWT_PREVIOUS_KEYS", "nokid"),
    ],
)
def test_a_bad_value_is_reported_with_its_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value, **DEV}, env_file=None)


def test_an_env_file_is_read_and_the_environment_wins(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env_file = tmp_path / ".env"
    env_file.write_text("BASIC_DAILY_LIMIT=7\nPORT=9000\n")
    settings = load_settings({"PORT": "9100", **DEV}, env_file=env_file)
    assert (settings.basic_daily_limit, settings.port) == (7, 9100)


def test_the_real_stack_needs_its_urls_and_says_how_to_get_them() -> None:
    with pytest.raises(SettingsError, match="make run"):
        load_settings({"APP_ENV": "development"}, env_file=None)
    assert load_settings({"APP_ENV": "development", "ADAPTERS": "memory"}, env_file=None).adapters == "memory"


def test_the_layers_keep_the_dependency_rule() -> None:
    """domain <- application <- adapters/entrypoints; the core imports no framework."""
    assert lint_imports(no_cache=True) == 0


def test_every_use_case_a_handler_takes_is_a_provider_and_callers_use_cases_are_built_after_the_caller() -> None:
    """Handlers name use cases by their provider's name: nothing else lists them. Those a
    signed-in handler takes are built after the caller (one dependency per batch); none
    may be taken by a public handler too."""
    import inspect

    from entrypoints.container import build_container, use_case_providers
    from entrypoints.http.app import CONTROLLERS, route_handlers
    from entrypoints.http.dependencies import callers_use_cases
    from tests.support import make_settings

    use_cases = use_case_providers(build_container(make_settings()))
    handlers = route_handlers(CONTROLLERS)
    assert len(handlers) >= 29
    for_caller = callers_use_cases(handlers, use_cases)
    public: set[str] = set()
    other_dependencies = {"principal", "caller_address", "request_id", "metrics_token", "browser_sessions"}
    for handler in handlers:
        parameters = inspect.signature(handler.fn).parameters
        named = {n for n, p in parameters.items() if "NamedDependency" in str(p.annotation)} - other_dependencies
        assert named <= set(use_cases), (handler.handler_name, named - set(use_cases))
        if "principal" not in parameters:
            public |= named
    assert for_caller and not (for_caller & public)


def test_the_independence_contract_names_every_adapter_package() -> None:
    """A package left out of the contract may import any other adapter unnoticed."""
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    contracts = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    [independence] = [c for c in contracts if c["type"] == "independence"]
    packages = {f"adapters.{p.name}" for p in (root / "adapters").iterdir() if (p / "__init__.py").is_file()}
    assert set(independence["modules"]) == packages


def _catalogue(models: str, **env: str):  # type: ignore[no-untyped-def]
    from entrypoints.settings import model_catalogue

    keys = {"GEMINI_API_KEY": "k", "OPENAI_BASE_URL": "http://127.0.0.1:11434/v1"}
    return model_catalogue(load_settings({**DEV, **keys, "LLM_MODELS": models, **env}, env_file=None))


def test_llm_models_lists_providers_side_by_side_with_a_default_per_plan() -> None:
    catalogue = _catalogue(
        "gemini:gemini-2.5-flash:basic, gemini:gemini-2.5-pro:pro:name=Gemini Pro:output=8192,"
        "openai:llama3.1:8b:basic:default:context=16384:attachments=yes",
        LLM_MAX_OUTPUT_TOKENS="1024",
    )
    flash, pro, llama = catalogue.offers
    assert (flash.id, flash.provider, flash.plan, flash.display_name) == (
        "gemini-2.5-flash",
        "gemini",
        "basic",
        "Gemini 2.5 Flash",
    )
    assert (flash.context_window, flash.output_limit, flash.attachments) == (1_048_576, 1024, True)
    assert (pro.display_name, pro.output_limit, pro.plan) == ("Gemini Pro", 8192, "pro")
    # A model name may hold colons (Ollama's tags); it runs up to the plan.
    assert (llama.id, llama.provider, llama.context_window, llama.attachments) == ("llama3.1:8b", "openai", 16384, True)
    assert {plan.value: offer.id for plan, offer in catalogue.defaults.items()} == {
        "basic": "llama3.1:8b",
        "pro": "gemini-2.5-pro",  # the first Pro model, when none is marked
    }


def test_without_llm_models_the_provider_offers_its_one_model_and_the_fake_two() -> None:
    fake = _catalogue("", LLM_PROVIDER="fake")
    assert [(o.id, o.plan.value) for o in fake.offers] == [("fake-flash", "basic"), ("fake-pro", "pro")]
    gemini = _catalogue("", GEMINI_MODEL="gemini-2.0-flash", LLM_PROVIDER="gemini")
    assert [o.id for o in gemini.offers] == ["gemini-2.0-flash"]
    assert gemini.default_for(Tier.PRO).id == "gemini-2.0-flash"  # Pro has Basic's models too


@pytest.mark.parametrize(
    ("models", "named"),
    [
        ("gemini:flash", "'gemini:flash': no plan"),
        ("llama:x:basic", "unknown provider 'llama'"),
        ("gemini::basic", "'' is not a model name"),
        ("gemini:a b:basic", "'a b' is not a model name"),
        ("gemini:x:basic:fast", "unknown option 'fast'"),
        ("gemini:x:basic:context=lots", "unknown option 'context=lots'"),
        ("openai:x:basic:context=5000", "at least 4000 tokens beyond the output"),
        ("gemini:x:basic,gemini:x:pro", "'gemini:x:pro': x is listed twice"),
        (
            "gemini:x:basic:default,gemini:y:basic:default",
            "'gemini:y:basic:default': the basic plan already has a default",
        ),
        ("gemini:x:pro", "no model is offered on the basic plan"),
    ],
)
def test_a_bad_llm_models_entry_stops_the_start_naming_the_entry(models: str, named: str) -> None:
    with pytest.raises(SettingsError) as caught:
        _catalogue(models)
    assert "LLM_MODELS" in str(caught.value) and named in str(caught.value)


def test_a_provider_in_llm_models_needs_its_own_access() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({**DEV, "LLM_MODELS": "gemini:x:basic,openai:y:pro"}, env_file=None)
    assert "GEMINI_API_KEY" in str(caught.value) and "OPENAI_BASE_URL" in str(caught.value)


def test_an_object_store_needs_its_bucket_and_both_halves_of_a_key() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({**DEV, "FILE_STORE": "s3", "S3_ACCESS_KEY_ID": "AKIA"}, env_file=None)
    assert "S3_BUCKET" in str(caught.value) and "S3_SECRET_ACCESS_KEY" in str(caught.value)
    settings = load_settings({**DEV, "FILE_STORE": "s3", "S3_BUCKET": "uploads"}, env_file=None)
    assert (settings.file_store, settings.s3_region) == ("s3", "us-east-1")
