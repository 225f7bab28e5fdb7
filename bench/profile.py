"""Profile the service's task completions: ``python -m bench.profile [--kind postgresql|sqlite] [--scorers N]``.

Runs a few whole instances through the use cases under pyinstrument (``pip
install pyinstrument``) and prints the call tree, or cProfile's top functions
when pyinstrument is not installed.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats

from bench import common


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", default="postgresql", choices=["postgresql", "sqlite"])
    parser.add_argument("--scorers", type=int, default=7)
    parser.add_argument("--instances", type=int, default=10)
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args()
    with common.scratch_database(args.kind, "profile") as url:
        app = common.build_app(url, scorers=args.scorers)
        driver = common.Driver(app)
        driver.whole_instance()
        try:
            from pyinstrument import Profiler
        except ImportError:
            Profiler = None
        if Profiler is not None and not args.cprofile:
            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(args.instances):
                driver.whole_instance()
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        else:
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(args.instances):
                driver.whole_instance()
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
        app.extensions["appraisal.db_engine"].dispose()


if __name__ == "__main__":
    main()
