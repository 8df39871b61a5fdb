"""The live final on the web: the judges' "on stage now" page (``/judge/live/<round>``,
refreshing itself, with a link to score the entry) and the organizers' controls on
``/admin/judging``: tie the round to a Q&A session, move the running order, reveal."""

from __future__ import annotations

from aiohttp import web

from bot.errors import PodiumError
from bot.web import judging
from bot.web import judging_texts as J
from bot.web.admin import _checked_form
from bot.web.guard import parse_id, read_form
from bot.web.render import site_of

#: Seconds between refreshes of the judges' live page (it holds no form to lose).
REFRESH_SECONDS = 15


async def judge_live(request: web.Request) -> web.StreamResponse:
    """The entry on stage of a live round, for a signed-in judge."""
    session = await judging.current_judge(request)
    round_id = parse_id(request.match_info["round_id"])
    if session is None:
        target = f"/judge/live/{round_id}" if round_id is not None else "/judge"
        return judging.signin_redirect(request, target)
    if round_id is None:
        raise web.HTTPNotFound()
    services = site_of(request).services
    try:
        live, task = await services.judging_live.judge_view(session.judge_id, round_id)
    except PodiumError:
        raise web.HTTPNotFound() from None
    judge = await services.judging.judge(session.judge_id)
    return judging.page(
        request,
        "judge_live.html",
        session=session,
        judge=judge,
        live=live,
        task=task,
        refresh=REFRESH_SECONDS,
        status_text=judging.STATUS_TEXT,
    )


def _back(round_id: int, **flags: str) -> web.StreamResponse:
    query = "".join(f"&{key}={value}" for key, value in flags.items())
    location = f"/admin/judging?round={round_id}{query}#live"
    return judging.private(web.Response(status=303, headers={"Location": location}))


async def _organizer_action(request: web.Request) -> tuple[int, int, dict[str, str]] | web.Response:
    """(organizer id, round id, form) of a checked dashboard POST, else its 403/404."""
    checked = await _checked_form(request)
    if isinstance(checked, web.Response):
        return checked
    round_id = parse_id(request.match_info["round_id"])
    if round_id is None:
        raise web.HTTPNotFound()
    form = await read_form(request)
    return checked.user_id, round_id, dict(form)


async def attach(request: web.Request) -> web.StreamResponse:
    """Tie a live round to a scheduled Q&A session (``session`` field)."""
    action = await _organizer_action(request)
    if isinstance(action, web.Response):
        return action
    actor_id, round_id, form = action
    session_id = parse_id(form.get("session"))
    if session_id is None:
        return judging.message(request, 400, J.CHOOSE_SESSION)
    try:
        await site_of(request).services.judging_live.attach(
            actor_id=actor_id, round_id=round_id, session_id=session_id
        )
    except PodiumError as error:
        return judging.message(request, 400, error.message, **error.params)
    return _back(round_id)


async def advance(request: web.Request) -> web.StreamResponse:
    """Put the next entry on stage."""
    action = await _organizer_action(request)
    if isinstance(action, web.Response):
        return action
    actor_id, round_id, _ = action
    try:
        await site_of(request).services.judging_live.advance(actor_id=actor_id, round_id=round_id)
    except PodiumError as error:
        return judging.message(request, 400, error.message, **error.params)
    return _back(round_id)


async def reveal(request: web.Request) -> web.StreamResponse:
    """Reveal the results: close the round if open, publish once."""
    action = await _organizer_action(request)
    if isinstance(action, web.Response):
        return action
    actor_id, round_id, _ = action
    try:
        revealed = await site_of(request).services.judging_live.reveal(
            actor_id=actor_id, round_id=round_id
        )
    except PodiumError as error:
        return judging.message(request, 400, error.message, **error.params)
    return _back(round_id, revealed="1" if revealed.posted else "unposted")


def add_routes(app: web.Application) -> None:
    """Register the live final's pages and forms."""
    app.router.add_get("/judge/live/{round_id}", judge_live)
    app.router.add_post("/admin/judging/{round_id}/live", attach)
    app.router.add_post("/admin/judging/{round_id}/next", advance)
    app.router.add_post("/admin/judging/{round_id}/reveal", reveal)
