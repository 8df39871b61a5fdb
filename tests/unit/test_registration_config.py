"""The registration rules and the SMTP settings: what loads, and what is refused with a
message saying how to fix it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config import ConfigError, load_settings
from bot.config.registration import ProfileFieldConfig, RegistrationSection
from bot.config.sections import EligibilityRule
from tests.config_support import REQUIRED


def test_a_rule_matches_its_domains_and_their_subdomains_only() -> None:
    rule = EligibilityRule(email_domains=("edu", "ac.uk"))
    assert rule.allows_email("ann@mit.edu")
    assert rule.allows_email("bo@cs.ox.ac.uk")
    assert not rule.allows_email("cy@edu.com")
    assert not rule.allows_email("di@fakeac.uk")


def test_a_rule_without_any_way_in_is_refused() -> None:
    with pytest.raises(ValidationError, match="gives no way to become eligible"):
        EligibilityRule(email_domains=(), proof=False)


def test_choices_belong_to_choice_fields_only() -> None:
    with pytest.raises(ValidationError, match="needs its choices"):
        ProfileFieldConfig.model_validate({"key": "lvl", "label": {"en": "L"}, "type": "choice"})
    with pytest.raises(ValidationError, match='only for type = "choice"'):
        ProfileFieldConfig.model_validate(
            {"key": "lvl", "label": {"en": "L"}, "type": "text", "choices": ["a"]}
        )


def test_labels_longer_than_discord_allows_and_repeated_keys_are_refused() -> None:
    with pytest.raises(ValidationError):
        ProfileFieldConfig.model_validate({"key": "name", "label": {"en": "x" * 46}})
    field = {"key": "name", "label": {"en": "Name"}}
    with pytest.raises(ValidationError, match="already used"):
        RegistrationSection.model_validate({"fields": [field, field]})


def test_fourteen_fields_make_three_pages_of_four_five_and_five() -> None:
    fields = [{"key": f"f{n:02d}", "label": {"en": f"F{n}"}} for n in range(14)]
    pages = RegistrationSection.model_validate({"fields": fields}).pages
    assert [len(page) for page in pages] == [4, 5, 5]
    with pytest.raises(ValidationError):
        RegistrationSection.model_validate(
            {"fields": [*fields, {"key": "f99", "label": {"en": "x"}}]}
        )


def test_smtp_is_off_without_a_host_and_needs_a_sender_with_one() -> None:
    assert not load_settings(None, environ=REQUIRED).smtp_enabled
    settings = load_settings(
        None,
        environ=REQUIRED
        | {"SMTP_HOST": "smtp.example.com", "SMTP_FROM": "p@example.com", "SMTP_SECURITY": "TLS"},
    )
    assert settings.smtp_enabled
    assert settings.SMTP_SECURITY == "tls"
    with pytest.raises(ConfigError, match="SMTP_FROM"):
        load_settings(None, environ=REQUIRED | {"SMTP_HOST": "smtp.example.com"})
    with pytest.raises(ConfigError, match="SMTP_SECURITY"):
        load_settings(None, environ=REQUIRED | {"SMTP_SECURITY": "ssl3"})


def test_the_smtp_password_is_never_shown() -> None:
    settings = load_settings(
        None,
        environ=REQUIRED
        | {"SMTP_HOST": "h.example", "SMTP_FROM": "p@example.com", "SMTP_PASSWORD": "hunter22"},
    )
    assert "hunter22" not in repr(settings)
