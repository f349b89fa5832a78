"""Profile analyze() on a synthetic fleet with pyinstrument (`pip install -e '.[bench]'`).

    python benchmarks/profile_engine.py --functions 10000 --days 30

Prints pyinstrument's call tree of analyze() only (the fleet is built before profiling starts).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analyzer.core.analyze import analyze
from analyzer.core.pricebook import PriceBook
from benchmarks.fleetgen import SEED, synthetic_fleet


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--functions", type=int, default=10000)
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--seed", type=int, default=SEED)
    args = p.parse_args(argv)
    try:
        from pyinstrument import Profiler
    except ImportError:
        p.error("pyinstrument is not installed: pip install -e '.[bench]'")
    book = PriceBook.load()
    fleet = synthetic_fleet(args.functions, args.days, args.seed)
    profiler = Profiler(interval=0.005)
    profiler.start()
    analyze(fleet, book)
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
