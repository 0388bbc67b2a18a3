"""A plugin with a ``helpdesk worker`` task: ``chores`` moves the lines of ``chores.txt``
(beside the ini file) to ``done.txt``, two a pass, each noted with the site's name.

``chores.fail`` makes a second task, ``failing``, raise on every pass:
``defect`` a RuntimeError (a bug), ``database`` an OperationalError (the
database went away).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import OperationalError

from pyramid_helpdesk import hookimpl

PER_PASS = 2


@dataclass(frozen=True)
class ChoreTask:
    directory: Path
    name: str = "chores"

    def run(self, env) -> int:
        todo = self.directory / "chores.txt"
        chores = todo.read_text().splitlines() if todo.exists() else []
        now, later = chores[:PER_PASS], chores[PER_PASS:]
        with (self.directory / "done.txt").open("a") as done:
            for chore in now:
                done.write(f"{chore} for {env.settings.site_name}\n")
        todo.write_text("".join(f"{chore}\n" for chore in later))
        return len(now)


@dataclass(frozen=True)
class FailingTask:
    error: str
    name: str = "failing"

    def run(self, env) -> int:
        if self.error == "database":
            raise OperationalError("SELECT 1", {}, Exception("the database server went away"))
        raise RuntimeError("a worker task defect")


@hookimpl
def helpdesk_register_worker_tasks(settings):
    tasks = [ChoreTask(Path(settings.raw["here"]))]
    if settings.raw.get("chores.fail"):
        tasks.insert(0, FailingTask(settings.raw["chores.fail"]))
    return tasks
