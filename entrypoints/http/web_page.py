"""The reference web client: a static page the API serves at ``/``.

Its files are read and gzipped once, when the app is built. They are served under
``/assets/<digest>/``, the digest naming this exact set of files, so browsers may keep
them for a year (a new release has a new digest, hence new addresses); the page itself
(``/``) is revalidated every time. The page is plain HTML, CSS and ES modules that
import one another by relative paths: no build step. Its third-party code (``vendor/``)
comes from the npm registry through ``make web``; without it the page answers 503 and
says so, and the API works as before.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Request, Response, Router, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath

from domain.errors import DependencyUnavailable, NotFound

log = logging.getLogger("web")

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
ASSETS = "/assets"
REQUIRED_VENDOR = ("vendor/marked.js", "vendor/purify.js")
_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".txt": "text/plain",
    ".webmanifest": "application/manifest+json",
}
_YEAR = "public, max-age=31536000, immutable"
_REVALIDATE = "no-cache"


@dataclass(frozen=True, slots=True)
class StaticFile:
    content_type: str
    body: bytes
    gzipped: bytes | None
    etag: str

    def response(self, request: Request[Any, Any, Any], cache_control: str) -> Response[bytes]:
        headers = {"cache-control": cache_control, "etag": self.etag, "vary": "Accept-Encoding"}
        if self.etag in request.headers.get("if-none-match", ""):
            return Response(b"", status_code=304, headers=headers)
        if self.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
            return Response(
                self.gzipped,
                media_type=self.content_type,
                headers={**headers, "content-encoding": "gzip"},
            )
        return Response(self.body, media_type=self.content_type, headers=headers)


def _static_file(path: Path, body: bytes) -> StaticFile:
    squeezed = gzip.compress(body, compresslevel=9, mtime=0)
    return StaticFile(
        content_type=_TYPES.get(path.suffix, "application/octet-stream"),
        body=body,
        gzipped=squeezed if len(squeezed) < len(body) else None,
        etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
    )


@dataclass(frozen=True, slots=True)
class WebPage:
    digest: str
    index: StaticFile | None
    files: dict[str, StaticFile]
    missing: tuple[str, ...]

    @classmethod
    def load(cls, directory: Path = STATIC) -> WebPage:
        sources = {
            path.relative_to(directory).as_posix(): path
            for path in sorted(directory.rglob("*"))
            if path.is_file() and not path.name.startswith(".") and path.name != "index.html"
        }
        missing = tuple(name for name in REQUIRED_VENDOR if name not in sources)
        if missing:
            log.warning("web page unavailable: %s missing; run `make web`", ", ".join(missing))
        contents = {name: path.read_bytes() for name, path in sources.items()}
        whole = hashlib.sha256()
        for name, body in contents.items():
            whole.update(name.encode() + b"\0" + hashlib.sha256(body).digest())
        digest = whole.hexdigest()[:16]
        index_path = directory / "index.html"
        index = None
        if index_path.is_file():
            html = index_path.read_bytes().replace(b"{{assets}}", f"{ASSETS}/{digest}".encode())
            index = _static_file(index_path, html)
        return cls(
            digest=digest,
            index=index,
            files={name: _static_file(sources[name], body) for name, body in contents.items()},
            missing=missing,
        )


@get("/", include_in_schema=False)
async def serve_page(request: Request[Any, Any, Any], web_page: NamedDependency[WebPage]) -> Response[bytes]:
    if web_page.index is None or web_page.missing:
        raise DependencyUnavailable(
            "The web page is not installed here: its third-party code is missing (run `make web`)."
        )
    return web_page.index.response(request, _REVALIDATE)


@get(f"{ASSETS}/{{digest:str}}/{{name:path}}", include_in_schema=False)
async def serve_asset(
    request: Request[Any, Any, Any], web_page: NamedDependency[WebPage], digest: FromPath[str], name: FromPath[str]
) -> Response[bytes]:
    found = web_page.files.get(name.lstrip("/"))
    if found is None:
        raise NotFound("No such file.")
    # A page from an earlier release may still ask under its old digest: it gets today's
    # file, which nobody may keep under that name.
    return found.response(request, _YEAR if digest == web_page.digest else _REVALIDATE)


def web_page_router(web_page: WebPage) -> Router:
    return Router(
        path="/",
        route_handlers=[serve_page, serve_asset],
        dependencies={"web_page": Provide(lambda: web_page, use_cache=True, sync_to_thread=False)},
    )
