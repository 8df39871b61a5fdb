"""The organizer dashboard: login by link, session cookie, CSRF-checked forms, ``/admin``.

Without a live session ``/admin`` answers 302 to ``/admin/signin`` (a page saying how to
get a link), except on a navigation arriving from another site (a click on the link in
Discord followed by our 303): the SameSite=Strict cookie is not sent on such a request, so
the page re-navigates once from this site (a meta refresh), which carries the cookie.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.errors import PodiumError
from bot.services.dashboard import AdminOverview, Series
from bot.services.web_auth import SESSION_TTL, WebSession
from bot.web import charts, registration_texts, texts
from bot.web.guard import read_form
from bot.web.render import render, request_locale, site_of

SESSION_COOKIE = "podium_session"
NO_STORE = "no-store"


def _redirect(location: str, status: int) -> web.Response:
    return web.Response(status=status, headers={"Location": location})


def _private(response: web.StreamResponse) -> web.StreamResponse:
    # same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on the
    # dashboard's own POST forms, which the origin check must refuse.
    response.headers["Cache-Control"] = NO_STORE
    response.headers["Referrer-Policy"] = "same-origin"
    return response


async def current_session(request: web.Request) -> WebSession | None:
    """The request's live session, if its cookie names one."""
    return await site_of(request).services.web_auth.session(request.cookies.get(SESSION_COOKIE))


def _forbidden(request: web.Request, message: str) -> web.Response:
    response = render(
        request,
        "message.html",
        status=403,
        title=texts.FORBIDDEN_TITLE,
        message=message,
        message_params={},
        back=True,
    )
    _private(response)
    return response


async def login(request: web.Request) -> web.StreamResponse:
    """Use a login link: 303 to /admin with the session cookie, or a 403 page saying why."""
    site = site_of(request)
    try:
        opened = await site.services.web_auth.login(request.query.get("token", ""))
    except PodiumError as error:
        return _forbidden(request, error.message)
    response = _redirect("/admin", 303)
    response.set_cookie(
        SESSION_COOKIE,
        opened.cookie,
        max_age=int(SESSION_TTL.total_seconds()),
        path="/",
        httponly=True,
        samesite="Strict",
        secure=site.secure_cookies,
    )
    _private(response)
    response.headers["Referrer-Policy"] = "no-referrer"  # the link's token stays here
    return response


async def signin(request: web.Request) -> web.StreamResponse:
    """How to sign in (a link from /admin dashboard in Discord)."""
    response = render(
        request, "signin.html", signed_out=request.query.get("bye") == "1", title=texts.SIGNIN_TITLE
    )
    return _private(response)


async def dashboard(request: web.Request) -> web.StreamResponse:
    """The dashboard; 302 to the sign-in page without a live session."""
    session = await current_session(request)
    if session is None:
        if request.headers.get("Sec-Fetch-Site") == "cross-site":
            return _private(render(request, "continue.html", title=texts.CONTINUE_TITLE))
        return _private(_redirect("/admin/signin", 302))
    site = site_of(request)
    overview = await site.services.dashboard.overview()
    capacity = await site.services.capacity.status()
    return _private(
        render(
            request,
            "admin.html",
            session=session,
            overview=overview,
            capacity=capacity,
            R=registration_texts,
            **_figures(request, overview),
        )
    )


def _figures(request: web.Request, overview: AdminOverview) -> dict[str, Any]:
    """The charts and data rows of the dashboard, labelled in the request's language."""
    site = site_of(request)
    locale, _ = request_locale(request)
    cohorts = {c.key: c.name.get(locale) for c in site.services.competition.cohorts}

    def tr(message: str, **params: Any) -> str:
        return site.catalogs.gettext(locale, message, **params)

    def cohort_name(key: str) -> str:
        return cohorts.get(key, key) if key else tr(texts.NO_COHORT)

    named = [
        (tr(label), value)
        for label, value in zip(
            (texts.STAGE_QUEUED, texts.STAGE_SENT, texts.STAGE_DELIVERED, texts.STAGE_READ),
            (value for _, value in overview.funnel.stages),
            strict=True,
        )
    ]
    funnel_rows = [
        *named,
        (tr(texts.STAGE_FAILED), overview.funnel.failed),
        (tr(texts.STAGE_SKIPPED), overview.funnel.skipped),
    ]
    nps = overview.nps
    nps_rows = (
        [
            (tr(texts.NPS_PROMOTERS), nps.promoters),
            (tr(texts.NPS_PASSIVES), nps.passives),
            (tr(texts.NPS_DETRACTORS), nps.detractors),
        ]
        if nps is not None
        else []
    )
    daily = [Series(cohort_name(s.name), s.points) for s in overview.daily]
    weekly = [Series(cohort_name(s.name), s.points) for s in overview.weekly]
    return {
        "charts": {
            "daily": charts.line_chart(
                daily,
                tr(texts.DAILY_ACTIVES),
                partial=charts.Partial(overview.partial_day, tr(texts.PARTIAL_DAY)),
            ),
            "weekly": charts.bar_chart(
                weekly,
                tr(texts.WEEKLY_ACTIVES),
                partial=charts.Partial(overview.partial_week, tr(texts.PARTIAL_WEEK)),
            ),
            "funnel": charts.hbar_chart(
                funnel_rows, tr(texts.FUNNEL_CHART), colors=charts.FUNNEL_COLORS
            ),
            "nps": charts.hbar_chart(nps_rows, tr(texts.NPS_CHART), colors=charts.NPS_COLORS),
        },
        "funnel_rows": funnel_rows,
        "nps_rows": nps_rows,
        "cohort_name": cohort_name,
        "tracks": {t.key: t.name for t in site.services.competition.tracks},
    }


async def _checked_form(request: web.Request) -> WebSession | web.Response:
    """The session of a POST whose origin and CSRF token check out, else a 403 page."""
    site = site_of(request)
    expected = site.origin(request)
    origin = request.headers.get("Origin")
    referer = request.headers.get("Referer")
    if origin is not None:
        same_origin = origin == expected
    else:
        same_origin = referer is not None and (
            referer == expected or referer.startswith(expected + "/")
        )
    session = await current_session(request)
    form = await read_form(request)
    token = form.get("csrf_token")
    if (
        not same_origin
        or session is None
        or not site.services.web_auth.csrf_ok(session, token if isinstance(token, str) else None)
    ):
        return _forbidden(request, texts.BAD_REQUEST_FORM)
    return session


def _signed_out() -> web.StreamResponse:
    response = _redirect("/admin/signin?bye=1", 303)
    response.del_cookie(SESSION_COOKIE, path="/")
    return _private(response)


async def logout(request: web.Request) -> web.StreamResponse:
    """End this session (CSRF-checked)."""
    checked = await _checked_form(request)
    if isinstance(checked, web.Response):
        return checked
    await site_of(request).services.web_auth.logout(request.cookies[SESSION_COOKIE])
    return _signed_out()


async def revoke_all(request: web.Request) -> web.StreamResponse:
    """End every session of this organizer (CSRF-checked)."""
    checked = await _checked_form(request)
    if isinstance(checked, web.Response):
        return checked
    await site_of(request).services.web_auth.revoke_all(checked.user_id)
    return _signed_out()


def add_routes(app: web.Application) -> None:
    """Register the dashboard routes."""
    app.router.add_get("/admin", dashboard)
    app.router.add_get("/admin/login", login)
    app.router.add_get("/admin/signin", signin)
    app.router.add_post("/admin/logout", logout)
    app.router.add_post("/admin/sessions/revoke", revoke_all)
