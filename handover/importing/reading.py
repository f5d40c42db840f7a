"""Bytes of an export file -> a header and rows of cell texts.

CSV in UTF-8 (with or without BOM), UTF-16 with BOM (Excel "Unicode text") or GB18030/GBK, detected in
that order; comma, tab or semicolon separated (whichever the header line uses most). XLSX: the first
sheet, read with openpyxl. Spreadsheet values become the text a person would type (dates ISO, numbers
without exponent) so that one set of value parsers serves both.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from handover.importing.problems import ImportRefused, Problem

XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class SourceRow:
    number: int
    cells: list[str]


@dataclass
class Table:
    file: str
    header: list[str]
    rows: list[SourceRow]
    problems: list[Problem] = field(default_factory=list)


def read_file(path: Path | str) -> Table:
    """Read an export file from disk; an unreadable file is refused with one problem."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ImportRefused(name, [Problem(name, 0, "-", f"cannot read the file: {exc.strerror or exc}")]) from None
    return read_bytes(data, name)


def read_bytes(data: bytes, name: str) -> Table:
    if data.startswith(XLSX_MAGIC) or name.lower().endswith((".xlsx", ".xlsm")):
        return _read_workbook(data, name)
    return _read_csv(decode(data, name), name)


def decode(data: bytes, name: str) -> str:
    """The text of a CSV file; which encoding it was in is detected, never guessed silently wrong."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise ImportRefused(name, [Problem(name, 0, "-", "unreadable: not UTF-8, UTF-16 or GB18030/GBK text")])


def _delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    counts = {sep: first_line.count(sep) for sep in (",", "\t", ";")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _blank(cells: list[str]) -> bool:
    return all(not cell.strip() for cell in cells)


def _read_csv(text: str, name: str) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=False)
    header: list[str] | None = None
    table = Table(name, [], [])
    next_line = 1
    try:
        for cells in reader:
            number, next_line = next_line, reader.line_num + 1
            if _blank(cells):
                continue
            if header is None:
                header = table.header = [cell.strip() for cell in cells]
                continue
            if len(cells) != len(header):
                table.problems.append(
                    Problem(name, number, "-", f"{len(cells)} fields, but the header has {len(header)}"))
                continue
            table.rows.append(SourceRow(number, cells))
    except csv.Error as exc:
        raise ImportRefused(name, [Problem(name, next_line, "-", f"unreadable CSV: {exc}")]) from None
    if header is None:
        raise ImportRefused(name, [Problem(name, 0, "-", "the file is empty (no header row)")])
    return table


def cell_text(value: object) -> str:
    """What a person would have typed into the cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time(0) or value.tzinfo else value.date().isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value)


def _read_workbook(data: bytes, name: str) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        values = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, IndexError, OSError, EOFError) as exc:
        raise ImportRefused(name, [Problem(name, 0, "-", f"unreadable workbook: {exc}")]) from None
    except Exception as exc:  # openpyxl raises many private exception types for damaged files
        raise ImportRefused(name, [Problem(name, 0, "-", f"unreadable workbook: {type(exc).__name__}")]) from None
    table = Table(name, [], [])
    header: list[str] | None = None
    for index, raw in enumerate(values, start=1):
        cells = [cell_text(value) for value in raw]
        if _blank(cells):
            continue
        if header is None:
            while cells and not cells[-1].strip():
                cells.pop()
            header = table.header = [cell.strip() for cell in cells]
            continue
        extra = cells[len(header):]
        if not _blank(extra):
            table.problems.append(Problem(name, index, "-", f"values beyond the {len(header)} header columns"))
            continue
        table.rows.append(SourceRow(index, (cells + [""] * len(header))[: len(header)]))
    if header is None:
        raise ImportRefused(name, [Problem(name, 0, "-", "the workbook's first sheet is empty (no header row)")])
    return table
