"""``helpdesk reports``: the summary the reports read (add up, check, count again)."""
from __future__ import annotations

import click

#: How many differences ``helpdesk reports check`` prints.
SHOWN = 20


@click.group()
def reports():
    """The reports' summary of tickets per day (kept by database triggers)."""


@reports.command("compact")
@click.pass_obj
def reports_compact(env):
    """Add the changes written since the last time to the days and months (the worker
    does this on every pass)."""
    from .summary import compact

    with env.transaction() as dbsession:
        count = compact(dbsession)
    click.echo(f"added up {count} change(s)")


@reports.command("check")
@click.pass_obj
def reports_check(env):
    """Compare the summary with the tickets and ratings; fails when they differ."""
    from .summary import differences

    with env.transaction() as dbsession:
        found = differences(dbsession)
    if not found:
        click.echo("the summary agrees with the tickets")
        return
    for difference in found[:SHOWN]:
        click.echo(f"{difference.figure} {difference.period} {difference.item or '-'}: "
                   f"tickets {difference.expected}, summary {difference.summary}")
    raise click.ClickException(f"the summary differs from the tickets in {len(found)} "
                               "place(s): run helpdesk reports rebuild")


@reports.command("rebuild")
@click.pass_obj
def reports_rebuild(env):
    """Count every ticket and rating again (after a bulk load with the triggers off,
    or when check finds differences). Writers of tickets wait meanwhile on
    PostgreSQL."""
    from .summary import rebuild

    with env.transaction() as dbsession:
        days, months = rebuild(dbsession)
    click.echo(f"counted into {days} day row(s) and {months} month row(s)")
