"""docker compose cannot run here (no engine), so its file is checked by reading it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from entrypoints.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
_SUBSTITUTION = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


def _resolved(environment: dict[str, str], outside: dict[str, str]) -> dict[str, str]:
    """What compose hands the container: ${VAR:-default} taken from the outside environment."""
    return {
        key: _SUBSTITUTION.sub(lambda m: outside.get(m.group(1)) or (m.group(2) or ""), str(value))
        for key, value in environment.items()
    }


@pytest.mark.parametrize("service", ["api", "worker", "migrate"])
def test_every_app_service_gets_what_the_settings_require(service: str) -> None:
    environment = _resolved(COMPOSE["services"][service]["environment"], outside={})
    settings = load_settings(environment, env_file=None)
    assert settings.adapters == "real"
    assert settings.database_url and settings.database_url.startswith("postgresql+asyncpg://")
    assert settings.redis_url == "redis://redis:6379/0"


def test_production_through_compose_needs_only_the_secrets_in_env() -> None:
    outside = {
        "APP_ENV": "production",
        "JWT_SECRET": "x" * 48,
        "STRIPE_SECRET_KEY": "sk_live_x",
        "STRIPE_PRICE_ID": "price_x",
        "STRIPE_WEBHOOK_SECRET": "whsec_live",
        "TWILIO_ACCOUNT_SID": "AC123",
        "TWILIO_AUTH_TOKEN": "token",
        "TWILIO_FROM": "+15005550006",
    }
    environment = _resolved(COMPOSE["services"]["api"]["environment"], outside)
    settings = load_settings(environment, env_file=None)
    assert settings.is_production and settings.otp_delivery == "twilio"


def test_compose_is_development_on_loopback_and_the_image_is_production() -> None:
    environment = _resolved(COMPOSE["services"]["api"]["environment"], outside={})
    assert load_settings(environment, env_file=None).app_env == "development"
    assert all(str(port).startswith("127.0.0.1:") for port in COMPOSE["services"]["api"]["ports"])
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^ENV .*\bAPP_ENV=production\b", dockerfile, re.M)
    assert "--no-proxy-headers" in dockerfile


def test_the_services_start_in_order_and_report_health() -> None:
    services = COMPOSE["services"]
    assert set(services) == {"postgres", "redis", "migrate", "api", "worker"}
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("postgres", "redis", "api"):
        assert "healthcheck" in services[name]
    # Workers scale out: nothing that would clash between copies.
    assert "ports" not in services["worker"] and "container_name" not in services["worker"]


def test_env_example_names_only_settings_that_exist() -> None:
    import msgspec

    from entrypoints.settings import Settings

    read = {field.name.upper() for field in msgspec.structs.fields(Settings)}
    named = set(re.findall(r"^#?\s*([A-Z][A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert named and named <= read, named - read
