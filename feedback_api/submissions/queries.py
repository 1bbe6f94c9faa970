"""Reading the inbox: filters, diacritic-blind full-text search, keyset pagination, similarity.

Search runs on `search_text`, the folded form of the submission (faq's normaliser), so
"lua dao" finds "lừa đảo". SQLite uses an FTS5 index, PostgreSQL a stored tsvector column with
a GIN index (both created by the migrations); every query word must match, as a prefix.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import case, or_
from sqlalchemy import text as sql_text
from sqlmodel import Session, col, func, select

from faq.normalize import tokens
from feedback_api.clock import start_of_local_day, utcnow
from feedback_api.db import is_sqlite
from feedback_api.permissions import Action, Actor
from feedback_api.submissions import conditions as clauses
from feedback_api.submissions import tracking
from feedback_api.submissions.conditions import (
    Count,
    FtsMatch,
    Scope,
    TsSearch,
    limited_count,
    limited_counts,
)
from feedback_api.submissions.conditions import newest_first as _newest_first
from feedback_api.submissions.conditions import where as _where
from feedback_api.submissions.conditions import windowed as _windowed
from feedback_api.submissions.models import CLOSED, Kind, Priority, Status, Submission
from feedback_api.submissions.service import get_in_reach
from feedback_api.units.models import Unit

PAGE_SIZE = 25
MAX_PAGE = 200


@dataclass(frozen=True)
class InboxFilter:
    kind: str | None = None
    status: str | None = None
    unit_id: int | None = None
    category: str | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    overdue: bool | None = None
    valuable: bool | None = None
    assigned_to_id: int | None = None
    q: str | None = None


def _search_clause(db_session: Session, query_text: str, *, joined: bool = False):
    words = [w for w in tokens(query_text) if w.isalnum()][:12]
    if not words:
        return None
    if is_sqlite(db_session.get_bind()):
        match = " ".join(f'"{w}"*' for w in words)
        if joined:
            return FtsMatch(match)
        return sql_text(
            "submission.id IN (SELECT rowid FROM submission_fts WHERE submission_fts MATCH :match)"
        ).bindparams(match=match)
    search = TsSearch(" & ".join(f"{w}:*" for w in words))
    return search if joined else search.clause()


OPEN = [s.value for s in Status if s not in CLOSED]


def _in_units(db_session: Session, path: str):
    """Submissions of the units under `path`, or None when that is every unit.

    On PostgreSQL the unit ids are read first and named in the query: a sub-select on
    `path LIKE '/1/%'` is estimated at one unit, and with that guess the planner ran the text
    search once per unit as a bitmap (12 s for "lua dao" at a million submissions). The whole
    tree needs no condition at all. SQLite plans the sub-select well and keeps it."""
    within = select(Unit.id).where(col(Unit.path).startswith(path))
    if is_sqlite(db_session.get_bind()):
        return Scope(col(Submission.unit_id).in_(within))
    db_session.connection()  # one read per transaction: a page asks several times
    memo = db_session.info.setdefault("inbox-units", {})
    key = (db_session.get_transaction(), path)
    if key not in memo:
        memo.clear()
        # The ids and the number of all units in one round trip.
        every_unit = select(func.count()).select_from(Unit).scalar_subquery()
        found = list(
            db_session.exec(select(Unit.id, every_unit).where(col(Unit.path).startswith(path)))
        )
        everything = bool(found) and len(found) == found[0][1]
        memo[key] = None if everything else ([row[0] for row in found] or [-1])
    return None if memo[key] is None else Scope(col(Submission.unit_id).in_(memo[key]))


def _scoped(db_session: Session, actor: Actor, flt: InboxFilter):
    actor.require(Action.VIEW_SUBMISSIONS)
    # Scope by a sub-select of unit ids rather than a join: the database can then use the
    # submission indexes ((status, unit_id), unit_id) directly (benchmarks/api_bench.py).
    conditions = [_in_units(db_session, actor.unit_path)]
    if flt.unit_id is not None:
        unit = db_session.get(Unit, flt.unit_id)
        conditions.append(_in_units(db_session, unit.path if unit else "/none/"))
    conditions = [c for c in conditions if c is not None]
    if flt.kind:
        conditions.append(Submission.kind == Kind(flt.kind))
    if flt.status:
        conditions.append(Submission.status == Status(flt.status))
    if flt.category:
        conditions.append(Submission.category == flt.category)
    if flt.created_from:
        conditions.append(col(Submission.created_at) >= start_of_local_day(flt.created_from))
    if flt.created_to:
        conditions.append(
            col(Submission.created_at) < start_of_local_day(flt.created_to + dt.timedelta(days=1))
        )
    if flt.overdue is not None:
        late = (col(Submission.due_at) < utcnow()) & col(Submission.status).in_(OPEN)
        conditions.append(late if flt.overdue else ~late)
    if flt.valuable is not None:
        conditions.append(Submission.valuable == flt.valuable)
    if flt.assigned_to_id is not None:
        conditions.append(Submission.assigned_to_id == flt.assigned_to_id)
    search = _search(db_session, flt.q) if flt.q else None
    if search is not None:
        conditions.append(search)
    return conditions


def _search(db_session: Session, query_text: str):
    """Words in the text, or a tracking code however it was typed ("ln-abcd-1234",
    "LN ABCD 1234", "lnabcd1234"): officers paste codes citizens read out over the phone."""
    code = tracking.canonical(query_text)
    clause = _search_clause(db_session, query_text, joined=not code)
    by_code = Submission.tracking_code == code if code else None
    if clause is None or by_code is None:  # both None: nothing to search for, no filter
        return clause if by_code is None else by_code
    return or_(by_code, clause)


SORTS = ("newest", "due", "priority")
_CLOSED = [s.value for s in CLOSED]
_RANKED = (Priority.URGENT, Priority.HIGH, Priority.NORMAL)
_UNRANKED = col(Submission.priority).not_in([p.value for p in _RANKED])
# An order as consecutive segments, each read by (due_at, id): "due" is open items by deadline
# (the most overdue on top), then closed ones; "priority" is open urgent, high, normal, other,
# then closed. A segment is its statuses and an optional priority condition. One segment at a
# time rides the (status, priority, due_at, unit_id) and (status, due_at, unit_id) indexes; a
# single ORDER BY over a CASE sorted every row in reach (0.5 s at 100,000 submissions on
# SQLite, benchmarks/api_bench.py).
_SEGMENTS = {
    "due": ((OPEN, None), (_CLOSED, None)),
    "priority": (
        *((OPEN, Submission.priority == p.value) for p in _RANKED),
        (OPEN, _UNRANKED),
        (_CLOSED, None),
    ),
}


def _statuses_allowed(flt: InboxFilter) -> set[str]:
    """The statuses the filter leaves possible: a segment (and a status within it) outside
    them is not asked at all (the overdue tab ran six empty queries over closed statuses)."""
    allowed = {flt.status} if flt.status else {s.value for s in Status}
    return allowed & set(OPEN) if flt.overdue else allowed


def _by_deadline(
    db_session: Session, where: list, statuses: list[str], skip: int, take: int
) -> list[int]:
    """Ids `skip`..`skip + take` of `where` by (due_at, id), read one status at a time.

    Ids first: the covering (status, due_at, unit_id) index answers them without reading the
    rows. One status at a time because over `status IN (…)` neither database reads that index
    in deadline order: SQLite sorted every open item in reach (360 ms at a million
    submissions); each status alone is already in order, and the few rows are merged here."""
    found: list[tuple] = []
    for status in statuses:
        rows = db_session.exec(
            _where(select(Submission.due_at, Submission.id), [*where, Submission.status == status])
            .order_by(col(Submission.due_at), col(Submission.id))
            .limit(skip + take)
        )
        found += [(_aware(due_at), row_id) for due_at, row_id in rows]
    return [row_id for _due, row_id in sorted(found)[skip : skip + take]]


def _segmented_page(
    db_session: Session,
    conditions: list,
    flt: InboxFilter,
    sort: str,
    offset: int,
    limit: int,
) -> list[Submission]:
    """`limit` + 1 rows from `offset` of the segmented order (one more tells a next page)."""
    rows: list[Submission] = []
    skip = offset
    allowed = _statuses_allowed(flt)
    for segment_statuses, extra in _SEGMENTS[sort]:
        statuses = [s for s in segment_statuses if s in allowed]
        if not statuses:
            continue
        where = [*conditions, col(Submission.status).in_(statuses)]
        if extra is not None:
            where.append(extra)
        if skip:
            counted = _where(select(func.count()).select_from(Submission), where)
            size = db_session.exec(counted).one()
            if skip >= size:
                skip -= size
                continue
        ids = _by_deadline(db_session, where, statuses, skip, limit + 1 - len(rows))
        found = {
            s.id: s for s in db_session.exec(select(Submission).where(col(Submission.id).in_(ids)))
        }
        rows += [found[i] for i in ids]
        skip = 0
        if len(rows) > limit:
            break
    return rows


def inbox(
    *,
    db_session: Session,
    actor: Actor,
    flt: InboxFilter,
    before_id: int | None = None,
    limit: int = PAGE_SIZE,
    sort: str = "newest",
) -> tuple[list[Submission], Count, int | None]:
    """One page plus its count (exact up to COUNT_LIMIT) and the cursor of the next page.

    Newest first pages by id (keyset: stable while tips arrive); the deadline and priority
    orders page by offset, and their cursor is that offset. Callers treat it as opaque."""
    limit = max(1, min(limit, MAX_PAGE))
    conditions = _scoped(db_session, actor, flt)
    page_query = _where(select(Submission), conditions)
    if sort in _SEGMENTS:
        offset = max(0, before_id or 0)
        rows = _segmented_page(db_session, conditions, flt, sort, offset, limit)
        next_cursor = offset + limit if len(rows) > limit else None
    elif any(isinstance(c, TsSearch) for c in conditions):
        rows = _searched_page(db_session, conditions, before_id, limit)
        next_cursor = rows[limit - 1].id if len(rows) > limit else None
    else:
        if before_id is not None:
            page_query = page_query.where(col(Submission.id) < before_id)
        page_query = _newest_first(page_query, conditions)
        rows = list(db_session.exec(page_query.limit(limit + 1)))
        next_cursor = rows[limit - 1].id if len(rows) > limit else None
    if flt.q:  # the tabs' pass has counted the matches already
        counts, _late = _counted_in_one_pass(db_session, actor, flt)
        if flt.status:
            count = counts[flt.status]
        else:
            count = Count(sum(counts.values()), all(c.exact for c in counts.values()))
        if flt.overdue is None:
            return rows[:limit], count, next_cursor
    return rows[:limit], limited_count(db_session, conditions), next_cursor


def _searched_page(db_session: Session, conditions: list, before_id: int | None, limit: int):
    """`limit` + 1 rows newest first under a PostgreSQL text search: from the window when it
    has enough, else from the GIN index (the words are rare, so its bitmap is small)."""
    if before_id is not None:
        conditions = [*conditions, col(Submission.id) < before_id]
    ids, _held = _windowed(db_session, [Submission.id], conditions, limit + 1)
    ids = [row[0] if isinstance(row, tuple) else row for row in ids]
    if len(ids) <= limit:
        query = _where(select(Submission.id), conditions).order_by(col(Submission.id).desc())
        ids = list(db_session.exec(query.limit(limit + 1)))
    found = {
        s.id: s for s in db_session.exec(select(Submission).where(col(Submission.id).in_(ids)))
    }
    return [found[i] for i in ids]


def overdue_count(*, db_session: Session, actor: Actor, flt: InboxFilter) -> Count:
    """Open items past their deadline under the current filters (status and overdue ignored),
    for the inbox's "Quá hạn" tab."""
    if flt.q and flt.overdue is not False:
        return _counted_in_one_pass(db_session, actor, flt)[1]
    late = InboxFilter(**{**flt.__dict__, "status": None, "overdue": True})
    return limited_count(db_session, _scoped(db_session, actor, late))


