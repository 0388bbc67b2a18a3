"""Alembic environment: runs on the connection the caller hands in.

``helpdesk db upgrade`` passes its connection; plain ``alembic -c FILE.ini``
builds the engine from the ``sqlalchemy.url`` of that file's app section.
"""
from alembic import context

from pyramid_helpdesk.models import Base
from pyramid_helpdesk.staff.search import schema_name_is_modelled

config = context.config
#: Tables of shipped plugins, created by core migrations but modelled in the plugin
#: (imported only when active): the comparison with the core's models skips them.
PLUGIN_PREFIXES = ("phone_", "ix_phone_")


def include_name(name, type_, parent_names) -> bool:
    """Whether autogenerate compares the reflected ``name`` (not the search or plugin
    tables)."""
    return schema_name_is_modelled(name, type_, parent_names) \
        and not (name or "").startswith(PLUGIN_PREFIXES)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Whether autogenerate compares a modelled object (not a plugin's table, in the
    metadata when the plugin was imported)."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", "")
    return not (table or "").startswith(PLUGIN_PREFIXES)


def _configure_and_run(connection):
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online():
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    from pyramid.paster import get_appsettings

    from pyramid_helpdesk.db import get_engine
    from pyramid_helpdesk.settings import resolve_env

    settings = dict(get_appsettings(config.config_file_name))
    settings["sqlalchemy.url"] = resolve_env("sqlalchemy.url", settings["sqlalchemy.url"])
    with get_engine(settings).begin() as connection:
        _configure_and_run(connection)


if context.is_offline_mode():
    raise SystemExit("helpdesk: offline (SQL script) migrations are not supported")
run_online()
