"""The ``helpdesk`` console script: quick commands first, then the full command line.

Some sub-commands run once per event from another program (an MTA pipes every
message to ``helpdesk mailgate``), so their start-up is paid again and again.
A plugin can answer such a command without click, SQLAlchemy or the plugin
machinery by registering a *quick command* in the entry-point group
``pyramid_helpdesk.quick_commands``, named after the sub-command word::

    entry_points={"pyramid_helpdesk.quick_commands": [
        "mailgate = helpdesk_email.spool:quick_mailgate"]}

The launcher finds the sub-command word in ``argv`` (after the global option
``-c/--config INI``), and, if a quick command has that name, calls it as
``quick(config_uri, args)`` with the words after the sub-command. It returns the
exit code, or ``None`` when it does not handle this call (other options, the
plugin not active in that ini), which it must decide before it reads standard
input: then the full ``helpdesk`` command line (:mod:`pyramid_helpdesk.cli`)
runs as if the launcher were not there, and says what it says of that command.
A quick command must import little; this module imports only the standard
library (:mod:`importlib.metadata` to find the entry point, about 40 ms of a
quick ``helpdesk mailgate``'s 100 on a 2-core machine).
"""
from __future__ import annotations

import os
import sys

QUICK_COMMANDS = "pyramid_helpdesk.quick_commands"
DEFAULT_CONFIG = "development.ini"


def split_command(args: list[str]) -> tuple[str, str | None, list[str]]:
    """``(config_uri, sub-command word, words after it)`` of the ``helpdesk`` arguments.

    The word is ``None`` when something other than ``-c/--config INI`` comes
    before it (``--help``, an unknown option): only the full command line
    knows what to make of that. The ini file defaults as the ``helpdesk``
    group's ``--config`` does: ``$HELPDESK_CONFIG``, else ``development.ini``.
    """
    config_uri = os.environ.get("HELPDESK_CONFIG") or DEFAULT_CONFIG
    rest = list(args)
    while rest:
        word = rest.pop(0)
        if word in ("-c", "--config") and rest:
            config_uri = rest.pop(0)
        elif word.startswith("--config="):
            config_uri = word.partition("=")[2]
        elif word.startswith("-c") and len(word) > 2:
            config_uri = word[2:]
        elif word.startswith("-"):
            break
        else:
            return config_uri, word, rest
    return config_uri, None, []


def quick_command(name: str):
    """The quick command registered as ``name``, loaded, or ``None``."""
    from importlib.metadata import entry_points

    for entry_point in entry_points(group=QUICK_COMMANDS, name=name):
        return entry_point.load()
    return None


def run() -> None:
    """Console-script entry point: a quick command's exit code, else the full command line."""
    config_uri, word, rest = split_command(sys.argv[1:])
    quick = quick_command(word) if word else None
    if quick is not None:
        code = quick(config_uri, rest)
        if code is not None:
            sys.exit(code)
    from .cli import run as run_full

    run_full()
