"""Python calls and database round trips per scoring completion: ``python -m bench.call_count [--scorers N]``.

Times drift with the machine's load; the number of calls a completion makes does not. Comparing two commits
by this count (and by the round trips, psycopg's ``wait``) tells whether a change added work to the hot path
even when the timed figures are too noisy to say.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats

from bench import common


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scorers", type=int, default=100)
    parser.add_argument("--instances", type=int, default=2)
    args = parser.parse_args()
    profile = cProfile.Profile()
    completions = 0
    with common.scratch_database("postgresql", "callcount") as url:
        app = common.build_app(url, scorers=args.scorers)
        driver = common.Driver(app)
        with driver.sessions() as session:
            common.start_data(session)
        for _ in range(args.instances):
            application_id = driver.create()
            driver.run_until(application_id, stop_at="democratic_scoring")
            for task in driver.open_tasks(application_id):
                if task[1] == "democratic_scoring":
                    profile.enable()
                    driver.complete(task)
                    profile.disable()
                    completions += 1
        app.extensions["appraisal.db_engine"].dispose()
    stats = pstats.Stats(profile)
    waits = sum(row[1] for (path, _line, name), row in stats.stats.items()
                if name == "wait" and path.endswith("psycopg/connection.py"))
    print(f"scoring_completion_python_calls: {stats.total_calls / completions:.0f}")
    print(f"scoring_completion_db_waits: {waits / completions:.2f}")


if __name__ == "__main__":
    main()
