"""Full-text search for staff: ticket subjects and messages, Chinese and English.

Chinese has no spaces between words, so the text is indexed by trigrams
(migration 0009), which find any substring of three characters or more:

- **SQLite**: the FTS5 table ``search_text`` (trigram tokenizer), one row per
  subject and per message, keyed ``ticket_id << 32 | message_id``. A term of
  three characters or more is an FTS5 phrase. A term of **two** characters
  (网络, 打印, 邮箱, IP) is not a trigram, but every occurrence of it starts one
  (each indexed text ends with a mark), so the table's vocabulary lists the
  trigrams that start with it and the query asks for any of them: exact, and
  served by the index.
- **PostgreSQL**: ``pg_trgm`` GIN indexes on ``tickets.subject`` and
  ``messages.body``, asked with ``ILIKE``. ``pg_trgm`` extracts no trigram from
  a two-character pattern (EXPLAIN shows a full scan), so a term of one or two
  characters there, and a one-character term on SQLite, searches only the
  :data:`SHORT_TERM_SCAN` newest tickets, and the page says so.

Results are tickets, newest (highest id) first, 25 a page, keyed by the id of
the last one shown; drafts are never found; agents who do not supervise find
only tickets held by themselves or their groups (:class:`~.resources.Scope`).
Internal notes are searched too: this is the staff's search.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Mapping

from sqlalchemy import Select, and_, bindparam, func, or_, select, text
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
#: How many of the newest tickets PostgreSQL reads first, for a common term.
COMMON_TERM_WINDOW = 2_000
#: At most this many trigrams stand for a two-character term on SQLite.
MAX_EXPANSION = 2_000
SNIPPET_CONTEXT = 40  # characters shown on each side of the match
#: Characters that never reach the index's queries (the index's end mark among them).
CONTROL = re.compile(r"[\x00-\x1f\x7f]")

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


def _indexed_ticket_ids(dialect: str, after: int | None):
    """Ids of tickets whose subject or messages contain the term, by the index
    (bound parameters: ``match`` and ``bound`` on SQLite, ``pattern`` on PostgreSQL)."""
    if dialect == "sqlite":
        below = "AND rowid < :bound" if after is not None else ""
        return select(text(f"DISTINCT rowid >> 32 FROM search_text "
                           f"WHERE search_text MATCH :match {below}"))
    pattern = bindparam("pattern")
    return select(Ticket.id).where(Ticket.subject.ilike(pattern, escape="\\")).union(
        select(Message.ticket_id).where(Message.body.ilike(pattern, escape="\\")))


def _like(column, dialect: str):
    """``column`` contains the term (bound parameter ``pattern``), ignoring case where
    the database can (SQLite's LIKE folds ASCII letters only)."""
    pattern = bindparam("pattern")
    return column.ilike(pattern, escape="\\") if dialect == "postgresql" \
        else column.like(pattern, escape="\\")


def _recent_ticket_ids(dialect: str, since):
    """Ids of tickets from id ``since`` on whose subject or messages contain the term:
    two range scans (a correlated EXISTS in an OR would read every message)."""
    return select(Ticket.id).where(Ticket.id >= since, _like(Ticket.subject, dialect)).union(
        select(Message.ticket_id).where(Message.ticket_id >= since,
                                        _like(Message.body, dialect)))


def _visible(scope: Scope, form: SearchForm):
    """The tickets the staff member may find, with the form's filters."""
    conditions = [Ticket.status.in_(form.statuses)]
    if not scope.sees_everything:
        own = Ticket.holder_person_id == scope.person_id
        conditions.append(or_(own, Ticket.holder_group_id.in_(scope.group_ids))
                          if scope.group_ids else own)
    if form.priority:
        conditions.append(Ticket.priority == Priority(form.priority))
    if form.category:
        conditions.append(Ticket.category == form.category)
    if form.channel:
        conditions.append(Ticket.channel == form.channel)
    if form.group is not None:
        conditions.append(Ticket.holder_group_id == form.group)
    if form.after is not None:
        conditions.append(Ticket.id < form.after)
    return and_(*conditions)


def _page_statement(condition, size: int) -> Select:
    holder = aliased(Person)
    return (
        select(Ticket.id, Ticket.number, Ticket.subject, Ticket.status, Ticket.updated_at,
               ServiceGroup.name, func.coalesce(func.nullif(holder.name, ""), holder.email))
        .outerjoin(holder, holder.id == Ticket.holder_person_id)
        .outerjoin(ServiceGroup, ServiceGroup.id == Ticket.holder_group_id)
        .where(condition)
        .order_by(Ticket.id.desc())
        .limit(size + 1)
    )


def _newest_below(after: int | None, count: int):
    """The lowest id of the ``count`` newest tickets (below ``after``), or 0."""
    newest = select(Ticket.id).order_by(Ticket.id.desc())
    if after is not None:
        newest = newest.where(Ticket.id < after)
    return func.coalesce(newest.offset(count - 1).limit(1).scalar_subquery(), 0)


def _matching(dbsession: Session, dialect: str, form: SearchForm, params: dict):
    """``(conditions on tickets, newest_only)`` for the term, adding their bound
    values to ``params``: each condition finds the term, the first ones cheaply in
    the newest tickets only (a page they fill is the right page), the last one in
    all; ``([], None)`` when the index shows that no text contains it."""
    match = None
    if dialect == "sqlite" and not form.is_short:
        match = _fts_phrase(form.q)
    elif dialect == "sqlite" and len(form.q) == TRIGRAM - 1:
        trigrams = _sqlite_expansion(dbsession, form.q)
        if trigrams == []:
            return [], None
        if trigrams is not None:
            match = " OR ".join(_fts_phrase(trigram) for trigram in trigrams)
    if match is not None:
        params["match"] = match
        if form.after is not None:
            params["bound"] = form.after << 32
        return [Ticket.id.in_(_indexed_ticket_ids(dialect, form.after))], None
    if dialect == "postgresql" and not form.is_short:
        # A common term fills a page from the newest tickets; the GIN bitmap would
        # read and sort every ticket that contains it.
        recent = _recent_ticket_ids(dialect, _newest_below(form.after, COMMON_TERM_WINDOW))
        return [Ticket.id.in_(recent), Ticket.id.in_(_indexed_ticket_ids(dialect, form.after))
                ], None
    oldest = _newest_below(None, SHORT_TERM_SCAN)
    return [Ticket.id.in_(_recent_ticket_ids(dialect, oldest))], SHORT_TERM_SCAN


def search(dbsession: Session, scope: Scope, form: SearchForm,
           size: int = PAGE_SIZE) -> Results:
    """One page of the tickets the staff member may see that contain ``form.q``."""
    dialect = dbsession.get_bind().dialect.name
    pattern = like_pattern(form.q)
    params: dict[str, object] = {"pattern": pattern}
    conditions, newest_only = _matching(dbsession, dialect, form, params)
    rows = []
    for found in conditions:
        rows = dbsession.execute(_page_statement(and_(found, _visible(scope, form)), size),
                                 params).all()
        if len(rows) > size:
            break
    more = len(rows) > size
    rows = rows[:size]
    in_subject = {row[0] for row in rows if _first(form.q, row[2])}
    texts = _first_matches(dbsession, [row[0] for row in rows if row[0] not in in_subject],
                           pattern, dialect)
    hits = [Hit(*row, snippet=snippet(texts.get(row[0], row[2]), form.q)) for row in rows]
    return Results(hits, hits[-1].id if more else None, newest_only)


def _first_matches(dbsession: Session, ticket_ids: list[int], pattern: str,
                   dialect: str) -> dict[int, str]:
    """For each ticket, the body of its first message containing the term: one
    lookup per ticket by ``(ticket_id, id)`` (the trigram index would read every
    message that contains a common term)."""
    if not ticket_ids:
        return {}
    first = (select(Message.body)
             .where(Message.ticket_id == Ticket.id, _like(Message.body, dialect))
             .order_by(Message.id).limit(1).scalar_subquery())
    return dict(dbsession.execute(select(Ticket.id, first).where(Ticket.id.in_(ticket_ids)),
                                  {"pattern": pattern}).all())


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
