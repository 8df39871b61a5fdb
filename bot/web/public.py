"""Public pages (no login, no personal data): ``/`` and ``/contests/<id>``."""

from __future__ import annotations

from aiohttp import web

from bot.services.contests import ContestNotFound
from bot.services.judging import TIE_BREAKS
from bot.web import judging_texts as J
from bot.web import texts
from bot.web.guard import parse_id
from bot.web.render import render, site_of


def message_page(request: web.Request, status: int, title: str, message: str) -> web.Response:
    """A localized page saying ``message`` (``N_`` texts) with a link back to the boards."""
    return render(
        request,
        "message.html",
        status=status,
        title=title,
        message=message,
        message_params={},
        back=True,
    )


def not_found(request: web.Request) -> web.Response:
    """The localized 404 page."""
    return message_page(request, 404, texts.NOT_FOUND_TITLE, texts.NOT_FOUND_TEXT)


async def front(request: web.Request) -> web.Response:
    """This competition-timezone week's board per track and the season's contests."""
    site = site_of(request)
    page = await site.services.dashboard.public_front()
    tracks = {t.key: t.name for t in site.services.competition.tracks}
    response = render(request, "front.html", page=page, tracks=tracks)
    response.headers.setdefault("Cache-Control", "public, max-age=30")
    return response


async def contest(request: web.Request) -> web.Response:
    """A contest's gallery (counts and places only once voting has closed) and its
    judging rounds' published results."""
    site = site_of(request)
    contest_id = parse_id(request.match_info["contest_id"])
    if contest_id is None:
        return not_found(request)
    try:
        gallery = await site.services.dashboard.public_contest(contest_id)
    except ContestNotFound:
        return not_found(request)
    judged = await site.services.judging.published_results(contest_id)
    response = render(
        request, "contest.html", gallery=gallery, judged=judged, J=J, tie_breaks=TIE_BREAKS
    )
    response.headers.setdefault("Cache-Control", "public, max-age=30")
    return response


def add_routes(app: web.Application) -> None:
    """Register the public pages."""
    app.router.add_get("/", front)
    app.router.add_get("/contests/{contest_id}", contest)
