"""The import parser never fails with anything but HandoverError, whatever it is given."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handover.errors import HandoverError
from handover.importing import KINDS, PRESETS, parse_bytes
from handover.importing.fields import Context
from handover.importing.references import Directory, Person, resolve
from handover.importing.values import BadValue

SHANGHAI = ZoneInfo("Asia/Shanghai")
DIRECTORY = Directory([Person("E001", "王伟", "e001@example.cn"), Person("E002", "王伟", "e002@example.cn")], {"C1"})
HEADERS = [name for kind in KINDS.values() for name in kind.names] + [
    header for preset in PRESETS.values() for columns in preset.columns.values() for header in columns]
CELLS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["120万", "¥1,200,000", "1/5/2026", "2026年1月5日", "2026-13-01", "活跃", "zh", "E001", "王伟",
                     "C1", "-1", "1e9", "a@b.cn", "2026-01-05T25:00", "9" * 20, "'", '"', "\r", "\x00"]),
)


def _check(data: bytes, kind: str, preset: str) -> None:
    try:
        parsed = parse_bytes(data, "fuzz.csv", kind, preset, SHANGHAI)
        resolve(parsed, DIRECTORY)
    except HandoverError:
        pass


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400), kind=st.sampled_from(sorted(KINDS)), preset=st.sampled_from(sorted(PRESETS)))
def test_arbitrary_bytes(data, kind, preset):
    _check(data, kind, preset)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=st.lists(st.one_of(st.sampled_from(HEADERS), st.text(max_size=8)), min_size=1, max_size=8),
       rows=st.lists(st.lists(CELLS, max_size=9), max_size=6), kind=st.sampled_from(sorted(KINDS)),
       preset=st.sampled_from(sorted(PRESETS)), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
def test_arbitrary_csv_text(header, rows, kind, preset, encoding):
    def line(cells):
        return ",".join('"' + cell.replace('"', '""') + '"' for cell in cells)
    text = "\n".join([line(header)] + [line(row) for row in rows])
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    _check(data, kind, preset)


READERS = [(f"{kind.name}.{spec.name}", spec.read) for kind in KINDS.values() for spec in kind.fields]


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(st.text(min_size=1, max_size=30), CELLS.filter(bool)),
       order=st.sampled_from(["ymd", "mdy", "dmy"]), reader=st.sampled_from(READERS))
def test_every_cell_reader_raises_only_bad_value(text, order, reader):
    try:
        reader[1](text, Context(SHANGHAI, order))
    except BadValue:
        pass
