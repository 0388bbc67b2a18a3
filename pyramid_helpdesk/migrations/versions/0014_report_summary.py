"""the reports' summary: counts per UTC day and per month, kept by triggers

``report_changes`` gets a row per change of what a ticket or a rating counts
towards, written by triggers on ``tickets`` (insert; update of the columns the
reports read) and ``ratings`` (insert; update of score or date), so every writer
keeps it (the services, Core bulk inserts, a hand-written UPDATE). ``helpdesk
worker`` adds the changes up into ``report_days`` and ``report_months``. The figures
(one ``SELECT`` below per figure) are those of ``pyramid_helpdesk/reports/summary.py``,
written here once more as SQL so that this revision stays what it was; the tests
check that both agree. The tables are filled from the rows already there.

Tickets are never deleted (drafts, which count nowhere, excepted): there are no
delete triggers. A later SQLite migration that copies ``tickets`` or ``ratings``
(``batch_alter_table`` with a table copy) drops these triggers and must create them
again (``create_triggers`` below), as for the search triggers of 0009.

Also two indexes of ``tickets`` for the percentiles: (business seconds, moment).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 15:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

#: The columns whose change can change what a ticket counts towards.
TICKET_COLUMNS = ('status', 'created_at', 'channel', 'category', 'holder_group_id',
                  'resolved_at', 'due_at', 'first_response_business_seconds',
                  'resolution_business_seconds')
RATING_COLUMNS = ('score', 'created_at')
INDEXES = {
    'ix_tickets_first_response_seconds': ['first_response_business_seconds', 'created_at'],
    'ix_tickets_resolution_seconds': ['resolution_business_seconds', 'resolved_at'],
}
#: Durations below this are counted exactly; above, in 32 buckets per power of two.
EXACT_BELOW = 64


def _bucket(value: str) -> str:
    """SQL: the lower bound of ``value``'s bucket (see summary.bucket_of)."""
    steps = " ".join(f"WHEN {value} < {1 << (bits + 1)} THEN ({value} >> {bits - 5}) << {bits - 5}"
                     for bits in range(6, 31))
    return f"CASE WHEN {value} < {EXACT_BELOW} THEN {value} {steps} ELSE {value} END"


def _day(sqlite: bool, moment: str) -> str:
    return f"date({moment})" if sqlite else f"CAST(({moment} AT TIME ZONE 'UTC') AS DATE)"


def _text(value: str) -> str:
    return f"COALESCE(CAST({value} AS VARCHAR(64)), '')"


def ticket_facts(row: str):
    """(figure, moment column, item, condition) of a ticket ``row`` (an alias)."""
    submitted = f"{row}.status <> 'draft'"
    group = _text(f"{row}.holder_group_id")
    return (
        ('channel', 'created_at', f"{row}.channel", submitted),
        ('category', 'created_at', f"COALESCE({row}.category, '')", submitted),
        ('group', 'created_at', group, submitted),
        ('target', 'resolved_at', group, f"{row}.due_at IS NOT NULL"),
        ('within', 'resolved_at', group, f"{row}.resolved_at <= {row}.due_at"),
        ('first_response', 'created_at', _text(_bucket(f"{row}.first_response_business_seconds")),
         f"{row}.first_response_business_seconds IS NOT NULL"),
        ('resolution', 'resolved_at', _text(_bucket(f"{row}.resolution_business_seconds")),
         f"{row}.resolution_business_seconds IS NOT NULL"),
    )


def rating_facts(row: str):
    return (('rating', 'created_at', _text(f"{row}.score"), "1 = 1"),)


def _selects(sqlite: bool, facts, row: str, sign: int, source: str = "") -> list[str]:
    return [f"SELECT '{figure}' AS figure, {_day(sqlite, f'{row}.{moment}')} AS day, "
            f"{item} AS item, {sign} AS n{source} "
            f"WHERE {row}.{moment} IS NOT NULL AND {condition}"
            for figure, moment, item, condition in facts]


def _append(sqlite: bool, facts, changed: bool) -> str:
    """The INSERT of a trigger: +1 for what NEW counts towards (and -1 for OLD)."""
    new, old = ("new", "old") if sqlite else ("NEW", "OLD")
    selects = _selects(sqlite, facts(new), new, 1)
    if changed:
        selects += _selects(sqlite, facts(old), old, -1)
    return ("INSERT INTO report_changes (figure, day, item, total) "
            "SELECT figure, day, item, sum(n) FROM ("
            + " UNION ALL ".join(selects)
            + ") AS facts GROUP BY figure, day, item"
            + (" HAVING sum(n) <> 0" if changed else ""))


