"""Plugins' background work in ``helpdesk worker``: ``helpdesk_register_worker_tasks``.

The worker runs every registered task on each pass, and passes again at once while
a task handled something; a task's defect is logged and the others go on, while an
unreachable database stops the worker with one line, as its own steps do.
"""
from __future__ import annotations

import pytest

CHORES = "tests.functional.sample_plugins.worker_chores"


@pytest.fixture
def chores(migrated):
    (migrated.directory / "chores.txt").write_text("sweep\nmop\ndust\n")
    return migrated


def done(installation) -> list[str]:
    return (installation.directory / "done.txt").read_text().splitlines()


def test_the_worker_runs_a_plugins_task_until_it_has_nothing_left(chores):
    chores.write_ini(helpdesk__plugins=f"web {CHORES}")
    assert chores.ok("worker", "--once") == "sent 0, to retry 0, failed 0\n"
    # Two chores a pass: the worker passed again while the task handled something.
    assert done(chores) == [f"{chore} for Test Institute Helpdesk"
                            for chore in ("sweep", "mop", "dust")]
    assert (chores.directory / "chores.txt").read_text() == ""


def test_a_task_of_a_plugin_that_is_not_active_does_not_run(chores):
    assert chores.ok("worker", "--once") == "sent 0, to retry 0, failed 0\n"
    assert not (chores.directory / "done.txt").exists()


def test_a_failing_task_is_logged_and_the_other_tasks_still_run(chores):
    chores.write_ini(helpdesk__plugins=f"web {CHORES}", chores__fail="defect")
    run = chores.run("worker", "--once")
    assert (run.returncode, run.stdout) == (0, "sent 0, to retry 0, failed 0\n"), run.stderr
    assert "worker task failing failed" in run.stderr
    assert "RuntimeError: a worker task defect" in run.stderr
    assert len(done(chores)) == 3


def test_a_task_that_finds_the_database_gone_stops_the_worker_with_one_line(chores):
    chores.write_ini(helpdesk__plugins=f"web {CHORES}", chores__fail="database")
    assert chores.fails("worker", "--once") == (
        "Error: database unreachable: the database server went away")
    assert not (chores.directory / "done.txt").exists()

