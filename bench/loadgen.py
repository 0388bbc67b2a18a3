"""The load generator: N threads, each one logged-in browser, posting as fast as answered.

Each thread opens its own :class:`~bench.httpclient.HttpClient`, runs the
scenario's untimed ``start`` (log in, read the CSRF token) and ``warmup``
steps, then waits for the others; the measured phase begins when every client
is ready and lasts ``duration`` seconds, or until ``requests`` steps in all
are done. Every response status is checked; an unexpected status or a broken
connection is an error, never a silent retry.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from .httpclient import HttpClient, Response
from .stats import Figures

MAX_ERROR_SAMPLES = 5


class Scenario(Protocol):
    """What one simulated client does."""

    name: str
    expected_status: int

    def start(self, client: HttpClient, index: int) -> Any:
        """Untimed preparation (log in...); return the client's state; raise on failure."""

    def step(self, client: HttpClient, state: Any, index: int, seq: int) -> Response:
        """One timed request."""


@dataclass
class LoadResult:
    """Counts and latencies of one load run."""

    concurrency: int
    requests: int = 0          # measured steps attempted
    ok: int = 0                # ... answered with the expected status
    errors: int = 0            # ... not (wrong status or broken connection)
    seconds: float = 0.0       # wall time of the measured phase
    latencies: list[float] = field(default_factory=list, repr=False)  # of the ok steps
    warmup_requests: int = 0
    warmup_errors: int = 0
    setup_errors: int = 0      # clients that could not start (failed login...)
    error_samples: list[str] = field(default_factory=list)

    @property
    def all_errors(self) -> int:
        """Every error of the run: setup, warm-up and measured."""
        return self.errors + self.warmup_errors + self.setup_errors

    def figures(self) -> Figures:
        return Figures.from_latencies(self.latencies, self.all_errors, self.seconds)

    def summary(self) -> dict:
        return {
            "concurrency": self.concurrency, "requests": self.requests, "ok": self.ok,
            "errors": self.errors, "seconds": self.seconds,
            "warmup_requests": self.warmup_requests, "warmup_errors": self.warmup_errors,
            "setup_errors": self.setup_errors, "error_samples": self.error_samples,
        }


@dataclass
class _Worker:
    """One thread's own tallies (merged after the run; no locks on the hot path)."""

    index: int
    share: int | None
    latencies: list[float] = field(default_factory=list)
    requests: int = 0
    errors: int = 0
    warmup_requests: int = 0
    warmup_errors: int = 0
    setup_failed: bool = False
    samples: list[str] = field(default_factory=list)
    finished_at: float = 0.0

    def sample(self, text: str) -> None:
        if len(self.samples) < MAX_ERROR_SAMPLES:
            self.samples.append(text)


def run_load(
    scenario: Scenario,
    host: str,
    port: int,
    *,
    concurrency: int,
    duration: float | None = None,
    requests: int | None = None,
    warmup: int = 0,
    timeout: float = 30.0,
) -> LoadResult:
    """Drive ``host:port`` with ``concurrency`` clients; stop after ``duration`` or ``requests``."""
    if (duration is None) == (requests is None):
        raise ValueError("give a duration or a request count, not both")
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    workers = [_Worker(i, _share(requests, concurrency, i) if requests is not None else None)
               for i in range(concurrency)]
    clock: dict[str, float] = {}
    stop = threading.Event()

    def begin() -> None:  # runs once, when every client is ready
        clock["start"] = time.perf_counter()
        clock["deadline"] = clock["start"] + (duration or 0.0)

    barrier = threading.Barrier(concurrency, action=begin)
    threads = [
        threading.Thread(target=_work, name=f"bench-client-{w.index}", daemon=True,
                         args=(scenario, host, port, timeout, warmup, w, barrier, clock, stop,
                               duration is not None))
        for w in workers
    ]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except BaseException:
        stop.set()  # KeyboardInterrupt: let the clients stop at their next step
        barrier.abort()
        raise
    return _merge(workers, concurrency, clock.get("start", 0.0))


def _share(total: int, concurrency: int, index: int) -> int:
    """Client ``index``'s part of ``total`` requests (the first ones take the remainder)."""
    return total // concurrency + (1 if index < total % concurrency else 0)


def _work(scenario, host, port, timeout, warmup, worker, barrier, clock, stop, timed) -> None:
    client = HttpClient(host, port, timeout)
    state = None
    try:
        try:
            state = scenario.start(client, worker.index)
            for seq in range(warmup):
                worker.warmup_requests += 1
                if not _step(scenario, client, state, worker, -1 - seq, None):
                    worker.warmup_errors += 1
        except Exception as exc:  # noqa: BLE001 - reported as a setup error
            worker.setup_failed = True
            worker.sample(f"client {worker.index} could not start: {exc!r}")
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return
        if worker.setup_failed:
            return
        seq = 0
        while not stop.is_set():
            if timed and time.perf_counter() >= clock["deadline"]:
                break
            if not timed and seq >= worker.share:
                break
            worker.requests += 1
            if not _step(scenario, client, state, worker, seq, worker.latencies):
                worker.errors += 1
            seq += 1
    finally:
        worker.finished_at = time.perf_counter()
        client.close()


def _step(scenario, client, state, worker, seq, latencies) -> bool:
    """One request; True when it got the expected status (its latency is then kept)."""
    started = time.perf_counter()
    try:
        response = scenario.step(client, state, worker.index, seq)
    except Exception as exc:  # noqa: BLE001 - a broken connection is an error, counted
        worker.sample(f"client {worker.index}: {exc!r}")
        return False
    elapsed = time.perf_counter() - started
    if response.status != scenario.expected_status:
        worker.sample(response.describe())
        return False
    if latencies is not None:
        latencies.append(elapsed)
    return True


def _merge(workers: list[_Worker], concurrency: int, start: float) -> LoadResult:
    result = LoadResult(concurrency=concurrency)
    finished = [w.finished_at for w in workers if not w.setup_failed]
    result.seconds = (max(finished) - start) if finished and start else 0.0
    for w in workers:
        result.requests += w.requests
        result.errors += w.errors
        result.latencies.extend(w.latencies)
        result.warmup_requests += w.warmup_requests
        result.warmup_errors += w.warmup_errors
        result.setup_errors += int(w.setup_failed)
        for text in w.samples:
            if len(result.error_samples) < MAX_ERROR_SAMPLES:
                result.error_samples.append(text)
    result.ok = len(result.latencies)
    return result
