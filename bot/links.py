"""Checking links people type: an http(s) address with a host and no spaces."""

from __future__ import annotations

from urllib.parse import urlsplit


def is_web_link(text: str) -> bool:
    """True when ``text`` is an ``http://`` or ``https://`` address with a host."""
    if not text or any(c.isspace() for c in text):
        return False
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)
