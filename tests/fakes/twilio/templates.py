"""Content templates: placeholders, approval status, ``ContentVariables`` checks, rendering."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

#: Approval status that lets a template start a WhatsApp conversation.
APPROVED = "approved"

CONTENT_SID_RE = re.compile(r"^HX[0-9a-fA-F]{32}$")
_TEMPLATE_VAR_RE = re.compile(r"\{\{\s*(\w+)\s*\}\}")


@dataclass(slots=True)
class FakeTemplate:
    """A Content template: its text with ``{{1}}``-style placeholders and approval status."""

    text: str
    status: str = APPROVED

    @property
    def placeholders(self) -> frozenset[str]:
        """The variable names the text uses (``{"1", "2"}`` for ``{{1}} … {{2}}``)."""
        return frozenset(_TEMPLATE_VAR_RE.findall(self.text))

    def matches(self, raw_variables: str | None) -> bool:
        """Whether ``ContentVariables`` gives exactly one value per placeholder."""
        given = set(json.loads(raw_variables)) if raw_variables else set()
        return given == self.placeholders


def valid_content_variables(raw: str) -> bool:
    """Whether ``ContentVariables`` is a JSON object of non-empty keys and scalar values."""
    try:
        parsed = json.loads(raw)
    except ValueError:
        return False
    return isinstance(parsed, dict) and all(
        isinstance(key, str)
        and key.strip() != ""
        and isinstance(value, str | int | float)
        and not isinstance(value, bool)
        and str(value) != ""
        for key, value in parsed.items()
    )


def render(template: str, raw_variables: str | None) -> str:
    """The template text with its placeholders filled (unknown ones left as written)."""
    variables: dict[str, Any] = json.loads(raw_variables) if raw_variables else {}

    def fill(match: re.Match[str]) -> str:
        return str(variables.get(match.group(1), match.group(0)))

    return _TEMPLATE_VAR_RE.sub(fill, template)
