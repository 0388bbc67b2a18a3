"""The business calendar: which days the desk works, and business-time arithmetic.

A :class:`BusinessCalendar` joins three sources, the first that knows a date wins:

1. the calendar file (``helpdesk.calendar.file``, see :mod:`.calendar_file`);
2. the public holidays (``helpdesk.calendar = cn``: the People's Republic of China
   calendar of the ``chinesecalendar`` package, with its make-up working days, 调休);
3. the weekly hours (``helpdesk.service_hours``).

A date the sources do not know (a year the State Council has not published yet, and
that the file does not list as ``YYYY complete``) raises :class:`CalendarUnknown`:
the calendar never guesses. ``helpdesk.calendar = none`` uses the weekly hours and
the file only, and knows every date.

A make-up working day (a weekend day that is a working day) has the hours of the
first of Monday to Friday that has any (08:00-17:00 by default); a ``workday`` line
of the file may give other hours.

Business time is the set of instants whose local wall-clock time (in
``helpdesk.timezone``) falls in a period of a working day. On a daylight-saving day
the skipped hour holds no business time and a repeated hour counts twice (it did
pass twice). Every method takes aware datetimes and returns them in UTC; the work
walks days, not minutes, and each day's periods are computed once.
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterator
from zoneinfo import ZoneInfo

from ..errors import DomainError
from .calendar_file import CalendarFile, CalendarFileError, parse_calendar_file
from .hours import WeeklyHours

log = logging.getLogger(__name__)

UTC = timezone.utc
DAY = timedelta(days=1)
ZERO = timedelta(0)
#: The longest run of closed days a walk crosses before deciding the desk never opens.
MAX_CLOSED_DAYS = 400
_CACHE_SIZE = 4096

Period = tuple[time, time]
Interval = tuple[datetime, datetime]


class CalendarError(DomainError):
    """Business time cannot be computed."""


class CalendarUnknown(CalendarError):
    """No source knows whether ``date`` is a working day (a year not yet published)."""

    def __init__(self, day: date):
        self.date = day
        super().__init__(
            f"the calendar has no data for {day.isoformat()} (the holidays of {day.year} "
            f"are not known yet: list them in the calendar file, with '{day.year} complete')")


class NeverOpen(CalendarError):
    """The desk has no working period within ``MAX_CLOSED_DAYS`` of a moment."""

    def __init__(self, since: date):
        super().__init__(f"the desk does not open within {MAX_CLOSED_DAYS} days of "
                         f"{since.isoformat()}")


@dataclass(frozen=True)
class DayInfo:
    """One local date: working or not, its periods (local times), and why.

    ``kind`` is ``weekly`` (open by the weekly hours), ``closed`` (no weekly hours),
    ``holiday``, ``makeup`` (a make-up working day) or ``hours`` (a working day with
    the file's own hours); ``name`` the holiday's or the file line's note;
    ``source`` ``weekly``, ``cn`` or ``file``.
    """

    date: date
    working: bool
    periods: tuple[Period, ...]
    kind: str
    name: str
    source: str

    @property
    def reason(self) -> str:
        """Why, in English: ``weekday``, ``holiday: National Day``, ..."""
        if self.kind == "weekly":
            text = "weekday" if self.date.weekday() < 5 else "weekly hours"
        elif self.kind == "closed":
            text = "weekend" if self.date.weekday() >= 5 else "no service hours"
        elif self.kind == "holiday":
            text = f"holiday: {self.name}" if self.name else "holiday"
        elif self.kind == "makeup":
            text = (f"make-up working day (调休) for {self.name}" if self.name
                    else "make-up working day (调休)")
        else:
            text = f"working day with other hours: {self.name}" if self.name else \
                "working day with other hours"
        return f"file: {text}" if self.source == "file" else text


def period_text(periods) -> str:
    """``08:00-12:00 13:00-17:00`` (a period to midnight ends at ``24:00``)."""
    return " ".join(f"{start:%H:%M}-{'24:00' if end == time.max else f'{end:%H:%M}'}"
                    for start, end in periods)


class ChineseHolidays:
    """The PRC's public holidays and make-up days, from the ``chinesecalendar`` package."""

    name = "cn"

    def lookup(self, day: date) -> tuple[str, str] | None:
        """``("holiday"|"makeup", name)``, ``None`` for an ordinary day; raises
        :class:`CalendarUnknown` for a year the package has no data for."""
        import chinese_calendar

        try:
            is_holiday, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            raise CalendarUnknown(day) from None
        if name is None:
            return None
        return ("holiday" if is_holiday else "makeup"), str(name)


class NoHolidays:
    """No public holidays: the weekly hours and the file only."""

    name = "none"

    def lookup(self, day: date) -> None:
        """Every day is ordinary."""
        return None


def holiday_source(name: str):
    """The holiday source ``helpdesk.calendar`` names (``cn`` or ``none``)."""
    if name == "cn":
        return ChineseHolidays()
    if name == "none":
        return NoHolidays()
    raise ValueError(name)


class BusinessCalendar:
    """Working days and business-time arithmetic in one time zone (immutable)."""

    def __init__(self, hours: WeeklyHours, zone: ZoneInfo, holidays=None,
                 file: CalendarFile | None = None):
        self.hours = hours
        self.zone = zone
        self.holidays = holidays or NoHolidays()
        self.file = file or CalendarFile.empty()
        self._makeup_periods = next((p for p in hours.periods[:5] if p), ())
        self._days: dict[date, DayInfo] = {}
        self._intervals: dict[date, tuple[Interval, ...]] = {}
        self._spans: dict[date, Interval] = {}

    # -- days ------------------------------------------------------------------------

    def day(self, day: date) -> DayInfo:
        """Whether ``day`` (a local date) is a working day, its periods, and why."""
        info = self._days.get(day)
        if info is None:
            info = self._classify(day)
            if len(self._days) > _CACHE_SIZE:
                self._days.clear()
            self._days[day] = info
        return info

    def _classify(self, day: date) -> DayInfo:
        weekly = self.hours.periods[day.weekday()]
        entry = self.file.entries.get(day)
        if entry is not None:
            if entry.kind == "holiday":
                return DayInfo(day, False, (), "holiday", entry.note, "file")
            if entry.periods is not None:
                return DayInfo(day, True, entry.periods, "hours", entry.note, "file")
            if weekly:
                return DayInfo(day, True, weekly, "weekly", entry.note, "file")
            return DayInfo(day, True, self._makeup_periods, "makeup", entry.note, "file")
        if day.year in self.file.complete_years:
            rule = None
        else:
            rule = self.holidays.lookup(day)
        if rule is not None:
            kind, name = rule
            if kind == "holiday":
                return DayInfo(day, False, (), "holiday", name, self.holidays.name)
            return DayInfo(day, True, weekly or self._makeup_periods, "makeup", name,
                           self.holidays.name)
        if weekly:
            return DayInfo(day, True, weekly, "weekly", "", "weekly")
        return DayInfo(day, False, (), "closed", "", "weekly")

    def intervals_of(self, day: date) -> tuple[Interval, ...]:
        """The business time of local date ``day`` as sorted, disjoint UTC intervals."""
        found = self._intervals.get(day)
        if found is None:
            info = self.day(day)
            found = _merge(_local_periods_in_utc(day, info.periods, self.zone)) \
                if info.working else ()
            if len(self._intervals) > _CACHE_SIZE:
                self._intervals.clear()
            self._intervals[day] = found
        return found

    # -- instants --------------------------------------------------------------------

    def is_open(self, instant: datetime) -> bool:
        """Whether the desk works at ``instant``."""
        instant = _utc(instant)
        middle = self._local_date(instant)
        for day in (middle - DAY, middle, middle + DAY):
            low, high = self._span(day)
            if low <= instant < high and any(start <= instant < end
                                             for start, end in self.intervals_of(day)):
                return True
        return False

    def next_opening(self, instant: datetime) -> datetime:
        """The first moment at or after ``instant`` when the desk works (``instant``
        itself while it works)."""
        instant = _utc(instant)
        for start, _end in self._forward(instant):
            return max(start, instant)
        raise AssertionError("unreachable: _forward raises NeverOpen")  # pragma: no cover

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant ``duration`` of business time after ``start`` (the earliest,
        so a target reached at closing time falls due at closing time)."""
        start = _utc(start)
        remaining = _non_negative(duration)
        if not remaining:
            return start
        for begin, end in self._forward(start):
            begin = max(begin, start)
            if end - begin >= remaining:
                return begin + remaining
            remaining -= end - begin
        raise AssertionError("unreachable")  # pragma: no cover

    def subtract(self, end: datetime, duration: timedelta) -> datetime:
        """The latest start whose ``add(start, duration)`` is at or before ``end``."""
        end = _utc(end)
        remaining = _non_negative(duration)
        if not remaining:
            return end
        for begin, finish in self._backward(end):
            finish = min(finish, end)
            if finish - begin >= remaining:
                return finish - remaining
            remaining -= finish - begin
        raise AssertionError("unreachable")  # pragma: no cover

    def between(self, a: datetime, b: datetime) -> timedelta:
        """The business time in ``[a, b)`` (zero when ``b`` is not after ``a``)."""
        a, b = _utc(a), _utc(b)
        total = ZERO
        if b <= a:
            return total
        for begin, end in self._forward(a, until=b):
            total += min(end, b) - max(begin, a)
        return total

    # -- walking ---------------------------------------------------------------------

    def _local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def _span(self, day: date) -> Interval:
        """UTC bounds that surely hold every instant of local date ``day`` (a clock
        change moves midnight by less than ``_SLACK``); kept, as every question about
        an instant asks it of three days or more."""
        found = self._spans.get(day)
        if found is None:
            found = (datetime.combine(day, time(0), self.zone).astimezone(UTC) - _SLACK,
                     datetime.combine(day + DAY, time(0), self.zone).astimezone(UTC) + _SLACK)
            if len(self._spans) > _CACHE_SIZE:
                self._spans.clear()
            self._spans[day] = found
        return found

    def _forward(self, since: datetime, until: datetime | None = None) -> Iterator[Interval]:
        """The business intervals after ``since`` (and before ``until`` when given),
        in order; raises :class:`NeverOpen` after a long closed stretch.

        Days are read one by one; an interval waits in ``pending`` until no later day
        can hold an earlier instant (the clock may go back across midnight)."""
        day = self._local_date(since) - DAY
        pending: list[Interval] = []
        closed_days = 0
        while True:
            low, high = self._span(day)
            if until is not None and low >= until:
                break
            found = self.intervals_of(day) if high > since else ()
            pending = sorted([*pending, *((max(b, since), e) for b, e in found if e > since)])
            closed_days = 0 if found else closed_days + 1
            if closed_days > MAX_CLOSED_DAYS:
                raise NeverOpen(self._local_date(since))
            next_low = self._span(day + DAY)[0]
            while pending and pending[0][0] < next_low:
                begin, end = pending.pop(0)
                if until is not None and begin >= until:
                    return
                yield begin, end
            day += DAY
        for begin, end in pending:
            if begin >= until:
                return
            yield begin, end

    def _backward(self, before: datetime) -> Iterator[Interval]:
        """The business intervals before ``before``, latest first."""
        day = self._local_date(before) + DAY
        pending: list[Interval] = []
        closed_days = 0
        while True:
            low, _high = self._span(day)
            found = self.intervals_of(day) if low < before else ()
            pending = sorted([*pending, *((b, min(e, before)) for b, e in found if b < before)])
            closed_days = 0 if found else closed_days + 1
            if closed_days > MAX_CLOSED_DAYS:
                raise NeverOpen(self._local_date(before))
            previous_high = self._span(day - DAY)[1]
            while pending and pending[-1][1] > previous_high:
                yield pending.pop()
            day -= DAY


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("the calendar takes aware datetimes")
    return instant.astimezone(UTC)


def _non_negative(duration: timedelta) -> timedelta:
    if duration < ZERO:
        raise ValueError("a business duration is not negative")
    return duration


def _merge(intervals: list[Interval]) -> tuple[Interval, ...]:
    """Sorted, overlapping or touching intervals joined."""
    merged: list[list[datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        elif end > start:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


def _local_periods_in_utc(day: date, periods, zone: ZoneInfo) -> list[Interval]:
    """The UTC instants whose wall-clock time in ``zone`` is on ``day`` within one of
    ``periods``: exact across daylight-saving changes (split where the offset changes)."""
    midnight = datetime.combine(day, time(0))  # naive, local
    result = []
    for piece_start, piece_end, offset in _offset_pieces(day, zone):
        for start, end in periods:
            local_start = midnight + timedelta(hours=start.hour, minutes=start.minute)
            local_end = midnight + (DAY if end == time.max
                                    else timedelta(hours=end.hour, minutes=end.minute))
            begin = max((local_start - offset).replace(tzinfo=UTC), piece_start)
            finish = min((local_end - offset).replace(tzinfo=UTC), piece_end)
            if finish > begin:
                result.append((begin, finish))
    return result


#: More than any clock change moves a local midnight.
_SLACK = timedelta(hours=3)
#: Where to look for clock changes around a local date, and how finely.
_REACH = timedelta(hours=15)
_STEP = timedelta(hours=3)


def _offset_pieces(day: date, zone: ZoneInfo) -> list[tuple[datetime, datetime, timedelta]]:
    """UTC stretches around ``day`` with a constant UTC offset in ``zone``."""
    first = datetime.combine(day, time(0), UTC) - _REACH
    last = datetime.combine(day + DAY, time(0), UTC) + _REACH
    pieces = []
    start, offset = first, first.astimezone(zone).utcoffset()
    probe = first
    while probe < last:
        following = min(probe + _STEP, last)
        new = following.astimezone(zone).utcoffset()
        if new != offset:
            change = _find_change(probe, following, offset, zone)
            pieces.append((start, change, offset))
            start, offset = change, change.astimezone(zone).utcoffset()
        probe = following
    pieces.append((start, last, offset))
    return pieces


def _find_change(low: datetime, high: datetime, offset: timedelta, zone: ZoneInfo) -> datetime:
    """The first whole second in ``(low, high]`` whose offset in ``zone`` is not
    ``offset`` (clock changes fall on whole seconds)."""
    below, above = 0, int((high - low).total_seconds())
    while above - below > 1:
        middle = (below + above) // 2
        if (low + timedelta(seconds=middle)).astimezone(zone).utcoffset() == offset:
            below = middle
        else:
            above = middle
    return low + timedelta(seconds=above)


# -- the calendar of the ini file, reloaded when its file changes -----------------------


def read_calendar_file(path: str) -> CalendarFile:
    """Read and parse the calendar file at ``path`` (``OSError``, ``CalendarFileError``)."""
    with open(path, encoding="utf-8") as stream:
        return parse_calendar_file(stream.read())


def calendar_file_path(settings) -> str:
    """The absolute path of ``helpdesk.calendar.file`` (``""`` when not set)."""
    path = settings.calendar_file
    if not path:
        return ""
    return os.path.join(str(settings.raw.get("here") or os.getcwd()), path)


class LiveCalendar:
    """The configured calendar, rebuilt when the calendar file's mtime changes, so an
    admin's save applies at once in every process. It answers the
    :class:`BusinessCalendar` methods itself; :meth:`current` gives one snapshot."""

    def __init__(self, hours: WeeklyHours, zone: ZoneInfo, source: str, path: str = ""):
        self.hours = hours
        self.zone = zone
        self.source = source
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._calendar = self._build(self._read() if path else CalendarFile.empty())

    @classmethod
    def from_settings(cls, settings) -> "LiveCalendar":
        """The calendar of the parsed settings; a broken file raises ``SettingsError``."""
        from ..settings import SettingsError

        path = calendar_file_path(settings)
        try:
            return cls(settings.service_hours, settings.timezone, settings.calendar, path)
        except CalendarFileError as exc:
            raise SettingsError("helpdesk.calendar.file",
                                f"a calendar file without errors ({path} {exc})") from None
        except OSError as exc:
            raise SettingsError("helpdesk.calendar.file",
                                f"a readable calendar file ({exc.strerror})", path) from None

    def current(self) -> BusinessCalendar:
        """The calendar as the file now says (the last good one if it is broken)."""
        if self.path and self._stat() != self._stamp:
            with self._lock:
                stamp = self._stat()
                if stamp != self._stamp:
                    try:
                        self._calendar = self._build(self._read())
                    except (OSError, CalendarFileError) as exc:
                        self._stamp = stamp  # logged once per change, not per request
                        log.error("calendar file %s not reloaded, the last good one "
                                  "stays: %s", self.path, exc)
        return self._calendar

    def file_text(self) -> str:
        """The calendar file's text as last read (empty without a file)."""
        return self.current().file.text

    def _stat(self) -> tuple | None:
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size, stat.st_ino

    def _read(self) -> CalendarFile:
        stamp = self._stat()
        parsed = read_calendar_file(self.path)
        self._stamp = stamp
        return parsed

    def _build(self, file: CalendarFile) -> BusinessCalendar:
        return BusinessCalendar(self.hours, self.zone, holiday_source(self.source), file)

    # the BusinessCalendar API, on the current calendar

    def day(self, day: date) -> DayInfo:
        """See :meth:`BusinessCalendar.day`."""
        return self.current().day(day)

    def is_open(self, instant: datetime) -> bool:
        """See :meth:`BusinessCalendar.is_open`."""
        return self.current().is_open(instant)

    def next_opening(self, instant: datetime) -> datetime:
        """See :meth:`BusinessCalendar.next_opening`."""
        return self.current().next_opening(instant)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """See :meth:`BusinessCalendar.add`."""
        return self.current().add(start, duration)

    def subtract(self, end: datetime, duration: timedelta) -> datetime:
        """See :meth:`BusinessCalendar.subtract`."""
        return self.current().subtract(end, duration)

    def between(self, a: datetime, b: datetime) -> timedelta:
        """See :meth:`BusinessCalendar.between`."""
        return self.current().between(a, b)
