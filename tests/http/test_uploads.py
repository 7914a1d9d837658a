"""Uploads: each kind decided by its bytes, limits, metadata removed, owner only."""

from __future__ import annotations

import io
from typing import Any

import pytest
from dependency_injector import providers
from PIL import Image

from domain.uploads import UploadLimits
from entrypoints.container import adapter_set
from tests.http.conftest import Api
from tests.support import GPS_TAG, heic_with_location, jpeg_with_location, pdf, png


def _jpeg_with_gps() -> bytes:
    return jpeg_with_location(tags={0x010F: "Phone maker", 0x0110: "Phone model"})  # Make, Model


async def _upload(
    api: Api, token: str, data: bytes, name: str = "file.bin", content_type: str = "application/octet-stream"
) -> Any:
    return await api.request("POST", "/uploads", token, files={"file": (name, data, content_type)})


def _limits(api: Api, **limits: int) -> None:
    api.container.upload_limits.override(providers.Object(UploadLimits(**limits)))


@pytest.mark.parametrize(
    ("data", "name", "kind", "mime_type"),
    [
        (png(), "photo.png", "image", "image/png"),
        (png(), "notes.txt", "image", "image/png"),  # the name says text; the bytes say PNG
        (pdf(3), "report.pdf", "pdf", "application/pdf"),
        ("# Notes\nnaïve café\n".encode(), "notes.md", "text", "text/markdown"),
        (b"a,b\n1,2\n", "table.csv", "text", "text/csv"),
        (b'{"a": 1}', "data.json", "text", "application/json"),
        (b"def f():\n    return 1\n", "code.py", "text", "text/plain"),
        (b"just words", "photo.png", "text", "text/plain"),  # named like an image, made of text
    ],
)
async def test_each_kind_is_decided_by_its_bytes(api: Api, data: bytes, name: str, kind: str, mime_type: str) -> None:
    token = await api.sign_in()
    response = await _upload(api, token, data, name, "image/png")
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["kind"], body["mime_type"], body["filename"]) == (kind, mime_type, name)
    if kind == "pdf":
        assert body["pages"] == 3
    if kind == "image":
        assert (body["width"], body["height"]) == (64, 48)
    if kind != "image":
        assert body["size_bytes"] == len(data)
    download = await api.request("GET", f"/uploads/{body['id']}", token)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith(mime_type)
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert len(download.content) == body["size_bytes"]


async def test_a_photo_taken_sideways_is_kept_upright_with_its_size_as_shown(api: Api) -> None:
    token = await api.sign_in()
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: turn 90 degrees clockwise to show
    out = io.BytesIO()
    Image.new("RGB", (60, 20), (0, 0, 0)).save(out, "JPEG", exif=exif)
    body = (await _upload(api, token, out.getvalue(), "sideways.jpg", "image/jpeg")).json()
    assert (body["width"], body["height"]) == (20, 60)
    kept = Image.open(io.BytesIO((await api.request("GET", f"/uploads/{body['id']}", token)).content))
    assert kept.size == (20, 60) and dict(kept.getexif()) == {}


async def test_an_image_is_kept_without_its_location_and_camera(api: Api) -> None:
    token = await api.sign_in()
    sent = _jpeg_with_gps()
    assert GPS_TAG in Image.open(io.BytesIO(sent)).getexif()
    body = (await _upload(api, token, sent, "IMG_0001.jpg", "image/jpeg")).json()
    kept = (await api.request("GET", f"/uploads/{body['id']}", token)).content
    image = Image.open(io.BytesIO(kept))
    assert image.format == "JPEG" and image.size == (40, 30)
    assert dict(image.getexif()) == {}
    assert b"Phone maker" not in kept and b"Phone model" not in kept


async def test_an_iphone_photo_is_kept_as_jpeg_upright_and_without_its_location(api: Api) -> None:
    token = await api.sign_in()
    sent = heic_with_location((64, 48), sideways=True)
    assert sent[4:12] == b"ftypheic"
    body = (await _upload(api, token, sent, "IMG_0002.HEIC", "image/heic")).json()
    assert (body["kind"], body["mime_type"], body["filename"]) == ("image", "image/jpeg", "IMG_0002.HEIC")
    assert (body["width"], body["height"]) == (48, 64)  # as shown: turned upright
    kept = (await api.request("GET", f"/uploads/{body['id']}", token)).content
    image = Image.open(io.BytesIO(kept))
    assert image.format == "JPEG" and image.size == (48, 64)
    assert dict(image.getexif()) == {}


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (bytes(range(256)) * 4, "not taken"),  # binary, no known kind
        (png()[:60], "does not decode"),  # a PNG cut short
        (b"%PDF-1.7\nnot really a pdf", "does not open"),
        (b"BM" + bytes(60), "not taken"),  # a (broken) BMP: not an image kind we take
        (b"text with a \x00 in it", "not taken"),
    ],
)
async def test_anything_else_is_415_and_nothing_is_kept(api: Api, data: bytes, said: str) -> None:
    token = await api.sign_in()
    response = await _upload(api, token, data, "x.png", "image/png")
    assert response.status_code == 415, response.text
    assert response.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE" and said in response.json()["error"]["message"]
    assert await adapter_set(api.container).files().keys() == []


