"""The calendar file: holidays and working days an institute sets itself.

A plain text file (``helpdesk.calendar.file``), one entry a line; ``#`` starts a
comment::

    # 2027, before the State Council publishes it
    2027-01-01 holiday New Year's Day
    2027-02-10..2027-02-16 holiday Spring Festival
    2027-02-07 workday Spring Festival make-up
    2027-12-31 workday 08:00-12:00 New Year's Eve, mornings only
    2027 complete

``holiday`` closes a day; ``workday`` opens one (a make-up working day on a
weekend, or other hours on a weekday when periods follow). ``YYYY complete`` says
the file lists every holiday and make-up day of that year, so the calendar may
use the weekly hours on the other days of a year no package knows yet.
iCalendar files are not read: no maintained iCalendar parser is installed.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import date, time, timedelta

from ..i18n import _
from .hours import _span

KINDS = ("holiday", "workday")
#: The longest range one line may span.
MAX_RANGE = timedelta(days=366)
_DATES = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.\.(\d{4}-\d{2}-\d{2}))?$")
_YEAR = re.compile(r"^\d{4}$")


class CalendarFileError(ValueError):
    """A line of the calendar file cannot be read; ``line`` is its number (from 1),
    ``reason`` a translation string (``str(error)`` is in English)."""

    def __init__(self, line: int, reason):
        self.line = line
        self.reason = reason
        super().__init__(f"line {line}: {reason.interpolate()}")


@dataclass(frozen=True)
class Entry:
    """One day of the file: a holiday, or a working day (with its own periods or not)."""

    kind: str  # "holiday" or "workday"
    note: str
    periods: tuple[tuple[time, time], ...] | None  # None: the usual hours
    line: int


@dataclass(frozen=True)
class CalendarFile:
    """The parsed file: its entries by date and the years it lists completely."""

    entries: dict[date, Entry]
    complete_years: frozenset[int]
    text: str

    @classmethod
    def empty(cls) -> "CalendarFile":
        """A file with nothing in it."""
        return cls({}, frozenset(), "")


def parse_calendar_file(text: str) -> CalendarFile:
    """Parse the file's ``text``; raises :class:`CalendarFileError` naming the line."""
    entries: dict[date, Entry] = {}
    years: set[int] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        if _YEAR.match(words[0]):
            if words[1:] != ["complete"]:
                raise CalendarFileError(number, _("expected 'YYYY complete'"))
            years.add(int(words[0]))
            continue
        days = _dates(words[0], number)
        if len(words) < 2 or words[1] not in KINDS:
            raise CalendarFileError(number, _("expected 'holiday' or 'workday' after the date"))
        periods, note = _periods_and_note(words[2:], words[1], number)
        for day in days:
            if day in entries:
                raise CalendarFileError(number, _("${date} is already listed on line ${line}",
                                                  mapping={"date": day.isoformat(),
                                                           "line": entries[day].line}))
            entries[day] = Entry(words[1], note, periods, number)
    return CalendarFile(entries, frozenset(years), text)


def _dates(word: str, number: int) -> list[date]:
    """The days of ``2027-01-01`` or ``2027-01-01..2027-01-03``."""
    match = _DATES.match(word)
    if not match:
        raise CalendarFileError(number, _("expected a date YYYY-MM-DD or a range "
                                          "YYYY-MM-DD..YYYY-MM-DD, got '${word}'",
                                          mapping={"word": word}))
    try:
        first = date.fromisoformat(match.group(1))
        last = date.fromisoformat(match.group(2) or match.group(1))
    except ValueError:
        raise CalendarFileError(number, _("no such date: ${word}",
                                          mapping={"word": word})) from None
    if last < first or last - first >= MAX_RANGE:
        raise CalendarFileError(number, _("a range goes forward, at most 366 days: ${word}",
                                          mapping={"word": word}))
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _periods_and_note(words: list[str], kind: str, number: int):
    """A workday's leading ``HH:MM-HH:MM`` periods (if any), and the note after them."""
    periods = []
    while words and re.match(r"^\d{1,2}:\d{2}-", words[0]):
        if kind != "workday":
            raise CalendarFileError(number, _("only a workday has hours"))
        try:
            periods.append(_span(words[0]))
        except ValueError:
            raise CalendarFileError(number, _("expected hours such as 08:00-12:00, got "
                                              "'${word}'", mapping={"word": words[0]})) from None
        words = words[1:]
    return (tuple(sorted(periods)) if periods else None), " ".join(words)


def text_version(text: str) -> str:
    """A short fingerprint of a file's text: an editor sends back the one it loaded."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def write_calendar_file(path: str, text: str) -> CalendarFile:
    """Check ``text`` (raises :class:`CalendarFileError`), then replace the file at
    ``path`` atomically (a temporary file beside it, then ``os.replace``)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text and not text.endswith("\n"):
        text += "\n"
    parsed = parse_calendar_file(text)
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".calendar-", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return parsed
