"""Localized command names and descriptions through discord.py's ``Translator``."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.i18n import Catalogs

#: gettext contexts for the parts of a command whose text must stay a valid Discord name.
NAME_CONTEXTS = {
    app_commands.TranslationContextLocation.command_name: "command name",
    app_commands.TranslationContextLocation.group_name: "command name",
    app_commands.TranslationContextLocation.parameter_name: "parameter name",
}

#: Discord locales served by each catalog (en-US is the commands' own language).
CATALOG_LOCALES = {
    discord.Locale.chinese: "zh_CN",
    discord.Locale.taiwan_chinese: "zh_CN",
}


class PodiumTranslator(app_commands.Translator):
    """Answers Discord's localization questions from the gettext catalogs.

    Names and parameter names are looked up with a gettext context (``command name``,
    ``parameter name``) so that a word like "help" can be translated differently as a
    command name and inside a sentence. Descriptions and choice names use the plain
    catalog. Returning None leaves the English text.
    """

    def __init__(self, catalogs: Catalogs) -> None:
        self._catalogs = catalogs

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """The text of ``string`` for ``locale``, or None to keep the original."""
        catalog = CATALOG_LOCALES.get(locale)
        if catalog is None:
            return None
        name_context = NAME_CONTEXTS.get(context.location)
        if name_context is not None:
            return self._catalogs.pgettext(catalog, name_context, string.message)
        if not self._catalogs.has_translation(catalog, string.message):
            return None
        return self._catalogs.gettext(catalog, string.message)
