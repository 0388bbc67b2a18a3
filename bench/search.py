"""Staff search latency: Chinese and English terms as the ticket table grows.

For each size (10,000 and 100,000 tickets by default; 1,000,000 with
``--million``, on PostgreSQL only), a freshly migrated database is filled by
``bench/staffdata.py`` (``load_with_messages``: mixed Chinese and English
subjects, descriptions, replies and internal notes, 2.7 messages a ticket), and
the search page is fetched through WebTest (the whole Pyramid stack) for each
term of :data:`QUERIES`: three or more characters and two characters, common and
rare, by a first-line member (every ticket) and by a second-line agent (the
tickets of their group). Every answer must be a 200 with at least one result;
anything else is an error, not a sample. The measuring is
``bench/pagebench.py``'s; this module says what is measured.

Run with ``python -m bench.search`` (``--help``); ``--postgresql URL`` adds
PostgreSQL, in throwaway databases named after the one given (whose name must
contain ``bench``), dropped afterwards.
"""
from __future__ import annotations

import sys
from urllib.parse import urlencode

from . import pagebench
from .pagebench import MILLION, Page, PageBench, PageRow
from .staffdata import AGENT_LOGIN, FIRST_LINE_LOGIN, load_with_messages

SIZES = (10_000, 100_000)
TARGET_P95_MS = {MILLION: 100.0}  # TARGETS.md: full-text search at 1,000,000 tickets
#: (key, label, who, query string)
QUERIES = (
    ("zh3_common", "zh 打印机 (3, common)", FIRST_LINE_LOGIN, {"q": "打印机"}),
    ("zh3_rare", "zh E012 (4, rare)", FIRST_LINE_LOGIN, {"q": "E012"}),
    ("zh2_common", "zh 网络 (2, common)", FIRST_LINE_LOGIN, {"q": "网络"}),
    ("zh2_other", "zh 投影 (2)", FIRST_LINE_LOGIN, {"q": "投影"}),
    ("en3_common", "en password (8, common)", FIRST_LINE_LOGIN, {"q": "password"}),
    ("en2", "en IP (2)", FIRST_LINE_LOGIN, {"q": "IP"}),
    ("zh3_filtered", "zh 打印机 + urgent + unresolved", FIRST_LINE_LOGIN,
     {"q": "打印机", "priority": "urgent", "status": "active"}),
    ("zh3_agent", "zh 打印机, agent", AGENT_LOGIN, {"q": "打印机"}),
    ("en3_agent", "en toner, agent", AGENT_LOGIN, {"q": "toner"}),
)


def has_results(html: str) -> str | None:
    """``None`` when the search page shows a result, else ``"no results"``."""
    return None if 'class="search-hit-head"' in html else "no results"


def load_tickets(registry, size: int) -> dict:
    """``size`` tickets with their messages (the paths name nothing)."""
    load_with_messages(registry["dbengine"], registry.helpdesk_settings, size)
    return {}


def verdicts(rows: list[PageRow]) -> list[str]:
    """The TARGETS.md line (p95 at 1,000,000 tickets on PostgreSQL), per query."""
    lines = []
    for row in rows:
        goal = TARGET_P95_MS.get(row.size)
        if goal is None or row.database != "postgresql":
            continue
        p95 = row.figures.p95_ms
        lines.append(f"{row.label}: p95 {p95:.1f} ms (target <= {goal:g} ms: "
                     + ("meets target)" if p95 <= goal else "ABOVE target)"))
    return lines


BENCH = PageBench(
    name="staff search", prefix="search", load=load_tickets,
    pages=tuple(Page(key, f"search {label}", login, "/staff/search?" + urlencode(params),
                     has_results)
                for key, label, login, params in QUERIES),
    sizes=SIZES, verdicts=verdicts)


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.search``."""
    return pagebench.main(BENCH, argv, module="search", doc=__doc__, requests=100, warmup=10,
                          url_option="--postgresql", url_environment=None)


if __name__ == "__main__":
    sys.exit(main())
