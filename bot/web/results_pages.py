"""``/admin/results`` (organizers) and ``/judge/results`` (judges): store-results boards
by metric and breakdowns by country, category and channel, per team or for a whole track,
with server-rendered bar charts and their data tables."""

from __future__ import annotations

from typing import cast
from urllib.parse import urlencode

from aiohttp import web

from bot.errors import PodiumError
from bot.services.results.scoring_base import Dimension
from bot.web import results_texts as RS
from bot.web.admin import NO_STORE, current_session
from bot.web.charts import hbar_chart
from bot.web.guard import parse_id
from bot.web.judging import current_judge, message
from bot.web.render import render, request_locale, site_of

DIMENSIONS = {"country": RS.BY_COUNTRY, "category": RS.BY_CATEGORY, "channel": RS.BY_CHANNEL}
CHART_GROUPS = 12


def _private(response: web.StreamResponse) -> web.StreamResponse:
    response.headers["Cache-Control"] = NO_STORE
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _value(request: web.Request, key: str, limit: int) -> str:
    return (request.query.get(key) or "").strip()[:limit]


async def results_page(request: web.Request) -> web.StreamResponse:
    """The analysis page for an organizer (``/admin/results``) or a judge
    (``/judge/results``); 302 to the right sign-in page without a session."""
    base = "/judge" if request.path.startswith("/judge") else "/admin"
    if base == "/judge":
        signed_in = await current_judge(request) is not None
    else:
        signed_in = await current_session(request) is not None
    if not signed_in:
        return _private(web.Response(status=302, headers={"Location": f"{base}/signin"}))
    services = site_of(request).services
    competition = services.competition
    reports = services.results_scoring.reports
    track = _value(request, "track", 20)
    track = track if track in competition.track_keys else competition.track_keys[0]
    by = _value(request, "by", 10)
    by = by if by in DIMENSIONS else "country"
    span = _value(request, "week", 20).lower() or "season"
    team_id = parse_id(request.query.get("team"), max_digits=18)
    metric = _value(request, "metric", 40).lower() or "sales"
    page = parse_id(request.query.get("page"), max_digits=4) or 1
    teams = await reports.active_teams(track)
    if team_id is not None and team_id not in {t.id for t in teams}:
        team_id = None
    try:
        cross = await reports.cross_analysis(
            by=cast(Dimension, by), track=track, team_id=team_id, week=span
        )
        board = await reports.board(metric=metric, track=track, week=span, page=page)
    except PodiumError as error:
        return message(request, 400, error.message, **error.params)
    currency = competition.results.base_currency
    shown = cross.groups[:CHART_GROUPS]

    def label(group: str) -> str:
        return group or "—"

    locale, _remember = request_locale(request)
    catalogs = site_of(request).catalogs
    by_text = catalogs.gettext(locale, DIMENSIONS[by])
    charts = {}
    if shown:
        charts["orders"] = hbar_chart(
            [(label(g), int(values.get("orders") or 0)) for g, values in shown],
            catalogs.gettext(locale, RS.ORDERS_CHART, by=by_text),
        )
        charts["sales"] = hbar_chart(
            [(label(g), round(values.get("sales") or 0)) for g, values in shown],
            catalogs.gettext(locale, RS.SALES_CHART, by=by_text, currency=currency),
        )

    def page_url(number: int) -> str:
        query = {"track": track, "by": by, "week": span, "metric": board.metric}
        if team_id is not None:
            query["team"] = str(team_id)
        if number > 1:
            query["page"] = str(number)
        return f"{base}/results?" + urlencode(query)

    response = render(
        request,
        "results.html",
        RS=RS,
        base=base,
        track=track,
        by=by,
        by_label=DIMENSIONS[by],
        dimensions=DIMENSIONS,
        span=span,
        team_id=team_id,
        teams=teams,
        metric=board.metric,
        metric_keys=reports.metric_keys(competition.results.metric_keys),
        cross=cross,
        board=board,
        charts=charts,
        currency=currency,
        page_url=page_url,
        title=RS.TITLE,
    )
    return _private(response)


def add_routes(app: web.Application) -> None:
    """Register ``/admin/results`` and ``/judge/results``."""
    app.router.add_get("/admin/results", results_page)
    app.router.add_get("/judge/results", results_page)