async def test_a_file_over_the_plans_size_is_413_and_the_day_has_a_limit(api: Api) -> None:
    _limits(api, basic_max_bytes=1000, basic_per_day=3)
    token = await api.sign_in()
    too_big = await _upload(api, token, b"x" * 1001, "big.txt", "text/plain")
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert (await _upload(api, token, b"x" * 1000, "fits.txt", "text/plain")).status_code == 201
    assert (await _upload(api, token, b"y", "third.txt", "text/plain")).status_code == 201
    refused = await _upload(api, token, b"z", "fourth.txt", "text/plain")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert "3 files today" in refused.json()["error"]["message"]
    assert len(await adapter_set(api.container).files().keys()) == 2


async def test_a_body_announced_past_the_limit_is_refused_before_it_is_read(api: Api) -> None:
    _limits(api, basic_max_bytes=1000)
    token = await api.sign_in()
    response = await api.request(
        "POST",
        "/uploads",
        token,
        content=b"--b\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=b", "Content-Length": str(10**9)},
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("files", "data", "content_type", "status"),
    [
        ({"file": (None, b"not a file")}, None, None, 400),  # a field, no file
        ({"other": ("a.txt", b"a", "text/plain")}, None, None, 400),  # the wrong part name
        ([("file", ("a.txt", b"a", "text/plain")), ("file", ("b.txt", b"b", "text/plain"))], None, None, 400),
        (None, None, "application/json", 415),
    ],
)
async def test_a_form_without_exactly_one_file_is_a_clear_error(
    api: Api, files: Any, data: Any, content_type: str | None, status: int
) -> None:
    token = await api.sign_in()
    if content_type:
        response = await api.request("POST", "/uploads", token, json={"file": "x"})
    else:
        response = await api.request("POST", "/uploads", token, files=files, data=data)
    assert response.status_code == status, response.text


async def test_another_persons_upload_is_not_found_and_a_deleted_one_is_gone(api: Api) -> None:
    owner = await api.sign_in("+919800000011")
    upload = (await _upload(api, owner, b"mine", "mine.txt", "text/plain")).json()
    stranger = await api.sign_in("+919800000012")
    for method in ("GET", "DELETE"):
        response = await api.request(method, f"/uploads/{upload['id']}", stranger)
        assert (response.status_code, response.json()["error"]["code"]) == (404, "NOT_FOUND")
    assert (await api.request("DELETE", f"/uploads/{upload['id']}", owner)).status_code == 204
    assert (await api.request("GET", f"/uploads/{upload['id']}", owner)).status_code == 404
    assert await adapter_set(api.container).files().keys() == []


async def test_a_filename_is_only_ever_a_name(api: Api) -> None:
    token = await api.sign_in()
    form = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="../../etc/pass\x07wd"\r\n'
        b"Content-Type: text/plain\r\n\r\nx\r\n--b--\r\n"
    )
    response = await api.request(
        "POST", "/uploads", token, content=form, headers={"Content-Type": "multipart/form-data; boundary=b"}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["filename"] == "passwd"
    [key] = await adapter_set(api.container).files().keys()
    assert key.count("/") == 1 and "passwd" not in key


def _part(name: str, filename: str | None, data: bytes) -> bytes:
    named = f'; filename="{filename}"' if filename else ""
    return f'--b\r\nContent-Disposition: form-data; name="{name}"{named}\r\n\r\n'.encode() + data + b"\r\n"


@pytest.mark.parametrize(
    "body",
    [
        _part("file", "a.txt", b"abc")[:-2],  # cut short: no closing boundary
        b"".join(_part(f"f{n}", None, b"x") for n in range(20)) + _part("file", "a.txt", b"a") + b"--b--\r\n",
        b"--b\r\nContent-Disposition: form-data; name=file\r\n"
        + b"X-Long: "
        + b"y" * 100_000
        + b"\r\n\r\nx\r\n--b--\r\n",
        b"not a form at all",
    ],
    ids=["truncated", "too-many-parts", "huge-header", "garbage"],
)
async def test_a_broken_form_is_a_400_never_a_500(api: Api, body: bytes) -> None:
    token = await api.sign_in()
    response = await api.request(
        "POST", "/uploads", token, content=body, headers={"Content-Type": "multipart/form-data; boundary=b"}
    )
    assert response.status_code == 400, response.text
    assert await adapter_set(api.container).files().keys() == []
