"""The dashboard's charts: colours, axes, labels inside the picture, cohort order, the
period still in progress, legend spacing in Chinese. Pure chart functions first, then
the charts as ``/admin`` renders them from the seeded demo."""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
import xml.etree.ElementTree as ET

import pytest

from bot.services.dashboard import Series
from bot.web import charts
from tests.web.conftest import Web
from tests.web.test_pages import login

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own markup


def viewbox(root: ET.Element) -> tuple[float, float]:
    _, _, width, height = (float(v) for v in root.attrib["viewBox"].split())
    return width, height


def estimated_width(text: str, font_size: float = 11) -> float:
    """Independent of the product's estimate: 0.6 em a Latin character, 1.2 em a CJK one."""
    return (
        sum(1.2 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.6 for ch in text)
        * font_size
    )


def extent(node: ET.Element) -> tuple[float, float]:
    """(left, right) of a <text> by its anchor and estimated width."""
    x = float(node.attrib["x"])
    width = estimated_width(node.text or "")
    anchor = node.attrib.get("text-anchor", "start")
    if anchor == "middle":
        return x - width / 2, x + width / 2
    if anchor == "end":
        return x - width, x
    return x, x + width


def y_ticks(root: ET.Element) -> list[int]:
    return [
        int(t.text or "")
        for t in root.iter(f"{SVG}text")
        if t.attrib.get("class") == "tick"
        and t.attrib.get("text-anchor") == "end"
        and float(t.attrib["x"]) < 44  # left of the plot
    ]


def days(count: int) -> list[str]:
    return [f"2026-11-{day:02d}" for day in range(26 - count, 26)]


def series(name: str, values: list[int], labels: list[str]) -> Series:
    return Series(name, tuple(zip(labels, values, strict=True)))


def is_nice(step: int) -> bool:
    magnitude = 10 ** int(math.log10(step))
    return step // magnitude in (1, 2, 5) and step % magnitude == 0