def _counted_in_one_pass(
    db_session: Session, actor: Actor, flt: InboxFilter
) -> tuple[dict[str, Count], Count]:
    """Status and overdue counts under a text search, from one read of the newest
    COUNT_LIMIT + 1 matches (status and deadline only), counted here.

    A limited COUNT per status would run the text search once per tab, each walking matches
    until that status had COUNT_LIMIT of them; one pass bounds the work for all tabs. When the
    pass is cut at its limit every count is a lower bound ("12+"), which the page shows."""
    # The page, its tabs and its overdue count share one pass, within one transaction.
    db_session.connection()  # begins the transaction the key names
    key = (db_session.get_transaction(), actor.officer_id, actor.unit_path, *flt.__dict__.items())
    memo = db_session.info.get("inbox-count-pass")
    if memo is None or memo[0] != key:
        memo = (key, _count_pass(db_session, actor, flt))
        db_session.info["inbox-count-pass"] = memo
    return memo[1]


def _count_pass(
    db_session: Session, actor: Actor, flt: InboxFilter
) -> tuple[dict[str, Count], Count]:
    conditions = _scoped(db_session, actor, InboxFilter(**{**flt.__dict__, "status": None}))
    columns = [Submission.id, Submission.status, Submission.due_at]
    searched = any(isinstance(c, TsSearch) for c in conditions)
    complete = cut = False
    if searched:
        newest = clauses.windowed_query(columns, conditions, clauses.COUNT_LIMIT + 1)
        by_status, late, seen = _tally(db_session, newest)
        held = clauses.SEARCH_WINDOW
        if seen <= clauses.COUNT_LIMIT:
            held = clauses.window_held(db_session, conditions)
        # The window held all of reach, or enough matches to stand for common words (the
        # counts are then lower bounds); otherwise the words are rare: ask the index.
        complete = held < clauses.SEARCH_WINDOW or seen >= clauses.RARE_IN_WINDOW
        cut = held >= clauses.SEARCH_WINDOW
    if not complete:
        query = _where(select(*columns), conditions)
        newest = _newest_first(query, conditions).limit(clauses.COUNT_LIMIT + 1)
        by_status, late, seen = _tally(db_session, newest)
        cut = False
    exact = seen <= clauses.COUNT_LIMIT and not cut
    counts = {status.value: Count(by_status.get(status.value, 0), exact) for status in Status}
    return counts, Count(late, exact)


