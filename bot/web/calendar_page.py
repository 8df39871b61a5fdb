"""The public season calendar: ``/calendar`` (the phases, the current one marked) and
``/calendar.ics``, an iCalendar feed of the phases, Q&A sessions and contest windows."""

from __future__ import annotations

import datetime as dt
import sys

from aiohttp import web

from bot.i18n import N_, Catalogs
from bot.services.calendar import CURRENT, PAST, FeedEntry
from bot.web.render import render, request_locale, site_of

CALENDAR_TITLE = N_("Season calendar")
CALENDAR_SUB = N_("Times are in {timezone}.")
COL_PHASE = N_("Phase")
COL_STARTS = N_("Starts")
COL_ENDS = N_("Ends")
COL_STATUS = N_("Status")
STATE_PAST = N_("over")
STATE_CURRENT = N_("now")
STATE_UPCOMING = N_("to come")
NO_PHASES = N_("The season calendar has no phases yet.")
NEXT_DEADLINE = N_("Next deadline: {phase} closes {time}.")
FEED_LINK = N_("Add the calendar to your own (iCalendar feed)")
FEED_HINT = N_(
    "Subscribe to this address in Google Calendar, Outlook or Apple Calendar: phases, Q&A "
    "sessions and contest windows, kept up to date."
)
EVENTS_HEADING = N_("Q&A sessions and contests")
NO_EVENTS = N_("No Q&A sessions or contests planned.")
QA_EVENT = N_("Q&A: {title}")
SUBMISSIONS_EVENT = N_("{contest}: submissions")
VOTING_EVENT = N_("{contest}: voting")
FEED_NAME = N_("{competition} — season calendar")

STATE_LABELS = {PAST: STATE_PAST, CURRENT: STATE_CURRENT}
_EVENT_TITLES = {"qa": QA_EVENT, "submissions": SUBMISSIONS_EVENT, "voting": VOTING_EVENT}
#: Feed readers poll often; five minutes of staleness is fine for a season's calendar.
FEED_MAX_AGE = 300
_LANG_QUERY = {"zh_CN": "?lang=zh", "en": ""}


def entry_title(catalogs: Catalogs, locale: str, entry: FeedEntry) -> str:
    """What an event is called in ``locale``: the phase's name, or a localized label with
    the session's or contest's name."""
    if entry.phase is not None:
        return entry.phase.name.get(locale)
    template = _EVENT_TITLES[entry.kind]
    return catalogs.gettext(locale, template, title=entry.title, contest=entry.title)


async def calendar_page(request: web.Request) -> web.Response:
    """The phases in time order with their state, the next deadline, the other events and
    the link to the feed."""
    site = site_of(request)
    locale, _remember = request_locale(request)
    overview = site.services.calendar.overview()
    entries = [e for e in await site.services.calendar.feed_entries() if e.phase is None]
    events = [(entry_title(site.catalogs, locale, e), e) for e in entries]
    response = render(
        request,
        "calendar.html",
        C=sys.modules[__name__],
        overview=overview,
        events=events,
        feed_url="/calendar.ics" + _LANG_QUERY[locale],
    )
    response.headers.setdefault("Cache-Control", "public, max-age=60")
    return response


def build_feed(
    entries: list[FeedEntry],
    *,
    catalogs: Catalogs,
    locale: str,
    competition_name: str,
    tz: dt.tzinfo,
    now: dt.datetime,
) -> bytes:
    """The iCalendar document: one VEVENT per entry with its stable UID, DTSTAMP ``now``,
    start and end in the competition timezone (with its VTIMEZONE)."""
    # Imported here: icalendar takes ~0.2 s to import (its timezone tables), paid by every
    # process at start otherwise, and only this feed needs it.
    from icalendar import Calendar, Event

    say = catalogs
    calendar = Calendar()
    calendar.add("prodid", "-//Podium//Season calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", say.gettext(locale, FEED_NAME, competition=competition_name))
    calendar.add("x-wr-timezone", str(tz))
    stamp = now.astimezone(dt.UTC).replace(microsecond=0)
    for entry in entries:
        event = Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", entry.start.astimezone(tz))
        event.add("dtend", entry.end.astimezone(tz))
        event.add("summary", entry_title(say, locale, entry))
        event.add("categories", [entry.phase.kind if entry.phase is not None else entry.kind])
        if entry.phase is not None and entry.phase.description is not None:
            event.add("description", entry.phase.description.get(locale))
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


async def calendar_feed(request: web.Request) -> web.Response:
    """``/calendar.ics`` in the request's language (``?lang=zh`` for Chinese)."""
    site = site_of(request)
    locale, _remember = request_locale(request)
    competition = site.services.competition
    body = build_feed(
        await site.services.calendar.feed_entries(),
        catalogs=site.catalogs,
        locale=locale,
        competition_name=competition.competition.name,
        tz=competition.tz,
        now=site.services.clock.now(),
    )
    response = web.Response(body=body, content_type="text/calendar", charset="utf-8")
    response.headers["Cache-Control"] = f"public, max-age={FEED_MAX_AGE}"
    response.headers["Content-Disposition"] = 'inline; filename="calendar.ics"'
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


def add_routes(app: web.Application) -> None:
    """Register the calendar page and its feed."""
    app.router.add_get("/calendar", calendar_page)
    app.router.add_get("/calendar.ics", calendar_feed)
