import io

from PIL import Image, ImageChops, ImageDraw, ImageFont

from bot import cards
from bot.cards import CardRow, card_size, render_card

NAMES = [
    "龙腾跨境",
    "Amazon Aces",
    "星辰电商",
    "Shopee Sharks",
    "丝路先锋",
    "TikTok Titans",
    "跨境小分队 Cross-Border Crew",
    "Etsy Explorers",
    "长风破浪会有时直挂云帆济沧海的超长队名测试",
    "Zed",
]


def render_ten() -> bytes:
    rows = [CardRow(rank, name, 1000 - rank * 70) for rank, name in enumerate(NAMES, start=1)]
    return render_card(
        title="学生组 · Student",
        subtitle="2026-W47 · 第 47 周排行榜",
        rows=rows,
        empty_text="",
        footer="Cross-Border E-Commerce Challenge 2026 · 赛季 2026",
    )


def test_a_ten_row_card_with_chinese_and_english_names_has_the_expected_size_and_ink():
    image = Image.open(io.BytesIO(render_ten()))
    assert image.format == "PNG"
    assert image.size == card_size(10) == (960, 150 + 64 * 10 + 56)
    # Not blank: many distinct colours (text antialiasing, medals), not a flat background.
    assert len(image.convert("RGB").getcolors(maxcolors=1 << 16) or []) > 50
    # The name rows hold glyphs: every row differs from an empty row of the same colour.
    rgb = image.convert("RGB")
    for index in range(10):
        top = 150 + index * 64
        strip = rgb.crop((120, top + 8, 700, top + 56))
        flat = Image.new("RGB", strip.size, strip.getpixel((0, 0)))
        assert ImageChops.difference(strip, flat).getbbox() is not None


def test_the_card_font_draws_chinese_glyphs_not_missing_glyph_boxes():
    assert cards.has_cjk_font()
    font = cards._font(40)
    assert isinstance(font, ImageFont.FreeTypeFont)
    assert "CJK SC" in str(font.getname()[0])

    def glyph(char: str) -> bytes:
        canvas = Image.new("L", (60, 60))
        ImageDraw.Draw(canvas).text((5, 5), char, font=font, fill=255)
        return canvas.tobytes()

    # Two different characters draw differently (a missing-glyph box would be identical).
    assert glyph("龙") != glyph("营")
    assert any(glyph("龙"))


def test_an_empty_board_still_renders_one_row_high():
    image = Image.open(
        io.BytesIO(render_card(title="t", subtitle="s", rows=[], empty_text="—", footer="f"))
    )
    assert image.size == card_size(0) == (960, 150 + 64 + 56)