def _tally(db_session: Session, newest) -> tuple[dict[str, int], int, int]:
    """Counts per status and of late items among the first COUNT_LIMIT rows of `newest`
    (id, status, due_at; newest first, at most COUNT_LIMIT + 1 rows), and how many rows it
    had: counted by the database, which sends back a row per status instead of a thousand
    rows to convert and count here (most of the web inbox's CPU under a search)."""
    rows = newest.subquery()
    numbered = select(
        rows.c.status,
        rows.c.due_at,
        func.row_number().over(order_by=rows.c.id.desc()).label("place"),
    ).subquery()
    first = numbered.c.place <= clauses.COUNT_LIMIT
    late = first & (numbered.c.due_at < utcnow()) & col(numbered.c.status).in_(OPEN)
    tally = select(
        numbered.c.status,
        func.count(),
        func.sum(case((first, 1), else_=0)),
        func.sum(case((late, 1), else_=0)),
    ).group_by(numbered.c.status)
    by_status: dict[str, int] = {}
    late_count = seen = 0
    for status, rows_seen, counted, late_here in db_session.exec(tally):
        by_status[status] = int(counted or 0)
        late_count += int(late_here or 0)
        seen += rows_seen
    return by_status, late_count, seen


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive UTC datetimes."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def status_counts(*, db_session: Session, actor: Actor, flt: InboxFilter) -> dict[str, Count]:
    """Counts per status for the inbox's tabs (the status filter itself is ignored).

    One limited COUNT per status rather than a GROUP BY: each is a range scan of the
    (status, unit_id) index that stops after COUNT_LIMIT rows, where a GROUP BY over a unit
    sub-select made SQLite visit every row (170 ms at 100,000 submissions,
    benchmarks/api_bench.py) and exact counts grew with the table.
    """
    if flt.q:
        return _counted_in_one_pass(db_session, actor, flt)[0]
    scoped = InboxFilter(**{**flt.__dict__, "status": None})
    conditions = _scoped(db_session, actor, scoped)
    return limited_counts(
        db_session,
        {status.value: [Submission.status == status.value, *conditions] for status in Status},
    )


