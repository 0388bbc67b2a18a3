"""The search rows of the benchmark: the fast loader loads the same desk as the
plain one, and a kept database is loaded once and reused (no timing)."""
import os
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from bench import search as search_bench
from bench.service import service_settings
from bench.staffdata import bulk_load_with_messages, load_with_messages
from pyramid_helpdesk.config import configure
from pyramid_helpdesk.migrations import reset_database
from pyramid_helpdesk.testing import throwaway_database

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)
BACKENDS = [None] + [os.environ.get("HELPDESK_TEST_DATABASE_URL")] * bool(
    os.environ.get("HELPDESK_TEST_DATABASE_URL"))


def loaded(base_url, directory, suffix, loader, count=300):
    """What ``loader`` puts in the tickets, messages and search index of a fresh database."""
    with throwaway_database(base_url or f"sqlite:///{directory}/x", suffix,
                            str(directory)) as url:
        registry = configure(service_settings(url, directory), here=str(directory)).registry
        engine = registry["dbengine"]
        try:
            reset_database(engine)
            loader(engine, registry.helpdesk_settings, count, now=NOW)
            with engine.connect() as connection:
                found = {
                    table: connection.execute(text(
                        f"SELECT * FROM {table} ORDER BY id")).all()
                    for table in ("tickets", "messages")}
                if engine.dialect.name == "sqlite":
                    found["index"] = connection.execute(text(
                        "SELECT rowid FROM search_text WHERE search_text MATCH '\"打印机\"' "
                        "ORDER BY rowid")).all()
                else:
                    found["index"] = connection.execute(text(
                        "SELECT id FROM messages WHERE body ILIKE '%打印机%' ORDER BY id")).all()
                    found["indexes"] = connection.execute(text(
                        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
                        "('tickets', 'messages') ORDER BY indexname")).all()
            return found
        finally:
            engine.dispose()


@pytest.mark.parametrize("base_url", BACKENDS, ids=["sqlite", "postgresql"][:len(BACKENDS)])
def test_the_fast_loader_loads_the_same_desk_with_the_same_indexes(base_url, tmp_path):
    plain = loaded(base_url, tmp_path, "plain", load_with_messages)
    fast = loaded(base_url, tmp_path, "fast", bulk_load_with_messages)
    assert len(fast["tickets"]) == 300 and len(fast["messages"]) > 600
    assert fast["index"] and fast == plain


def test_a_kept_database_is_loaded_once_then_reused(tmp_path, monkeypatch):
    monkeypatch.setattr(search_bench, "KEPT_DIRECTORY", tmp_path / "kept")
    loads = []
    load = search_bench._load
    monkeypatch.setattr(search_bench, "_load", lambda *args: loads.append(args) or load(*args))
    bench = replace(search_bench.BENCH, pages=tuple(
        page for page in search_bench.BENCH.pages if page.key in ("zh3_common", "zh2_common")))
    rows, _, databases = search_bench.measure([None], tmp_path / "work", (300,), requests=2,
                                              warmup=0, repeat=2, keep=True, bench=bench)
    kept = tmp_path / "kept" / "search-300.sqlite"
    assert kept.exists() and "kept: search-300.sqlite" in databases["search (sqlite)"]
    assert [(row.key, len(row.repeats), row.errors) for row in rows] == [
        ("search_zh3_common_300_sqlite", 2, 0), ("search_zh2_common_300_sqlite", 2, 0)]
    rows, _, _ = search_bench.measure([None], tmp_path / "work", (300,), requests=1, warmup=0,
                                      keep=True, bench=bench)
    assert len(loads) == 1 and all(row.errors == 0 for row in rows)
    assert search_bench.drop_kept(None, 300) and not kept.exists()
