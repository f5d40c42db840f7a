"""Benchmark of the allocation engine (not a test): exact optimal plans at scale, and every strategy's W
against the optimum.

    .venv/bin/python bench/allocation.py                 # both sizes, optimal timed 3 times each
    .venv/bin/python bench/allocation.py --sizes 50000x200 --repeat 5
    .venv/bin/python bench/allocation.py --memory 200000x2000   # peak memory of one plan, in a subprocess

Targets (issue "Allocation engine"): 50,000 customers × 200 reps ≤ 0.5 s, 200,000 × 2,000 ≤ 3 s (model
building, solving and the placements with their reasons included), peak memory ≤ 300 MB at the larger
size, a typical case (150 customers, 40 reps) well under 100 ms.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import numpy as np

from handover.allocation import STRATEGIES, AllocationOptions, Candidate, CustomerToPlace, allocate, compare

REGIONS = ["华东", "华北", "华南", "华中", "西南", "西北", "东北", "港澳台"]
INDUSTRIES = ["制造", "零售", "医药", "金融", "教育", "物流", "能源", "地产", "互联网", "农业", "汽车", "化工"]


def instance(n_customers: int, n_reps: int, seed: int = 1) -> tuple[list[CustomerToPlace], list[Candidate]]:
    """Synthetic but realistic: tiers skewed towards C/D, scores to 2 decimals, each rep covering 1-3
    regions and 1-4 industries, room enough for about 110 % of the customers."""
    rng = np.random.default_rng(seed)
    tiers = rng.choice(list("ABCD"), size=n_customers, p=[0.1, 0.2, 0.3, 0.4])
    scores = np.round(rng.uniform(0, 300, size=n_customers), 2)
    regions = rng.choice(REGIONS, size=n_customers)
    industries = rng.choice(INDUSTRIES, size=n_customers)
    departing = rng.integers(0, min(20, max(1, n_customers // 2000)), size=n_customers)  # a team departure
    customers = [CustomerToPlace(f"c{i}", t, float(s), r, ind, f"d{d}")
                 for i, (t, s, r, ind, d) in enumerate(zip(tiers.tolist(), scores.tolist(), regions.tolist(),
                                                           industries.tolist(), departing.tolist()))]
    room = rng.multinomial(int(n_customers * 1.1), np.ones(n_reps) / n_reps)
    reps = []
    for j in range(n_reps):
        capacity = int(room[j]) + int(rng.integers(0, 50))
        reps.append(Candidate(
            f"r{j}", str(rng.choice(["senior", "mid", "junior"], p=[0.2, 0.4, 0.4])),
            frozenset(rng.choice(REGIONS, size=rng.integers(1, 4), replace=False).tolist()),
            frozenset(rng.choice(INDUSTRIES, size=rng.integers(1, 5), replace=False).tolist()),
            capacity, int(room[j]), float(rng.uniform(40, 100)),
        ))
    return customers, reps


def _size(text: str) -> tuple[int, int]:
    n, r = text.lower().split("x")
    return int(n), int(r)


def time_optimal(n: int, r: int, repeat: int) -> None:
    customers, reps = instance(n, r)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = allocate(customers, reps)
        times.append(time.perf_counter() - started)
    m = result.metrics
    print(f"optimal {n:>7,} customers × {r:>5,} reps: best {min(times):.3f} s, median {statistics.median(times):.3f} s "
          f"(engine {m['solve_seconds']:.3f} s); placed {m['placed']:,}, pooled {m['pooled']:,}, W {m['W']:,.2f}, "
          f"gini {m['gini']:.3f}")


def strategies_vs_optimum(n: int, r: int, share: float | None) -> None:
    customers, reps = instance(n, r, seed=2)
    started = time.perf_counter()
    results = compare(customers, reps, STRATEGIES, AllocationOptions(max_share=share))
    label = f"max_share {share:.0%}" if share else "no max_share"
    print(f"\nstrategies, {n:,} × {r:,}, {label} (all in {time.perf_counter() - started:.2f} s):")
    print(f"  {'strategy':<12} {'W / optimum':>11} {'placed':>8} {'gini':>6} {'max/min':>8} {'empty reps':>10} {'seconds':>8}")
    for res in results:
        m = res.metrics
        ratio = "-" if m["max_min_ratio"] is None else f"{m['max_min_ratio']:.2f}"
        print(f"  {res.strategy:<12} {m['ratio_to_optimum']:>11.4f} {m['placed']:>8,} {m['gini']:>6.3f} {ratio:>8} "
              f"{m['reps_with_nothing']:>10} {m['solve_seconds']:>8.3f}")


_MEMORY_PROBE = """
import gc, sys, tracemalloc
sys.path.insert(0, "bench")
from allocation import instance
from handover.allocation import allocate

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
customers, reps = instance({n}, {r})
allocate(customers[:100], reps[:10])  # libraries loaded and warm
gc.collect()
before = status("VmRSS")
with open("/proc/self/clear_refs", "w") as f:  # "5" resets the peak RSS (VmHWM) to the current RSS
    f.write("5")
result = allocate(customers, reps)
peak = status("VmHWM")
del result
gc.collect()
tracemalloc.start()
result = allocate(customers, reps)
traced = tracemalloc.get_traced_memory()[1] // 2**20
print(before, peak, traced)
"""


def peak_memory(n: int, r: int) -> None:
    """In a fresh process: RSS before planning (interpreter, numpy, OR-Tools, the input objects), the peak
    RSS while planning (the whole process), and tracemalloc's peak of what planning allocated from Python
    and numpy (OR-Tools' own C++ memory shows only in the RSS figure)."""
    code = _MEMORY_PROBE.format(n=n, r=r)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    before, peak, traced = (int(x) for x in out)
    print(f"memory {n:,} × {r:,}: peak RSS while planning {peak} MB for the whole process "
          f"({before} MB before: interpreter, libraries, input), so planning added {peak - before} MB; "
          f"tracemalloc peak of planning {traced} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="*", default=["150x40", "50000x200", "200000x2000"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare", default="5000x100", help="size for the strategy comparison")
    parser.add_argument("--memory", default="200000x2000")
    args = parser.parse_args()
    for size in args.sizes:
        time_optimal(*_size(size), args.repeat)
    if args.memory:
        peak_memory(*_size(args.memory))
    if args.compare:
        for share in (None, 0.02):
            strategies_vs_optimum(*_size(args.compare), share)


if __name__ == "__main__":
    main()
