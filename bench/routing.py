"""The ``rules`` strategy: routing decision time per ticket with 100 rules.

A rules file of 100 rules is written to a temporary directory: keyword lists in
English and Chinese, regular expressions, categories, channels, requester
domains and departments, as an institute writes them. Nearly every ticket is
matched only by one of the last five rules, so each decision tries some 95
rules first (the slow case). The tickets are realistic Chinese and English
subjects and bodies.

Each sample is one decision as the strategy makes it before the database
lookup of the chosen group: the file's identity checked (one ``os.stat``), the
ticket's facts computed (its text lower-cased once), and the rules tried in
order. The group lookup that follows is one indexed query, measured with the
ticket-creation rows of ``make bench``. A second row times the matching alone.

Run with ``python -m bench.routing`` (``--help``). Figures are microseconds.
"""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from helpdesk_rules.book import RuleBook
from helpdesk_rules.rules import TicketFacts

CATEGORIES = ("general", "network", "computing", "accounts", "software", "hardware")
TOPICS = [  # (name, keywords) of the rules that should not match the measured tickets
    ("printer", ["printer", "toner", "打印机", "硒鼓"]), ("mail", ["mailbox", "outlook", "邮箱"]),
    ("erp", ["erp", "报销", "采购单"]), ("phone", ["telephone", "座机", "分机"]),
    ("projector", ["projector", "投影仪", "会议室"]), ("badge", ["badge", "门禁", "一卡通"]),
    ("storage", ["quota", "存储空间", "网盘"]), ("hpc", ["slurm", "cluster", "计算节点"]),
    ("license", ["license", "许可证", "激活码"]), ("backup", ["backup", "restore", "备份"]),
]
SUBJECTS = [
    ("三号楼无线网络连不上，提示身份验证失败", "今天早上开始笔记本和手机都连不上 eduroam。"),
    ("VPN drops every few minutes from home", "Since the update the VPN client disconnects."),
    ("实验室网口没有信号", "B215 的墙上网口插上网线后没有任何反应，交换机灯不亮。"),
    ("Wi-Fi very slow in the library reading room", "Pages take 30 s to load since Monday."),
    ("远程桌面无法连接到办公电脑", "在家里用远程桌面连接办公室电脑，一直超时。"),
    ("Office ethernet port dead, cannot reach the journal site", "It says access denied."),
]


def rules_text(count: int) -> str:
    """``count`` rules; the network rules come last."""
    blocks = []
    for number in range(count - 5):
        topic, words = TOPICS[number % len(TOPICS)]
        kind = number % 4
        lines = [f'name = "{topic}-{number}"']
        if kind == 0:
            lines.append("keywords = [" + ", ".join(f'"{w}{number}"' for w in words) + "]")
        elif kind == 1:
            lines.append(f"regex = ['{words[0]}-?{number}\\d+', '{words[2]}.*(失败|错误){number}']")
        elif kind == 2:
            lines += [f'category = "{CATEGORIES[number % len(CATEGORIES)]}"',
                      f'keywords = ["{words[1]}", "{words[2]}"]']
        else:
            lines += [f'requester_domain = "dept{number}.example.net"',
                      f'department = "Department {number}"']
        lines.append(f'group = "Group {number}"')
        blocks.append(lines)
    blocks += [
        ['name = "outage"', 'keywords = ["outage", "断网", "全部无法"]', 'group = "Network"',
         'priority = "urgent"'],
        ['name = "vpn"', r"regex = ['\bvpn\b', '远程(桌面|访问)']", 'group = "Network"'],
        ['name = "wifi"', 'keywords = ["wifi", "wi-fi", "无线", "eduroam"]', 'group = "Network"'],
        ['name = "wired"', 'keywords = ["网口", "网线", "交换机", "ethernet"]',
         'group = "Network"'],
        ['name = "network"', 'category = "network"', 'group = "Network"'],
    ]
    return "\n".join("[[rule]]\n" + "\n".join(lines) + "\n" for lines in blocks)


def tickets(count: int, seed: int = 7) -> list[SimpleNamespace]:
    """``count`` tickets with the subjects above, from requesters of several domains."""
    chooser = random.Random(seed)
    made = []
    for number in range(count):
        subject, body = chooser.choice(SUBJECTS)
        requester = SimpleNamespace(email=f"user{number}@lab{number % 7}.example.org",
                                    department=chooser.choice(["Physics Lab", "Library", ""]))
        made.append(SimpleNamespace(subject=subject, description=body * 3, channel="web",
                                    category=chooser.choice(CATEGORIES), requester=requester,
                                    number=f"2026-{number:05d}"))
    return made


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 of ``samples``."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def measure(book: RuleBook, sample: list[SimpleNamespace], with_stat: bool) -> list[float]:
    """Microseconds per decision."""
    rules = book.current().rules
    timings = []
    clock = time.perf_counter_ns
    for ticket in sample:
        start = clock()
        if with_stat:
            rules = book.current().rules
        rule = rules.first_match(TicketFacts.of(ticket))
        timings.append((clock() - start) / 1000)
        assert rule is not None and rule.group == "Network", ticket.subject
    return timings


def main() -> None:
    """Print p50/p95 of a routing decision with ``--rules`` rules."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", type=int, default=100, help="rules in the file (>= 10)")
    parser.add_argument("--tickets", type=int, default=20000, help="decisions to time")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "rules.toml"
        path.write_text(rules_text(options.rules), encoding="utf-8")
        started = time.perf_counter()
        book = RuleBook(str(path), CATEGORIES)
        loaded = book.current()
        compile_ms = (time.perf_counter() - started) * 1000
        sample = tickets(options.tickets)
        measure(book, sample[:1000], True)  # warm-up
        print(f"{len(loaded.rules.rules)} rules, compiled in {compile_ms:.1f} ms; "
              f"{len(sample)} tickets, each matched by one of the last 5 rules")
        print(f"{'row':<40} {'p50 us':>8} {'p95 us':>8}")
        for label, with_stat in (("decision (stat + facts + match)", True),
                                 ("matching alone (facts + match)", False)):
            p50, p95 = percentiles(measure(book, sample, with_stat))
            print(f"{label:<40} {p50:>8.1f} {p95:>8.1f}")


if __name__ == "__main__":
    main()
