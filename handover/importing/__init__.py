"""Import of CRM exports.

Pure part (no database): ``reading`` (bytes -> cells), ``presets`` (headers), ``values`` (cell -> value),
``parsing`` (rows -> records + problems), ``references`` (owners and customers, given as plain data).
The database part, ``upsert``, applies a whole file in one transaction or nothing.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from handover.importing.fields import KINDS
from handover.importing.parsing import Parsed, Progress, parse_table
from handover.importing.presets import PRESETS, load_mapping
from handover.importing.problems import ImportRefused, Problem
from handover.importing.reading import read_bytes, read_file

__all__ = ["KINDS", "PRESETS", "ImportRefused", "Parsed", "Problem", "parse_bytes", "parse_file"]


def parse_file(path: Path | str, kind: str, mapping: str | None, zone: ZoneInfo,
               progress: Progress | None = None) -> Parsed:
    """Read and parse an export file; references are not resolved yet. Never writes anything."""
    return parse_table(read_file(path), kind, load_mapping(mapping, kind), zone, progress)


def parse_bytes(data: bytes, name: str, kind: str, mapping: str | None, zone: ZoneInfo) -> Parsed:
    """``parse_file`` on bytes already in memory (``name`` is used in problem lines)."""
    return parse_table(read_bytes(data, name), kind, load_mapping(mapping, kind), zone)
