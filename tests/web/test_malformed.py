"""Malformed requests through the real server: every route of the app (the Twilio webhooks
included, enumerated from its router so new routes are covered by themselves) × malformed
bodies, headers, paths and raw HTTP gets a 4xx, never a 5xx, and nothing is logged at
ERROR. The requests go over a plain socket so nothing on the way tidies them up."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from aiohttp import web
from twilio.request_validator import RequestValidator

from bot.i18n import Catalogs
from bot.services.registry import Services
from bot.whatsapp.webhooks import add_twilio_routes
from tests.web.conftest import Seeded, Web, open_web

# How the server parses and refuses requests does not depend on the database: SQLite only
# (the other web tests run on PostgreSQL too).
pytestmark = pytest.mark.parametrize("seeded", ["sqlite"], indirect=True)

AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
TWILIO_BASE = "https://podium.example.com"

#: what a path or query id may be instead of a plain number
BAD_IDS = (
    "%C2%B2",  # '²': str.isdigit() is true, int() refuses it
    "%D9%A1%D9%A2",  # Arabic-Indic digits: int() accepts them
    "%EF%BC%91",  # fullwidth '1'
    "1_000",
    "-1",
    "+1",
    "%201",
    "1e3",
    "9" * 40,
    "%00",
    "%ff%fe",
    "..%2F..%2Fpyproject.toml",
    "abc",
)

BAD_QUERY = "lang=%ff%fe&page=%C2%B2&member=%D9%A1&action=%00&outbox_id=%C2%B2&token=%ff&bye=%C2%B2"

MULTIPART_BOGUS_CHARSET = (
    b'--zz\r\nContent-Disposition: form-data; name="csrf_token"\r\n'
    b"Content-Type: text/plain; charset=bogus\r\n\r\nx\r\n--zz--\r\n"
)
MULTIPART_BAD_UTF8 = (
    b'--zz\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n\xff\xfe\r\n--zz--\r\n'
)

#: (Content-Type, body)
BAD_BODIES = (
    ("application/x-www-form-urlencoded; charset=bogus", b"csrf_token=x&Body=hi"),
    ("application/x-www-form-urlencoded", b"csrf_token=\xff\xfe&Body=\xc3"),
    ("application/x-www-form-urlencoded", b"csrf_token=%ff%fe&%c3=%80%80"),
    ("application/x-www-form-urlencoded; charset=utf-16", b"\xff\xfe\x00"),
    ("multipart/form-data; boundary=zz", b"--yy\r\nbroken"),
    ("multipart/form-data", b"--zz\r\n\r\nx\r\n--zz--\r\n"),  # boundary missing
    ('multipart/form-data; boundary="', b"--\r\n"),
    ("multipart/form-data; boundary=" + "b" * 200, b"--x\r\n"),
    ("multipart/form-data; boundary=zz", MULTIPART_BOGUS_CHARSET),
    ("multipart/form-data; boundary=zz", MULTIPART_BAD_UTF8),
    ("application/json", b"{not json"),
    ("text/plain; charset=bogus", b"\xff"),
)

#: extra header lines, raw bytes (aiohttp reads header values as UTF-8 with surrogates)
BAD_HEADERS = (
    b"Cookie: podium_session=\xff\xfe\xc3; podium_lang=\xff",
    b"Cookie: podium_session=" + b"A" * 5000,
    b"Accept-Language: zh;q=nan, en;q=\xff, *;q=-1",
    b"Origin: \xff\xfe\r\nReferer: http://\xff/admin",
    b"X-Twilio-Signature: \xff\xfe",
    b"Sec-Fetch-Site: \xff",
    b"Host: \xff\xfe:99999",
)


@dataclass(frozen=True)
class Outcome:
    request: str
    status: int | None  # None: the connection closed without an answer


def twilio_routes(services: Services) -> Callable[[web.Application], None]:
    def add(app: web.Application) -> None:
        add_twilio_routes(
            app,
            whatsapp=services.whatsapp,
            outbox=services.outbox,
            catalogs=Catalogs(),
            auth_token=AUTH_TOKEN,
            public_base_url=TWILIO_BASE,
        )

    return add


@pytest.fixture
async def web_all(seeded: Seeded, tmp_path: Path) -> AsyncIterator[Web]:
    async with open_web(seeded, tmp_path, extra_routes=twilio_routes) as site:
        yield site


def routes(app: web.Application, ids: tuple[str, ...]) -> list[tuple[str, str]]:
    """(method, raw path) of every route; each dynamic part filled with each of ``ids``."""
    found: list[tuple[str, str]] = []
    for resource in app.router.resources():
        info = resource.get_info()
        if "path" in info:
            paths = [info["path"]]
        elif "formatter" in info:
            paths = [re.sub(r"\{[^}]+\}", value, info["formatter"]) for value in ids]
        elif "prefix" in info:
            paths = [f"{info['prefix']}/{value}" for value in ids]
        else:
            raise AssertionError(f"a kind of route this test does not know: {info}")
        methods = sorted({route.method for route in resource} - {"HEAD"})
        found.extend((method, path) for method in methods for path in paths)
    return found


async def exchange(
    web: Web, head: bytes, body: bytes = b"", *, close_write: bool = False
) -> int | None:
    """Send one raw HTTP/1.1 request; the answer's status, or None without an answer."""
    server = web.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        writer.write(head + body)
        await writer.drain()
        if close_write:
            writer.write_eof()
        line = await asyncio.wait_for(reader.readline(), 60)  # a hang guard, not a threshold
        match = re.match(rb"HTTP/1\.[01] (\d{3}) ", line)
        return int(match.group(1)) if match else None
    finally:
        writer.close()


