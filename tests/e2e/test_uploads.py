"""Uploads on the real stack: the API process reads the form as it streams in, keeps the
file on the local disk or in an S3-compatible store (moto's server), and gives it back
to its owner only."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from PIL import Image

from tests.e2e.conftest import Client, Service, running_service
from tests.fakes.s3_server import ACCESS_KEY, REGION, SECRET_KEY, S3Server
from tests.stack import Stack
from tests.support import jpeg_with_location


def _rss_kib(service: Service) -> int:
    status = Path(f"/proc/{service.apis[0][0].pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1])


@pytest.fixture
def s3_service(stack: Stack, tmp_path: Path) -> Iterator[tuple[Service, S3Server]]:
    server = S3Server().start()
    bucket = server.create_bucket("chat-uploads")
    env = {
        "FILE_STORE": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": server.url,
        "S3_REGION": REGION,
        "S3_ACCESS_KEY_ID": ACCESS_KEY,
        "S3_SECRET_ACCESS_KEY": SECRET_KEY,
    }
    try:
        with running_service(stack, tmp_path, worker=False, **env) as running:
            yield running, server
    finally:
        server.stop()


def test_an_upload_is_kept_without_its_location_and_only_its_owner_gets_it(service: Service) -> None:
    client = Client(service.url)
    sent = client.http.post("/uploads", files={"file": ("IMG_1.jpg", jpeg_with_location((32, 32)), "image/jpeg")})
    assert sent.status_code == 201, sent.text
    upload = sent.json()
    assert (upload["kind"], upload["mime_type"], upload["width"]) == ("image", "image/jpeg", 32)
    kept = client.http.get(f"/uploads/{upload['id']}")
    assert kept.headers["content-disposition"].startswith("attachment;")
    assert dict(Image.open(io.BytesIO(kept.content)).getexif()) == {}
    stranger = Client(service.url, "+919800000021")
    assert stranger.http.get(f"/uploads/{upload['id']}").status_code == 404
    assert stranger.http.delete(f"/uploads/{upload['id']}").status_code == 404
    refused = client.http.post("/uploads", files={"file": ("a.png", bytes(range(256)) * 8, "image/png")})
    assert refused.status_code == 415 and refused.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert client.http.delete(f"/uploads/{upload['id']}").status_code == 204
    assert client.http.get(f"/uploads/{upload['id']}").status_code == 404


def test_an_endless_upload_is_cut_off_at_the_limit_and_memory_stays_flat(service: Service) -> None:
    client = Client(service.url)
    before = _rss_kib(service)

    def endless() -> Iterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n\r\n'
        for _ in range(1600):  # 100 MiB, with no Content-Length to stop it early
            yield b"x" * 65536

    try:
        response = client.http.post(
            "/uploads", content=endless(), headers={"Content-Type": "multipart/form-data; boundary=b"}, timeout=60
        )
        assert response.status_code == 413 and response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    except httpx.TransportError:
        pass  # the server answered 413 and closed while the rest was still being sent
    grown = _rss_kib(service) - before
    assert grown < 20 * 1024, f"the API grew by {grown} KiB reading an upload cut off at 5 MB"
    kept = [path for path in Path(service.env["FILES_DIR"]).rglob("*") if path.is_file()]
    assert kept == []  # nothing of it was stored
    assert client.http.get("/user/me").status_code == 200


def test_files_go_to_an_s3_compatible_store_and_leave_it_when_deleted(
    s3_service: tuple[Service, S3Server],
) -> None:
    service, server = s3_service
    client = Client(service.url)
    upload = client.http.post("/uploads", files={"file": ("notes.md", b"# Packing\n- hat\n", "text/plain")}).json()
    s3 = boto3.client(
        "s3",
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="chat-uploads").get("Contents", [])]
    assert len(keys) == 1 and keys[0].endswith(upload["id"])
    assert s3.get_object(Bucket="chat-uploads", Key=keys[0])["Body"].read() == b"# Packing\n- hat\n"
    assert client.http.get(f"/uploads/{upload['id']}").content == b"# Packing\n- hat\n"
    assert client.http.delete(f"/uploads/{upload['id']}").status_code == 204
    assert s3.list_objects_v2(Bucket="chat-uploads").get("KeyCount") == 0
