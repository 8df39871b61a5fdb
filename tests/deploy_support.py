"""A reader for the small part of YAML that compose.yaml uses, so a test can check the file
without a YAML library (PyYAML is not a Podium dependency) and without Docker.

Block mappings, block sequences (of scalars or of mappings), flow sequences of scalars
(``["a", "b"]``), plain, single- and double-quoted scalars, and comments. Anything else
(anchors, tags, multi-line strings, flow mappings, tabs) raises ``ValueError``, so a file
it cannot read fails the test rather than being misread.
"""

from __future__ import annotations

import json
import re
from typing import Any

_UNSUPPORTED = re.compile(r"^\s*(?:- )?[^#'\"]*(?:\s|^)[&*!|>]")


def _strip_comment(line: str) -> str:
    quote: str | None = None
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t"):
            return line[:index].rstrip()
    return line.rstrip()


def _scalar(text: str) -> Any:
    text = text.strip()
    if text.startswith("["):
        if not text.endswith("]"):
            raise ValueError(f"unsupported flow sequence: {text}")
        inner = text[1:-1].strip()
        return [] if not inner else [_scalar(part) for part in _split_flow(inner)]
    if text.startswith("{"):
        raise ValueError(f"flow mappings are not supported: {text}")
    if text.startswith('"'):
        return json.loads(text)
    if text.startswith("'"):
        if not text.endswith("'"):
            raise ValueError(f"unterminated string: {text}")
        return text[1:-1].replace("''", "'")
    return text


def _split_flow(inner: str) -> list[str]:
    parts, current, quote = [], "", None
    for char in inner:
        if quote:
            current += char
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
            current += char
        elif char == ",":
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part.strip() for part in parts]


def _key_value(text: str) -> tuple[str, str] | None:
    match = re.match(r"^([A-Za-z0-9_.\-/]+|\"[^\"]*\"):(?:\s+(.*))?$", text)
    if not match:
        return None
    key = match.group(1)
    return (json.loads(key) if key.startswith('"') else key), (match.group(2) or "")


def parse_yaml_subset(source: str) -> Any:
    """The document in ``source`` as dicts, lists and strings."""
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(source.splitlines(), 1):
        if "\t" in raw:
            raise ValueError(f"line {number}: tabs are not supported")
        line = _strip_comment(raw)
        if not line.strip():
            continue
        if _UNSUPPORTED.match(line):
            raise ValueError(f"line {number}: unsupported YAML: {raw}")
        lines.append((len(line) - len(line.lstrip(" ")), line.strip()))
    value, end = _block(lines, 0, 0)
    if end != len(lines):
        raise ValueError(f"unexpected indentation at: {lines[end][1]}")
    return value


def _block(lines: list[tuple[int, str]], start: int, indent: int) -> tuple[Any, int]:
    if lines[start][1].startswith("- ") or lines[start][1] == "-":
        return _sequence(lines, start, indent)
    return _mapping(lines, start, indent)


def _mapping(lines: list[tuple[int, str]], index: int, indent: int) -> tuple[Any, int]:
    result: dict[str, Any] = {}
    while index < len(lines) and lines[index][0] == indent:
        pair = _key_value(lines[index][1])
        if pair is None:
            raise ValueError(f"expected 'key: value': {lines[index][1]}")
        key, rest = pair
        if key in result:
            raise ValueError(f"duplicate key {key}")
        index += 1
        if rest:
            result[key] = _scalar(rest)
        elif index < len(lines) and lines[index][0] > indent:
            result[key], index = _block(lines, index, lines[index][0])
        elif index < len(lines) and lines[index][0] == indent and lines[index][1][:2] == "- ":
            result[key], index = _sequence(lines, index, indent)
        else:
            result[key] = None
    return result, index


def _sequence(lines: list[tuple[int, str]], index: int, indent: int) -> tuple[Any, int]:
    items: list[Any] = []
    while index < len(lines) and lines[index][0] == indent and lines[index][1].startswith("- "):
        text = lines[index][1][2:].strip()
        pair = _key_value(text)
        if pair is None:
            items.append(_scalar(text))
            index += 1
            continue
        # "- key: value" opens a mapping whose further keys sit two columns deeper.
        inner = [(indent + 2, text)]
        end = index + 1
        while end < len(lines) and lines[end][0] > indent:
            inner.append(lines[end])
            end += 1
        mapping, used = _mapping(inner, 0, indent + 2)
        if used != len(inner):
            raise ValueError(f"unexpected indentation in a sequence item: {text}")
        items.append(mapping)
        index = end
    return items, index
