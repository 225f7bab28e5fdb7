"""A check-then-insert that loses its race to a concurrent transaction answers 409, never 500.

The shape: a use case asks "is there a row for this key?", sees none, inserts, and meets the unique constraint
because another transaction inserted the same key in between (a double click, two tabs). The class is caught
once, in the API's error handler (``retries.unique_violation``); this test checks the classification on both
databases with real constraint errors.
"""
from __future__ import annotations

from sqlalchemy import create_engine, text


def test_a_unique_violation_is_told_apart_from_other_constraints_on_both_databases(pg_only_url: str) -> None:
    """Only a second row with a taken key is the lost race; a NOT NULL or CHECK failure stays a bug (500)."""
    from sqlalchemy.exc import IntegrityError

    from service.workflows import retries

    for url in ("sqlite://", pg_only_url):
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(text("CREATE TEMPORARY TABLE race_probe (k INTEGER UNIQUE, v INTEGER NOT NULL)"))
                conn.execute(text("INSERT INTO race_probe VALUES (1, 1)"))
                for statement, lost_race in (("INSERT INTO race_probe VALUES (1, 2)", True),
                                             ("INSERT INTO race_probe VALUES (2, NULL)", False)):
                    savepoint = conn.begin_nested()
                    try:
                        conn.execute(text(statement))
                    except IntegrityError as exc:
                        assert retries.unique_violation(exc) is lost_race, (url, statement)
                    else:
                        raise AssertionError(f"{statement} was accepted on {url}")
                    finally:
                        savepoint.rollback()
        finally:
            engine.dispose()
