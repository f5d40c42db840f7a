"""Benchmark: import N customers (a Chinese-header GB18030 export, values as people write them) twice.

    .venv/bin/python bench/import_customers.py [--count 200000] [--database-url URL]

Target: 200,000 customers well under 60 s on SQLite. The second import of the same file must report
every row unchanged. Uses a throw-away HANDOVER_HOME (SQLite unless --database-url).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "import"
AMOUNTS = ("120万", "¥1,200,000", "1,200,000", "1200000.00", "30万", "0")
DATES = ("2026年1月5日", "2026/1/5", "2026-01-05", "2025年12月31日")
STATUSES = ("新客户", "活跃", "沉睡", "流失")
OWNERS = ("黄强", "E001", "e002@example.cn", "胡涛", "")


def write_export(path: Path, count: int) -> None:
    lines = ["客户编号,客户名称,负责人,所属区域,行业,预计成交金额,累计成交金额,联系人,联系电话,邮箱,最近跟进时间,创建时间,客户状态"]
    for n in range(count):
        lines.append(f'B{n:07d},测试客户{n}有限公司,{OWNERS[n % 5]},华东,制造业,"{AMOUNTS[n % 6]}","{AMOUNTS[(n + 1) % 6]}",'
                     f'联系人{n},1380000{n % 10000:04d},c{n}@example.cn,{DATES[n % 4]},{DATES[(n + 1) % 4]},{STATUSES[n % 4]}')
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="handover-bench-import-"))
    os.environ["HANDOVER_HOME"] = str(home)
    if args.database_url:
        os.environ["HANDOVER_DATABASE_URL"] = args.database_url
    from handover.importing.upsert import import_file
    from handover.schema import upgrade_schema

    upgrade_schema()
    import_file(FIXTURES / "employees.csv", "employees")
    export = home / "customers.csv"
    write_export(export, args.count)
    timings = []
    for attempt in ("first", "second"):
        started, cpu = time.perf_counter(), time.process_time()
        report = import_file(export, "customers", "zh")
        timings.append(time.perf_counter() - started)
        print(f"{attempt} import: {timings[-1]:.1f} s wall, {time.process_time() - cpu:.1f} s CPU "
              f"(load average {os.getloadavg()[0]:.1f}); {report.summary()}")
    ok = timings[0] < 60 * args.count / 200_000 and report.unchanged == args.count
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
