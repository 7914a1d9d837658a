"""The Postman collection, run by newman against the running service: the whole flow."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.e2e.conftest import Service

ROOT = Path(__file__).resolve().parents[2]
NEWMAN = ROOT / ".tools" / "node_modules" / ".bin" / "newman"


def test_the_postman_collection_runs_green_against_the_service(service: Service) -> None:
    assert NEWMAN.exists(), "newman is installed by `make test` (npm install --prefix .tools newman)"
    result = subprocess.run(  # noqa: S603 - our own tool and files
        [
            str(NEWMAN),
            "run",
            str(ROOT / "docs/postman/gemini-chat.postman_collection.json"),
            "--environment",
            str(ROOT / "docs/postman/local.postman_environment.json"),
            "--env-var",
            f"baseUrl={service.url}",
            "--reporters",
            "cli",
            "--color",
            "off",
            "--timeout-request",
            "20000",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    print(result.stdout[-4000:])
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
