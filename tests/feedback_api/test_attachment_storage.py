"""Stories about the attachment store: what a citizen sends, what is kept, what officers see."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import itertools
import random
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from feedback_api.attachments import storage
from feedback_api.attachments.storage import AttachmentRejected, AttachmentStore, StoredAttachment
from tests.feedback_api.media_samples import (
    AUTHOR,
    GPS_ISO6709,
    MEDIA,
    pdf_with_metadata,
    video_with_gps,
)

MIB = 1024 * 1024
GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F
HANOI_GPS = {1: "N", 2: (21.0, 1.0, 42.0), 3: "E", 4: (105.0, 50.0, 3.0)}
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>secret-xmp</rdf:RDF></x:xmpmeta>'
PDF = pdf_with_metadata()
MP4 = video_with_gps(b"mp42")
MOV = video_with_gps(b"qt  ")
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00\x00\x00\x08meta"
HTML = b"<!DOCTYPE html><html><body><script>alert('pwned')</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


# --- building the files citizens send --------------------------------------------------------


def encode(im: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    im.save(out, format=fmt, **options)
    return out.getvalue()


def two_tone(size: tuple[int, int] = (40, 20)) -> Image.Image:
    """Left half blue, right half red: enough to tell which way up a picture is."""
    im = Image.new("RGB", size, (220, 20, 20))
    im.paste((20, 20, 220), (0, 0, size[0] // 2, size[1]))
    return im


def phone_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE] = "SecretPhone Inc"
    exif[GPS_IFD] = HANOI_GPS
    if orientation is not None:
        exif[ORIENTATION] = orientation
    return exif


def phone_photo(orientation: int | None = None) -> bytes:
    return encode(two_tone(), "JPEG", exif=phone_exif(orientation), quality=95)


def noisy_jpeg(seed: int = 7, size: int = 120) -> bytes:
    """Incompressible content, so cutting the file in half really loses picture data."""
    rng = random.Random(seed)
    raw = bytes(rng.randrange(256) for _ in range(size * size * 3))
    return encode(Image.frombytes("RGB", (size, size), raw), "JPEG")


def png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG claiming huge dimensions over highly compressible zeros: a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(bytes(64 * 1024))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def assert_no_metadata(public: bytes) -> None:
    with Image.open(io.BytesIO(public)) as im:
        assert not im.getexif(), "EXIF must not reach officers"
        leaked = set(im.info) & {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment"}
        assert not leaked
        assert getattr(im, "text", {}) == {}
    for marker in (b"Exif", b"SecretPhone", b"xmpmeta", b"secret", b"tEXt", b"zTXt", b"iTXt"):
        assert marker not in public


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


class CountingStream(io.RawIOBase):
    """A network-like stream fed by a generator; remembers how many bytes were taken from it."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if not self._pending:
            self._pending = next(self._chunks, b"")
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        self.bytes_read += n
        return n


@pytest.fixture
def store(tmp_path: Path) -> AttachmentStore:
    return AttachmentStore(tmp_path / "attachments")


def rejection(store: AttachmentStore, data: object, **claims: str) -> AttachmentRejected:
    with pytest.raises(AttachmentRejected) as caught:
        store.store(data, **claims)  # type: ignore[arg-type]
    return caught.value


# --- photos: the officer copy carries pixels only ----------------------------------------------


def test_a_photo_with_gps_is_stored_and_the_officer_copy_has_no_gps(store):
    photo = phone_photo()
    with Image.open(io.BytesIO(photo)) as sent:  # the test photo really does carry GPS
        assert sent.getexif().get_ifd(GPS_IFD)[1] == "N"

    stored = store.store(photo, claimed_name="IMG_0001.JPG", claimed_type="image/jpeg")

    assert stored.mime == "image/jpeg" and stored.extension == ".jpg"
    assert stored.size == len(photo)
    assert store.sealed_path(stored.sha256).read_bytes() == photo  # evidence kept byte for byte
    public = store.public_path(stored.public_sha256).read_bytes()
    assert stored.public_sha256 != stored.sha256 and stored.public_size == len(public)
    assert_no_metadata(public)
    with Image.open(io.BytesIO(public)) as seen:
        assert seen.getexif().get_ifd(GPS_IFD) == {}


def test_a_sideways_phone_photo_is_shown_upright_to_the_officer(store):
    # Orientation 6: the camera stored the picture lying down; viewers must turn it 90° clockwise.
    stored = store.store(phone_photo(orientation=6))

    with Image.open(store.public_path(stored.public_sha256)) as seen:
        assert seen.size == (20, 40) == (stored.width, stored.height)
        assert 6 not in seen.getexif().values()  # no orientation left to apply twice
        top, bottom = seen.convert("RGB").getpixel((10, 8)), seen.convert("RGB").getpixel((10, 32))
    assert top[2] > 150 > top[0], "the blue left half is now on top"
    assert bottom[0] > 150 > bottom[2], "the red right half is now at the bottom"


