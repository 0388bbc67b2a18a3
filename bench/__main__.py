"""``python -m bench`` (``make bench``): measure, print the table, write the JSON.

Progress goes to standard error, the table to standard output, the figures to
``bench/results/<timestamp>.json`` (or ``--output``). See bench/README.md.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from sqlalchemy.exc import OperationalError

from .process import BenchError
from .report import print_report, write_json
from .runner import Options, run

RESULTS = Path(__file__).resolve().parent / "results"


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {raw}")
    return value


def _positive_float(raw: str) -> float:
    value = float(raw)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {raw}")
    return value


def _levels(raw: str) -> tuple[int, ...]:
    try:
        return tuple(sorted({_positive_int(part) for part in raw.split(",") if part.strip()}))
    except (ValueError, argparse.ArgumentTypeError):
        raise argparse.ArgumentTypeError(f"expected levels such as 1,8, got {raw!r}") from None


def parse_args(argv: list[str] | None = None) -> tuple[Options, Path | None]:
    defaults = Options()
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="The pyramid_helpdesk benchmark harness.",
        epilog="Example, longer and steadier: make bench BENCH_ARGS='--repeat 5 --duration 15'")
    parser.add_argument("--repeat", type=_positive_int, default=defaults.repeat,
                        help="run everything K times and report medians (default %(default)s)")
    parser.add_argument("--service-count", type=_positive_int, default=defaults.service_count,
                        help="tickets per service-level row (default %(default)s)")
    load = parser.add_mutually_exclusive_group()
    load.add_argument("--duration", type=_positive_float, default=defaults.duration,
                      help="seconds per HTTP row (default %(default)s)")
    load.add_argument("--requests", type=_positive_int,
                      help="a fixed number of POSTs per HTTP row, instead of --duration")
    parser.add_argument("--warmup", type=int, default=defaults.warmup,
                        help="untimed POSTs per client before each HTTP row (default %(default)s)")
    parser.add_argument("--concurrency", type=_levels, default=defaults.concurrency,
                        help="client counts, comma-separated (default 1,8); the ratio uses "
                             "the highest")
    parser.add_argument("--threads", type=_positive_int, default=defaults.threads,
                        help="waitress threads of both servers (default %(default)s)")
    parser.add_argument("--database-url",
                        default=os.environ.get("HELPDESK_BENCH_DATABASE_URL") or None,
                        help="also measure the service level and the mail ingestion on this "
                             "database (its schema is DROPPED; the name must contain 'bench'); "
                             "default $HELPDESK_BENCH_DATABASE_URL")
    parser.add_argument("--mail-count", type=_positive_int, default=defaults.mail_count,
                        help="messages of the e-mail corpus (default %(default)s)")
    parser.add_argument("--mailgate-runs", type=_positive_int, default=defaults.mailgate_runs,
                        help="timed `helpdesk mailgate` processes (default %(default)s)")
    parser.add_argument("--mail-batch", type=_positive_int, default=defaults.mail_batch,
                        help="messages per transaction in the mail ingest rows "
                             "(default %(default)s; 1: one transaction per message)")
    parser.add_argument("--lmtp-clients", type=_positive_int, default=defaults.lmtp_clients,
                        help="concurrent LMTP connections in the `helpdesk lmtp` rows "
                             "(default %(default)s, Postfix's default destination concurrency)")
    parser.add_argument("--skip-lmtp", action="store_true",
                        help="leave out the `helpdesk lmtp` rows of the e-mail table")
    parser.add_argument("--skip-imap", action="store_true",
                        help="leave out the `helpdesk fetchmail` (IMAP, Dovecot) rows of the "
                             "e-mail table")
    mail = parser.add_mutually_exclusive_group()
    mail.add_argument("--skip-mail", action="store_true",
                      help="leave out the e-mail rows (parse, ingest, mailgate)")
    mail.add_argument("--mail-only", action="store_true",
                      help="the e-mail rows alone (no service or HTTP rows)")
    parser.add_argument("--output", type=Path,
                        help="where to write the JSON (default bench/results/<timestamp>.json)")
    args = parser.parse_args(argv)
    options = Options(
        repeat=args.repeat, service_count=args.service_count,
        duration=None if args.requests else args.duration, requests=args.requests,
        warmup=max(0, args.warmup), concurrency=args.concurrency, threads=args.threads,
        database_url=args.database_url, mail_count=args.mail_count,
        mailgate_runs=args.mailgate_runs, skip_mail=args.skip_mail,
        mail_batch=args.mail_batch, mail_only=args.mail_only,
        lmtp_clients=args.lmtp_clients, skip_lmtp=args.skip_lmtp,
        skip_imap=args.skip_imap,
    )
    return options, args.output


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # so that servers are stopped and temporary files removed


def main(argv: list[str] | None = None) -> int:
    options, output = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        report, rows = run(options)
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped, temporary files removed", file=sys.stderr)
        return 130
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        print(f"bench: database unreachable: {reason}", file=sys.stderr)
        return 1
    print_report(report, rows, sys.stdout)
    stamp = report["timestamp"].replace("-", "").replace(":", "")
    path = write_json(report, output or RESULTS / f"{stamp}.json")
    print(f"\nfigures written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
