"""A large, realistic helpdesk for the staff-list rows, loaded in bulk.

``load(engine, count)`` fills a freshly migrated database with service groups,
staff, requesters and ``count`` tickets, generated from a fixed seed so that every
run measures the same data. Tickets arrive one every few minutes up to now; the
newest :data:`RECENT` are a working mix (new, open, pending, resolved), and of the
older ones 99.5% are closed or resolved and 0.5% are stuck open or pending, so
the unresolved tickets grow with the table, as in a desk that forgets some.

PostgreSQL rows go in through ``COPY`` (then ``VACUUM ANALYZE``, as autovacuum
would do on a table of that age); SQLite rows through ``executemany`` in one
transaction (and no ``ANALYZE``, as ``helpdesk db upgrade`` leaves it).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, insert, text

SEED = 20261205
RECENT = 2000
GROUPS = ("First line", "Network", "Computing", "ERP", "Mail", "Printing", "Accounts",
          "Security", "Software")
AGENTS_PER_GROUP = 4
REQUESTERS = 500
FIRST_LINE_LOGIN = "firstline@bench.example.org"
AGENT_LOGIN = "agent@bench.example.org"  # a member of Network
PASSWORD = "bench-password"

PRIORITIES = (("low", 15), ("normal", 65), ("high", 15), ("urgent", 5))
RECENT_STATUSES = (("new", 10), ("open", 35), ("pending", 10), ("resolved", 20),
                   ("closed", 25))
OLD_STATUSES = (("closed", 950), ("resolved", 45), ("open", 3), ("pending", 2))
CHANNELS = (("web", 50), ("email", 35), ("staff", 15))
CATEGORIES = ("general", "network", "computing", "accounts", "software", "hardware")

TICKET_COLUMNS = ("id", "number", "subject", "description", "status", "priority", "category",
                  "channel", "requester_id", "holder_group_id", "holder_person_id",
                  "held_since", "nudge_count", "created_at", "updated_at",
                  "first_response_at", "resolved_at", "closed_at", "version")


@dataclass(frozen=True)
class Desk:
    """The ids the generator hands out tickets to."""

    group_ids: list[int]  # the first line first
    members: dict[int, list[int]]  # group id -> agent ids
    requester_ids: list[int]


def _weighted(rng: random.Random, choices) -> str:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights)[0]


def create_people(engine: Engine, settings) -> Desk:
    """Groups, their agents (two of whom can log in) and the requesters."""
    import transaction

    from pyramid_helpdesk.db import get_session_factory, get_tm_session
    from pyramid_helpdesk.groups.models import GroupMembership
    from pyramid_helpdesk.groups.services import create_group
    from pyramid_helpdesk.people.models import Person, Role
    from pyramid_helpdesk.people.services import create_person

    manager = transaction.TransactionManager(explicit=True)
    with manager:
        dbsession = get_tm_session(get_session_factory(engine), manager)
        groups = [create_group(dbsession, name, first_line=index == 0)
                  for index, name in enumerate(GROUPS)]
        profile = settings.password_argon2_profile
        members: dict[int, list[int]] = {}
        for index, group in enumerate(groups):
            agents = [Person(email=f"agent-{index}-{n}@bench.example.org",
                             name=f"Agent {index}-{n}", role=Role.agent, profile_completed=True)
                      for n in range(AGENTS_PER_GROUP)]
            dbsession.add_all(agents)
            dbsession.flush()
            members[group.id] = [agent.id for agent in agents]
        for login, group in ((FIRST_LINE_LOGIN, groups[0]), (AGENT_LOGIN, groups[1])):
            person = create_person(dbsession, login, name=login.split("@")[0].title(),
                                   role=Role.agent, password=PASSWORD, password_profile=profile,
                                   profile_completed=True)
            members[group.id].append(person.id)
        dbsession.add_all(GroupMembership(group_id=group_id, person_id=person_id)
                          for group_id, people in members.items() for person_id in people)
        requesters = [Person(email=f"requester-{n}@bench.example.org", name=f"Requester {n}",
                             profile_completed=True) for n in range(REQUESTERS)]
        dbsession.add_all(requesters)
        dbsession.flush()
        desk = Desk([g.id for g in groups], members, [r.id for r in requesters])
    return desk


def ticket_rows(count: int, desk: Desk, now: datetime, number_format: str, seed: int = SEED):
    """``count`` ticket rows (tuples in :data:`TICKET_COLUMNS` order), oldest first."""
    rng = random.Random(seed)
    first_line = desk.group_ids[0]
    minute = timedelta(minutes=1)
    for index in range(count):
        ticket_id = index + 1
        age = count - index
        created = now - age * rng.uniform(2.0, 6.0) * minute - rng.uniform(0, 60) * minute
        status = _weighted(rng, RECENT_STATUSES if age <= RECENT else OLD_STATUSES)
        group, person = first_line, None
        if status != "new":
            group = rng.choice(desk.group_ids) if rng.random() < 0.8 else first_line
            if rng.random() < 0.5:
                person = rng.choice(desk.members[group])
        updated = min(now, created + rng.uniform(0, 72 * 60) * minute)
        held = created + (updated - created) * rng.random()
        done = status in ("resolved", "closed")
        yield (
            ticket_id, number_format.format(id=ticket_id, year=created.year),
            f"Bench ticket {ticket_id}: {rng.choice(CATEGORIES)} problem", "",
            status, _weighted(rng, PRIORITIES), rng.choice(CATEGORIES),
            _weighted(rng, CHANNELS), rng.choice(desk.requester_ids), group, person,
            held, rng.choice((0, 0, 0, 1, 2)), created, updated,
            None if status == "new" else held, updated if done else None,
            updated if status == "closed" else None, 1,
        )


def load(engine: Engine, settings, count: int, now: datetime | None = None) -> Desk:
    """Fill the (freshly migrated, empty) database at ``engine`` with ``count`` tickets."""
    now = now or datetime.now(timezone.utc)
    desk = create_people(engine, settings)
    rows = ticket_rows(count, desk, now, settings.ticket_number_format)
    if engine.dialect.name == "postgresql":
        _copy_postgresql(engine, rows)
    else:
        _insert_sqlite(engine, rows)
    return desk


def _copy_postgresql(engine: Engine, rows) -> None:
    columns = ", ".join(TICKET_COLUMNS)
    with engine.begin() as connection:
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY tickets ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        connection.execute(text("SELECT setval('tickets_id_seq', (SELECT max(id) FROM tickets))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE tickets"))


def _insert_sqlite(engine: Engine, rows, batch: int = 5000) -> None:
    from pyramid_helpdesk.tickets.models import Ticket

    table = Ticket.__table__
    with engine.begin() as connection:
        chunk: list[dict] = []
        for row in rows:
            chunk.append(dict(zip(TICKET_COLUMNS, row, strict=True)))
            if len(chunk) >= batch:
                connection.execute(insert(table), chunk)
                chunk = []
        if chunk:
            connection.execute(insert(table), chunk)


# -- text for the search rows (bench/search.py) ---------------------------------------

#: (subject, what the requester writes) in Chinese and English, mixed as a desk gets them.
PROBLEMS = (
    ("打印机无法打印", "三楼的打印机一直卡纸，打印队列里的文件都发不出去。"),
    ("VPN 连接不上", "在家里用 VPN 连接校园网，输入密码后一直显示正在连接。"),
    ("邮箱满了收不到邮件", "我的邮箱提示空间已满，别人发给我的邮件都被退回了。"),
    ("网络很慢", "实验室的网络从今天早上开始很慢，打开网页要等一分钟。"),
    ("忘记密码", "统一身份认证的密码忘记了，无法登录选课系统。"),
    ("申请软件安装", "需要在办公电脑上安装 MATLAB，请帮忙授权。"),
    ("Printer offline", "The printer on floor 2 shows offline although it is switched on."),
    ("Cannot connect to Wi-Fi", "My laptop sees the campus Wi-Fi but fails to obtain an IP "
                                "address."),
    ("Password reset", "I forgot my password and the reset link in the e-mail has expired."),
    ("Mailbox quota exceeded", "Outlook says my mailbox is over quota; please raise the limit."),
    ("投影仪没有信号", "报告厅的投影仪接上笔记本后显示无信号，HDMI 线已经换过。"),
    ("Request a new monitor", "The monitor in room 305 flickers; could we get a replacement?"),
    ("ERP 系统报错", "提交报销单时 ERP 系统弹出错误，提示会话已过期。"),
    ("Shared drive not accessible", "The department share cannot be reached since this "
                                    "morning: access denied."),
    ("电脑中了病毒", "杀毒软件报告发现病毒，电脑运行很慢，桌面文件打不开。"),
    ("IP 地址冲突", "电脑提示 IP 地址冲突，网络时断时续。"),
)

#: What staff answer and note, in both languages.
ANSWERS = (
    "已经重启了打印服务，请再试一次。",
    "请清除浏览器缓存后重新登录。",
    "We replaced the toner and cleared the paper jam.",
    "Please try again now: the account was unlocked.",
    "已将邮箱容量提高到 10 GB。",
    "The switch port was reset; the connection should be stable again.",
    "内部备注：供应商下周一上门维修。",
    "Internal note: waiting for the vendor's replacement part.",
    "请提供错误截图和电脑的资产编号。",
    "Could you send a screenshot of the error message?",
)


def _problem_text(rng: random.Random, ticket_id: int) -> tuple[str, str]:
    """A subject and a description; some carry a code that occurs a few times only."""
    subject, description = rng.choice(PROBLEMS)
    if rng.random() < 0.3:
        description += f" 错误代码 E{rng.randrange(100000):05d}，工单 {ticket_id}。"
    return subject, description


def search_ticket_rows(count: int, desk: Desk, now: datetime, number_format: str,
                       seed: int = SEED):
    """The rows of :func:`ticket_rows` with realistic Chinese and English subjects
    and descriptions (index 2 and 3 of each row)."""
    rng = random.Random(seed + 1)
    for row in ticket_rows(count, desk, now, number_format, seed):
        subject, description = _problem_text(rng, row[0])
        yield (*row[:2], subject, description, *row[4:])


MESSAGE_COLUMNS = ("id", "ticket_id", "kind", "author_id", "body", "created_at")


def message_rows(tickets, desk: Desk, seed: int = SEED):
    """For each ticket row, its description as the first message, then 0-3 replies
    and internal notes by an agent (tuples in :data:`MESSAGE_COLUMNS` order)."""
    rng = random.Random(seed + 2)
    agents = [agent for members in desk.members.values() for agent in members]
    message_id = 0
    for row in tickets:
        ticket_id, description, requester, created = row[0], row[3], row[8], row[13]
        message_id += 1
        yield message_id, ticket_id, "public", requester, description, created
        for n in range(rng.choice((0, 1, 1, 2, 3))):
            message_id += 1
            kind = "internal" if rng.random() < 0.3 else "public"
            yield (message_id, ticket_id, kind, rng.choice(agents), rng.choice(ANSWERS),
                   created + timedelta(minutes=10 * (n + 1)))


def load_with_messages(engine: Engine, settings, count: int,
                       now: datetime | None = None) -> Desk:
    """Like :func:`load`, with the text of :func:`search_ticket_rows` and the
    conversation of :func:`message_rows` (through the search index's triggers on
    SQLite; ``pg_trgm`` GIN indexes updated by the COPY on PostgreSQL)."""
    now = now or datetime.now(timezone.utc)
    desk = create_people(engine, settings)
    def tickets():  # generated twice (the same rows) rather than kept in memory
        return search_ticket_rows(count, desk, now, settings.ticket_number_format)

    if engine.dialect.name == "postgresql":
        _copy_postgresql(engine, tickets())
        _copy_messages_postgresql(engine, message_rows(tickets(), desk))
    else:
        _insert_sqlite(engine, tickets())
        _insert_messages_sqlite(engine, message_rows(tickets(), desk))
    return desk


def _copy_messages_postgresql(engine: Engine, rows) -> None:
    columns = ", ".join(MESSAGE_COLUMNS)
    with engine.begin() as connection:
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY messages ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        connection.execute(text("SELECT setval('messages_id_seq', (SELECT max(id) FROM messages))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE messages"))


def _insert_messages_sqlite(engine: Engine, rows, batch: int = 5000) -> None:
    from pyramid_helpdesk.tickets.models import Message

    table = Message.__table__
    with engine.begin() as connection:
        chunk: list[dict] = []
        for row in rows:
            chunk.append(dict(zip(MESSAGE_COLUMNS, row, strict=True)))
            if len(chunk) >= batch:
                connection.execute(insert(table), chunk)
                chunk = []
        if chunk:
            connection.execute(insert(table), chunk)


# -- a million tickets with their messages (bench/search.py --million) -------------------

def bulk_load_with_messages(engine: Engine, settings, count: int,
                            now: datetime | None = None) -> Desk:
    """The rows of :func:`load_with_messages`, loaded fast enough for 1,000,000
    tickets (3.4 million texts): the secondary indexes of ``tickets`` and
    ``messages`` are dropped for the load and built again after it, one sort each
    instead of millions of random insertions (whatever the migrations made them:
    they are read from the database's catalog). PostgreSQL: ``COPY`` with the
    tables' triggers off (foreign keys: the rows are consistent by construction;
    migration 0014's report summary, which the search never reads, stays empty),
    the indexes built with 1 GB of ``maintenance_work_mem``, then ``VACUUM ANALYZE``.
    SQLite: the DB-API ``executemany`` of plain tuples in one transaction with
    ``synchronous=OFF``; the search index's triggers stay, so the FTS5 table is
    filled as the app fills it (no ``optimize``), and no ``ANALYZE``."""
    now = now or datetime.now(timezone.utc)
    desk = create_people(engine, settings)

    def tickets():  # generated twice (the same rows) rather than kept in memory
        return search_ticket_rows(count, desk, now, settings.ticket_number_format)

    if engine.dialect.name == "postgresql":
        _bulk_postgresql(engine, tickets(), message_rows(tickets(), desk))
    else:
        _bulk_sqlite(engine, tickets(), message_rows(tickets(), desk))
    return desk


BULK_TABLES = ("tickets", "messages")


def _bulk_postgresql(engine: Engine, tickets, messages) -> None:
    with engine.begin() as connection:
        indexes = connection.execute(text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(:tables) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"),
            {"tables": list(BULK_TABLES)}).all()
        for name, _ in indexes:
            connection.execute(text(f'DROP INDEX "{name}"'))
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        cursor = connection.connection.driver_connection.cursor()
        for table, columns, rows in (("tickets", TICKET_COLUMNS, tickets),
                                     ("messages", MESSAGE_COLUMNS, messages)):
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            connection.execute(text(f"SELECT setval('{table}_id_seq', "
                                    f"(SELECT max(id) FROM {table}))"))
        connection.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
        for _, definition in indexes:
            connection.execute(text(definition))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in BULK_TABLES:
            connection.execute(text(f"VACUUM ANALYZE {table}"))


def _sqlite_value(value):
    """What SQLAlchemy stores on SQLite for ``value`` (naive UTC times)."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _bulk_sqlite(engine: Engine, tickets, messages, batch: int = 10_000) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = OFF")  # consistent by construction
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.execute("PRAGMA cache_size = -512000")  # 512 MB
        cursor.execute("BEGIN")
        marks = ", ".join("?" * len(BULK_TABLES))
        indexes = cursor.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks})", BULK_TABLES).fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        for table, columns, rows in (("tickets", TICKET_COLUMNS, tickets),
                                     ("messages", MESSAGE_COLUMNS, messages)):
            statement = (f"INSERT INTO {table} ({', '.join(columns)}) "
                         f"VALUES ({', '.join('?' * len(columns))})")
            chunk: list[tuple] = []
            for row in rows:
                chunk.append(tuple(_sqlite_value(value) for value in row))
                if len(chunk) >= batch:
                    cursor.executemany(statement, chunk)
                    chunk = []
            cursor.executemany(statement, chunk)
        for _, definition in indexes:
            cursor.execute(definition)
        cursor.execute("COMMIT")
    finally:
        raw.close()
