from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_postman_files_are_what_the_generator_makes_from_the_openapi_document() -> None:
    spec = importlib.util.spec_from_file_location("generate_postman", ROOT / "scripts" / "generate_postman.py")
    assert spec and spec.loader
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    for path, text in generator.render().items():
        assert path.read_text() == text, f"{path.name} is stale: run `make postman`"
