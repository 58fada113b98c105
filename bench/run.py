"""Run every benchmark in turn (make bench): each prints its own figures."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run bench_*.py scripts one after another; fail if one fails."""
    status = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n=== {script.stem} ===", flush=True)
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, check=False)
        status = status or result.returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
