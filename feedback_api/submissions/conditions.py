"""The conditions an inbox query is made of, and counts that stop at a limit.

A condition is a SQLAlchemy clause or one of three markers that `where` turns into SQL: the
officer's reach (`Scope`), a SQLite FTS5 match (`FtsMatch`, joined) and a PostgreSQL text
search (`TsSearch`, read through a window of the newest rows first, `windowed`). Kept apart
from feedback_api.submissions.queries, which decides what to ask (README, load benchmark).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import column, literal, literal_column, table
from sqlalchemy import text as sql_text
from sqlalchemy.sql.util import ClauseAdapter
from sqlmodel import Session, col, func, select

from feedback_api.submissions.models import Submission

# Counts stop here: "1000+" tells an officer as much as 734,112 does, and counting a million
# rows on every page view was what made the inbox slow at province scale (README, load
# benchmark). Below it, counts are exact.
COUNT_LIMIT = 1000


class Count(int):
    """A count that may have stopped at COUNT_LIMIT: compares and adds as the number counted,
    prints "1000+" when there were more (so a page shows it honestly without a special case).
    """

    exact: bool

    def __new__(cls, value: int, exact: bool = True) -> Count:
        count = super().__new__(cls, value)
        count.exact = exact
        return count

    def __str__(self) -> str:
        return f"{int(self)}" if self.exact else f"{int(self)}+"

    __repr__ = __str__


_FTS = table("submission_fts", column("rowid"))


@dataclass(frozen=True)
class FtsMatch:
    """A text search on SQLite, applied as a join that the FTS5 index drives newest first
    (ORDER BY its rowid DESC) and stops at the LIMIT; as `id IN (SELECT rowid … MATCH)` SQLite
    collected every match first (150,000 rows for "lua dao" at a million submissions)."""

    query: str


@dataclass(frozen=True)
class TsSearch:
    """A text search on PostgreSQL: `search_vector @@ tsquery`, tried first on a window of
    the newest rows in reach (see `_windowed`)."""

    tsquery: str

    def clause(self, vector=None):
        vector = vector if vector is not None else literal_column("submission.search_vector")
        return vector.op("@@")(func.to_tsquery("simple", self.tsquery))


@dataclass(frozen=True)
class Scope:
    """The officer's reach (and a unit filter): the only conditions a search window applies
    before it stops, so the window is a range of one index, never a scan for other filters."""

    clause: object


# Rows in reach, newest first, that a PostgreSQL text search reads before it turns to the GIN
# index; fewer matches there than RARE_IN_WINDOW mean rare words (a small bitmap), more mean
# counts from the window are given as lower bounds.
SEARCH_WINDOW = 10_000
RARE_IN_WINDOW = 50


def plain(condition):
    if isinstance(condition, Scope):
        return condition.clause
    return condition.clause() if isinstance(condition, TsSearch) else condition


def where(query, conditions: list):
    """`query` (over submission) restricted by `conditions`, an FTS5 match joined."""
    for match in (c for c in conditions if isinstance(c, FtsMatch)):
        query = query.join(_FTS, _FTS.c.rowid == Submission.id).where(
            sql_text("submission_fts MATCH :fts").bindparams(fts=match.query)
        )
    return query.where(*(plain(c) for c in conditions if not isinstance(c, FtsMatch)))


def windowed(db_session: Session, columns: list, conditions: list, limit: int):
    """Up to `limit` rows of `windowed_query`, and how many rows of reach the window held
    (SEARCH_WINDOW when it was full)."""
    rows = list(db_session.exec(windowed_query(columns, conditions, limit)))
    if len(rows) >= limit:
        return rows, SEARCH_WINDOW
    return rows, window_held(db_session, conditions)


def windowed_query(columns: list, conditions: list, limit: int):
    """Up to `limit` rows of `columns` (Submission.id first) matching a PostgreSQL text
    search and the other filters, newest first, among the newest SEARCH_WINDOW rows in reach.

    Why a window: with the GIN index the planner either walks the primary key backwards
    testing each row (fast when the words are common) or collects every match in a bitmap
    (fast when they are rare), and it chooses by an estimate that prefix queries get wrong
    by several times: "lua dao" for one commune, read as a bitmap, took 1.8 s at a million
    submissions. The window is one index range (primary key, or (unit_id, id) for a commune),
    and `LIMIT` inside a derived table lets the executor stop as soon as enough rows matched."""
    scope = [c.clause for c in conditions if isinstance(c, Scope)]
    filters = [plain(c) for c in conditions if not isinstance(c, Scope | TsSearch)]
    searches = [c for c in conditions if isinstance(c, TsSearch)]
    vector = literal_column("submission.search_vector").label("search_vector")
    window = (
        select(Submission.__table__, vector)
        .where(*scope)
        .order_by(col(Submission.id).desc())
        .limit(SEARCH_WINDOW)
        .subquery()
    )
    on_window = ClauseAdapter(window)
    return (
        select(*[window.c[c.key] for c in columns])
        .where(
            *(on_window.traverse(f) for f in filters),
            *(s.clause(window.c.search_vector) for s in searches),
        )
        .order_by(window.c.id.desc())
        .limit(limit)
    )


def window_held(db_session: Session, conditions: list) -> int:
    """How many rows of reach a search window holds (at most SEARCH_WINDOW)."""
    scope = [c.clause for c in conditions if isinstance(c, Scope)]
    in_window = (
        select(literal(1)).select_from(Submission).where(*scope).limit(SEARCH_WINDOW).subquery()
    )
    return db_session.exec(select(func.count()).select_from(in_window)).one()


def newest_first(query, conditions: list):
    if any(isinstance(c, FtsMatch) for c in conditions):
        return query.order_by(_FTS.c.rowid.desc())
    return query.order_by(col(Submission.id).desc())


def limited(conditions):
    matching = where(select(literal(1)).select_from(Submission), conditions)
    return select(func.count()).select_from(matching.limit(COUNT_LIMIT + 1).subquery())


def as_count(counted: int) -> Count:
    return Count(COUNT_LIMIT, exact=False) if counted > COUNT_LIMIT else Count(counted)


def limited_counts(db_session: Session, named: dict[str, list]) -> dict[str, Count]:
    """Several limited counts in one statement (one round trip, one compiled query)."""
    columns = [
        limited(conditions).scalar_subquery().label(name) for name, conditions in named.items()
    ]
    row = db_session.exec(select(*columns)).one()
    return {name: as_count(value) for name, value in zip(named, row, strict=True)}


def limited_count(db_session: Session, conditions) -> Count:
    """How many rows match, counted up to COUNT_LIMIT + 1 and no further.

    `SELECT 1 … LIMIT n` under the count lets each database stop early and read an index
    alone (no row is fetched): the cost is bounded whatever the table's size."""
    return as_count(db_session.exec(limited(conditions)).one())
