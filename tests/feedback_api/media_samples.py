"""Documents and videos as phones and office software make them, metadata included.

`pdf_with_metadata()` is a real one-page PDF (pypdf) whose info dictionary names its author and
that carries an XMP stream; `video_with_gps()` is an ISO-BMFF file laid out like a phone's MP4
or MOV: ftyp, a moov with a track, the ©xyz GPS atom in moov/udta, Apple's location key in
moov/meta, an XMP uuid box, and the media data after it (so the sample tables' absolute
offsets would break if a box were removed instead of blanked).
"""

from __future__ import annotations

import io
import struct

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

AUTHOR = "Nguyen Van Bi Mat"
GPS_ISO6709 = b"+21.0285+105.8542/"
XMP_SECRET = b"<x:xmpmeta>camera-owner-secret</x:xmpmeta>"
MEDIA = b"\x00\x00\x01\xb3video-frames" * 8


def pdf_with_metadata() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": AUTHOR, "/Creator": "Phone Scanner 3.1", "/Title": "Đơn"})
    xmp = DecodedStreamObject()
    xmp.set_data(b"<x:xmpmeta><dc:creator>" + AUTHOR.encode() + b"</dc:creator></x:xmpmeta>")
    xmp.update({NameObject("/Type"): NameObject("/Metadata")})
    writer.root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def full_box(kind: bytes, body: bytes, version: int = 0) -> bytes:
    return box(kind, bytes([version, 0, 0, 0]) + body)


def video_with_gps(brand: bytes = b"mp42") -> bytes:
    ftyp = box(b"ftyp", brand + b"\x00\x00\x00\x00" + brand + b"isom")
    created = struct.pack(">II", 3_800_000_000, 3_800_000_001)  # creation, modification
    mvhd = full_box(b"mvhd", created + struct.pack(">II", 1000, 5000) + bytes(80))
    tkhd = full_box(b"tkhd", created + bytes(72))
    udta = box(b"udta", box(b"\xa9xyz", struct.pack(">HH", len(GPS_ISO6709), 0) + GPS_ISO6709))
    keys = full_box(
        b"keys", struct.pack(">I", 1) + box(b"mdta", b"com.apple.quicktime.location.ISO6709")
    )
    meta = full_box(b"meta", keys + box(b"ilst", box(b"\x00\x00\x00\x01", GPS_ISO6709)))
    moov = box(
        b"moov", mvhd + box(b"trak", tkhd + box(b"udta", box(b"name", b"cam"))) + udta + meta
    )
    xmp = box(b"uuid", bytes(16) + XMP_SECRET)
    return ftyp + moov + xmp + box(b"mdat", MEDIA)
