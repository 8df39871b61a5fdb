"""The judge portal: sign-in by link, the judge's entries, an entry's materials and its
scoring form (draft kept server-side, submit, edit until the round closes).

A judge session (cookie ``podium_judge``, path ``/judge``) only opens these pages: it is
not a dashboard session, so ``/admin`` stays closed to it. Every page reads the session
through ``JudgeAccessService.session``, which ends it once the judge was removed. Forms
are checked like the dashboard's: same origin and the session's CSRF token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from bot.errors import PodiumError
from bot.services.judge_access import SESSION_TTL, JudgeSession
from bot.services.judging import JudgeTask
from bot.web import judging_texts as J
from bot.web import texts
from bot.web.guard import parse_id, read_form
from bot.web.render import render, request_locale, site_of

JUDGE_COOKIE = "podium_judge"
COOKIE_PATH = "/judge"
#: A comment longer than this is cut before the service refuses it as too long.
MAX_FORM_COMMENT = 10_000
STATUS_TEXT = {
    "pending": J.STATUS_PENDING,
    "draft": J.STATUS_DRAFT,
    "submitted": J.STATUS_SUBMITTED,
    "withdrawn": J.STATUS_WITHDRAWN,
}
ROUND_STATE_TEXT = {
    "draft": J.ROUND_STATE_DRAFT,
    "open": J.ROUND_STATE_OPEN,
    "closed": J.ROUND_STATE_CLOSED,
    "published": J.ROUND_STATE_PUBLISHED,
}


def private(response: web.StreamResponse) -> web.StreamResponse:
    """No caching of a judge's page; same-origin referrers (the forms' origin check)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def page(request: web.Request, template: str, *, status: int = 200, **context: Any) -> web.Response:
    """Render a portal page (``J``: the judging texts) as a private response."""
    response = render(request, template, status=status, J=J, **context)
    private(response)
    return response


def message(request: web.Request, status: int, text: str, **params: Any) -> web.Response:
    """A localized message page (``text``: an ``N_`` message, e.g. a PodiumError's)."""
    response = render(
        request,
        "message.html",
        status=status,
        title=texts.FORBIDDEN_TITLE if status == 403 else texts.BAD_REQUEST_TITLE,
        message=text,
        message_params=params,
        back=False,
    )
    private(response)
    return response


async def current_judge(request: web.Request) -> JudgeSession | None:
    """The request's live judge session (None when absent, expired or the judge removed)."""
    return await site_of(request).services.judge_access.session(request.cookies.get(JUDGE_COOKIE))


def same_origin(request: web.Request) -> bool:
    """True when a POST comes from this site (``Origin``, else ``Referer``)."""
    expected = site_of(request).origin(request)
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin == expected
    referer = request.headers.get("Referer")
    return referer is not None and (referer == expected or referer.startswith(expected + "/"))


async def checked_form(
    request: web.Request,
) -> tuple[JudgeSession, MultiDictProxy[str]] | web.Response:
    """The judge session and form of a POST whose origin and CSRF token check out, else a
    403 page (a removed judge's session fails here too)."""
    session = await current_judge(request)
    form = await read_form(request)
    access = site_of(request).services.judge_access
    if (
        not same_origin(request)
        or session is None
        or not access.csrf_ok(session, form.get("csrf_token"))
    ):
        return message(request, 403, texts.BAD_REQUEST_FORM)
    return session, form


