"""The table on the terminal and the JSON file beside it."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from .stats import Row

TARGET_RATIO = 0.60  # TARGETS.md: web submission >= 60% of the floor, 8 concurrent clients


def format_table(rows: list[Row]) -> str:
    """Rows of tickets/s, p50, p95 and errors (medians of the repeats; errors summed)."""
    width = max([len(r.label) for r in rows] + [10])
    lines = [f"{'':<{width}}  {'tickets/s':>10}  {'p50 ms':>8}  {'p95 ms':>8}  {'errors':>6}"]
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
    out.write(format_table(rows) + "\n\n")
    out.write(format_ratio(report["ratio"]) + "\n")
    for row in rows:
        for note in row.notes:
            out.write(f"note: {row.label}: {note}\n")


def write_json(report: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, sort_keys=False) + "\n")
    return path
