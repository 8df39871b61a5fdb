"""Reading points CSV files: encodings, delimiters, headers (SPEC §3.3 imports).

Organizers export results from spreadsheets: UTF-8 (with or without BOM) or, from Chinese
Excel, GB18030; comma, semicolon or tab separated. Columns are found by name (team, points,
reason, member, key, with a few aliases), in any order.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from bot.services.points.errors import (
    FileEmpty,
    FileNotText,
    MissingColumns,
    TooManyRows,
    UnreadableFile,
)

MAX_IMPORT_ROWS = 10_000

_HEADER_ALIASES = {
    "team": "team",
    "team name": "team",
    "team id": "team",
    "points": "points",
    "amount": "points",
    "reason": "reason",
    "member": "member",
    "member id": "member",
    "user": "member",
    "user id": "member",
    "key": "key",
    "row key": "key",
    "row_key": "key",
    "id": "key",
}
REQUIRED_COLUMNS = ("team", "points", "reason")


def parse_int(text: str) -> int | None:
    """A whole number as organizers type it (``+10``, ``1,000``), or None."""
    cleaned = text.replace(",", "").replace("_", "").strip()
    if cleaned.startswith("+"):
        cleaned = cleaned[1:]
    try:
        return int(cleaned)
    except ValueError:
        return None


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileNotText()


def read_csv(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """Rows of a points CSV as (line number, {column: value}); raises on a bad header."""
    if b"\x00" in data[:4096]:
        raise FileNotText()
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    try:
        dialect: Any = csv.Sniffer().sniff(first_line, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise FileEmpty() from None
    except csv.Error as exc:
        raise UnreadableFile(reason=str(exc)) from None
    columns = [_HEADER_ALIASES.get(" ".join(name.strip().lower().split())) for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise MissingColumns(columns=", ".join(missing))
    records: list[tuple[int, dict[str, str]]] = []
    try:
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            if len(records) >= MAX_IMPORT_ROWS:
                raise TooManyRows(limit=MAX_IMPORT_ROWS)
            record = {
                column: value
                for column, value in zip(columns, values, strict=False)
                if column is not None
            }
            records.append((reader.line_num, record))
    except csv.Error as exc:
        raise UnreadableFile(reason=f"line {reader.line_num}: {exc}") from None
    return records
