"""Full-text search for staff: ticket subjects and messages, Chinese and English.

Chinese has no spaces between words, so the text is indexed by trigrams
(migration 0009), which find any substring of three characters or more:

- **SQLite**: the FTS5 table ``search_text`` (trigram tokenizer), one row per
  subject and per message, keyed ``ticket_id << 32 | message_id``, so that the
  index lists a term's texts in ticket order. A term of three characters or more
  is an FTS5 phrase. A term of **two** characters (网络, 打印, 邮箱, IP) is not a
  trigram, but every occurrence of it starts one (each indexed text ends with a
  mark), so the table's vocabulary lists the trigrams that start with it and the
  query asks for any of them: exact, and served by the index.
- **PostgreSQL**: ``pg_trgm`` GIN indexes on ``tickets.subject`` and
  ``messages.body``. ``pg_trgm`` extracts no trigram from a two-character
  pattern (EXPLAIN shows a full scan), so a term of two characters is asked of
  GIN indexes of the texts' pairs of adjacent characters (migration 0015).

A one-character term searches only the :data:`SHORT_TERM_SCAN` newest tickets,
and the page says so (on SQLite, so does a two-character term that more than
:data:`MAX_EXPANSION` trigrams start with).

Results are tickets, newest (highest id) first, 25 a page, keyed by the id of
the last one shown; drafts are never found; agents who do not supervise find
only tickets held by themselves or their groups (:class:`~.resources.Scope`).
Internal notes are searched too: this is the staff's search.

A page costs about the same at a million tickets as at ten thousand, because no
search reads every text that contains a common term, nor every ticket that
passes the filters (:class:`_Finder`): the newest :data:`FIRST_RANGE` tickets
are searched first; when the filters (the scope included) leave few tickets,
those are checked one by one; otherwise the tickets that contain the term are
found newest first, and the filters checked on each, until the page is full: on
SQLite straight from the FTS5 index, newest first; on PostgreSQL, whose GIN
bitmaps have no order, in ranges of ticket ids, read text by text while the
term is common, then asked of the indexes.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Mapping

from sqlalchemy import (
    Integer,
    Select,
    Text,
    and_,
    bindparam,
    case,
    column,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.orm import Session, aliased

from ..groups.models import ServiceGroup
from ..i18n import _
from ..people.models import Person
from ..tickets.models import ACTIVE_STATUSES, Message, Priority, Ticket, TicketStatus
from .resources import Scope

PAGE_SIZE = 25
MAX_QUERY = 200
#: Terms shorter than this are not served by trigram indexes.
TRIGRAM = 3
#: How many of the newest tickets a term too short for the index searches.
SHORT_TERM_SCAN = 5_000
#: At most this many trigrams stand for a two-character term on SQLite.
MAX_EXPANSION = 2_000
#: The tickets that pass the filters are checked one by one for the term when they
#: are this many or fewer, or fewer than the square root of NARROW_SCALE times the
#: tickets below the page's cursor times those the page still needs (see
#: :meth:`_Finder._few_visible`).
NARROW = 500
NARROW_SCALE = 0.5
#: The newest tickets searched first (see :class:`_Finder`). After them, PostgreSQL
#: reads more text by text for a term found in at least DENSE of them, at most
#: READ_GROWTH times as many as read so far each time, until READ_BUDGET tickets
#: have been read; then asks the indexes, each range RANGE_GROWTH times wider.
FIRST_RANGE = 2_000
DENSE = 10
READ_GROWTH = 4
READ_BUDGET = 40_000
RANGE_GROWTH = 8
#: SQLite reads this many texts from its index per ticket still needed, a statement
#: at a time, newest first.
TEXTS_PER_TICKET = 2
SNIPPET_CONTEXT = 40  # characters shown on each side of the match
#: Characters that never reach the index's queries (the index's end mark among them).
CONTROL = re.compile(r"[\x00-\x1f\x7f]")

#: The FTS5 table of migration 0009 (not an ORM model).
SEARCH_TEXT = table("search_text", column("rowid", Integer))

S = TicketStatus
STATUSES = {
    "": ((S.new, S.open, S.pending, S.resolved, S.closed), _("Any status")),
    "active": (ACTIVE_STATUSES, _("Unresolved")),
    **{status.value: ((status,), _(status.value))
       for status in (S.new, S.open, S.pending, S.resolved, S.closed)},
}


def schema_name_is_modelled(name: str | None, type_: str, parent_names) -> bool:
    """Whether alembic's autogenerate compares ``name``: the search table, its
    shadow tables and its indexes (migration 0009) are not ORM models."""
    return not (name or "").startswith(("search_", "ix_search_"))


@dataclass(frozen=True)
class SearchForm:
    """The search page's query string: the term, the list filters and the page."""

    q: str = ""
    status: str = ""
    priority: str = ""
    category: str = ""
    channel: str = ""
    group: int | None = None
    after: int | None = None  # the id of the last ticket of the previous page
    error: object = None  # why the term cannot be searched

    @classmethod
    def from_params(cls, params: Mapping[str, str], *, categories=(), channels=(),
                    group_ids=()) -> "SearchForm":
        """Read the query string; an unknown filter value falls back to "any"."""
        def choice(key, allowed):
            value = params.get(key, "")
            return value if value in allowed else ""

        term = " ".join(CONTROL.sub(" ", params.get("q", "")).split())
        group, after = params.get("group", ""), params.get("after", "")
        error = _("Search for at most ${count} characters.", mapping={"count": MAX_QUERY}) \
            if len(term) > MAX_QUERY else None
        return cls(
            q=term,
            status=choice("status", STATUSES),
            priority=choice("priority", {p.value for p in Priority}),
            category=choice("category", categories),
            channel=choice("channel", channels),
            group=int(group) if group.isdigit() and int(group) in group_ids else None,
            after=int(after) if after.isdigit() else None,
            error=error,
        )

    @property
    def statuses(self) -> tuple[TicketStatus, ...]:
        return STATUSES[self.status][0]

    @property
    def is_short(self) -> bool:
        """Whether the term is too short for the trigram index."""
        return len(self.q) < TRIGRAM

    def query(self, **changes) -> dict[str, str]:
        """The query string of this search with ``changes`` (empty values left out)."""
        form = replace(self, **changes)
        values = {"q": form.q, "status": form.status, "priority": form.priority,
                  "category": form.category, "channel": form.channel, "group": form.group,
                  "after": form.after}
        return {key: str(value) for key, value in values.items() if value not in (None, "")}


