import re

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, Catalogs, normalize_locale
from bot.i18n.extract import build_template, problems

PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.fixture(scope="module")
def template():
    return build_template()


def test_every_string_in_the_code_is_in_both_catalogs_and_translated_into_chinese(template):
    assert problems(template) == []


def test_chinese_translations_keep_every_placeholder_of_the_english_text():
    with (LOCALES_DIR / "zh_CN" / "LC_MESSAGES" / "podium.po").open("rb") as handle:
        catalog = read_po(handle)
    broken = [
        message.id
        for message in catalog
        if message.id
        and message.string
        and set(PLACEHOLDER.findall(str(message.id)))
        != set(PLACEHOLDER.findall(str(message.string)))
    ]
    assert broken == []


def test_translated_command_names_are_valid_discord_names():
    with (LOCALES_DIR / "zh_CN" / "LC_MESSAGES" / "podium.po").open("rb") as handle:
        catalog = read_po(handle)
    names = [
        str(m.string)
        for m in catalog
        if m.context in ("command name", "parameter name") and m.string
    ]
    assert names, "expected translated command names"
    for name in names:
        assert re.fullmatch(r"[-_\w]{1,32}", name), name
        assert name == name.lower(), name


@pytest.mark.parametrize(
    ("discord_locale", "catalog"),
    [
        ("zh-CN", "zh_CN"),
        ("zh-TW", "zh_CN"),
        ("en-US", "en"),
        ("en-GB", "en"),
        ("fr", "en"),
        (None, "en"),
    ],
)
def test_discord_locales_map_to_the_nearest_catalog(discord_locale, catalog):
    assert normalize_locale(discord_locale) == catalog


def test_gettext_fills_placeholders_and_falls_back_to_english_for_unknown_locales():
    catalogs = Catalogs()
    text = "{field}: {reason}"
    assert catalogs.gettext("de", text, field="name", reason="too long") == "name: too long"


def test_a_translation_with_broken_placeholders_falls_back_to_english(tmp_path):
    po = tmp_path / "zh_CN" / "LC_MESSAGES" / "podium.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Hello {name}"\nmsgstr "你好 {nmae}"\n',
        encoding="utf-8",
    )
    catalogs = Catalogs(tmp_path)
    assert catalogs.gettext("zh-CN", "Hello {name}", name="Ada") == "Hello Ada"
