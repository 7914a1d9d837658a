"""The web page as files: served at `/`, cache-busted, compressed, under a policy that
allows no inline script, and no way out of its folder. (What it does is tested in a
real browser: tests/e2e/web/.)"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from litestar.testing import AsyncTestClient

from entrypoints.container import Container, use_case_providers
from entrypoints.http.app import create_app
from entrypoints.http.web_page import STATIC, WebPage
from tests.http.conftest import Api


def _asset_paths(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/assets/[^"]+)"', html)


async def test_the_page_is_served_at_the_root_and_its_files_under_one_digest(api: Api) -> None:
    page = await api.client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    # Every script is a file: nothing inline for the policy to have to allow.
    scripts = re.findall(r"<script\b[^>]*>", page.text)
    assert scripts and all('src="/assets/' in tag for tag in scripts), scripts
    assert "{{assets}}" not in page.text
    paths = _asset_paths(page.text)
    digests = {path.split("/")[2] for path in paths}
    assert len(digests) == 1 and len(paths) >= 3
    for path in paths:
        asset = await api.client.get(path)
        assert asset.status_code == 200, path
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_files_come_gzipped_to_who_accepts_it_and_revalidate_by_etag(api: Api) -> None:
    app_js = next(p for p in _asset_paths((await api.client.get("/")).text) if p.endswith("/app.js"))
    plain = await api.client.get(app_js, headers={"Accept-Encoding": "identity"})
    squeezed = await api.client.get(app_js, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert squeezed.headers["content-encoding"] == "gzip" and squeezed.headers["vary"] == "Accept-Encoding"
    assert int(squeezed.headers["content-length"]) < len(plain.content)
    assert squeezed.content == plain.content  # the client undid the gzip
    again = await api.client.get("/", headers={"If-None-Match": (await api.client.get("/")).headers["etag"]})
    assert again.status_code == 304 and again.content == b""


async def test_an_earlier_releases_address_gets_todays_file_that_nobody_keeps(api: Api) -> None:
    stale = await api.client.get("/assets/0123456789abcdef/app.js")
    assert stale.status_code == 200 and stale.headers["cache-control"] == "no-cache"


async def test_nothing_outside_the_pages_folder_can_be_asked_for(api: Api) -> None:
    digest = _asset_paths((await api.client.get("/")).text)[0].split("/")[2]
    for attempt in (
        f"/assets/{digest}/../../settings.py",
        f"/assets/{digest}/%2e%2e/%2e%2e/settings.py",
        f"/assets/{digest}/..%2f..%2fsettings.py",
        f"/assets/{digest}//etc/passwd",
        f"/assets/{digest}/index.html",
        f"/assets/{digest}/vendor",
        f"/assets/{digest}/nothing.js",
    ):
        response = await api.client.get(attempt)
        assert response.status_code == 404, attempt
        assert response.json()["error"]["code"] == "NOT_FOUND", attempt


async def test_third_party_code_ships_with_its_licence(api: Api) -> None:
    digest = _asset_paths((await api.client.get("/")).text)[0].split("/")[2]
    for name in ("marked.LICENSE.txt", "dompurify.LICENSE.txt"):
        licence = await api.client.get(f"/assets/{digest}/vendor/{name}")
        assert licence.status_code == 200 and "Copyright" in licence.text, name


async def test_without_its_third_party_code_the_page_says_how_to_install_it(
    tmp_path: Path, container: Container
) -> None:
    (tmp_path / "index.html").write_text((STATIC / "index.html").read_text())
    (tmp_path / "app.js").write_text("")
    app = create_app(use_case_providers(container), max_body_bytes=1024, web_page=WebPage.load(tmp_path))
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/")
    assert response.status_code == 503
    assert "make web" in response.json()["error"]["message"]


def test_the_index_names_only_files_that_exist() -> None:
    page = WebPage.load()
    assert page.index is not None and not page.missing
    html = page.index.body.decode()
    for path in _asset_paths(html):
        assert path.split("/", 3)[3] in page.files, path
    assert gzip.decompress(page.files["app.js"].gzipped or b"") == page.files["app.js"].body
