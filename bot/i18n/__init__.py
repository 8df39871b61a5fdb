"""Translations: gettext catalogs for English and Simplified Chinese.

Message ids are the English sentences. ``N_`` marks a string for extraction without
translating it (for class attributes and tables); ``Catalogs.gettext`` translates at the
moment of use, in the locale of whoever will read it.

Catalogs live in ``bot/i18n/locales/<locale>/LC_MESSAGES/podium.po``. A compiled ``.mo``
(``make i18n``) is used when present and current; otherwise the ``.po`` is read directly
with Babel, so a fresh clone works without a build step.
"""

from __future__ import annotations

import gettext
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).with_name("locales")
DOMAIN = "podium"
SUPPORTED_LOCALES = ("en", "zh_CN")
DEFAULT_LOCALE = "en"


def N_(message: str) -> str:
    """Mark ``message`` for extraction; returns it unchanged."""
    return message


def normalize_locale(value: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Map a Discord or WhatsApp locale (``zh-CN``, ``zh-TW``, ``en-US``…) to a catalog.

    Every Chinese variant reads the Simplified Chinese catalog (the closest one shipped);
    everything else falls back to ``default``.
    """
    if not value:
        return default
    lowered = value.replace("-", "_").lower()
    if lowered.startswith("zh"):
        return "zh_CN"
    if lowered.startswith("en"):
        return "en"
    return default


def _load_po(path: Path) -> gettext.GNUTranslations:
    """Read a .po file with Babel and turn it into a gettext translations object."""
    from io import BytesIO

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        catalog = read_po(handle)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Catalogs:
    """All loaded catalogs; translate with ``gettext(locale, message, **params)``."""

    def __init__(self, locales_dir: Path = LOCALES_DIR) -> None:
        self._translations: dict[str, gettext.NullTranslations] = {}
        for locale in SUPPORTED_LOCALES:
            po = locales_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
            mo = po.with_suffix(".mo")
            if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
                with mo.open("rb") as handle:
                    self._translations[locale] = gettext.GNUTranslations(handle)
            elif po.exists():
                self._translations[locale] = _load_po(po)
            else:
                log.warning("no catalog locale=%s path=%s", locale, po)
                self._translations[locale] = gettext.NullTranslations()

    def gettext(self, locale: str | None, message: str, /, **params: Any) -> str:
        """``message`` translated into ``locale`` (any spelling) with ``params`` filled in."""
        text = self._translations[normalize_locale(locale)].gettext(message)
        return _format(text, message, params)

    def ngettext(
        self, locale: str | None, singular: str, plural: str, n: int, /, **params: Any
    ) -> str:
        """Plural-aware ``gettext``; ``n`` is also available to the text as ``{n}``."""
        text = self._translations[normalize_locale(locale)].ngettext(singular, plural, n)
        return _format(text, singular, {"n": n, **params})

    def pgettext(self, locale: str | None, context: str, message: str) -> str | None:
        """The translation of ``message`` in ``context``, or None when there is none."""
        translated = self._translations[normalize_locale(locale)].pgettext(context, message)
        return translated if translated != message else None

    def has_translation(self, locale: str | None, message: str) -> bool:
        """True when ``locale`` has its own text for ``message``."""
        return self._translations[normalize_locale(locale)].gettext(message) != message


def _format(text: str, fallback: str, params: dict[str, Any]) -> str:
    if not params:
        return text
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        # A broken translation must never break a reply: fall back to the English text.
        log.warning("translation placeholders do not match msgid=%r", fallback)
        return fallback.format(**params)