@dataclass(frozen=True)
class Hit:
    """One ticket found, with the text around the first match."""

    id: int
    number: str
    subject: str
    status: TicketStatus
    updated_at: object
    group_name: str | None
    holder_name: str | None
    snippet: tuple[str, str, str]  # before, the match, after


@dataclass(frozen=True)
class Results:
    """One page of results."""

    hits: list[Hit]
    next_after: int | None  # ``after`` of the next page
    newest_only: int | None  # the term searched only this many newest tickets


def like_pattern(term: str) -> str:
    """``%term%`` with LIKE's metacharacters of ``term`` taken literally (escape ``\\``)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _sqlite_expansion(dbsession: Session, term: str) -> list[str] | None:
    """The trigrams that start with a two-character term (stored case-folded), or
    ``None`` when there are more than :data:`MAX_EXPANSION`."""
    start = term.lower()
    trigrams = dbsession.execute(
        text("SELECT term FROM search_text_vocab WHERE term >= :start AND term < :stop "
             "LIMIT :limit"),
        {"start": start, "stop": start + "\U0010ffff", "limit": MAX_EXPANSION + 1},
    ).scalars().all()
    return trigrams if len(trigrams) <= MAX_EXPANSION else None


@dataclass(frozen=True)
class _Term:
    """How the databases look for the term (bound parameter ``pattern``).

    Checked text by text, SQLite's LIKE ignores the case of ASCII letters; so does
    PostgreSQL's ``ILIKE`` in the C collation, ten times faster than in the
    database's own, which lower-cases every text whole. A term whose letters have
    no case (Chinese, digits) is looked for as it is (``strpos``): the same
    result, faster still. Only a term with other letters that have a case (é, Ｗ)
    is lower-cased in the database's collation, as ``ILIKE`` does (and on SQLite,
    found by the index only)."""

    text: str
    dialect: str

    @property
    def caseless(self) -> bool:
        return self.text.lower() == self.text.upper()

    @property
    def ascii_cased(self) -> bool:
        """Whether every letter with a case is an ASCII letter."""
        return all(char.isascii() or char.lower() == char.upper() for char in self.text)

    def contains(self, column):
        """``column`` contains the term, checked text by text (on PostgreSQL by no
        index: the planner takes a two-character ``LIKE`` pattern for one its
        trigram index serves, which would return every row)."""
        if self.dialect == "sqlite":
            return column.like(bindparam("pattern"), escape="\\")
        if self.caseless:
            return func.strpos(column, literal(self.text)) > 0
        if self.ascii_cased:
            return column.collate("C").ilike(bindparam("pattern"), escape="\\")
        return func.strpos(func.lower(column), func.lower(literal(self.text))) > 0

    def indexed(self, column):
        """PostgreSQL: ``column`` contains the term, asked of its trigram index, or
        for a term of two characters, of its index of character pairs (0015)."""
        pattern = bindparam("pattern")
        if len(self.text) < TRIGRAM:
            pairs = func.search_pairs(column, type_=ARRAY(Text))
            return and_(pairs.contains(array([func.lower(literal(self.text))])),
                        self.contains(column))
        if self.caseless:
            return column.like(pattern, escape="\\")
        found = column.ilike(pattern, escape="\\")
        return and_(found, self.contains(column)) if self.ascii_cased else found


def _visible(scope: Scope, form: SearchForm, *, indexed: bool | None = None,
             scope_too: bool = True, below: int | None = None):
    """The tickets the staff member may find, with the form's filters: all of them,
    or only those an index serves (``indexed=True``: status, holder, priority) or
    only the others (``indexed=False``: category, channel); the scope left out
    when not ``scope_too``. With ``below``, only tickets below that id, compared
    without asking the id's indexes (``id + 0``): SQLite, without statistics,
    would otherwise read the tickets of the status in the ``(status, id)`` index
    rather than those of the status and priority in another."""
    conditions = []
    if indexed is not False:
        conditions.append(Ticket.status.in_(form.statuses))
        if scope_too and not scope.sees_everything:
            own = Ticket.holder_person_id == scope.person_id
            conditions.append(or_(own, Ticket.holder_group_id.in_(scope.group_ids))
                              if scope.group_ids else own)
        if form.priority:
            conditions.append(Ticket.priority == Priority(form.priority))
        if form.group is not None:
            conditions.append(Ticket.holder_group_id == form.group)
        if below is not None:
            conditions.append(Ticket.id + 0 < below)
        elif form.after is not None:
            conditions.append(Ticket.id < form.after)
    if indexed is not True:
        if form.category:
            conditions.append(Ticket.category == form.category)
        if form.channel:
            conditions.append(Ticket.channel == form.channel)
    return and_(true(), *conditions)


def _scope_branches(scope: Scope) -> list:
    """The scope as conditions whose union it is (each served by an index)."""
    if scope.sees_everything:
        return [true()]
    own = Ticket.holder_person_id == scope.person_id
    return [own, Ticket.holder_group_id.in_(scope.group_ids)] if scope.group_ids else [own]


class _Finder:
    """Finds the ids of the newest tickets that pass the filters and contain the
    term, below ``top`` (the page's cursor, or past the newest ticket)."""

    def __init__(self, dbsession: Session, term: _Term, scope: Scope, form: SearchForm,
                 params: dict, limit: int):
        self.dbsession, self.term, self.scope, self.form = dbsession, term, scope, form
        self.params, self.limit = params, limit
        self.visible = _visible(scope, form)
        self.found: list[int] = []

    @property
    def full(self) -> bool:
        return len(self.found) >= self.limit

    def ids(self, match: str | None) -> list[int]:
        """The newest :data:`FIRST_RANGE` tickets first; then, when few tickets
        pass the filters, each of those checked for the term; else the other
        tickets that contain it, newest first, each checked against the filters
        (``match``: the FTS5 query on SQLite)."""
        form = self.form
        top = form.after if form.after is not None else (self.dbsession.execute(
            select(func.max(Ticket.id))).scalar() or 0) + 1
        bottom = max(top - FIRST_RANGE, 0)
        containing = 0
        if match is not None:
            self._ask_fts5(match, bottom, top)
        else:
            containing = self._read_range(bottom, top)
        if self.full or bottom == 0:
            return self.found[:self.limit]
        if (self._narrows() and (self.term.ascii_cased or match is None)
                and self._few_visible(bottom)):
            self._check_each(bottom)
        elif match is not None:
            self._ask_fts5(match, 0, bottom)
        else:
            self._ask_postgresql(bottom, containing)
        return self.found[:self.limit]

    def _narrows(self) -> bool:
        """Whether the filters leave out more than drafts."""
        form = self.form
        return bool(form.status or form.priority or form.group is not None or form.category
                    or form.channel or not self.scope.sees_everything)

    def _few_visible(self, top: int) -> bool:
        """Whether few enough tickets below ``top`` pass the filters that checking
        each costs less than finding the term's tickets until the filters have
        passed enough of them: at most :data:`NARROW`, or the square root of
        :data:`NARROW_SCALE` x ``top`` x the tickets the page still needs (with
        F of them, one ticket in ``top / F`` that contains the term passes: reading
        F is about as dear as reading ``needed x top / F`` of the term's). Counted
        by the indexes of the status, holder and priority, reading at most that
        many + 1 (twice as many when the category or channel filter them too) of
        the tickets that pass those; a ticket held both by the staff member and by
        one of their groups counts twice. (How often the newest tickets passed
        the filters says nothing: they are those of the day, mostly unresolved.)"""
        form = self.form
        needed = self.limit - len(self.found)
        narrow = max(NARROW, math.isqrt(int(NARROW_SCALE * top * needed)))
        unindexed = _visible(self.scope, form, indexed=False)
        cap = 2 * narrow if form.category or form.channel else narrow
        passes = case((unindexed, 1), else_=0).label("passes")
        branches = [
            select(passes).where(branch, _visible(self.scope, form, indexed=True,
                                                  scope_too=False, below=top))
            .limit(cap + 1).subquery()
            for branch in _scope_branches(self.scope)]
        counted = union_all(*(select(branch.c.passes) for branch in branches)).subquery()
        read, passed = self.dbsession.execute(
            select(func.count(), func.coalesce(func.sum(counted.c.passes), 0))).one()
        return read <= cap and passed <= narrow

    def _check_each(self, top: int) -> None:
        """The tickets below ``top`` that pass the filters, each checked for the term."""
        term = self.term
        candidates = select(Ticket.id, Ticket.subject).where(
            _visible(self.scope, self.form, below=top)
        ).cte("candidates").prefix_with("MATERIALIZED")
        contains = or_(term.contains(candidates.c.subject), exists().where(
            Message.ticket_id == candidates.c.id, term.contains(Message.body)))
        self.found += self.dbsession.execute(
            select(candidates.c.id).where(contains).order_by(candidates.c.id.desc())
            .limit(self.limit - len(self.found)), self.params).scalars().all()

    def _ask_fts5(self, match: str, bottom: int, top: int) -> None:
        """SQLite: the tickets from ``bottom`` to ``top`` (excluded) that the FTS5
        index finds for ``match``, read from it newest first (its rowids are in
        ticket order) and joined to the tickets to filter them,
        :data:`TEXTS_PER_TICKET` texts a statement for each ticket the page still
        needs (a ticket's subject and description often both contain the term; the
        index reads on while the filters leave texts out, so no more are read
        than the page needs)."""
        rowid = SEARCH_TEXT.c.rowid
        statement = (select(rowid)
                     .select_from(SEARCH_TEXT.join(Ticket, Ticket.id == rowid.op(">>")(32)))
                     .where(literal_column("search_text").op("MATCH")(bindparam("match")),
                            rowid >= bottom << 32, rowid < bindparam("bound"), self.visible)
                     .order_by(rowid.desc()).limit(bindparam("batch")))
        found = dict.fromkeys(self.found)
        bound = top << 32
        while len(found) < self.limit:
            batch = max(TEXTS_PER_TICKET * (self.limit - len(found)), 1)
            rowids = self.dbsession.execute(
                statement, {"match": match, "bound": bound, "batch": batch}).scalars().all()
            found.update((value >> 32, None) for value in rowids)
            if len(rowids) < batch:
                break
            bound = rowids[-1]
        self.found = list(found)

    def _read_range(self, bottom: int, top: int) -> int:
        """PostgreSQL: the tickets from ``bottom`` to ``top`` (excluded), their texts
        read by the id indexes and checked one by one; how many contain the term."""
        term = self.term
        texts = select(Ticket.id.label("ticket_id"), Ticket.subject.label("body")).where(
            _in_range(Ticket.id, bottom, top)).union_all(
            select(Message.ticket_id, Message.body).where(
                _in_range(Message.ticket_id, bottom, top))
        ).cte("texts").prefix_with("MATERIALIZED")
        matched = select(texts.c.ticket_id).where(term.contains(texts.c.body))
        rows = self.dbsession.execute(
            select(Ticket.id, self.visible).where(Ticket.id.in_(matched))
            .order_by(Ticket.id.desc()), self.params).all()
        self.found += [ticket_id for ticket_id, shown in rows if shown]
        return len(rows)

    def _ask_index(self, bottom: int, top: int) -> None:
        """PostgreSQL: the tickets from ``bottom`` to ``top`` (excluded) that pass
        the filters and contain the term, asked of the indexes (of trigrams, or of
        character pairs for a two-character term)."""
        term = self.term
        matched = select(Ticket.id).where(
            _in_range(Ticket.id, bottom, top), term.indexed(Ticket.subject),
        ).union(select(Message.ticket_id).where(
            _in_range(Message.ticket_id, bottom, top), term.indexed(Message.body)))
        self.found += self.dbsession.execute(
            select(Ticket.id).where(Ticket.id.in_(matched), self.visible)
            .order_by(Ticket.id.desc()).limit(self.limit - len(self.found)),
            self.params).scalars().all()

    def _ask_postgresql(self, top: int, containing: int) -> None:
        """PostgreSQL, below ``top`` (``containing``: how many of the newest
        :data:`FIRST_RANGE` tickets contain the term): for a term found in at least
        :data:`DENSE` of those, the next tickets read text by text too, as many as
        the page should still need at the rate found so far (a quarter more; at
        most :data:`READ_GROWTH` times as many as read so far), until
        :data:`READ_BUDGET` tickets have been read; then the trigram indexes,
        range by range, each :data:`RANGE_GROWTH` times wider (all the rest at once
        for a term none of the newest tickets contains: it is rare, and each range
        costs a statement and a reading of the term's lists in the index). A
        common term thus never makes the database read every text that contains
        it, as one bitmap of the whole index would, nor a rare one every text of
        the newest tickets."""
        read, bottom = FIRST_RANGE, top
        while containing >= DENSE and not self.full and bottom > 0 and read < READ_BUDGET:
            wanted = read * READ_GROWTH
            if self.found:
                wanted = (self.limit - len(self.found)) * read * 5 // (4 * len(self.found))
            width = min(max(wanted, FIRST_RANGE // 2), read * READ_GROWTH, READ_BUDGET - read)
            top, bottom = bottom, max(bottom - width, 0)
            self._read_range(bottom, top)
            read += width
        width = read if containing else bottom  # a rare term: the rest at once
        while not self.full and bottom > 0:
            width *= RANGE_GROWTH
            top, bottom = bottom, max(bottom - width, 0)
            self._ask_index(bottom, top)


def _in_range(column, bottom: int, top: int):
    return and_(column >= bottom, column < top) if bottom > 0 else column < top


def _newest_window(dbsession: Session, term: _Term, visible, params: dict,
                   limit: int) -> list[int]:
    """The newest ``limit`` tickets among the :data:`SHORT_TERM_SCAN` newest that
    contain the term, by two range scans (no index serves the term)."""
    since = dbsession.execute(select(Ticket.id).order_by(Ticket.id.desc())
                              .offset(SHORT_TERM_SCAN - 1).limit(1)).scalar() or 0
    recent = select(Ticket.id).where(Ticket.id >= since, term.contains(Ticket.subject)).union(
        select(Message.ticket_id).where(Message.ticket_id >= since,
                                        term.contains(Message.body)))
    return dbsession.execute(select(Ticket.id).where(Ticket.id.in_(recent), visible)
                             .order_by(Ticket.id.desc()).limit(limit), params).scalars().all()


def _page_statement(ids: list[int], visible) -> Select:
    holder = aliased(Person)
    return (
        select(Ticket.id, Ticket.number, Ticket.subject, Ticket.status, Ticket.updated_at,
               ServiceGroup.name, func.coalesce(func.nullif(holder.name, ""), holder.email))
        .outerjoin(holder, holder.id == Ticket.holder_person_id)
        .outerjoin(ServiceGroup, ServiceGroup.id == Ticket.holder_group_id)
        .where(Ticket.id.in_(ids), visible)
        .order_by(Ticket.id.desc())
    )


def _found_ids(dbsession: Session, term: _Term, scope: Scope, form: SearchForm,
               params: dict, limit: int) -> tuple[list[int], int | None]:
    """The ids of the newest ``limit`` tickets that pass the filters and contain the
    term, newest first, and how many newest tickets were searched when not all."""
    sqlite = term.dialect == "sqlite"
    match = None
    if sqlite and not form.is_short:
        match = _fts_phrase(form.q)
    elif sqlite and len(form.q) == TRIGRAM - 1:
        trigrams = _sqlite_expansion(dbsession, form.q)
        if trigrams == []:
            return [], None
        if trigrams is not None:
            match = " OR ".join(_fts_phrase(trigram) for trigram in trigrams)
    if match is None and (sqlite or len(form.q) < TRIGRAM - 1):
        return (_newest_window(dbsession, term, _visible(scope, form), params, limit),
                SHORT_TERM_SCAN)
    return _Finder(dbsession, term, scope, form, params, limit).ids(match), None


def search(dbsession: Session, scope: Scope, form: SearchForm,
           size: int = PAGE_SIZE) -> Results:
    """One page of the tickets the staff member may see that contain ``form.q``.

    When the filters (scope included) leave few tickets, those are read and each
    is checked for the term. Otherwise the tickets that contain
    the term are found newest first, and the filters checked on each, until a page
    is full. A term that no index serves searches the :data:`SHORT_TERM_SCAN`
    newest tickets."""
    term = _Term(form.q, dbsession.get_bind().dialect.name)
    params: dict[str, object] = {"pattern": like_pattern(form.q)}
    ids, newest_only = _found_ids(dbsession, term, scope, form, params, size + 1)
    rows = dbsession.execute(_page_statement(ids, _visible(scope, form))).all() if ids else []
    more = len(rows) > size
    rows = rows[:size]
    in_subject = {row[0] for row in rows if _first(form.q, row[2])}
    texts = _first_matches(dbsession, term, [row[0] for row in rows if row[0] not in in_subject],
                           params)
    hits = [Hit(*row, snippet=snippet(texts.get(row[0], row[2]), form.q)) for row in rows]
    return Results(hits, hits[-1].id if more else None, newest_only)


def _first_matches(dbsession: Session, term: _Term, ticket_ids: list[int],
                   params: dict) -> dict[int, str]:
    """For each ticket, the body of its first message containing the term: one
    lookup per ticket by ``(ticket_id, id)`` (the trigram index would read every
    message that contains a common term)."""
    if not ticket_ids:
        return {}
    first = (select(Message.body)
             .where(Message.ticket_id == Ticket.id, term.contains(Message.body))
             .order_by(Message.id).limit(1).scalar_subquery())
    return dict(dbsession.execute(select(Ticket.id, first).where(Ticket.id.in_(ticket_ids)),
                                  params).all())


def _first(term: str, content: str):
    """The first case-insensitive occurrence of ``term`` in ``content``, or ``None``."""
    return re.search(re.escape(term), content, re.IGNORECASE) if term else None


def snippet(content: str, term: str, context: int = SNIPPET_CONTEXT) -> tuple[str, str, str]:
    """``(before, match, after)`` around the first match of ``term`` in ``content``
    (case-insensitive), shortened with an ellipsis; the template escapes each part."""
    content = " ".join(content.split())
    found = _first(term, content)
    if found is None:
        return (content[:2 * context] + ("…" if len(content) > 2 * context else ""), "", "")
    start, end = found.span()
    before = content[max(0, start - context):start]
    after = content[end:end + context]
    return (("…" if start > context else "") + before, content[start:end],
            after + ("…" if end + context < len(content) else ""))