def signin_redirect(request: web.Request, target: str = "/judge") -> web.StreamResponse:
    """Without a judge session: 302 to the sign-in page, except on a navigation arriving
    from another site (a click on the link in an e-mail followed by our 303), where the
    SameSite=Strict cookie is not sent: the page re-navigates once from this site to
    ``target`` (a path this module builds, never one taken from the request)."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return page(request, "judge_continue.html", target=target)
    return private(web.Response(status=302, headers={"Location": "/judge/signin"}))


async def login(request: web.Request) -> web.StreamResponse:
    """Use a judge link: 303 to /judge with the judge cookie, or a 403 page saying why."""
    site = site_of(request)
    try:
        opened = await site.services.judge_access.login(request.query.get("token", ""))
    except PodiumError as error:
        return message(request, 403, error.message, **error.params)
    response = web.Response(status=303, headers={"Location": "/judge"})
    response.set_cookie(
        JUDGE_COOKIE,
        opened.cookie,
        max_age=int(SESSION_TTL.total_seconds()),
        path=COOKIE_PATH,
        httponly=True,
        samesite="Strict",
        secure=site.secure_cookies,
    )
    private(response)
    response.headers["Referrer-Policy"] = "no-referrer"  # the link's token stays here
    return response


async def signin(request: web.Request) -> web.StreamResponse:
    """How a judge signs in (a link from the organizers)."""
    return page(request, "judge_signin.html", signed_out=request.query.get("bye") == "1")


async def home(request: web.Request) -> web.StreamResponse:
    """The judge's entries per round, with their status."""
    session = await current_judge(request)
    if session is None:
        return signin_redirect(request)
    judging = site_of(request).services.judging
    judge = await judging.judge(session.judge_id)
    rounds: dict[int, tuple[Any, list[JudgeTask]]] = {}
    for task in await judging.queue(session.judge_id):
        rounds.setdefault(task.round.id, (task.round, []))[1].append(task)
    live = [r for r, _ in rounds.values() if r.live and r.status == "open"]
    return page(
        request,
        "judge_home.html",
        session=session,
        judge=judge,
        rounds=list(rounds.values()),
        live=live,
        status_text=STATUS_TEXT,
        state_text=ROUND_STATE_TEXT,
    )


def editable(task: JudgeTask) -> bool:
    """True while the task's round is open: scores stay editable until it closes (the
    deadline is when organizers mean to close it; the service decides)."""
    return task.round.status == "open"


async def _task_or_404(request: web.Request, session: JudgeSession) -> JudgeTask | None:
    assignment_id = parse_id(request.match_info["assignment_id"])
    if assignment_id is None:
        return None
    try:
        return await site_of(request).services.judging.task(session.judge_id, assignment_id)
    except PodiumError:
        return None


def task_page(
    request: web.Request,
    session: JudgeSession,
    task: JudgeTask,
    *,
    status: int = 200,
    values: Mapping[str, str] | None = None,
    comment: str | None = None,
    errors: list[tuple[str, dict[str, Any]]] | None = None,
    saved: str | None = None,
) -> web.Response:
    """The entry page: materials and the scoring form (``values``: what to show in the
    inputs, by default the saved sheet; ``errors``: (message, params) pairs)."""
    sheet = task.sheet
    if values is None:
        values = {k: str(v) for k, v in (sheet.scores if sheet else {}).items()}
    if comment is None:
        comment = (sheet.comment if sheet else None) or ""
    return page(
        request,
        "judge_task.html",
        status=status,
        session=session,
        task=task,
        values=values,
        comment=comment,
        errors=errors or [],
        saved=saved,
        editable=editable(task),
        criterion_name=lambda c: c.label(request_locale(request)[0]),
        status_text=STATUS_TEXT,
        share_comments=site_of(request).services.competition.judging.share_comments,
    )


async def task_view(request: web.Request) -> web.StreamResponse:
    """One entry: its materials and the judge's scoring form (read-only once closed)."""
    session = await current_judge(request)
    if session is None:
        assignment_id = parse_id(request.match_info["assignment_id"])
        return signin_redirect(
            request, f"/judge/tasks/{assignment_id}" if assignment_id is not None else "/judge"
        )
    task = await _task_or_404(request, session)
    if task is None:
        raise web.HTTPNotFound()
    saved = request.query.get("saved")
    return task_page(request, session, task, saved=saved if saved in ("draft", "submit") else None)