def request_head(method: str, target: str, *lines: bytes) -> bytes:
    head = [f"{method} {target} HTTP/1.1".encode(), b"Host: 127.0.0.1", b"Connection: close"]
    if not any(line.lower().startswith(b"host:") for line in lines):
        return b"\r\n".join([*head, *lines]) + b"\r\n\r\n"
    return b"\r\n".join([head[0], head[2], *lines]) + b"\r\n\r\n"


def assert_no_5xx_and_no_error(outcomes: list[Outcome], records: list[logging.LogRecord]) -> None:
    """Fails listing what broke the promise: 5xx answers, and records at ERROR or above."""
    problems = [f"{o.status} for {o.request}" for o in outcomes if o.status and o.status >= 500]
    problems += [
        f"{r.levelname} {r.name}: {r.getMessage()} {r.exc_info[1] if r.exc_info else ''}"
        for r in records
        if r.levelno >= logging.ERROR
    ]
    assert not problems, "\n".join(problems)


def test_the_table_covers_every_route_including_the_twilio_webhooks(web_all: Web):
    app = web_all.client.app
    assert app is not None
    covered = {path for _, path in routes(app, ("1",))}
    expected = {
        "/",
        "/healthz",
        "/metrics",
        "/contests/1",
        "/admin",
        "/admin/login",
        "/admin/logout",
        "/admin/sessions/revoke",
        "/twilio/inbound",
        "/twilio/status",
        "/static/1",
    }
    assert expected <= covered


async def test_every_route_refuses_malformed_bodies_with_a_4xx_and_logs_no_error(
    web_all: Web, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.WARNING)
    app = web_all.client.app
    assert app is not None
    outcomes = []
    for method, path in routes(app, ("1",)):
        for content_type, body in BAD_BODIES:
            head = request_head(
                method,
                path,
                f"Content-Type: {content_type}".encode(),
                f"Content-Length: {len(body)}".encode(),
                b"X-Twilio-Signature: c2lnbmF0dXJl",
                b"Origin: http://127.0.0.1",
            )
            status = await exchange(web_all, head, body)
            outcomes.append(Outcome(f"{method} {path} [{content_type}] {body[:20]!r}", status))
    assert all(o.status is not None for o in outcomes), "every malformed body gets an answer"
    assert_no_5xx_and_no_error(outcomes, caplog.records)
    posted = [o for o in outcomes if o.request.startswith("POST /admin/")]
    assert posted
    assert {o.status for o in posted} <= {400, 403, 413}


async def test_every_route_survives_malformed_ids_queries_and_headers(
    web_all: Web, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.WARNING)
    app = web_all.client.app
    assert app is not None
    outcomes = []
    for method, path in routes(app, BAD_IDS):
        for target in (path, f"{path}?{BAD_QUERY}"):
            status = await exchange(web_all, request_head(method, target, b"Content-Length: 0"))
            outcomes.append(Outcome(f"{method} {target}", status))
    for method, path in routes(app, ("1",)):
        for line in BAD_HEADERS:
            head = request_head(method, path, line, b"Content-Length: 0")
            outcomes.append(
                Outcome(f"{method} {path} {line[:30]!r}", await exchange(web_all, head))
            )
    assert all(o.status is not None for o in outcomes)
    assert_no_5xx_and_no_error(outcomes, caplog.records)
    unicode_digit = [o for o in outcomes if o.request == "GET /contests/%C2%B2"]
    assert [o.status for o in unicode_digit] == [404]


