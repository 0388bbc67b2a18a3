"""The benchmark's load generator counts what it sends (bench/; no timing asserted)."""
import pytest

from bench.loadgen import run_load
from bench.process import HOST
from bench.scenarios import FloorPoster
from bench.sites import floor_site


@pytest.fixture(scope="module")
def floor(tmp_path_factory):
    """The floor app served by waitress in a subprocess, stopped after the module."""
    with floor_site(tmp_path_factory.mktemp("floor"), threads=2) as site:
        yield site


def test_every_post_of_a_fixed_count_is_answered_and_stored(floor):
    before = floor.count_rows()
    result = run_load(FloorPoster(), HOST, floor.port, concurrency=3, requests=10, warmup=1)

    assert (result.requests, result.ok, result.errors) == (10, 10, 0)
    assert (result.warmup_requests, result.warmup_errors, result.setup_errors) == (3, 0, 0)
    assert len(result.latencies) == result.ok
    assert result.figures().ok == 10 and result.figures().errors == 0
    assert floor.count_rows() - before == 13


def test_unexpected_answers_are_counted_as_errors_with_samples(floor):
    result = run_load(FloorPoster(path="/no-such-page"), HOST, floor.port, concurrency=2,
                      requests=4)

    assert (result.requests, result.ok, result.errors) == (4, 0, 4)
    assert result.figures().errors == 4
    assert result.error_samples[0].startswith("POST /no-such-page -> 404")
