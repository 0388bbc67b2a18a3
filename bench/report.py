"""The table on the terminal and the JSON file beside it."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from .stats import Row

TARGET_RATIO = 0.60  # TARGETS.md: web submission >= 60% of the floor, 8 concurrent clients
TARGET_MAIL_RATE = 600.0   # TARGETS.md: e-mail batch ingestion >= 600 messages/s
TARGET_MAILGATE_MS = 250.0  # TARGETS.md: `helpdesk mailgate`, one message, cold: <= 250 ms
# TARGETS.md: the stdlib parses the target's corpus at "~7,000/s with compat32 and
# explicit decoding": the speed of the machine the e-mail target was written for.
REFERENCE_PARSE_RATE = 7000.0
MAIL_PREFIX = "mail_"       # keys of the e-mail rows, shown in their own table


def format_table(rows: list[Row], unit: str = "tickets/s") -> str:
    """Rows of tickets/s, p50, p95 and errors (medians of the repeats; errors summed)."""
    width = max([len(r.label) for r in rows] + [10])
    lines = [f"{'':<{width}}  {unit:>10}  {'p50 ms':>8}  {'p95 ms':>8}  {'errors':>6}"]
    for row in rows:
        lines.append(f"{row.label:<{width}}  {row.per_second:>10.1f}  {row.p50_ms:>8.2f}  "
                     f"{row.p95_ms:>8.2f}  {row.errors:>6d}")
    return "\n".join(lines)


def format_ratio(ratio: dict) -> str:
    """The ratio line against the target."""
    if ratio.get("value") is None:
        return f"{ratio['label']}: not measured"
    verdict = "meets" if ratio["value"] >= ratio["target"] else "BELOW"
    per_repeat = ", ".join(f"{v:.2f}" for v in ratio["repeats"])
    return (f"{ratio['label']}: {ratio['value']:.2f} (target >= {ratio['target']:.2f}: "
            f"{verdict} target; per repeat: {per_repeat})")


def format_target(target: dict) -> str:
    """One absolute figure against its TARGETS.md line."""
    value, goal = target["value"], target["target"]
    meets = value >= goal if target["higher_is_better"] else value <= goal
    sign = ">=" if target["higher_is_better"] else "<="
    unit = target["unit"]
    return (f"{target['label']}: {value:g} {unit} (target {sign} {goal:g} {unit}: "
            f"{'meets' if meets else 'BELOW'} target)")


def print_mail(report: dict, rows: list[Row], out: TextIO) -> None:
    """The e-mail section: corpus, table, ratios, targets, what became of the messages."""
    mail, config = report["mail"], report["config"]
    corpus = mail["corpus"]
    out.write(f"\ne-mail: corpus of {corpus['messages']} messages "
              f"({corpus['bytes'] / 1e6:.1f} MB, seed {corpus['seed']}, "
              f"{corpus['redeliveries']} redeliveries), "
              f"{mail['warmup_messages']} untimed first; mailgate: {config['mailgate_runs']} "
              f"processes (python -I -c pass: {mail['python_startup_ms']} ms)\n\n")
    out.write(format_table(rows, unit="messages/s") + "\n\n")
    for ratio in mail["ratios"]:
        if ratio["value"] is None:
            out.write(f"{ratio['label']}: not measured\n")
            continue
        per_repeat = ", ".join(f"{v:.3f}" for v in ratio["repeats"])
        out.write(f"{ratio['label']}: {ratio['value']:.3f} (per repeat: {per_repeat})\n")
    reference = mail.get("stdlib_compat32_per_second")
    if reference:
        scale = reference / REFERENCE_PARSE_RATE
        out.write(f"stdlib compat32 parse (reference): {reference:.0f}/s, "
                  f"{scale:.2f} x TARGETS.md's ~{REFERENCE_PARSE_RATE:,.0f}/s; "
                  f"{TARGET_MAIL_RATE:g} messages/s at that machine's speed is "
                  f"{TARGET_MAIL_RATE * scale:.0f}/s here (the targets below are "
                  "the absolute figures)\n")
    for target in mail["targets"]:
        out.write(format_target(target) + "\n")
    labels = {row.key: row.label for row in rows}
    for counts in mail["ingest"]:
        out.write(f"{labels.get(counts['row'], counts['row'])}, repeat {counts['repeat']}: "
                  f"{counts['summary']}\n")
    for row in rows:
        for note in row.notes:
            out.write(f"note: {row.label}: {note}\n")


def print_report(report: dict, rows: list[Row], out: TextIO) -> None:
    machine = report["machine"]
    config = report["config"]
    out.write("\n")
    out.write(f"pyramid_helpdesk benchmark  {report['timestamp']}  "
              f"rev {machine['git_revision'] or '?'}\n")
    out.write(f"{machine['cpu_count']} CPUs ({machine['cpus_usable']} usable), "
              f"Python {machine['python']}, SQLite {machine['sqlite']}, "
              f"load {machine['load_average_at_start']}\n")
    databases = ", ".join(f"{k}: {v}" for k, v in report["databases"].items())
    load = (f"{config['duration']:g} s" if config["duration"] is not None
            else f"{config['requests']} requests")
    out.write(f"service: {config['service_count']} tickets; HTTP: {load} per row, "
              f"waitress {config['threads']} threads; median of {config['repeat']} "
              f"repeat(s)\ndatabases: {databases}\n\n")
    mail_rows = [row for row in rows if row.key.startswith(MAIL_PREFIX)]
    rows = [row for row in rows if not row.key.startswith(MAIL_PREFIX)]
    out.write(format_table(rows) + "\n\n")
    out.write(format_ratio(report["ratio"]) + "\n")
    for row in rows:
        for note in row.notes:
            out.write(f"note: {row.label}: {note}\n")
    if report.get("mail"):
        print_mail(report, mail_rows, out)


def write_json(report: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, sort_keys=False) + "\n")
    return path
