"""A plugin that adds a sub-command to ``helpdesk``: ``helpdesk count-people``."""
import click
from sqlalchemy import func, select

from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.people.models import Person


@click.command("count-people")
@click.option("--role", default=None, help="Only people with this role.")
@click.pass_obj
def count_people(env, role):
    """Print how many people the helpdesk knows."""
    query = select(func.count()).select_from(Person)
    if role is not None:
        query = query.where(Person.role == role)
    with env.transaction() as dbsession:
        click.echo(f"{dbsession.scalar(query)} people")


@hookimpl
def helpdesk_register_commands():
    return [count_people]
