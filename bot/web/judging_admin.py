"""``/admin/judging``: the organizers' judging page on the dashboard's session: the judges
(with a sign-in link to issue for each), a round's progress per judge and per entry, and
its results (a preview until published)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.errors import PodiumError
from bot.services.judging import TIE_BREAKS
from bot.web import judging_texts as J
from bot.web import texts
from bot.web.admin import NO_STORE, _checked_form, current_session
from bot.web.guard import parse_id
from bot.web.judging import ROUND_STATE_TEXT, message
from bot.web.render import render, site_of


def _private(response: web.StreamResponse) -> web.StreamResponse:
    response.headers["Cache-Control"] = NO_STORE
    response.headers["Referrer-Policy"] = "same-origin"
    return response


async def judging_page(request: web.Request) -> web.StreamResponse:
    """The judging overview of one round (``?round=``, default the latest); 302 to the
    sign-in page without an organizer session."""
    session = await current_session(request)
    if session is None:
        return _private(web.Response(status=302, headers={"Location": "/admin/signin"}))
    site = site_of(request)
    judging = site.services.judging
    rounds = sorted(await judging.rounds(), key=lambda r: r.id, reverse=True)
    asked = parse_id(request.query.get("round"))
    chosen = next((r for r in rounds if r.id == asked), rounds[0] if rounds else None)
    progress = results = live = None
    live_context: dict[str, Any] = {}
    if chosen is not None:
        progress = await judging.progress(chosen.id)
        results = await judging.results(chosen.id)
        if chosen.live:
            live = await site.services.judging_live.live(chosen.id)
            live_context = {
                "sessions": [
                    s for s in await site.services.qa.upcoming() if s.status != "cancelled"
                ],
                "entry_names": {e.entry_id: e.team_name for e in progress.entries},
            }
    response = render(
        request,
        "admin_judging.html",
        J=J,
        session=session,
        rounds=rounds,
        chosen=chosen,
        progress=progress,
        results=results,
        live=live,
        pool=await judging.judges(),
        state_text=ROUND_STATE_TEXT,
        tie_breaks=TIE_BREAKS,
        **live_context,
        revealed=request.query.get("revealed"),
        title=texts.DASHBOARD_TITLE,
    )
    return _private(response)


async def judge_link(request: web.Request) -> web.StreamResponse:
    """Issue a judge portal sign-in link for a judge (CSRF-checked, audited) and show it
    once, to copy into an e-mail to an external judge."""
    checked = await _checked_form(request)
    if isinstance(checked, web.Response):
        return checked
    judge_id = parse_id(request.match_info["judge_id"])
    if judge_id is None:
        raise web.HTTPNotFound()
    services = site_of(request).services
    try:
        link = await services.judge_access.issue_link(
            actor_id=checked.user_id, judge_id=judge_id, via="dashboard"
        )
        judge = await services.judging.judge(judge_id)
    except PodiumError as error:
        return message(request, 400, error.message, **error.params)
    response = render(request, "admin_judge_link.html", J=J, link=link, judge=judge)
    response.headers["Referrer-Policy"] = "no-referrer"
    return _private(response)


def add_routes(app: web.Application) -> None:
    """Register ``/admin/judging`` and its judge sign-in links."""
    app.router.add_get("/admin/judging", judging_page)
    app.router.add_post("/admin/judging/judges/{judge_id}/link", judge_link)