def test_xmp_icc_profile_and_comments_are_stripped_from_a_jpeg(store):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    photo = encode(two_tone(), "JPEG", icc_profile=srgb, xmp=XMP, comment=b"secret note")

    stored = store.store(photo, claimed_name="scan.jpeg")

    assert_no_metadata(store.public_path(stored.public_sha256).read_bytes())
    assert store.sealed_path(stored.sha256).read_bytes() == photo


def test_a_png_with_text_chunks_reaches_officers_without_them(store):
    info = PngInfo()
    info.add_text("Author", "Nguyễn Văn A")
    info.add_text("Location", "secret: 21.0285, 105.8542", zip=True)
    info.add_itxt("Comment", "secret ghi chú", lang="vi")
    image = encode(two_tone(), "PNG", pnginfo=info, exif=phone_exif())

    stored = store.store(io.BytesIO(image), claimed_name="chup-man-hinh.png")

    assert (stored.mime, stored.width, stored.height) == ("image/png", 40, 20)
    public = store.public_path(stored.public_sha256).read_bytes()
    assert_no_metadata(public)
    assert b"eXIf" not in public
    with Image.open(io.BytesIO(public)) as seen, Image.open(io.BytesIO(image)) as sent:
        assert seen.convert("RGB").tobytes() == sent.convert("RGB").tobytes()  # lossless


def test_a_webp_and_a_gif_lose_their_metadata_too(store):
    webp = encode(two_tone(), "WEBP", exif=phone_exif(), xmp=XMP)
    gif = encode(two_tone().convert("P"), "GIF", comment=b"secret gif comment")

    for data, mime in ((webp, "image/webp"), (gif, "image/gif")):
        stored = store.store(data)
        assert stored.mime == mime
        assert_no_metadata(store.public_path(stored.public_sha256).read_bytes())


def test_a_transparent_png_keeps_its_transparency(store):
    im = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    im.paste((255, 0, 0, 255), (0, 0, 4, 8))
    stored = store.store(encode(im, "PNG"))

    with Image.open(store.public_path(stored.public_sha256)) as seen:
        assert seen.mode == "RGBA"
        assert seen.getpixel((6, 4))[3] == 0 and seen.getpixel((1, 4)) == (255, 0, 0, 255)


# --- content addressing ---------------------------------------------------------------------


def test_the_same_photo_sent_twice_is_stored_once(store):
    photo = phone_photo()

    first = store.store(photo, claimed_name="a.jpg")
    second = store.store(io.BytesIO(photo), claimed_name="copy of a.jpg")

    assert first == second
    assert first.sha256 == hashlib.sha256(photo).hexdigest()
    sealed = store.sealed_path(first.sha256)
    assert sealed == store.root / "sealed" / first.sha256[:2] / first.sha256
    assert files_under(store.root) == sorted([sealed, store.public_path(first.public_sha256)])


def test_a_pdf_and_videos_are_sealed_as_sent_and_reach_officers_without_metadata(store):
    for data, name, mime, ext in (
        (PDF, "don-to-giac.pdf", "application/pdf", ".pdf"),
        (MP4, "clip.mp4", "video/mp4", ".mp4"),
        (MOV, "IMG_1234.MOV", "video/quicktime", ".mov"),
    ):
        stored = store.store(data, claimed_name=name)
        assert (stored.mime, stored.extension) == (mime, ext)
        assert (stored.width, stored.height) == (None, None)
        assert store.sealed_path(stored.sha256).read_bytes() == data
        public = store.public_path(stored.public_sha256).read_bytes()
        for secret in (AUTHOR.encode(), b"Scanner", b"xmpmeta", GPS_ISO6709, b"com.apple"):
            assert secret not in public, (name, secret)
    video = store.public_path(store.store(MP4).public_sha256).read_bytes()
    assert len(video) == len(MP4) and video.endswith(MEDIA)  # offsets unchanged: still plays


def test_a_pdf_keeps_its_pages(store):
    from pypdf import PdfReader

    public = store.public_path(store.store(PDF).public_sha256).read_bytes()
    assert len(PdfReader(io.BytesIO(public)).pages) == 1


