"""Benchmark intent parsing: accuracy on the labelled set, throughput and per-message latency.

Run from the project root: .venv/bin/python bench/bench_nlu.py
"""

from __future__ import annotations

import csv
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script, the bench folder (not the root) is on sys.path

DATA = ROOT / "tests" / "thai" / "data" / "intents.tsv"
# Written apart from the tuning set (before the issue 16 fixes) and never copied into it:
# a check on sentences the rules were not built from.
FRESH = ROOT / "tests" / "thai" / "data" / "intents_fresh.tsv"
ROUNDS = 30
TARGET_MEDIAN_MS = 2.0


def load(path: Path = DATA) -> list[tuple[str, str, str]]:
    """Read (text, intent, query) rows from a labelled set."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(r["text"], r["intent"], r["query"] or "") for r in rows]


def accuracy(rows: list[tuple[str, str, str]]) -> float:
    """Share of rows read as their intent (and, for a course search, with the topic kept)."""
    from thai import nlu

    def right(text: str, intent: str, query: str) -> bool:
        parsed = nlu.parse_intent(text)
        return parsed.intent.value == intent and (intent != "courses" or query in parsed.query)

    return sum(right(*row) for row in rows) / len(rows)


def main() -> None:
    """Warm up, then time every message of the labelled set many times and print the figures."""
    started = time.perf_counter()
    from thai import nlu

    imported = time.perf_counter()
    nlu.warm_up()
    warmed = time.perf_counter()
    nlu.warm_up()
    second = time.perf_counter()

    rows = load()
    fresh = load(FRESH)
    tuned_accuracy, fresh_accuracy = accuracy(rows), accuracy(fresh)

    # The first pass above filled the per-word caches as a running bot's would; also time a
    # pass with them emptied, which is what a message full of never-seen words costs.
    nlu._fuzzy_lookup.cache_clear()
    nlu._split_glued.cache_clear()
    cold: list[float] = []
    for text, _, _ in rows:
        t0 = time.perf_counter_ns()
        nlu.parse_intent(text)
        cold.append((time.perf_counter_ns() - t0) / 1e6)

    latencies: list[float] = []
    total_start = time.perf_counter()
    for _ in range(ROUNDS):
        for text, _, _ in rows:
            t0 = time.perf_counter_ns()
            nlu.parse_intent(text)
            latencies.append((time.perf_counter_ns() - t0) / 1e6)
    total = time.perf_counter() - total_start

    latencies.sort()
    cold.sort()
    median = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"labelled messages     {len(rows)}")
    print(f"intent accuracy       {tuned_accuracy:.1%}   (tuning set)")
    print(f"fresh messages        {len(fresh)}")
    print(f"intent accuracy       {fresh_accuracy:.1%}   (fresh set, kept apart)")
    print(f"import thai.nlu       {(imported - started) * 1000:.0f} ms")
    print(f"warm-up (pythainlp)   {(warmed - imported) * 1000:.0f} ms   second call {(second - warmed) * 1e6:.0f} us")
    print(f"messages per second   {len(latencies) / total:,.0f}   ({ROUNDS} rounds)")
    print(f"latency median        {median:.3f} ms   (target < {TARGET_MEDIAN_MS} ms)")
    print(f"latency p99           {p99:.3f} ms")
    print(f"cold-cache median/p99 {statistics.median(cold):.3f} / {cold[int(len(cold) * 0.99) - 1]:.3f} ms")


if __name__ == "__main__":
    main()
