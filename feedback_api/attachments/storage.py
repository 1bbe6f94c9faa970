"""Attachment store for tips: the photos, documents and videos citizens send to the police.

Why it is built this way:

* Phones write the sender's GPS position, device make/serial and edit history into photos.
  Officers need the picture, not that, so every image gets an officer-facing ("public") copy
  re-encoded from pixels alone: no EXIF (GPS included), XMP, ICC profile, comment or PNG text
  chunk survives. EXIF orientation is applied first so the picture still looks upright.
* The original bytes may be evidence: they are kept untouched ("sealed") under their SHA-256,
  so anyone can later show the file was not altered after it was received.
* A file name and a declared MIME type come from the sender and prove nothing. The type is
  decided by content (magic bytes, then a full decode for images); a name or declared type that
  contradicts it is refused, since that is how disguised HTML or programs slip past people.
* Nothing is written until every check has passed, and each write is atomic (temp file in the
  target directory + os.replace): a rejection or a crash never leaves half a file.
* Decoding is bounded before it starts: the pixel count is read from the header and checked
  against `max_pixels` (the decoded budget); a JPEG up to four times larger is decoded at half
  scale (DCT scaling, a quarter of the pixels and memory), since officers need the picture, not
  50 megapixels. A 150 KB PNG claiming 6000×6600 pixels costs nothing.
* PDF and video (MP4/MOV) get an officer-facing copy with their metadata removed (scrub.py:
  pypdf for PDF info/XMP; udta/meta/uuid boxes blanked in video, where phones put GPS).
* Audio (a Telegram voice message is Ogg Opus; MP3, M4A) gets an officer-facing copy without
  its tags (mutagen, a maintained library: ID3, Vorbis comments, MP4 metadata atoms).

Pure module: no database, no web framework. Callers record the returned StoredAttachment.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Literal

import mutagen
from PIL import Image, ImageCms, ImageOps

from feedback_api.attachments.scrub import ScrubError, scrub_iso_media, scrub_pdf

RejectionCode = Literal["too_large", "unsupported_type", "type_mismatch", "corrupt", "empty"]

_CHUNK = 64 * 1024
_HEX64 = re.compile(r"[0-9a-f]{64}")
# Declared types that only say "I don't know"; browsers and Telegram send them for any file.
_UNDECLARED = frozenset({"application/octet-stream", "binary/octet-stream"})

_MESSAGES_VI: dict[str, str] = {
    "too_large": "Tệp quá lớn (tối đa {limit}).",
    "too_many_pixels": "Ảnh có độ phân giải quá lớn (tối đa {limit} điểm ảnh). "
    "Vui lòng gửi ảnh nhỏ hơn.",
    "unsupported_type": "Định dạng tệp không được hỗ trợ. Vui lòng gửi ảnh (JPG, PNG, WebP, GIF), "
    "video (MP4, MOV), ghi âm (OGG, MP3, M4A) hoặc tệp PDF.",
    "type_mismatch": "Tên hoặc loại tệp không khớp với nội dung tệp. "
    "Vui lòng gửi lại đúng tệp gốc, không đổi đuôi tệp.",
    "corrupt": "Tệp bị hỏng hoặc không đầy đủ nên không mở được. Vui lòng gửi lại tệp.",
    "empty": "Tệp trống, không có dữ liệu. Vui lòng chọn lại tệp.",
}


class AttachmentRejected(ValueError):
    """A file we refuse to store: ``code`` is for programs, ``message_vi`` is for the citizen."""

    def __init__(self, code: RejectionCode, message_vi: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code: RejectionCode = code
        self.message_vi = message_vi


def _reject(
    code: RejectionCode, detail: str = "", *, message: str | None = None, **fmt: str
) -> AttachmentRejected:
    return AttachmentRejected(code, _MESSAGES_VI[message or code].format(**fmt), detail)


@dataclass(frozen=True)
class StoredAttachment:
    """What a caller records. width/height are the upright public image's (None if not an image)."""

    sha256: str  # of the original (sealed) bytes
    public_sha256: str  # of the officer-facing copy; equals sha256 for PDF and video
    mime: str
    size: int
    public_size: int
    width: int | None
    height: int | None
    extension: str