def test_the_result_cannot_be_altered_after_the_fact(store):
    stored = store.store(PDF)
    with pytest.raises(dataclasses.FrozenInstanceError):
        stored.sha256 = "0" * 64  # type: ignore[misc]
    assert isinstance(stored, StoredAttachment)


# --- names and declared types are claims, content decides ------------------------------------


@pytest.mark.parametrize(
    ("data", "claims"),
    [
        (HTML, {"claimed_name": "anh-hien-truong.jpg", "claimed_type": "image/jpeg"}),
        (EXE, {"claimed_name": "anh.jpg"}),
    ],
    ids=["html-as-jpg", "exe-as-jpg"],
)
def test_html_or_a_program_disguised_as_a_photo_is_refused(store, data, claims):
    refused = rejection(store, data, **claims)
    assert refused.code in {"type_mismatch", "unsupported_type"}
    assert files_under(store.root) == []


@pytest.mark.parametrize(
    ("data", "claims"),
    [
        (PDF, {"claimed_name": "anh.png"}),
        (PDF, {"claimed_type": "image/png"}),
        (phone_photo(), {"claimed_name": "setup.exe"}),
        (phone_photo(), {"claimed_name": "trang.html"}),
        (phone_photo(), {"claimed_type": "text/html"}),
        (encode(two_tone(), "PNG"), {"claimed_name": "photo.jpg"}),
    ],
    ids=["pdf-named-png", "pdf-declared-png", "jpeg-exe", "jpeg-html", "jpeg-text-html", "png-jpg"],
)
def test_a_file_whose_name_or_type_contradicts_its_content_is_refused(store, data, claims):
    refused = rejection(store, data, **claims)

    assert refused.code == "type_mismatch"
    assert refused.message_vi.startswith("Tên hoặc loại tệp không khớp với nội dung tệp.")
    assert files_under(store.root) == []


@pytest.mark.parametrize(
    "claims",
    [
        {"claimed_name": "C:\\Users\\Lan\\Pictures\\ANH.JPEG"},
        {"claimed_name": "no-extension"},
        {"claimed_type": "image/jpg"},
        {"claimed_type": "Image/JPEG; charset=binary"},
        {"claimed_type": "application/octet-stream"},
        {"claimed_name": "", "claimed_type": ""},
    ],
)
def test_honest_or_vague_claims_about_a_photo_are_accepted(store, claims):
    assert store.store(phone_photo(), **claims).mime == "image/jpeg"


def test_a_document_named_with_a_date_is_not_mistaken_for_a_wrong_extension(store):
    assert store.store(PDF, claimed_name="Biên bản 12.03.2024").mime == "application/pdf"


@pytest.mark.parametrize(
    "data",
    [b"Toi muon bao tin ve mot vu trom xe may.\n", "Tôi muốn báo tin.".encode(), HEIC, EXE],
    ids=["ascii-text", "utf8-text", "heic", "exe"],
)
def test_plain_text_and_other_formats_are_not_accepted(store, data):
    refused = rejection(store, data)

    assert refused.code == "unsupported_type"
    assert refused.message_vi.startswith("Định dạng tệp không được hỗ trợ. Vui lòng gửi ảnh (JPG,")


# --- size, emptiness and damage ---------------------------------------------------------------


def test_an_endless_upload_is_refused_without_reading_it_all(tmp_path):
    store = AttachmentStore(tmp_path)
    stream = CountingStream(b"\xff\xd8\xff" + bytes(4093) for _ in itertools.count())

    refused = rejection(store, stream)

    assert refused.code == "too_large"
    assert refused.message_vi == "Tệp quá lớn (tối đa 10 MB)."
    assert stream.bytes_read == 10 * MIB + 1
    assert files_under(tmp_path) == []


def test_the_size_limit_is_exact(tmp_path):
    photo = phone_photo()
    assert AttachmentStore(tmp_path, max_bytes=len(photo)).store(photo).size == len(photo)

    small = AttachmentStore(tmp_path / "small", max_bytes=len(photo) - 1)
    for data in (photo, io.BytesIO(photo)):
        assert rejection(small, data).code == "too_large"


def test_a_huge_picture_is_refused_before_it_is_decoded(tmp_path):
    # 100 000 x 100 000 pixels would need tens of gigabytes once decoded.
    bomb = png_bomb(100_000, 100_000)
    refused = rejection(AttachmentStore(tmp_path), bomb)
    assert refused.code == "too_large"
    assert refused.message_vi.startswith("Ảnh có độ phân giải quá lớn (tối đa 16 triệu điểm ảnh)")

    refused = rejection(AttachmentStore(tmp_path, max_pixels=100), encode(two_tone(), "PNG"))
    assert refused.code == "too_large"
    assert files_under(tmp_path) == []


