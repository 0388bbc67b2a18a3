"""``helpdesk calendar``: check the configured business calendar from the shell.

``helpdesk calendar day 2026-10-01`` says whether a date is a working day and why;
``helpdesk calendar add "2026-09-30 16:00" 2h`` when a target of 2 business hours
started then falls due. Times are local to ``helpdesk.timezone``, in and out.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import click

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m(?:in)?)?$")


class BusinessDuration(click.ParamType):
    """``2h``, ``90m``, ``1h30m``: a length of business time."""

    name = "duration"

    def convert(self, value, param, ctx):
        match = _DURATION.match(value.strip().lower())
        if not match or not any(match.groups()):
            self.fail(f"expected a duration such as 2h, 90m or 1h30m, got {value!r}", param, ctx)
        hours, minutes = (int(group or 0) for group in match.groups())
        return timedelta(hours=hours, minutes=minutes)


def describe_day(info) -> str:
    """One line: the date, its weekday, working hours or closed, and why."""
    from .calendar import period_text

    state = f"working {period_text(info.periods)}" if info.working else "closed"
    return f"{info.date.isoformat()} {info.date:%A}: {state} ({info.reason})"


def _calendar(env):
    from .calendar import LiveCalendar

    return LiveCalendar.from_settings(env.settings).current()


@click.group()
def calendar():
    """The business calendar (service hours, holidays, make-up days)."""


@calendar.command("day")
@click.argument("day", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD")
@click.pass_obj
def calendar_day(env, day):
    """Whether DAY is a working day, its service hours, and why."""
    click.echo(describe_day(_calendar(env).day(date(day.year, day.month, day.day))))


@calendar.command("add")
@click.argument("start", type=click.DateTime(["%Y-%m-%d %H:%M"]), metavar='"YYYY-MM-DD HH:MM"')
@click.argument("duration", type=BusinessDuration())
@click.pass_obj
def calendar_add(env, start: datetime, duration: timedelta):
    """When DURATION of business time after START (local time) falls due."""
    business = _calendar(env)
    due = business.add(start.replace(tzinfo=business.zone), duration).astimezone(business.zone)
    click.echo(f"{due:%Y-%m-%d %H:%M} {due:%A} ({business.zone.key})")
