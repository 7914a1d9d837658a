from __future__ import annotations

import pytest

from entrypoints.container import Container


@pytest.fixture(params=["memory", "real"])
def adapters(request: pytest.FixtureRequest) -> Container:
    """The same container shape with either adapter set: every contract test runs on both."""
    name = "container" if request.param == "memory" else "real_container"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]