async def test_malformed_http_gets_a_400_and_no_error_log(
    web_all: Web, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.WARNING)
    cases = [
        request_head("GET", "/?q=" + "a" * 10_000),  # overlong request line
        request_head("GET", "/\x00"),
        request_head("GET", "/", b"X-Bad\x01Name: y"),
        request_head("GET", "/", b"X-Long: " + b"v" * 10_000),
        request_head("GET", "/contests/1", b"Content-Length: -5"),
        request_head("POST", "/admin/logout", b"Content-Length: 3", b"Content-Length: 4"),
        request_head("POST", "/twilio/inbound", b"Transfer-Encoding: chunked")
        + b"zz\r\nab\r\n0\r\n\r\n",
    ]
    outcomes = [Outcome(repr(head[:40]), await exchange(web_all, head)) for head in cases]
    assert [o.status for o in outcomes] == [400] * len(cases)
    assert_no_5xx_and_no_error(outcomes, caplog.records)


@pytest.mark.parametrize("path", ["/admin/logout", "/twilio/inbound", "/twilio/status"])
async def test_a_body_shorter_than_its_content_length_logs_no_error(
    web_all: Web, caplog: pytest.LogCaptureFixture, path: str
):
    caplog.set_level(logging.WARNING)
    head = request_head(
        "POST",
        path,
        b"Content-Type: application/x-www-form-urlencoded",
        b"Content-Length: 1000000000",
        b"X-Twilio-Signature: c2lnbmF0dXJl",
        b"Origin: http://127.0.0.1",
    )
    status = await exchange(web_all, head, b"csrf_token=x", close_write=True)
    assert status is None or status < 500
    oversized = b"csrf_token=" + b"x" * (2 * 1024 * 1024)
    head = request_head(
        "POST",
        path,
        b"Content-Type: application/x-www-form-urlencoded",
        f"Content-Length: {len(oversized)}".encode(),
        b"X-Twilio-Signature: c2lnbmF0dXJl",
        b"Origin: http://127.0.0.1",
    )
    assert await exchange(web_all, head, oversized) == 413
    assert_no_5xx_and_no_error([], caplog.records)


async def test_a_signed_status_callback_with_unicode_digits_is_answered_not_crashed(
    web_all: Web, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.WARNING)
    validator = RequestValidator(AUTH_TOKEN)
    for query, error_code in (("outbox_id=1", "\u00b2"), ("outbox_id=%D9%A1", "30008")):
        params = {"MessageSid": "SM" + "0" * 32, "MessageStatus": "failed", "ErrorCode": error_code}
        signature = validator.compute_signature(f"{TWILIO_BASE}/twilio/status?{query}", params)
        body = urlencode(params).encode()
        head = request_head(
            "POST",
            f"/twilio/status?{query}",
            b"Content-Type: application/x-www-form-urlencoded",
            f"Content-Length: {len(body)}".encode(),
            f"X-Twilio-Signature: {signature}".encode(),
        )
        status = await exchange(web_all, head, body)
        assert status is not None
        assert status < 500, query
    assert_no_5xx_and_no_error([], caplog.records)


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/x?lang=zh",
        "/\\evil.example",
        "/%5C%5Cevil.example",
        "///evil.example",
    ],
)
async def test_the_404_page_never_links_off_site(web_all: Web, target: str):
    reader_head = request_head("GET", target)
    server = web_all.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        writer.write(reader_head)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 60)  # a hang guard, not a threshold
    finally:
        writer.close()
    head, _, page = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 404 "), head[:40]
    text = page.decode()
    assert "Page not found" in text or "页面不存在" in text
    links = re.findall(r'(?:href|src|action)="([^"]*)"', text)
    assert links
    for link in links:
        parts = urlsplit(link.replace("&amp;", "&"))
        assert not parts.scheme, link
        assert not parts.netloc, link
        assert not link.startswith(("//", "/\\", "\\")), link
        assert "evil.example" not in link, link
    assert 'href="?lang=zh"' in text


@pytest.mark.parametrize(("lang", "title"), [("en", "Bad request"), ("zh", "请求无效")])
async def test_a_browser_posting_an_unreadable_form_gets_the_localized_400_page(
    web_all: Web, lang: str, title: str
):
    response = await web_all.client.post(
        f"/admin/logout?lang={lang}",
        data=b"csrf_token=\xff\xfe",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "text/html,application/xhtml+xml",
        },
        allow_redirects=False,
    )
    assert response.status == 400
    page = await response.text()
    assert f"<h1>{title}</h1>" in page
    assert "Traceback" not in page
