"""What is wrong with an import file, one line per problem: ``FILE:ROW:COLUMN: what is wrong``.

ROW is the line of the record in a CSV file (the header is line 1) or the sheet row in a workbook;
0 means the file as a whole. COLUMN is the header as written in the file, the canonical field name when
the column is missing, or ``-`` when no single column is at fault.
"""

from __future__ import annotations

from dataclasses import dataclass

from handover.errors import HandoverError


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}:{self.column}: {self.message}"


class ImportRefused(HandoverError):
    """The file has problems; nothing was imported. ``problems`` lists every one of them."""

    def __init__(self, file: str, problems: list[Problem]):
        self.file = file
        self.problems = sorted(problems)
        count = len(self.problems)
        lines = "\n".join(str(problem) for problem in self.problems)
        super().__init__(f"{file}: {count} problem{'s' if count != 1 else ''}, nothing imported\n{lines}")
