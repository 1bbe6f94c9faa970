"""Small but real media files for tests: an Ogg Opus voice message and an MP3, each carrying
metadata tags that identify someone (what a phone or an editing app writes), so tests can check
that officers get them without the tags."""

from __future__ import annotations

import io
import struct

from mutagen.id3 import ID3, TPE1
from mutagen.ogg import OggPage

IDENTIFYING = "Nguyễn Văn Tố 0912345678"


def ogg_opus(tag: str = IDENTIFYING) -> bytes:
    """An Ogg Opus stream (what Telegram voice messages are) with an identifying comment."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
    vendor = b"Lavf"
    comment = f"ARTIST={tag}".encode()
    tags = (
        b"OpusTags"
        + struct.pack("<I", len(vendor)) + vendor
        + struct.pack("<I", 1) + struct.pack("<I", len(comment)) + comment
    )  # fmt: skip
    audio = b"\xf8\xff\xfe"  # one tiny Opus packet (a 20 ms silence frame)
    pages = []
    for sequence, (packet, position) in enumerate([(head, 0), (tags, 0), (audio, 960)]):
        page = OggPage()
        page.serial, page.sequence, page.position = 0x4C4E, sequence, position
        page.first, page.last = sequence == 0, sequence == 2
        page.packets = [packet]
        pages.append(page.write())
    return b"".join(pages)


def mp3(tag: str = IDENTIFYING) -> bytes:
    """A few MPEG-1 Layer III frames of silence behind an ID3v2 tag naming someone."""
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413  # 128 kbit/s, 44.1 kHz: 417 bytes a frame
    buffer = io.BytesIO(frame * 8)
    tags = ID3()
    tags.add(TPE1(encoding=3, text=[tag]))
    tags.save(buffer)
    return buffer.getvalue()