@pytest.mark.parametrize(
    "data",
    [
        noisy_jpeg()[: len(noisy_jpeg()) // 2],
        encode(two_tone((64, 64)), "PNG")[:-30],
        b"\xff\xd8\xff\xe0 definitely not a jpeg",
        PDF[: len(PDF) // 2],
    ],
    ids=["half-a-jpeg", "png-without-end", "jpeg-magic-only", "pdf-without-trailer"],
)
def test_a_damaged_or_truncated_file_is_refused_as_corrupt(store, data):
    refused = rejection(store, data)

    assert refused.code == "corrupt"
    assert "hỏng" in refused.message_vi
    assert files_under(store.root) == []


@pytest.mark.parametrize("data", [b"", io.BytesIO(b""), bytearray()], ids=["bytes", "stream", "ba"])
def test_an_empty_file_is_refused(store, data):
    refused = rejection(store, data)
    assert refused.code == "empty"
    assert refused.message_vi == "Tệp trống, không có dữ liệu. Vui lòng chọn lại tệp."
    assert isinstance(refused, ValueError)


def test_a_failed_write_leaves_no_temporary_file_behind(store, monkeypatch):
    def disk_full(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.os, "replace", disk_full)
    with pytest.raises(OSError, match="No space"):
        store.store(PDF)
    assert files_under(store.root) == []


# --- looking files up -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "../" + "a" * 61,
        "/etc/passwd",
        "A" * 64,
        "a" * 63,
        "a" * 65,
        "a" * 64 + "\n",
        "g" * 64,
        "",
    ],
)
def test_a_lookup_that_is_not_a_sha256_is_refused(store, name):
    store.store(PDF)
    with pytest.raises(ValueError):
        store.public_path(name)
    with pytest.raises(ValueError):
        store.sealed_path(name)


def test_looking_up_a_file_that_was_never_stored_says_so(store):
    with pytest.raises(FileNotFoundError):
        store.public_path("0" * 64)
    stored = store.store(phone_photo())
    with pytest.raises(FileNotFoundError):  # the sealed original is not served as a public copy
        store.public_path(stored.sha256)


# --- whatever arrives, the only failure is a polite refusal ------------------------------------

SAMPLES = [
    phone_photo(orientation=3),
    encode(two_tone(), "PNG", exif=phone_exif()),
    encode(two_tone(), "WEBP", exif=phone_exif()),
    encode(two_tone().convert("P"), "GIF", comment=b"c"),
    PDF,
    MP4,
]
CODES = {"too_large", "unsupported_type", "type_mismatch", "corrupt", "empty"}
MAGICS = [b"", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\0\0\0\0WEBP", b"%PDF-"]


@st.composite
def hostile_bytes(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):
        return draw(st.sampled_from(MAGICS)) + draw(st.binary(max_size=2048))
    data = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(0, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data[: draw(st.integers(0, len(data)))])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=hostile_bytes(),
    name=st.none() | st.text(max_size=30),
    mime=st.none() | st.text(max_size=30),
)
def test_random_bytes_are_either_stored_or_politely_refused(tmp_path_factory, data, name, mime):
    store = AttachmentStore(tmp_path_factory.mktemp("fuzz"))
    try:
        stored = store.store(data, claimed_name=name, claimed_type=mime)
    except AttachmentRejected as refused:
        assert refused.code in CODES
        assert refused.message_vi
        assert files_under(store.root) == []
    else:
        assert store.sealed_path(stored.sha256).read_bytes() == data


@pytest.mark.parametrize(
    ("make", "name", "mime"),
    [("ogg_opus", "voice.oga", "audio/ogg"), ("mp3", "ghi-am.mp3", "audio/mpeg")],
)
def test_voice_and_audio_are_kept_and_officers_get_them_without_identifying_tags(
    tmp_path, make, name, mime
):
    from tests.fakes import media

    original = getattr(media, make)()
    store = AttachmentStore(tmp_path)

    stored = store.store(original, claimed_name=name)

    public = store.public_path(stored.public_sha256).read_bytes()
    assert stored.mime == mime
    assert media.IDENTIFYING.encode() in original
    assert media.IDENTIFYING.encode() not in public  # the tag is gone from the officers' copy
    assert store.sealed_path(stored.sha256).read_bytes() == original  # evidence untouched


def test_audio_mutagen_cannot_read_is_refused_as_corrupt(tmp_path):
    with pytest.raises(AttachmentRejected) as refused:
        AttachmentStore(tmp_path).store(b"OggS" + b"\x00" * 40, claimed_name="voice.oga")
    assert refused.value.code == "corrupt"
