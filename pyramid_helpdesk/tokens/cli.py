"""``helpdesk token``: create, list and revoke personal API tokens from the shell.

``helpdesk token create --person EMAIL --name NAME --scope read|write [--expires 90d]``
prints one line about the token, then the secret alone on the last line (shown this
once: ``... | tail -n 1`` gives it to a script). Times are local to ``helpdesk.timezone``.
"""
from __future__ import annotations

import re
from datetime import timedelta

import click

_LIFETIME = re.compile(r"^(\d+)\s*([dhw])$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


class Lifetime(click.ParamType):
    """``90d``, ``12h``, ``2w``, or ``never``: how long a new token works."""

    name = "lifetime"

    def convert(self, value, param, ctx):
        if isinstance(value, timedelta) or value is None:
            return value
        text = value.strip().lower()
        if text == "never":
            return None
        match = _LIFETIME.match(text)
        if not match or int(match.group(1)) == 0:
            self.fail(f"expected a lifetime such as 90d, 12h, 2w or never, got {value!r}",
                      param, ctx)
        return int(match.group(1)) * _UNITS[match.group(2)]


def _when(env, moment) -> str:
    return moment.astimezone(env.settings.timezone).strftime("%Y-%m-%d %H:%M")


def _describe(env, token, now) -> str:
    """One line about a token (never its secret)."""
    expires = _when(env, token.expires_at) if token.expires_at else "never"
    used = _when(env, token.last_used_at) if token.last_used_at else "never"
    return (f"{token.id}  {token.prefix}...  {token.scope.value:<5}  "
            f"{token.status_at(now).value:<7}  {token.person.email}  {token.name!r}  "
            f"created {_when(env, token.created_at)}, expires {expires}, last used {used}")


def _service(env, dbsession):
    from .services import TokenService

    return TokenService(dbsession, env.settings.tokens_max_active)


def _person(dbsession, address):
    from ..people.services import find_by_email

    person = find_by_email(dbsession, address)
    if person is None:
        raise click.ClickException(f"no person with address {address}")
    return person


@click.group()
def token():
    """Personal API tokens."""


@token.command("create")
@click.option("--person", "address", required=True, help="The owner's e-mail address.")
@click.option("--name", required=True, help="What the token is for.")
@click.option("--scope", required=True, type=click.Choice(["read", "write"]),
              help="read: GET only; write: every method.")
@click.option("--expires", type=Lifetime(), default=None,
              help="Lifetime such as 90d, 12h, 2w, or never (the default).")
@click.pass_obj
def token_create(env, address, name, scope, expires):
    """Create a token; its secret is printed once, alone on the last line."""
    from ..db.types import utcnow

    with env.transaction() as dbsession:
        person = _person(dbsession, address)
        created, secret = _service(env, dbsession).create(person, name, scope, expires)
        line = _describe(env, created, utcnow())
    click.echo(f"created {line}")
    click.echo(secret)


@token.command("list")
@click.option("--person", "address", default=None, help="Only this person's tokens.")
@click.pass_obj
def token_list(env, address):
    """List tokens, newest first: id, prefix, scope, status, owner, name, times."""
    from ..db.types import utcnow

    now = utcnow()
    with env.transaction() as dbsession:
        service = _service(env, dbsession)
        tokens = service.list_for(_person(dbsession, address)) if address else \
            service.list_all()
        for row in tokens:
            click.echo(_describe(env, row, now))
        if not tokens:
            click.echo("no tokens")


@token.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
@click.pass_obj
def token_revoke(env, token_id):
    """Revoke token ID (it stops working at once)."""
    with env.transaction() as dbsession:
        service = _service(env, dbsession)
        found = service.get(token_id)
        if found is None:
            raise click.ClickException(f"no token with id {token_id}")
        if found.revoked_at is not None:
            click.echo(f"token {token_id} was already revoked on {_when(env, found.revoked_at)}")
            return
        service.revoke(found, by=None)
        click.echo(f"revoked token {token_id} ({found.prefix}...) of {found.person.email}")
