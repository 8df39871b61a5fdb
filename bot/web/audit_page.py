"""``/admin/audit``: the organizer dashboard's audit log, newest first, filtered by action
(or its prefix) and member (name or id), 25 records a page, in the competition's time."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from bot.web import texts
from bot.web.admin import NO_STORE, current_session
from bot.web.guard import parse_id
from bot.web.render import render, site_of


def page_url(action: str, member: str, page: int) -> str:
    """This page's address with the filters and ``page`` (a same-site path)."""
    query = [(k, v) for k, v in (("action", action), ("member", member)) if v]
    if page > 1:
        query.append(("page", str(page)))
    return "/admin/audit" + ("?" + urlencode(query, errors="surrogateescape") if query else "")


async def audit_log(request: web.Request) -> web.StreamResponse:
    """A page of the audit log; 302 to the sign-in page without a live session."""
    session = await current_session(request)
    if session is None:
        response = web.Response(status=302, headers={"Location": "/admin/signin"})
    else:
        dashboard = site_of(request).services.dashboard
        view = await dashboard.audit_page(
            page=parse_id(request.query.get("page"), max_digits=9) or 1,
            action=request.query.get("action"),
            member=request.query.get("member"),
        )
        response = render(
            request,
            "audit.html",
            view=view,
            actions=await dashboard.audit_actions(),
            page_url=lambda page: page_url(view.action, view.member, page),
            title=texts.AUDIT_TITLE,
        )
    response.headers["Cache-Control"] = NO_STORE
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def add_routes(app: web.Application) -> None:
    """Register ``/admin/audit``."""
    app.router.add_get("/admin/audit", audit_log)
