"""What the tests share: a clock they control, test settings, a wired container."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dependency_injector import providers

from application.ports.services import CodeDelivery, ReplyJob
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings, load_settings

START = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)

TEST_ENV = {
    "APP_ENV": "test",
    "ADAPTERS": "memory",
    "PASSWORD_HASH_PROFILE": "cheapest",
    "FAKE_LLM_CHUNK_DELAY": "0",
    "REPLY_RETRY_BACKOFF_SECONDS": "0",
    "SSE_HEARTBEAT_SECONDS": "0.05",
}


class MutableClock:
    def __init__(self, start: datetime = START) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class Phones:
    """Stands in for the phones codes are sent to: keeps every text, and hands the code
    back in the response too (as OTP_DELIVERY=response does), so a test can play both the
    person holding the phone and a stranger who never sees it."""

    def __init__(self) -> None:
        self.deliveries: list[CodeDelivery] = []

    async def send(self, delivery: CodeDelivery) -> str | None:
        self.deliveries.append(delivery)
        return delivery.code

    def last_to(self, number: str) -> CodeDelivery:
        return [d for d in self.deliveries if d.mobile_number.value == number][-1]


class ManualJobQueue:
    """Keeps jobs until a test runs them, so a test decides when replies are written."""

    def __init__(self) -> None:
        self.jobs: list[ReplyJob] = []
        self.exports: list[str] = []

    async def enqueue_reply(self, job: ReplyJob) -> None:
        self.jobs.append(job)

    async def enqueue_export(self, export_id: str) -> None:
        self.exports.append(export_id)

    async def depth(self) -> int:
        return len(self.jobs)

    async def close(self) -> None:
        return None


def make_settings(**overrides: str) -> Settings:
    return load_settings({**TEST_ENV, **overrides}, env_file=None)


def make_container(clock: MutableClock, settings: Settings | None = None) -> Container:
    container = build_container(settings or make_settings())
    container.services.clock.override(providers.Object(clock))
    return container


def production_settings(**overrides: str) -> Settings:
    """Settings that production accepts (in-memory adapters, so no servers are needed)."""
    return make_settings(
        APP_ENV="production",
        JWT_SECRET="x" * 40,
        STRIPE_SECRET_KEY="sk_live_x",
        STRIPE_PRICE_ID="price_x",
        STRIPE_WEBHOOK_SECRET="whsec_live",
        OTP_DELIVERY="log",
        OTP_DELIVERY_LOG_IN_PRODUCTION="yes",
        PASSWORD_HASH_PROFILE="default",
        **overrides,
    )


def jpeg_with_location(size: tuple[int, int] = (40, 30), tags: dict[int, str] | None = None) -> bytes:
    """A JPEG photo carrying a GPS position (EXIF tag 0x8825) and any other EXIF ``tags``."""
    import io

    from PIL import Image

    exif = Image.Exif()
    for tag, value in (tags or {}).items():
        exif[tag] = value
    exif[GPS_TAG] = {1: "N", 2: (12.0, 58.0, 0.0), 3: "E", 4: (77.0, 35.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "JPEG", exif=exif)
    return out.getvalue()


GPS_TAG = 0x8825


def png(size: tuple[int, int] = (64, 48)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def pdf(pages: int, *, text: str | None = None) -> bytes:
    """A PDF of blank pages, or (``text``) of pages that each say it."""
    import io

    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    for _ in range(pages):
        page = writer.add_blank_page(width=300, height=200)
        if text is not None:
            font = DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Font"),
                    NameObject("/Subtype"): NameObject("/Type1"),
                    NameObject("/BaseFont"): NameObject("/Helvetica"),
                }
            )
            page[NameObject("/Resources")] = DictionaryObject(
                {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
            )
            stream = DecodedStreamObject()
            stream.set_data(f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode())
            page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def heic_with_location(size: tuple[int, int] = (64, 48), *, sideways: bool = False) -> bytes:
    """An iPhone-style HEIC photo with a GPS position (and, ``sideways``, turned by EXIF)."""
    import io

    from PIL import Image
    from pillow_heif import register_heif_opener

    register_heif_opener()
    exif = Image.Exif()
    exif[GPS_TAG] = {1: "N", 2: (12.0, 58.0, 0.0), 3: "E", 4: (77.0, 35.0, 0.0)}
    if sideways:
        exif[0x0112] = 6  # Orientation: turned 90°
    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 30)).save(out, format="HEIF", exif=exif.tobytes())
    return out.getvalue()
