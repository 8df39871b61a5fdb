"""Extract every translatable string into the catalogs (``make i18n``).

Two sources: strings in the code marked with ``N_`` (Babel's Python extractor), and the
slash commands themselves (names, descriptions, parameters, choices), read from the
command tree so nothing typed in a decorator is forgotten. Names get a gettext context
(``command name`` / ``parameter name``) because a translated name must stay a valid
Discord command name. The template is merged into each locale's ``.po`` (new strings are
added untranslated, vanished ones marked obsolete).

    python -m bot.i18n.extract            # write podium.pot and update the .po files
    python -m bot.i18n.extract --check    # exit 1 if a .po lacks a string or a translation
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LOCALES_DIR, SUPPORTED_LOCALES

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("bot", "cogs")
KEYWORDS: dict[str, Any] = {"N_": None}
POT_PATH = LOCALES_DIR / f"{DOMAIN}.pot"


def code_strings() -> list[tuple[str, str]]:
    """(message, location) for every ``N_`` string under bot/ and cogs/."""
    found: list[tuple[str, str]] = []
    for folder in SOURCE_DIRS:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / folder, keywords=KEYWORDS, comment_tags=(), strip_comment_tags=True
        ):
            if isinstance(message, str):
                found.append((message, f"{folder}/{filename}:{lineno}"))
    return found


async def command_strings() -> list[tuple[str | None, str]]:
    """(context, message) for every command name, description, parameter and choice."""
    import tempfile

    from discord import app_commands

    from bot.app import COGS, PodiumBot
    from bot.bootstrap import build_services
    from bot.clock import SystemClock
    from bot.config import load_competition
    from bot.i18n import Catalogs
    from storage.engine import Database
    from storage.migrate import migrate

    # The cogs are loaded as the real process loads them (their cog_load wires services),
    # on a throw-away database and the example rules; nothing connects to Discord.
    competition = load_competition(ROOT / "competition.example.toml")
    strings: list[tuple[str | None, str]] = []
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite+aiosqlite:///{Path(folder) / 'extract.db'}")
        try:
            await migrate(db)
            services = build_services(
                db=db, clock=SystemClock(), competition=competition, guild_id=0
            )
            bot = PodiumBot(
                services=services, competition=competition, catalogs=Catalogs(), guild_id=0
            )
            async with bot:  # initialises the client so cogs' start-up tasks can wait
                for extension in COGS:
                    await bot.load_extension(extension)
                strings = _walk(bot.tree.walk_commands(), app_commands)
                for extension in COGS:
                    await bot.unload_extension(extension)
        finally:
            await db.dispose()
    return strings


def _walk(commands: Any, app_commands: Any) -> list[tuple[str | None, str]]:
    strings: list[tuple[str | None, str]] = []
    for command in commands:
        strings.append(("command name", command.name))
        strings.append((None, command.description))
        if isinstance(command, app_commands.Command):
            for parameter in command.parameters:
                strings.append(("parameter name", parameter.name))
                strings.append((None, parameter.description))
                strings += [(None, choice.name) for choice in parameter.choices]
    return strings


def build_template() -> Catalog:
    """The catalog template with every string Podium can show."""
    template = Catalog(domain=DOMAIN, project="Podium", charset="utf-8")
    for message, location in code_strings():
        path, line = location.rsplit(":", 1)
        template.add(message, locations=[(path, int(line))])
    for context, message in asyncio.run(command_strings()):
        if message and message != "…":
            template.add(message, context=context, locations=[("slash-commands", 0)])
    return template


def _po_path(locale: str) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def update_catalogs(template: Catalog) -> None:
    """Write the template and merge it into each locale's catalog."""
    POT_PATH.parent.mkdir(parents=True, exist_ok=True)
    with POT_PATH.open("wb") as handle:
        write_po(handle, template, width=100, omit_header=False, sort_output=True)
    for locale in SUPPORTED_LOCALES:
        path = _po_path(locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=locale)
        else:
            catalog = Catalog(locale=locale, domain=DOMAIN, project="Podium")
        catalog.update(template, no_fuzzy_matching=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, sort_output=True, ignore_obsolete=True)


def problems(template: Catalog) -> list[str]:
    """Strings missing from a catalog, and Chinese strings left untranslated."""
    found: list[str] = []
    for locale in SUPPORTED_LOCALES:
        path = _po_path(locale)
        if not path.exists():
            found.append(f"{path}: missing (run make i18n)")
            continue
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        for message in template:
            if not message.id:
                continue
            entry = catalog.get(message.id, context=message.context)
            if entry is None:
                found.append(f"{locale}: not in catalog: {message.id!r} (run make i18n)")
            elif locale != "en" and not entry.string and message.context != "parameter name":
                found.append(f"{locale}: untranslated: {message.id!r}")
    return found


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only report, change nothing")
    args = parser.parse_args(argv)
    template = build_template()
    if not args.check:
        update_catalogs(template)
    found = problems(template)
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
