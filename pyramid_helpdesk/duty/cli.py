"""``helpdesk duty``: who is on duty now, and a rotation generated from the shell."""
from __future__ import annotations

from datetime import date

import click


@click.group()
def duty():
    """The first-line duty roster."""


@duty.command("now")
@click.pass_obj
def duty_now(env):
    """Who is on duty now: name, office extension, until when (local time)."""
    from ..db.types import utcnow
    from .services import on_duty, public_name

    with env.transaction() as dbsession:
        current = on_duty(dbsession, utcnow(), env.settings.timezone)
        if current is None:
            click.echo("nobody is on duty")
            return
        extension = f" (ext. {current.extension})" if current.extension else ""
        note = f" - {current.note}" if current.note else ""
        click.echo(f"{public_name(current.person)}{extension} until "
                   f"{current.until:%Y-%m-%d %H:%M}{note}")


@duty.command("generate")
@click.option("--start", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="The first Monday, YYYY-MM-DD.")
@click.option("--weeks", required=True, type=click.IntRange(1), help="How many weeks.")
@click.argument("emails", nargs=-1, required=True)
@click.pass_obj
def duty_generate(env, start, weeks, emails):
    """Put first-line members (by e-mail, in this order) on duty one week each."""
    from ..people.services import find_by_email
    from .services import generate

    with env.transaction() as dbsession:
        people = []
        for address in emails:
            person = find_by_email(dbsession, address)
            if person is None:
                raise click.ClickException(f"no person with address {address}")
            people.append(person)
        rows = generate(dbsession, date(start.year, start.month, start.day), weeks, people)
        for row in rows:
            click.echo(f"{row.week_start.isoformat()} {row.person.email}")