def nav_counts(*, db_session: Session, actor: Actor) -> dict[str, Count]:
    """The navigation's counts: new items in the officer's reach (routed to their commune they
    show at once), and open items assigned to them ("Giao cho tôi")."""
    if not actor.can(Action.VIEW_SUBMISSIONS):
        return {}
    scope = _scoped(db_session, actor, InboxFilter())
    return limited_counts(
        db_session,
        {
            "new": [Submission.status == Status.NEW.value, *scope],
            "mine": [
                Submission.assigned_to_id == actor.officer_id,
                col(Submission.status).in_(OPEN),
                *scope,
            ],
        },
    )


@dataclass(frozen=True)
class Similar:
    submission: Submission
    score: float


def similar(
    *,
    db_session: Session,
    actor: Actor,
    submission_id: int,
    limit: int = 5,
    window_days: int = 90,
    min_score: float = 55.0,
) -> list[Similar]:
    """The most similar recent submissions of the same unit (candidates for "duplicate").

    rapidfuzz's token_set_ratio on the folded texts: word order and extra words matter little,
    which is how two citizens describe the same drug den or the same scam.
    """
    submission = get_in_reach(db_session=db_session, actor=actor, submission_id=submission_id)
    since = submission.created_at - dt.timedelta(days=window_days)
    candidates = list(
        db_session.exec(
            select(Submission)
            .where(
                Submission.unit_id == submission.unit_id,
                Submission.id != submission.id,
                col(Submission.created_at) >= since,
            )
            .order_by(col(Submission.id).desc())
            .limit(2000)
        )
    )
    if not candidates or not submission.search_text:
        return []
    matches = process.extract(
        submission.search_text,
        [c.search_text for c in candidates],
        scorer=fuzz.token_set_ratio,
        limit=limit,
        score_cutoff=min_score,
    )
    return [Similar(candidates[index], round(score / 100, 3)) for _, score, index in matches]


def pair_score(first: Submission, second: Submission) -> float:
    """How alike two submissions are, on the scale `similar` uses (0..1): shown when an officer
    confirms that one is a duplicate of the other."""
    if not first.search_text or not second.search_text:
        return 0.0
    return round(fuzz.token_set_ratio(first.search_text, second.search_text) / 100, 3)
