"""``/admin/progress``: the organizers' funnel of team milestone stages, per track and
cohort (server-rendered bars, with the figures in a table)."""

from __future__ import annotations

from aiohttp import web

from bot.web import charts, progress_texts
from bot.web.admin import NO_STORE, current_session
from bot.web.render import render, request_locale, site_of


async def progress_funnel(request: web.Request) -> web.StreamResponse:
    """The funnel page; 302 to the sign-in page without a live session."""
    session = await current_session(request)
    if session is None:
        response = web.Response(status=302, headers={"Location": "/admin/signin"})
    else:
        site = site_of(request)
        locale, _ = request_locale(request)
        competition = site.services.competition
        say = site.catalogs.gettext
        stages = [stage.label.get(locale) for stage in competition.progress.stages]
        tracks = {t.key: t.name.get(locale) for t in competition.tracks}
        cohorts = {c.key: c.name.get(locale) for c in competition.cohorts}
        groups = []
        for group in await site.services.progress.funnel():
            rows = list(zip(stages, group.reached, strict=True))
            heading = say(
                locale,
                progress_texts.GROUP,
                track=tracks.get(group.track, group.track),
                cohort=cohorts.get(group.cohort or "", group.cohort)
                or say(locale, progress_texts.NO_COHORT),
                total=group.total,
            )
            groups.append(
                {
                    "heading": heading,
                    "chart": charts.hbar_chart(rows, heading),
                    "rows": [(label, n, round(n * 100 / group.total)) for label, n in rows],
                }
            )
        response = render(
            request,
            "progress.html",
            P=progress_texts,
            groups=groups,
            rules=competition.progress,
            title=progress_texts.TITLE,
        )
    response.headers["Cache-Control"] = NO_STORE
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def add_routes(app: web.Application) -> None:
    """Register ``/admin/progress``."""
    app.router.add_get("/admin/progress", progress_funnel)