def named_criteria(
    request: web.Request, task: JudgeTask, params: Mapping[str, Any]
) -> dict[str, Any]:
    """A refusal's parameters with criterion keys (``criterion``, ``criteria``) shown as
    the criteria's names in the page's language."""
    locale = request_locale(request)[0]
    names = {c.key: c.label(locale) for c in task.round.rubric.criteria}
    shown = dict(params)
    if isinstance(shown.get("criterion"), str):
        shown["criterion"] = names.get(shown["criterion"], shown["criterion"])
    if isinstance(shown.get("criteria"), str):
        keys = [k.strip() for k in shown["criteria"].split(",")]
        shown["criteria"] = ", ".join(names.get(k, k) for k in keys)
    return shown


def parse_scores(
    task: JudgeTask, form: Mapping[str, str]
) -> tuple[dict[str, int], dict[str, str], list[tuple[str, dict[str, Any]]]]:
    """(scores given, raw values to show again, errors) from the form's ``score_<key>``
    fields; an empty field is simply not given (a draft may be partial)."""
    scores: dict[str, int] = {}
    raw: dict[str, str] = {}
    errors: list[tuple[str, dict[str, Any]]] = []
    for criterion in task.round.rubric.criteria:
        text = (form.get(f"score_{criterion.key}") or "").strip()
        raw[criterion.key] = text[:20]
        if not text:
            continue
        number = parse_id(text.removeprefix("-"), max_digits=6)
        if number is None:
            errors.append((J.NOT_A_NUMBER, {"criterion": criterion.key, "value": text[:20]}))
            continue
        scores[criterion.key] = -number if text.startswith("-") else number
    return scores, raw, errors


async def task_save(request: web.Request) -> web.StreamResponse:
    """Save a draft (``action=draft``) or submit (``action=submit``); refusals re-show the
    form with the localized reason and the values typed, and save nothing."""
    checked = await checked_form(request)
    if isinstance(checked, web.Response):
        return checked
    session, form = checked
    task = await _task_or_404(request, session)
    if task is None:
        raise web.HTTPNotFound()
    action = form.get("action")
    if action not in ("draft", "submit"):
        return message(request, 400, texts.BAD_REQUEST_TEXT)
    scores, raw, errors = parse_scores(task, form)
    errors = [(text, named_criteria(request, task, params)) for text, params in errors]
    comment = (form.get("comment") or "").strip()[:MAX_FORM_COMMENT]
    if not errors:
        judging = site_of(request).services.judging
        save = judging.submit if action == "submit" else judging.save_draft
        try:
            await save(
                judge_id=session.judge_id,
                assignment_id=task.assignment.id,
                scores=scores,
                comment=comment,
            )
        except PodiumError as error:
            errors.append((error.message, named_criteria(request, task, error.params)))
        else:
            location = f"/judge/tasks/{task.assignment.id}?saved={action}"
            return private(web.Response(status=303, headers={"Location": location}))
    return task_page(request, session, task, status=400, values=raw, comment=comment, errors=errors)


async def logout(request: web.Request) -> web.StreamResponse:
    """End this judge session (CSRF-checked)."""
    checked = await checked_form(request)
    if isinstance(checked, web.Response):
        return checked
    await site_of(request).services.judge_access.logout(request.cookies[JUDGE_COOKIE])
    response = web.Response(status=303, headers={"Location": "/judge/signin?bye=1"})
    response.del_cookie(JUDGE_COOKIE, path=COOKIE_PATH)
    return private(response)


def add_routes(app: web.Application) -> None:
    """Register the judge portal."""
    app.router.add_get("/judge", home)
    app.router.add_get("/judge/login", login)
    app.router.add_get("/judge/signin", signin)
    app.router.add_post("/judge/logout", logout)
    app.router.add_get("/judge/tasks/{assignment_id}", task_view)
    app.router.add_post("/judge/tasks/{assignment_id}", task_save)