def _differs(sqlite: bool, columns) -> str:
    """The WHEN of an update trigger: a column that matters changed."""
    new, old = ("new", "old") if sqlite else ("NEW", "OLD")
    differs = "IS NOT" if sqlite else "IS DISTINCT FROM"
    tests = []
    for column in columns:
        if column == 'status':  # only leaving or entering 'draft' matters
            tests.append(f"({old}.status = 'draft') {differs} ({new}.status = 'draft')")
        else:
            tests.append(f"{old}.{column} {differs} {new}.{column}")
    return " OR ".join(tests)


TABLES = {'tickets': (ticket_facts, TICKET_COLUMNS), 'ratings': (rating_facts, RATING_COLUMNS)}


def create_triggers():
    """The triggers (and on PostgreSQL their functions) that append to report_changes."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, (facts, columns) in TABLES.items():
        singular = table[:-1]
        if sqlite:
            op.execute(f"CREATE TRIGGER report_{singular}_insert AFTER INSERT ON {table} "
                       f"BEGIN {_append(True, facts, False)}; END")
            op.execute(f"CREATE TRIGGER report_{singular}_update "
                       f"AFTER UPDATE OF {', '.join(columns)} ON {table} "
                       f"WHEN {_differs(True, columns)} "
                       f"BEGIN {_append(True, facts, True)}; END")
            continue
        op.execute(f"""
            CREATE FUNCTION report_{singular}_changed() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    {_append(False, facts, False)};
                ELSE
                    {_append(False, facts, True)};
                END IF;
                RETURN NULL;
            END $$""")
        op.execute(f"CREATE TRIGGER report_{singular}_insert AFTER INSERT ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION report_{singular}_changed()")
        op.execute(f"CREATE TRIGGER report_{singular}_update "
                   f"AFTER UPDATE OF {', '.join(columns)} ON {table} FOR EACH ROW "
                   f"WHEN ({_differs(False, columns)}) "
                   f"EXECUTE FUNCTION report_{singular}_changed()")


def drop_triggers():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in TABLES:
        singular = table[:-1]
        for kind in ('update', 'insert'):
            op.execute(f"DROP TRIGGER report_{singular}_{kind}"
                       + ("" if sqlite else f" ON {table}"))
        if not sqlite:
            op.execute(f"DROP FUNCTION report_{singular}_changed()")


def fill():
    """Count the rows already there into report_days and report_months."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, (facts, _columns) in TABLES.items():
        for select in _selects(sqlite, facts(table), table, 1, f" FROM {table}"):
            op.execute("INSERT INTO report_days (figure, day, item, total) "
                       f"SELECT figure, day, item, count(*) FROM ({select}) AS facts "
                       "GROUP BY figure, day, item")
    month = "date(day, 'start of month')" if sqlite \
        else "CAST(date_trunc('month', day) AS DATE)"
    op.execute("INSERT INTO report_months (figure, month, item, total) "
               f"SELECT figure, {month}, item, sum(total) FROM report_days "
               f"GROUP BY figure, {month}, item")


def upgrade():
    for name in ('report_days', 'report_months'):
        moment = 'day' if name == 'report_days' else 'month'
        op.create_table(
            name,
            sa.Column('figure', sa.String(length=16), nullable=False),
            sa.Column(moment, sa.Date(), nullable=False),
            sa.Column('item', sa.String(length=64), nullable=False),
            sa.Column('total', sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint('figure', moment, 'item', name=op.f(f'pk_{name}')),
        )
    op.create_table(
        'report_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('figure', sa.String(length=16), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('item', sa.String(length=64), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_changes')),
    )
    op.create_index('ix_report_changes_figure_day', 'report_changes', ['figure', 'day'],
                    unique=False)
    for name, columns in INDEXES.items():
        op.create_index(name, 'tickets', columns, unique=False)
    fill()
    create_triggers()


def downgrade():
    drop_triggers()
    for name in INDEXES:
        op.drop_index(name, table_name='tickets')
    op.drop_index('ix_report_changes_figure_day', table_name='report_changes')
    op.drop_table('report_changes')
    op.drop_table('report_months')
    op.drop_table('report_days')
