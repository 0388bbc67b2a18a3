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
library (and finds entry points without :mod:`importlib.metadata`, see
:func:`quick_command`).
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
    """The quick command registered as ``name``, or ``None``.

    Read from the ``entry_points.txt`` of the distributions on ``sys.path``,
    the files :func:`importlib.metadata.entry_points` reads, and in its order
    (the first distribution of a name on the path counts), but without
    importing :mod:`importlib.metadata`: with the ``email`` package it pulls
    in, that import costs more than the quick command itself (about 45 ms
    against 2 ms for this scan, on a 2-core machine).
    """
    seen: set[str] = set()
    for directory in sys.path:
        for metadata in _distributions(directory or "."):
            distribution = metadata.rsplit(".", 1)[0].split("-")[0].lower().replace("_", "-")
            if distribution in seen:
                continue
            seen.add(distribution)
            target = _entry_point(os.path.join(directory or ".", metadata), name)
            if target is not None:
                return _load(target)
    return None


def _distributions(directory: str) -> list[str]:
    """The ``*.dist-info`` and ``*.egg-info`` directories in ``directory``, sorted."""
    try:
        names = os.listdir(directory)
    except OSError:  # not a directory (a zip file) or gone
        return []
    return sorted(n for n in names if n.endswith((".dist-info", ".egg-info")))


def _entry_point(metadata: str, name: str) -> str | None:
    """The object reference (``module:attr``) of quick command ``name`` in the
    ``entry_points.txt`` of ``metadata``, if it declares one."""
    try:
        with open(os.path.join(metadata, "entry_points.txt"), encoding="utf-8") as file:
            text = file.read()
    except OSError:
        return None
    section = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif section == QUICK_COMMANDS and "=" in line and not line.startswith(("#", ";")):
            key, _, value = line.partition("=")
            if key.strip() == name:
                return value.split("[", 1)[0].strip()
    return None


def _load(target: str):
    """Import ``module:attr.attr`` as an entry point's ``load()`` does."""
    import importlib

    module, _, attrs = target.partition(":")
    found = importlib.import_module(module.strip())
    for attr in filter(None, attrs.strip().split(".")):
        found = getattr(found, attr)
    return found


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