@dataclass(frozen=True)
class _Kind:
    mime: str
    extension: str  # canonical, used when serving the file
    extensions: frozenset[str]  # suffixes a sender may legitimately use
    aliases: frozenset[str] = frozenset()  # declared MIME types meaning the same thing
    pil_format: str | None = None  # Pillow format for images; None means "stored as-is"


def _kind(mime: str, exts: str, aliases: str = "", pil: str | None = None) -> _Kind:
    suffixes = exts.split()
    return _Kind(mime, suffixes[0], frozenset(suffixes), frozenset(aliases.split()), pil)


JPEG = _kind("image/jpeg", ".jpg .jpeg .jpe .jfif", "image/jpg image/pjpeg", "JPEG")
PNG = _kind("image/png", ".png", "image/x-png", "PNG")
WEBP = _kind("image/webp", ".webp", "", "WEBP")
GIF = _kind("image/gif", ".gif", "", "GIF")
PDF = _kind("application/pdf", ".pdf", "application/x-pdf")
MP4 = _kind("video/mp4", ".mp4 .m4v", "video/x-m4v")
MOV = _kind("video/quicktime", ".mov .qt")
OGG = _kind("audio/ogg", ".ogg .oga .opus", "audio/opus application/ogg audio/x-opus+ogg")
MP3 = _kind("audio/mpeg", ".mp3", "audio/mp3 audio/mpeg3")
M4A = _kind("audio/mp4", ".m4a", "audio/x-m4a audio/m4a audio/aac")
_AUDIO = (OGG, MP3, M4A)  # officer copy without tags (mutagen)
_MEDIA = (*_AUDIO, MP4, MOV)  # the larger size limit

# ISO-BMFF brands we accept. HEIC/AVIF photos share the 'ftyp' box but are images Pillow cannot
# decode (so their metadata could not be stripped): their brands are deliberately absent.
_MP4_BRANDS = {*b"isom iso2 iso3 iso4 iso5 iso6 mp41 mp42 avc1".split(), b"M4V "}
_MOV_BRANDS = {b"qt  "}


def _sniff(data: bytes) -> _Kind | None:
    """The type the bytes really are, from their magic numbers; None if not one we accept."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"%PDF-"):  # strictly at offset 0: junk before it smells of a polyglot
        return PDF
    if data[4:8] == b"ftyp" and 16 <= int.from_bytes(data[:4], "big") <= len(data):
        brand = data[8:12]
        if brand in _MOV_BRANDS:
            return MOV
        if brand == b"M4A ":
            return M4A
        if brand in _MP4_BRANDS:
            return MP4
    if data.startswith(b"OggS"):
        return OGG
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return MP3
    return None


def _without_tags(data: bytes, kind: _Kind) -> bytes:
    """Audio without its metadata tags. Audio mutagen cannot read is refused as corrupt (we
    would not know what it carries)."""
    buffer = io.BytesIO(data)
    try:
        parsed = mutagen.File(buffer)
        if parsed is None:
            raise mutagen.MutagenError("not recognised")
        if parsed.tags is not None:
            buffer.seek(0)
            parsed.delete(buffer)
    except Exception as error:  # mutagen raises many types on hostile input
        raise _reject("corrupt", f"audio {kind.mime} unreadable: {error!r}") from None
    return buffer.getvalue()


def _check_claims(kind: _Kind, claimed_name: str | None, claimed_type: str | None) -> None:
    """Refuse a name suffix or declared type that contradicts the content.

    Missing claims are fine (content decides). A purely numeric suffix is not an extension
    ("Biên bản 12.03.2024"), so it is ignored rather than refused.
    """
    if claimed_name:
        base = claimed_name.replace("\\", "/").rsplit("/", 1)[-1].strip()
        suffix = PurePosixPath(base).suffix.lower() if base else ""
        if suffix and not suffix[1:].isdigit() and suffix not in kind.extensions:
            raise _reject("type_mismatch", f"name {suffix!r} but content is {kind.mime}")
    if claimed_type:
        declared = claimed_type.split(";", 1)[0].strip().lower()
        if declared and declared not in _UNDECLARED | {kind.mime} | kind.aliases:
            raise _reject("type_mismatch", f"declared {declared!r} but content is {kind.mime}")


def _human_size(n: int) -> str:
    """Vietnamese style: decimal comma, e.g. '10 MB', '1,5 MB', '512 KB'."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= scale:
            text = f"{n / scale:.1f}".rstrip("0").rstrip(".")
            return f"{text.replace('.', ',')} {unit}"
    return f"{n} byte"


