"""The printable A4 poster of a forum: title, date, venue, a QR code of the forum's link and
short Vietnamese instructions, as PNG (Pillow) or PDF (reportlab, real text: searchable and
sharp at any size). No network: the QR code is drawn by segno, the font is a local TrueType
file with Vietnamese diacritics (DejaVu Sans)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

from feedback_api.clock import VIETNAM
from feedback_api.forums.models import Forum

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",  # Debian: fonts-dejavu-core
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
HEADER = "CÔNG AN LẮNG NGHE Ý KIẾN NHÂN DÂN"
INSTRUCTIONS = (
    "Quét mã QR bằng camera điện thoại để gửi ý kiến, kiến nghị của bạn tới Công an.",
    "Bạn có thể gửi ẩn danh. Mọi ý kiến đều được tổng hợp và trả lời công khai.",
)
A4_PX = (1240, 1754)  # 150 dpi
MARGIN = 90


class PosterFontMissing(RuntimeError):
    """No TrueType font with Vietnamese diacritics was found (install fonts-dejavu-core)."""


def find_font(configured: str = "") -> tuple[Path, Path]:
    """(regular, bold) font files; bold falls back to regular when there is none."""
    candidates = [configured] if configured else []
    candidates += list(FONT_CANDIDATES)
    try:  # matplotlib ships DejaVu Sans too, where it is installed
        import matplotlib

        candidates.append(
            str(Path(matplotlib.__file__).parent / "mpl-data/fonts/ttf/DejaVuSans.ttf")
        )
    except ImportError:
        pass
    for candidate in candidates:
        path = Path(candidate)
        if path.is_file():
            bold = path.with_name(path.stem + "-Bold" + path.suffix)
            return path, bold if bold.is_file() else path
    raise PosterFontMissing(
        "no font with Vietnamese diacritics: install Debian's fonts-dejavu-core "
        "or set LANGNGHE_POSTER_FONT to a .ttf file"
    )


@dataclass(frozen=True)
class PosterContent:
    header: str
    unit: str
    title: str
    when: str
    venue: str
    window: str
    link: str
    instructions: tuple[str, ...] = INSTRUCTIONS


def _local(moment: dt.datetime) -> dt.datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(VIETNAM)


def content(forum: Forum, *, unit_name: str, link: str) -> PosterContent:
    return PosterContent(
        header=HEADER,
        unit=unit_name,
        title=forum.title,
        when="Thời gian: " + _local(forum.starts_at).strftime("%H:%M, ngày %d/%m/%Y"),
        venue="Địa điểm: " + forum.venue,
        window="Nhận ý kiến đến: " + _local(forum.closes_at).strftime("%H:%M ngày %d/%m/%Y"),
        link=link,
    )


def _qr(link: str) -> segno.QRCode:
    return segno.make(link, error="m", micro=False)


def _wrap(text: str, fits) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            trial = f"{line} {word}".strip()
            if fits(trial) or not line:
                line = trial
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def png(poster: PosterContent, *, font_file: Path, bold_file: Path) -> bytes:
    width, height = A4_PX
    image = Image.new("RGB", A4_PX, "white")
    draw = ImageDraw.Draw(image)
    usable = width - 2 * MARGIN

    def font(size: int, bold: bool = False):
        return ImageFont.truetype(str(bold_file if bold else font_file), size)

    y = MARGIN
    draw.rectangle([0, 0, width, 24], fill="#b3121b")

    def block(text: str, size: int, *, bold: bool = False, color: str = "black", gap: int = 12):
        nonlocal y
        face = font(size, bold)
        for line in _wrap(text, lambda s: draw.textlength(s, font=face) <= usable):
            w = draw.textlength(line, font=face)
            draw.text(((width - w) / 2, y), line, font=face, fill=color)
            y += round(size * 1.3)
        y += gap

    block(poster.header, 46, bold=True, color="#b3121b")
    block(poster.unit, 30, gap=30)
    block(poster.title, 52, bold=True, gap=28)
    block(poster.when, 30, gap=4)
    block(poster.venue, 30, gap=4)
    block(poster.window, 30, gap=24)
    qr_buffer = io.BytesIO()
    _qr(poster.link).save(qr_buffer, kind="png", scale=10, border=4)
    qr_image = Image.open(io.BytesIO(qr_buffer.getvalue())).convert("RGB")
    side = min(640, height - y - 330)
    qr_image = qr_image.resize((side, side), Image.Resampling.NEAREST)
    image.paste(qr_image, ((width - side) // 2, y))
    y += side + 16
    block(poster.link, 22, color="#333333", gap=20)
    for line in poster.instructions:
        block(line, 28, gap=6)
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(150, 150))
    return out.getvalue()


def pdf(poster: PosterContent, *, font_file: Path, bold_file: Path) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    regular, bold = "LangNghe-Regular", "LangNghe-Bold"
    if regular not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(regular, str(font_file)))
        pdfmetrics.registerFont(TTFont(bold, str(bold_file)))
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.setTitle(poster.title)
    width, height = A4
    margin = 43
    usable = width - 2 * margin
    y = height - margin

    def block(text: str, size: float, *, face: str = regular, color=(0, 0, 0), gap: float = 6):
        nonlocal y
        page.setFont(face, size)
        page.setFillColorRGB(*color)
        for line in _wrap(text, lambda s: pdfmetrics.stringWidth(s, face, size) <= usable):
            y -= size * 1.3
            page.drawCentredString(width / 2, y, line)
        y -= gap

    page.setFillColorRGB(0.7, 0.07, 0.1)
    page.rect(0, height - 12, width, 12, stroke=0, fill=1)
    block(poster.header, 22, face=bold, color=(0.7, 0.07, 0.1))
    block(poster.unit, 14, gap=14)
    block(poster.title, 25, face=bold, gap=14)
    block(poster.when, 14, gap=2)
    block(poster.venue, 14, gap=2)
    block(poster.window, 14, gap=12)
    qr_buffer = io.BytesIO()
    _qr(poster.link).save(qr_buffer, kind="png", scale=10, border=4)
    side = min(300, y - margin - 120)
    y -= side
    page.drawImage(ImageReader(io.BytesIO(qr_buffer.getvalue())), (width - side) / 2, y, side, side)
    y -= 6
    block(poster.link, 10, color=(0.2, 0.2, 0.2), gap=10)
    for line in poster.instructions:
        block(line, 13, gap=2)
    page.showPage()
    page.save()
    return out.getvalue()
