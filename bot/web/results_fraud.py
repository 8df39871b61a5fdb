"""``/admin/results/flags``: the dashboard's fraud-flag queue (organizer session): open
flags with their rule, reason and team, filtered by rule and team, each cleared or
confirmed by a CSRF-checked form, or all of a rule or team at once (audited)."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from bot.errors import PodiumError
from bot.services.fraud import CLEARED, CONFIRMED, RULES
from bot.services.fraud.texts import RULE_NAMES, reason
from bot.web import results_fraud_texts as F
from bot.web import texts
from bot.web.admin import _checked_form, current_session
from bot.web.guard import parse_id, read_form
from bot.web.judging import message, private
from bot.web.render import render, site_of

PAGE_SIZE = 25


def queue_url(rule: str | None, team_id: int | None, page: int = 1, done: int | None = None) -> str:
    """The queue's address with its filters (a same-site path)."""
    query = [(k, str(v)) for k, v in (("rule", rule), ("team", team_id)) if v]
    if page > 1:
        query.append(("page", str(page)))
    if done is not None:
        query.append(("done", str(done)))
    return "/admin/results/flags" + ("?" + urlencode(query) if query else "")


def _rule(text: str | None) -> str | None:
    return text if text in RULES else None


async def flags_page(request: web.Request) -> web.StreamResponse:
    """A page of open flags; 302 to the sign-in page without an organizer session."""
    session = await current_session(request)
    if session is None:
        return private(web.Response(status=302, headers={"Location": "/admin/signin"}))
    fraud = site_of(request).services.fraud
    rule = _rule(request.query.get("rule"))
    team_id = parse_id(request.query.get("team"))
    found = await fraud.flagged(
        page=parse_id(request.query.get("page"), max_digits=6) or 1,
        rule=rule,
        team_id=team_id,
        per_page=PAGE_SIZE,
    )
    response = render(
        request,
        "admin_results_flags.html",
        F=F,
        session=session,
        found=found,
        rules=[(key, RULE_NAMES[key]) for key in RULES],
        rule_names=RULE_NAMES,
        teams=await fraud.flagged_teams(),
        reason=reason,
        url=lambda page: queue_url(rule, team_id, page),
        back=queue_url(rule, team_id, found.page),
        done=parse_id(request.query.get("done"), max_digits=7),
        decisions=(CLEARED, CONFIRMED),
        title=F.QUEUE_TITLE,
    )
    return private(response)


def _decision(text: object) -> str | None:
    return text if isinstance(text, str) and text in (CLEARED, CONFIRMED) else None


async def decide_flag(request: web.Request) -> web.StreamResponse:
    """Clear or confirm one flag (CSRF-checked, audited), then back to the queue."""
    checked = await _checked_form(request)
    if isinstance(checked, web.Response):
        return checked
    form = await read_form(request)
    flag_id = parse_id(request.match_info["flag_id"])
    decision = _decision(form.get("decision"))
    if flag_id is None or decision is None:
        return message(request, 400, texts.BAD_REQUEST_FORM)
    try:
        await site_of(request).services.fraud.decide(
            actor_id=checked.user_id, flag_id=flag_id, decision=decision
        )
    except PodiumError as error:
        return message(request, 400, error.message, **error.params)
    back = queue_url(_rule(form.get("rule")), parse_id(form.get("team")), done=1)
    return private(web.Response(status=303, headers={"Location": back}))


async def decide_bulk(request: web.Request) -> web.StreamResponse:
    """Clear or confirm every open flag of a rule, a team or both (CSRF-checked, audited)."""
    checked = await _checked_form(request)
    if isinstance(checked, web.Response):
        return checked
    form = await read_form(request)
    decision = _decision(form.get("decision"))
    if decision is None:
        return message(request, 400, texts.BAD_REQUEST_FORM)
    rule, team_id = _rule(form.get("rule")), parse_id(form.get("team"))
    try:
        done = await site_of(request).services.fraud.decide_open(
            actor_id=checked.user_id, decision=decision, rule=rule, team_id=team_id
        )
    except PodiumError as error:
        return message(request, 400, error.message, **error.params)
    back = queue_url(rule, team_id, done=done.count)
    return private(web.Response(status=303, headers={"Location": back}))


def add_routes(app: web.Application) -> None:
    """Register ``/admin/results/flags`` and its decision forms."""
    app.router.add_get("/admin/results/flags", flags_page)
    app.router.add_post("/admin/results/flags/bulk", decide_bulk)
    app.router.add_post("/admin/results/flags/{flag_id:[0-9]+}", decide_flag)
