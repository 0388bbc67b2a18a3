"""Figures of one measurement, and the median over repeats."""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Sequence


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values (0.0 when there are none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class Figures:
    """What one row of the table shows, for one measurement."""

    ok: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float

    @property
    def per_second(self) -> float:
        """Successful operations per second of wall time."""
        return self.ok / self.seconds if self.seconds > 0 else 0.0

    @classmethod
    def from_latencies(cls, latencies: Sequence[float], errors: int, seconds: float) -> "Figures":
        """Figures from the latencies (seconds) of the successful operations."""
        ordered = sorted(latencies)
        return cls(ok=len(ordered), errors=errors, seconds=seconds,
                   p50_ms=percentile(ordered, 0.50) * 1000,
                   p95_ms=percentile(ordered, 0.95) * 1000)

    def as_dict(self) -> dict:
        return {"ok": self.ok, "errors": self.errors, "seconds": round(self.seconds, 4),
                "per_second": round(self.per_second, 2), "p50_ms": round(self.p50_ms, 3),
                "p95_ms": round(self.p95_ms, 3)}


@dataclass
class Row:
    """One row of the table: a measurement repeated ``len(repeats)`` times."""

    key: str
    label: str
    repeats: list[Figures] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        """Median throughput of the repeats."""
        return statistics.median(f.per_second for f in self.repeats) if self.repeats else 0.0

    @property
    def p50_ms(self) -> float:
        return statistics.median(f.p50_ms for f in self.repeats) if self.repeats else 0.0

    @property
    def p95_ms(self) -> float:
        return statistics.median(f.p95_ms for f in self.repeats) if self.repeats else 0.0

    @property
    def errors(self) -> int:
        """Errors are added up over the repeats, never hidden behind a median."""
        return sum(f.errors for f in self.repeats)

    def as_dict(self) -> dict:
        return {
            "key": self.key, "label": self.label,
            "per_second": round(self.per_second, 2), "p50_ms": round(self.p50_ms, 3),
            "p95_ms": round(self.p95_ms, 3),
            "errors": self.errors, "repeats": [f.as_dict() for f in self.repeats],
            "notes": self.notes,
        }