def _human_pixels(n: int) -> str:
    """'40 triệu' for 40_000_000; '2.500' (Vietnamese thousands dot) below a million."""
    return f"{n / 1e6:g} triệu".replace(".", ",") if n >= 1e6 else f"{n:,}".replace(",", ".")


def _upright(im: Image.Image) -> Image.Image:
    """Apply EXIF orientation. Broken EXIF must not cost the citizen a valid photo: keep as-is."""
    try:
        return ImageOps.exif_transpose(im)
    except Exception:
        return im


def _to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Bake an embedded colour profile (e.g. iPhone Display P3) into sRGB pixels, so dropping
    the profile does not change how the photo looks. An unusable profile is just dropped."""
    if not icc or im.mode not in ("RGB", "RGBA", "CMYK"):
        return im
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        srgb = ImageCms.createProfile("sRGB")
        out_mode = "RGBA" if im.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(im, source, srgb, outputMode=out_mode)
    except Exception:
        return im
    return converted if converted is not None else im


def _pixels_only(im: Image.Image, kind: _Kind) -> Image.Image:
    """A brand-new image holding only pixels. Pillow's encoders fall back to ``im.info`` for
    comments, ICC profiles and more, so clearing a few keys is not enough; a fresh image is."""
    if im.mode in ("1", "L"):
        mode = "L"
    elif kind is not JPEG and im.has_transparency_data:
        mode = "RGBA"
    else:
        mode = "RGB"
    pixels = im if im.mode == mode else im.convert(mode)
    return Image.frombytes(mode, pixels.size, pixels.tobytes())


_SAVE_OPTIONS: dict[str, dict[str, object]] = {"JPEG": {"quality": 90}, "WEBP": {"quality": 90}}


class AttachmentStore:
    """Content-addressed store: root/sealed/<sha[:2]>/<sha> and root/public/<sha[:2]>/<sha>."""

    def __init__(
        self,
        root: Path,
        *,
        max_bytes: int = 10 * 1024 * 1024,
        max_media_bytes: int | None = None,
        max_pixels: int = 16_000_000,
    ) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes  # images and documents
        self.max_media_bytes = max_media_bytes or max_bytes  # video and audio
        self.max_pixels = max_pixels

    def store(
        self,
        data: bytes | BinaryIO,
        *,
        claimed_name: str | None = None,
        claimed_type: str | None = None,
    ) -> StoredAttachment:
        """Validate, then keep the original sealed and an officer-facing copy public.

        Raises AttachmentRejected (and writes nothing) for anything we will not keep.
        Storing the same content again returns the same result and adds no file.
        """
        original = self._read_limited(data, max(self.max_bytes, self.max_media_bytes))
        if not original:
            raise _reject("empty", "no bytes")
        kind = _sniff(original)
        if kind is None:
            raise _reject("unsupported_type", f"magic {original[:8]!r}")
        limit = self.max_media_bytes if kind in _MEDIA else self.max_bytes
        if len(original) > limit:
            raise _reject("too_large", f"more than {limit} bytes", limit=_human_size(limit))
        _check_claims(kind, claimed_name, claimed_type)
        width = height = None
        if kind.pil_format is not None:
            public, width, height = self._public_image(original, kind)
        else:
            if kind is PDF and b"%%EOF" not in original[-1024:]:
                raise _reject("corrupt", "PDF without %%EOF trailer (truncated upload?)")
            try:
                if kind in _AUDIO:
                    public = _without_tags(original, kind)
                else:
                    public = scrub_pdf(original) if kind is PDF else scrub_iso_media(original)
            except ScrubError as exc:
                raise _reject("corrupt", str(exc)) from exc
        sha, public_sha = hashlib.sha256(original).hexdigest(), hashlib.sha256(public).hexdigest()
        self._write_once(self.root / "sealed" / sha[:2] / sha, original)
        self._write_once(self.root / "public" / public_sha[:2] / public_sha, public)
        return StoredAttachment(
            sha256=sha, public_sha256=public_sha, mime=kind.mime, size=len(original),
            public_size=len(public), width=width, height=height, extension=kind.extension,
        )  # fmt: skip

    def public_path(self, public_sha256: str) -> Path:
        """Where the officer-facing copy lives. ValueError for anything but a sha256 digest."""
        return self._existing("public", public_sha256)

    def sealed_path(self, sha256: str) -> Path:
        """Where the untouched original lives. ValueError for anything but a sha256 digest."""
        return self._existing("sealed", sha256)

    def _existing(self, area: str, digest: str) -> Path:
        # Strict lowercase hex (fullmatch, so no trailing newline) leaves no room for "../".
        if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            raise ValueError("expected a sha256 digest: 64 lowercase hex characters")
        path = self.root / area / digest[:2] / digest
        if not path.is_file():
            raise FileNotFoundError(str(path))
        return path

    def _read_limited(self, data: bytes | BinaryIO, max_bytes: int) -> bytes:
        """At most max_bytes + 1 bytes: enough to know a stream is too big, never all of it."""
        if isinstance(data, bytes | bytearray | memoryview):
            buf = memoryview(data).tobytes()
        else:
            chunks, got, wanted = [], 0, max_bytes + 1
            while got < wanted and (chunk := data.read(min(_CHUNK, wanted - got))):
                chunks.append(chunk)
                got += len(chunk)
            buf = b"".join(chunks)
        if len(buf) > max_bytes:
            limit = _human_size(max_bytes)
            raise _reject("too_large", f"more than {max_bytes} bytes", limit=limit)
        return buf

    def _public_image(self, data: bytes, kind: _Kind) -> tuple[bytes, int, int]:
        """Decode fully (catching truncation and bombs), then re-encode pixels only.

        Pillow raises a zoo of exception types on hostile input, so anything it raises while
        parsing is "corrupt". Animated GIF/WebP keep only their first frame in the public copy
        (the sealed original keeps the animation); that also bounds the decoding work.
        """
        assert kind.pil_format is not None
        too_many = _reject(
            "too_large",
            "too many pixels (decompression bomb?)",
            message="too_many_pixels",
            limit=_human_pixels(self.max_pixels),
        )
        try:
            with Image.open(io.BytesIO(data), formats=[kind.pil_format]) as im:
                declared = im.width * im.height  # from the header: nothing decoded yet
                scalable = kind is JPEG and declared <= 4 * self.max_pixels
                if declared > self.max_pixels and not scalable:
                    raise too_many
                if declared > self.max_pixels:  # JPEG: decode at half scale, a quarter of it
                    im.draft(im.mode, ((im.width + 1) // 2, (im.height + 1) // 2))
                if im.width * im.height > self.max_pixels:
                    raise too_many
                im.load()  # raises on truncated or corrupt data
                icc = im.info.get("icc_profile")
                clean = _pixels_only(_to_srgb(_upright(im), icc), kind)
        except AttachmentRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise too_many from exc
        except Exception as exc:
            raise _reject("corrupt", f"{type(exc).__name__}: {exc}") from exc
        out = io.BytesIO()
        clean.save(out, format=kind.pil_format, **_SAVE_OPTIONS.get(kind.pil_format, {}))
        return out.getvalue(), clean.width, clean.height

    def _write_once(self, target: Path, content: bytes) -> None:
        """Atomic and idempotent: the name is the content's hash, so an existing file is done."""
        if target.is_file():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
