"""A made-up but realistic sample company for `handover demo` and the benchmarks."""

from handover.demo.company import COLUMNS, Company, build_company, write_csv

__all__ = ["COLUMNS", "Company", "build_company", "write_csv"]
