"""Jinja2 rendering in the request's language (``?lang=`` > cookie > Accept-Language)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.web import texts
from bot.web.site import SITE_KEY, WebSite

TEMPLATES = Path(__file__).with_name("templates")
LANG_COOKIE = "podium_lang"
LANG_PARAM = {"en": "en", "zh": "zh_CN"}
HTML_LANG = {"en": "en", "zh_CN": "zh-CN"}


@cache
def environment() -> Environment:
    """The template environment (autoescaping on for every template)."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def accept_language(header: str | None) -> str | None:
    """The first supported catalog in an Accept-Language header (by quality), or None."""
    if not header:
        return None
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        tag = tag.strip().lower()
        if tag.startswith("zh"):
            choices.append((-quality, index, "zh_CN"))
        elif tag.startswith("en"):
            choices.append((-quality, index, "en"))
    choices = [c for c in choices if c[0] < 0]
    return min(choices)[2] if choices else None


def request_locale(request: web.Request) -> tuple[str, str | None]:
    """(catalog locale, value to remember in the language cookie or None)."""
    asked = LANG_PARAM.get(request.query.get("lang", ""))
    if asked is not None:
        return asked, request.query["lang"]
    remembered = LANG_PARAM.get(request.cookies.get(LANG_COOKIE, ""))
    if remembered is not None:
        return remembered, None
    return accept_language(request.headers.get("Accept-Language")) or "en", None


def language_links(request: web.Request) -> dict[str, str]:
    """Links to this page in each language (``?lang=`` code → href). They are query-only
    relative references (``?page=2&lang=zh``): the browser keeps the path and host it
    has, so no request path (``//evil.example``) can turn them into off-site links."""
    kept = [(key, value) for key, value in request.query.items() if key != "lang"]
    return {
        code: "?" + urlencode([*kept, ("lang", code)], errors="surrogateescape")
        for code in LANG_PARAM
    }


def site_of(request: web.Request) -> WebSite:
    """The site (services, catalogs, settings) this app serves."""
    return request.app[SITE_KEY]


def render(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    """Render ``template`` in the request's language; remembers ``?lang=`` in a cookie."""
    site = site_of(request)
    locale, remember = request_locale(request)
    tz = site.services.competition.competition.tz

    def translate(message: str, **params: Any) -> str:
        return site.catalogs.gettext(locale, message, **params)

    def local_time(instant: dt.datetime) -> str:
        return instant.astimezone(tz).strftime("%Y-%m-%d %H:%M") + f" ({tz.key})"

    body = (
        environment()
        .get_template(template)
        .render(
            _=translate,
            T=texts,
            locale=locale,
            html_lang=HTML_LANG[locale],
            lang_links=language_links(request),
            css_url=str(request.app.router["static"].url_for(filename="app.css")),
            competition=site.services.competition,
            local_time=local_time,
            local_short=lambda instant: instant.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            tz_name=tz.key,
            utc_time=lambda instant: instant.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M"),
            **context,
        )
    )
    response = web.Response(text=body, status=status, content_type="text/html", charset="utf-8")
    response.headers["Content-Language"] = HTML_LANG[locale]
    response.headers["Vary"] = "Accept-Language, Cookie"
    if remember is not None:
        response.headers["Cache-Control"] = "private, no-store"  # a reply that sets a cookie
        response.set_cookie(
            LANG_COOKIE, remember, max_age=365 * 24 * 3600, path="/", samesite="Lax"
        )
    return response
