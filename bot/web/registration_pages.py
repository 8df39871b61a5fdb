"""``/admin/profiles`` (and its CSV) and ``/admin/eligibility`` (the approval queue with
Approve / Reject forms): organizer-only pages, behind the dashboard session."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.errors import PodiumError
from bot.web import registration_texts
from bot.web.admin import NO_STORE, _checked_form, current_session
from bot.web.guard import parse_id, read_form
from bot.web.public import not_found
from bot.web.render import render, request_locale, site_of

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _private(response: web.StreamResponse) -> web.StreamResponse:
    response.headers["Cache-Control"] = NO_STORE
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _signin() -> web.StreamResponse:
    return _private(web.Response(status=302, headers={"Location": "/admin/signin"}))


async def profiles_page(request: web.Request) -> web.StreamResponse:
    """Every profile with its consent and eligibility; 302 to sign-in without a session."""
    if await current_session(request) is None:
        return _signin()
    services = site_of(request).services
    locale, _ = request_locale(request)
    found = await services.profiles.all()
    grants = {p.user_id: await services.eligibility.grants(p.user_id) for p in found}
    return _private(
        render(
            request,
            "profiles.html",
            R=registration_texts,
            profiles=found,
            grants=grants,
            fields=services.competition.registration.fields,
            shown=lambda key, value: services.profiles.shown(key, value, locale),
            track_name=lambda key: services.competition.track(key).name.get(locale),
            title=registration_texts.PROFILES_TITLE,
        )
    )


async def profiles_csv(request: web.Request) -> web.StreamResponse:
    """The profiles as a UTF-8 CSV download (one column per configured field)."""
    if await current_session(request) is None:
        return _signin()
    profiles = site_of(request).services.profiles
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(profiles.csv_header())
    writer.writerows(await profiles.csv_rows())
    response = web.Response(
        body=buffer.getvalue().encode("utf-8-sig"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="profiles.csv"'},
    )
    return _private(response)


async def queue_page(request: web.Request) -> web.StreamResponse:
    """The pending proofs with Approve / Reject forms."""
    session = await current_session(request)
    if session is None:
        return _signin()
    services = site_of(request).services
    locale, _ = request_locale(request)
    proofs, total = await services.eligibility.queue(limit=50)
    done = request.query.get("done", "")
    notice_id = parse_id(request.query.get("id"), max_digits=18)
    notice = None
    if done in ("approved", "rejected") and notice_id is not None:
        wording = (
            registration_texts.APPROVED_NOTICE
            if done == "approved"
            else registration_texts.REJECTED_NOTICE
        )
        notice = (wording, notice_id)
    return _private(
        render(
            request,
            "eligibility.html",
            R=registration_texts,
            session=session,
            proofs=proofs,
            total=total,
            notice=notice,
            track_name=lambda key: services.competition.track(key).name.get(locale),
            title=registration_texts.QUEUE_TITLE,
        )
    )


async def approve(request: web.Request) -> web.StreamResponse:
    """Approve a proof (CSRF-checked form); 303 back to the queue."""
    return await _decide(request, "approve")


async def reject(request: web.Request) -> web.StreamResponse:
    """Reject a proof with the form's reason (CSRF-checked); 303 back to the queue."""
    return await _decide(request, "reject")


async def _decide(request: web.Request, action: str) -> web.StreamResponse:
    checked = await _checked_form(request)
    if isinstance(checked, web.Response):
        return checked
    proof_id = parse_id(request.match_info.get("proof_id"), max_digits=18)
    if proof_id is None:
        return not_found(request)
    eligibility = site_of(request).services.eligibility
    try:
        if action == "approve":
            decision = await eligibility.approve(actor_id=checked.user_id, proof_id=proof_id)
        else:
            reason = (await read_form(request)).get("reason", "")
            decision = await eligibility.reject(
                actor_id=checked.user_id, proof_id=proof_id, reason=reason
            )
    except PodiumError as error:
        refused = render(
            request,
            "message.html",
            status=409,
            title=registration_texts.QUEUE_TITLE,
            message=error.message,
            message_params=error.params,
            back=True,
        )
        return _private(refused)
    done = "approved" if decision.approved else "rejected"
    return _private(
        web.Response(
            status=303, headers={"Location": f"/admin/eligibility?done={done}&id={proof_id}"}
        )
    )


def add_routes(app: web.Application) -> None:
    """Register the registration pages."""
    app.router.add_get("/admin/profiles", profiles_page)
    app.router.add_get("/admin/profiles.csv", profiles_csv)
    app.router.add_get("/admin/eligibility", queue_page)
    app.router.add_post("/admin/eligibility/{proof_id}/approve", approve)
    app.router.add_post("/admin/eligibility/{proof_id}/reject", reject)
