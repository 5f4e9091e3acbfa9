"""Hints for SQLite's query planner (the embedded mode).

Python's sqlite3 is built without STAT4, so SQLite knows neither how many rows a range of values
holds nor that a county's cards all share one region: given a condition it can serve from an
index, it starts there, reads every matching row and sorts them all for a page of 20 — where
walking the list's sort order would find the page within a few dozen rows. A condition written
on `+column` (unary plus: the same number) cannot be served by an index, so it cannot choose the
plan; it is still checked on every row the plan reads.
"""

from __future__ import annotations

from django.db.models import F, Field, Func


def unindexed(field: str, output_field: Field) -> Func:
    """`field` as +field, for a condition that must not choose SQLite's plan (see above).
    Valid SQL on PostgreSQL too, but only used on SQLite, whose plans it corrects."""
    return Func(F(field), template="+%(expressions)s", output_field=output_field)
