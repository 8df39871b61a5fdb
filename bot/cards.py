"""Leaderboard cards: a PNG of a board, drawn with Pillow.

Team names are often Chinese, so the card uses Noto Sans CJK (Simplified Chinese face),
shipped by the ``noto-cjk-sans-otc`` package, a dependency: nothing is downloaded at run
time. Should the font be missing (a broken install), the card still renders with Pillow's
built-in font, which cannot draw Chinese, and a warning says so once.
"""

from __future__ import annotations

import functools
import importlib
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

WIDTH = 960
HEADER = 150
ROW = 64
FOOTER = 56
PADDING = 40
#: Face 2 of the Noto Sans CJK collection is the Simplified Chinese one (it also has Latin).
CJK_FACE_INDEX = 2

BACKGROUND = (24, 26, 38)
HEADER_BACKGROUND = (88, 101, 242)
ROW_ODD = (32, 35, 50)
ROW_EVEN = (40, 44, 62)
TEXT = (240, 242, 250)
MUTED = (170, 176, 200)
MEDALS = {1: (255, 196, 37), 2: (200, 208, 222), 3: (214, 137, 74)}

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True, slots=True)
class CardRow:
    """One line of the card: rank (shared by ties), team name, points."""

    rank: int
    name: str
    points: int


def card_size(rows: int) -> tuple[int, int]:
    """The card's (width, height) in pixels for ``rows`` rows (at least one row's height)."""
    return WIDTH, HEADER + ROW * max(rows, 1) + FOOTER


@functools.cache
def _font_path() -> str | None:
    try:
        package = importlib.import_module("noto_cjk_sans_otc")
    except ImportError:
        log.warning(
            "font package noto-cjk-sans-otc is missing: leaderboard cards cannot draw Chinese "
            "names (run `pip install -e .` to install it)"
        )
        return None
    return str(package.FONT_PATH)


@functools.cache
def _font(size: int) -> Font:
    path = _font_path()
    if path is not None:
        try:
            return ImageFont.truetype(path, size, index=CJK_FACE_INDEX)
        except OSError:
            log.warning("cannot read the CJK font at %s: using Pillow's built-in font", path)
    return ImageFont.load_default(size)


def has_cjk_font() -> bool:
    """True when cards can draw Chinese (the Noto Sans CJK font is installed)."""
    return isinstance(_font(20), ImageFont.FreeTypeFont) and _font_path() is not None


def _fit(draw: ImageDraw.ImageDraw, text: str, font: Font, width: float) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def render_card(
    *, title: str, subtitle: str, rows: Sequence[CardRow], empty_text: str, footer: str
) -> bytes:
    """Draw a board as a PNG (``card_size(len(rows))`` pixels); returns the file's bytes.

    ``title`` and ``subtitle`` head the card, each row shows rank, name and points (top
    three ranks get medal colours), ``empty_text`` stands in for an empty board.
    """
    width, height = card_size(len(rows))
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    title_font, subtitle_font, row_font, small_font = _font(44), _font(26), _font(30), _font(20)
    draw.rectangle((0, 0, width, HEADER - 12), fill=HEADER_BACKGROUND)
    draw.text(
        (PADDING, 28),
        _fit(draw, title, title_font, width - 2 * PADDING),
        font=title_font,
        fill=TEXT,
    )
    draw.text(
        (PADDING, 90),
        _fit(draw, subtitle, subtitle_font, width - 2 * PADDING),
        font=subtitle_font,
        fill=(225, 228, 255),
    )
    top = HEADER
    if not rows:
        draw.text((PADDING, top + 16), empty_text, font=row_font, fill=MUTED)
    for index, row in enumerate(rows):
        y = top + index * ROW
        draw.rectangle((0, y, width, y + ROW), fill=ROW_ODD if index % 2 else ROW_EVEN)
        medal = MEDALS.get(row.rank)
        centre = (PADDING + 26, y + ROW // 2)
        if medal is not None:
            draw.ellipse(
                (centre[0] - 24, centre[1] - 24, centre[0] + 24, centre[1] + 24), fill=medal
            )
        draw.text(
            centre,
            str(row.rank),
            font=row_font,
            fill=BACKGROUND if medal else TEXT,
            anchor="mm",
        )
        points = f"{row.points:,}"
        points_width = draw.textlength(points, font=row_font)
        name_left = PADDING + 80
        name = _fit(draw, row.name, row_font, width - name_left - points_width - 2 * PADDING)
        draw.text((name_left, y + ROW // 2), name, font=row_font, fill=TEXT, anchor="lm")
        draw.text((width - PADDING, y + ROW // 2), points, font=row_font, fill=TEXT, anchor="rm")
    draw.text(
        (PADDING, height - FOOTER // 2),
        _fit(draw, footer, small_font, width - 2 * PADDING),
        font=small_font,
        fill=MUTED,
        anchor="lm",
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