# -- axes --------------------------------------------------------------------------------
@pytest.mark.parametrize("top", [0, 1, 3, 7, 13, 25, 38, 99, 123, 999, 4321, 25_000])
def test_value_axes_step_by_one_two_or_five_times_a_power_of_ten(top: int):
    labels = days(3)
    root = parse(charts.bar_chart([series("Rookie", [top, top // 2, 0], labels)], "t"))
    ticks = y_ticks(root)
    assert ticks[0] == 0
    steps = {b - a for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1, ticks
    assert is_nice(steps.pop()), ticks
    assert ticks[-1] >= top
    assert len(ticks) <= 6


def test_twenty_five_gives_ticks_of_five_not_six():
    labels = days(2)
    root = parse(charts.line_chart([series("Rookie", [25, 3], labels)], "t"))
    assert y_ticks(root) == [0, 5, 10, 15, 20, 25]


# -- labels inside the picture -----------------------------------------------------------
@pytest.mark.parametrize("chart", ["line", "bar"])
@pytest.mark.parametrize("count", [2, 7, 8, 13, 14])
def test_every_label_fits_inside_the_viewbox(chart: str, count: int):
    labels = days(count) if chart == "line" else [f"2026-W{40 + i}" for i in range(count)]
    draw = charts.line_chart if chart == "line" else charts.bar_chart
    names = ["Rookie", "Advanced", "Elite", "no cohort"]
    svg = draw([series(n, list(range(count)), labels) for n in names], "t")
    root = parse(svg)
    width, height = viewbox(root)
    texts = list(root.iter(f"{SVG}text"))
    assert texts
    for node in texts:
        left, right = extent(node)
        assert left >= 0, (node.text, left)
        assert right <= width, (node.text, right, width)
        assert float(node.attrib["y"]) <= height
    printed = [t.text for t in texts if t.attrib.get("class") == "tick"]
    last = labels[-1][-5:] if chart == "line" else labels[-1][-3:]
    assert last in printed  # the newest period is always labelled


# -- legend spacing ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "names",
    [["新手营", "进阶营", "精英营", "无营"], ["Rookie", "Advanced", "Elite", "no cohort"]],
)
def test_legend_swatches_keep_clear_of_the_label_before_them(names: list[str]):
    labels = days(4)
    root = parse(charts.line_chart([series(n, [1, 2, 3, 4], labels) for n in names], "t"))
    legend_texts = [t for t in root.iter(f"{SVG}text") if t.attrib.get("class") == "legend"]
    assert [t.text for t in legend_texts] == names
    swatches = [
        r
        for r in root.iter(f"{SVG}rect")
        if r.attrib.get("width") == "10" and "class" not in r.attrib
    ]
    assert len(swatches) == len(names)
    for text, next_swatch in zip(legend_texts, swatches[1:], strict=False):
        if float(next_swatch.attrib["y"]) != float(text.attrib["y"]) - 9:
            continue  # wrapped to the next row
        _, right = extent(text)
        assert float(next_swatch.attrib["x"]) >= right + 6, (text.text, right, next_swatch.attrib)


# -- the period still in progress --------------------------------------------------------
def test_the_line_into_today_is_dashed_and_the_legend_says_so():
    labels = days(5)
    svg = charts.line_chart(
        [series("Rookie", [5, 6, 7, 8, 2], labels)],
        "t",
        partial=charts.Partial(labels[-1], "today so far"),
    )
    root = parse(svg)
    dashed = [n for n in root.iter(f"{SVG}line") if "partial" in n.attrib.get("class", "")]
    assert len(dashed) == 1
    assert dashed[0].attrib["stroke-dasharray"]
    solid = next(root.iter(f"{SVG}polyline"))
    assert len(solid.attrib["points"].split()) == 4  # the solid line stops at yesterday
    legend = [t.text for t in root.iter(f"{SVG}text") if t.attrib.get("class") == "legend"]
    assert legend == ["Rookie", "today so far"]


def test_the_bars_of_this_week_are_hatched_and_the_legend_says_so():
    labels = ["2026-W46", "2026-W47", "2026-W48"]
    svg = charts.bar_chart(
        [series("Rookie", [5, 6, 2], labels), series("Elite", [1, 2, 1], labels)],
        "t",
        partial=charts.Partial("2026-W48", "this week so far"),
    )
    root = parse(svg)
    bars = [r for r in root.iter(f"{SVG}rect") if "bar" in r.attrib.get("class", "").split()]
    hatched = [r for r in bars if r.attrib["fill"].startswith("url(#")]
    assert len(hatched) == 2
    assert all("W48" in (r.findtext(f"{SVG}title") or "") for r in hatched)
    assert all(not r.attrib["fill"].startswith("url(") for r in bars if r not in hatched)
    ids = {p.attrib["id"] for p in root.iter(f"{SVG}pattern")}
    assert {r.attrib["fill"][5:-1] for r in hatched} <= ids
    legend = [t.text for t in root.iter(f"{SVG}text") if t.attrib.get("class") == "legend"]
    assert legend == ["Rookie", "Elite", "this week so far"]


# -- through the dashboard ---------------------------------------------------------------
def figures(page: str) -> list[ET.Element]:
    return [parse(svg) for svg in re.findall(r'<svg class="chart".*?</svg>', page, re.S)]


def fill_of(root: ET.Element, label_start: str) -> str:
    for rect in root.iter(f"{SVG}rect"):
        if (rect.findtext(f"{SVG}title") or "").startswith(label_start):
            return rect.attrib["fill"]
    raise AssertionError(f"no bar titled {label_start!r}")


async def test_nps_promoters_are_green_and_detractors_red(web: Web):
    await login(web)
    page = await (await web.client.get("/admin")).text()
    nps = next(
        r
        for r in figures(page)
        if r.findtext(f"{SVG}title") == "Promoters, passives and detractors"
    )
    assert fill_of(nps, "promoters") == "#16a34a"  # green
    assert fill_of(nps, "detractors") == "#dc2626"  # red
    assert fill_of(nps, "passives") not in ("#16a34a", "#dc2626")


@pytest.mark.parametrize(
    ("lang", "order"),
    [("en", ["Rookie", "Advanced", "Elite"]), ("zh", ["新手营", "进阶营", "精英营"])],
)
async def test_cohorts_appear_in_the_configured_order_not_alphabetically(
    web: Web, lang: str, order: list[str]
):
    await login(web)
    page = await (await web.client.get("/admin", params={"lang": lang})).text()
    daily, weekly = figures(page)[:2]
    for chart in (daily, weekly):
        legend = [t.text for t in chart.iter(f"{SVG}text") if t.attrib.get("class") == "legend"]
        assert [name for name in legend if name in order] == order
    headers = re.findall(r'<th scope="col" class="num">([^<]+)</th>', page)
    assert [h for h in headers if h in order][:3] == order


async def test_today_and_this_week_are_marked_as_partial_in_charts_and_tables(web: Web):
    await login(web)
    page = await (await web.client.get("/admin")).text()
    daily, weekly = figures(page)[:2]
    assert any("partial" in n.attrib.get("class", "") for n in daily.iter(f"{SVG}line"))
    assert any("partial" in n.attrib.get("class", "") for n in weekly.iter(f"{SVG}rect"))
    today = web.clock.now().astimezone(web.services.competition.competition.tz).date()
    week = web.services.points.current_week().key
    assert f'<th scope="row">{today.isoformat()} (so far)</th>' in page
    assert f'<th scope="row">{week} (so far)</th>' in page
    assert page.count("(so far)</th>") == 2
    zh = await (await web.client.get("/admin", params={"lang": "zh"})).text()
    assert "（截至目前）</th>" in zh
