"""Reading store export files: CSV (UTF-8, or GB18030 as Chinese platforms export) and XLSX,
as a header and a stream of (line number, cell values), without loading a big file whole."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bot.services.results.errors import ResultsFileUnreadable, ResultsNoRows

_ZIP_MAGIC = b"PK\x03\x04"
_SNIFF = 1 << 20


@dataclass(slots=True)
class Table:
    """A file's header (stripped cell texts) and its data lines; ``rows`` is an estimate
    of how many data lines there are (for a progress bar)."""

    header: list[str]
    lines: Iterator[tuple[int, list[Any]]]
    rows: int


def open_table(source: bytes | Path) -> Table:
    """The header and lines of a CSV or XLSX file given as bytes or as a path.

    Raises:
        ResultsFileUnreadable: not a CSV (UTF-8 / GB18030) or XLSX file.
        ResultsNoRows: no header line.
    """
    head = source[:_SNIFF] if isinstance(source, bytes) else _head(source)
    if head.startswith(_ZIP_MAGIC):
        return _xlsx(source)
    return _csv(source, _encoding(head))


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(_SNIFF)
    except OSError:
        raise ResultsFileUnreadable() from None


def _encoding(head: bytes) -> str:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the sniff's end is fine
    except UnicodeDecodeError:
        try:
            codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
        except UnicodeDecodeError:
            raise ResultsFileUnreadable() from None
        return "gb18030"
    return "utf-8-sig"


def _csv(source: bytes | Path, encoding: str) -> Table:
    text: IO[str]
    if isinstance(source, bytes):
        try:
            text = io.StringIO(source.decode(encoding), newline="")
        except UnicodeDecodeError:
            raise ResultsFileUnreadable() from None
        rows = source.count(b"\n")
    else:
        text = source.open("r", encoding=encoding, newline="")
        rows = _count_lines(source)
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        text.close()
        raise ResultsNoRows() from None
    except (csv.Error, UnicodeDecodeError):
        text.close()
        raise ResultsFileUnreadable() from None
    return Table([cell.strip() for cell in header], _csv_lines(reader, text), max(rows - 1, 0))


def _csv_lines(reader: Any, text: IO[str]) -> Iterator[tuple[int, list[Any]]]:
    try:
        line = 1
        for row in reader:
            line = reader.line_num
            if "".join(row).strip():
                yield line, row
    except (csv.Error, UnicodeDecodeError):
        raise ResultsFileUnreadable() from None
    finally:
        text.close()


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as file:
        while chunk := file.read(1 << 22):
            count += chunk.count(b"\n")
    return count


def _xlsx(source: bytes | Path) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(
            io.BytesIO(source) if isinstance(source, bytes) else source,
            read_only=True,
            data_only=True,
        )
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ResultsFileUnreadable() from None
    sheet = workbook.worksheets[0] if workbook.worksheets else None
    if sheet is None:
        workbook.close()
        raise ResultsNoRows()
    rows = sheet.iter_rows(values_only=True)
    try:
        first = next(rows)
    except StopIteration:
        workbook.close()
        raise ResultsNoRows() from None
    header = ["" if cell is None else str(cell).strip() for cell in first]
    total = max((sheet.max_row or 1) - 1, 0)
    return Table(header, _xlsx_lines(rows, workbook), total)


def _xlsx_lines(rows: Iterator[tuple[Any, ...]], workbook: Any) -> Iterator[tuple[int, list[Any]]]:
    try:
        for line, row in enumerate(rows, start=2):
            if any(cell is not None and str(cell).strip() for cell in row):
                yield line, list(row)
    finally:
        workbook.close()
