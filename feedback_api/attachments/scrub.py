"""Metadata removal for the documents and videos citizens send (images: see storage.py).

* PDF: the pages are copied with pypdf into a new document, so the document information
  dictionary (Author, Creator, dates), the document's XMP stream and anything else not reached
  from a page stay behind; page-level XMP is dropped too. Outlines and forms are not carried
  over (the sealed original keeps everything). A PDF pypdf cannot read, or an
  encrypted one, is refused as corrupt: we never hand officers a copy we could not clean.
* MP4/MOV (ISO base media): the boxes that carry who/where/when — `udta` (©xyz GPS, ©day, ©mak,
  ©mod, loci...), `meta` (Apple's com.apple.quicktime.location.ISO6709 and friends), `uuid`
  (XMP from cameras) and `XMP_` — are turned into `free` boxes of the same size with their
  bytes zeroed, and the creation/modification times of mvhd/tkhd/mdhd are zeroed. Sizes and
  offsets stay as they were, so the sample tables (which point at absolute file offsets) remain
  valid and the video plays unchanged. No re-encoding: pure byte surgery, linear in the number
  of boxes.
"""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"edts", b"dinf", b"stbl", b"moof", b"traf"}
_ERASE = {b"udta", b"meta", b"uuid", b"XMP_"}
_TIMES = {b"mvhd", b"tkhd", b"mdhd"}


class ScrubError(ValueError):
    """The file could not be parsed well enough to clean it."""


def scrub_pdf(data: bytes) -> bytes:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ScrubError("encrypted PDF")
        writer = PdfWriter()  # a new document: only what the pages reach is copied into it
        for page in reader.pages:
            page.pop(NameObject("/Metadata"), None)
            page.pop(NameObject("/PieceInfo"), None)
            writer.add_page(page)
        out = io.BytesIO()
        writer.write(out)
    except ScrubError:
        raise
    except Exception as exc:  # pypdf raises many types on hostile input
        raise ScrubError(f"{type(exc).__name__}: {exc}") from exc
    return out.getvalue()


def scrub_iso_media(data: bytes) -> bytes:
    buffer = bytearray(data)
    _walk(buffer, 0, len(buffer), depth=0)
    return bytes(buffer)


def _walk(buf: bytearray, start: int, end: int, depth: int) -> None:
    if depth > 8:
        raise ScrubError("boxes nested too deep")
    at = start
    while at + 8 <= end:
        size = int.from_bytes(buf[at : at + 4], "big")
        kind = bytes(buf[at + 4 : at + 8])
        header = 8
        if size == 1:
            if at + 16 > end:
                raise ScrubError("truncated large box")
            size, header = int.from_bytes(buf[at + 8 : at + 16], "big"), 16
        elif size == 0:
            size = end - at
        if size < header or at + size > end:
            raise ScrubError(f"bad box size at {at}")
        body = at + header
        if kind in _ERASE:
            buf[at + 4 : at + 8] = b"free"
            buf[body : at + size] = bytes(at + size - body)
        elif kind in _CONTAINERS:
            _walk(buf, body, at + size, depth + 1)
        elif kind in _TIMES and body + 4 <= at + size:
            width = 8 if buf[body] == 1 else 4  # version 1: 64-bit times
            stop = min(body + 4 + 2 * width, at + size)
            buf[body + 4 : stop] = bytes(stop - body - 4)
        at += size
