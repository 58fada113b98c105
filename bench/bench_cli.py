"""Benchmark operator commands' start: wall and user CPU of `flask --app bot COMMAND`, whole processes.

Run from the project root: .venv/bin/python bench/bench_cli.py [RUNS]

Each command runs RUNS times (default 5; the export 3) against a freshly migrated SQLite database,
LINE not configured (quota then reports what it knows without calling LINE), after one run that is
not counted. Figures are min and median: the machine is shared, so quote medians. The project's
own modules are compiled from source on each run when PYTHONDONTWRITEBYTECODE is set (as `make`
sets it) and no __pycache__ is there; the header says which. Prints figures; asserts nothing.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).with_name("flask"))
TARGET_S = 1.5


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Run one process to its end; return wall seconds, user CPU seconds and the exit status."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
    return wall, usage.ru_utime, proc.returncode


def measure(name: str, args: list[str], env: dict[str, str], runs: int) -> None:
    """Time a command RUNS times after one uncounted run and print its row."""
    argv = [FLASK, "--app", "bot", *args]
    run(argv, env)
    results = [run(argv, env) for _ in range(runs)]
    walls, users = [r[0] for r in results], [r[1] for r in results]
    codes = sorted({r[2] for r in results})
    print(f"{name:<28} {runs:>4} {min(walls):>8.2f} {statistics.median(walls):>8.2f} "
          f"{min(users):>8.2f} {statistics.median(users):>8.2f}   exit {','.join(map(str, codes))}", flush=True)


def main() -> None:
    """Migrate a scratch database, then time the commands."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINE_")}
        env.update(DATABASE_URL=f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", SECRET_KEY="bench-secret-key",
                   UPLOAD_DIR=str(Path(tmp) / "uploads"))
        subprocess.run([FLASK, "--app", "bot", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cached = any((ROOT / "bot").glob("__pycache__/*.pyc"))
        compiled = "from __pycache__" if cached else (
            "compiled from source each run" if env.get("PYTHONDONTWRITEBYTECODE") else "cached after the first run")
        print(f"flask --app bot COMMAND on SQLite, {os.cpu_count()} CPUs; project modules {compiled}")
        print(f"{'command':<28} {'runs':>4} {'wall min':>8} {'median':>8} {'user min':>8} {'median':>8}"
              f"   (seconds; target < {TARGET_S} s wall)")
        measure("--help", ["--help"], env, runs)
        measure("list-admins", ["list-admins"], env, runs)
        measure("quota", ["quota"], env, runs)
        # Real work: queries, then openpyxl loads and writes the sheet.
        out = str(Path(tmp) / "followup.xlsx")
        measure("export-followup --out .xlsx", ["export-followup", "--out", out], env, max(1, runs * 3 // 5))


if __name__ == "__main__":
    main()
