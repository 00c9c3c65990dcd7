"""Counting requests and summarising latencies.

Every worker thread records into its own :class:`RoleStats`; a process merges its threads'
records, the parent merges the processes', and :func:`role_summary` turns the total into the
figures ``zaqar-bench`` prints. Latencies are kept raw (8 bytes a request), so percentiles are
exact rather than bucketed.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: The percentiles reported for every operation.
PERCENTILES = (50.0, 90.0, 99.0)


def percentile(ordered: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0 < q <= 100) of ascending ``ordered``, by nearest rank.

    The nearest-rank value is always an observed sample: the smallest one such that at least
    ``q`` percent of the samples are less than or equal to it. ``None`` when there are none.
    """
    if not 0.0 < q <= 100.0:
        raise ValueError(f"percentile must be in (0, 100], not {q}")
    if not ordered:
        return None
    rank = math.ceil(q / 100.0 * len(ordered))
    return float(ordered[max(rank, 1) - 1])


def is_success(status: int) -> bool:
    return 200 <= status < 300


@dataclass
class OpStats:
    """Requests of one operation (post, claim, delete, list): statuses and latencies."""

    #: Responses by HTTP status, plus failures without a response by exception name.
    outcomes: Counter[str] = field(default_factory=Counter)
    #: Latency of every request that got a response, in milliseconds.
    latencies_ms: array[float] = field(default_factory=lambda: array("d"))

    def record(self, status: int, latency_ms: float) -> None:
        self.outcomes[str(status)] += 1
        self.latencies_ms.append(latency_ms)

    def record_failure(self, error: BaseException) -> None:
        """A request that got no HTTP response (refused, reset, timed out)."""
        self.outcomes[type(error).__name__] += 1

    @property
    def requests(self) -> int:
        return sum(self.outcomes.values())

    @property
    def successes(self) -> int:
        return sum(n for key, n in self.outcomes.items() if key.isdigit() and is_success(int(key)))

    def errors(self) -> dict[str, int]:
        """Outcomes other than 2xx: ``{"503": 4, "ConnectionResetError": 1}``."""
        return {
            key: n
            for key, n in sorted(self.outcomes.items())
            if not (key.isdigit() and is_success(int(key)))
        }

    def merge(self, other: OpStats) -> None:
        self.outcomes.update(other.outcomes)
        self.latencies_ms.extend(other.latencies_ms)

    def summary(self, duration: float) -> dict[str, Any]:
        ordered = sorted(self.latencies_ms)
        result: dict[str, Any] = {
            "requests": self.requests,
            "successful": self.successes,
            "requests_per_sec": rate(self.requests, duration),
        }
        for q in PERCENTILES:
            result[f"p{q:g}_ms"] = _round(percentile(ordered, q))
        result["mean_ms"] = _round(sum(ordered) / len(ordered)) if ordered else None
        result["max_ms"] = _round(ordered[-1]) if ordered else None
        result["statuses"] = {k: n for k, n in sorted(self.outcomes.items()) if k.isdigit()}
        result["errors"] = self.errors()
        return result


@dataclass
class RoleStats:
    """What one worker (or, merged, a whole role) did."""

    ops: dict[str, OpStats] = field(default_factory=dict)
    #: Role-specific counts: messages posted, claimed, deleted, listed; empty claims ...
    counts: Counter[str] = field(default_factory=Counter)
    #: Monotonic time of the first request and the end of the last one.
    started: float | None = None
    finished: float | None = None

    def op(self, name: str) -> OpStats:
        stats = self.ops.get(name)
        if stats is None:
            stats = self.ops[name] = OpStats()
        return stats

    def merge(self, other: RoleStats) -> None:
        for name, stats in other.ops.items():
            self.op(name).merge(stats)
        self.counts.update(other.counts)
        if other.started is not None:
            self.started = (
                other.started if self.started is None else min(self.started, other.started)
            )
        if other.finished is not None:
            self.finished = (
                other.finished if self.finished is None else max(self.finished, other.finished)
            )

    @property
    def requests(self) -> int:
        return sum(stats.requests for stats in self.ops.values())

    @property
    def failures(self) -> int:
        return sum(stats.requests - stats.successes for stats in self.ops.values())


def merged(parts: Iterable[RoleStats]) -> RoleStats:
    total = RoleStats()
    for part in parts:
        total.merge(part)
    return total


def rate(count: float, duration: float) -> float:
    """``count`` per second over ``duration`` seconds, rounded to 0.1 (0 for no time)."""
    return round(count / duration, 1) if duration > 0 else 0.0


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


#: The count each role's messages/s is made of: messages that went through end to end.
MESSAGE_COUNT = {
    "producer": "messages_posted",
    "consumer": "messages_deleted",
    "observer": "messages_listed",
}


def role_summary(
    role: str, stats: RoleStats, processes: int, workers: int, duration: float | None = None
) -> dict[str, Any]:
    """The figures of one role: rates, counts, errors by status and per-operation latencies.

    ``duration`` defaults to the time from the role's first request to the end of its last.
    """
    if duration is None:
        if stats.started is None or stats.finished is None:
            duration = 0.0
        else:
            duration = stats.finished - stats.started
    errors: Counter[str] = Counter()
    for op in stats.ops.values():
        errors.update(op.errors())
    messages = stats.counts.get(MESSAGE_COUNT.get(role, ""), 0)
    return {
        "processes": processes,
        "workers": workers,
        "duration_sec": round(duration, 3),
        "requests": stats.requests,
        "successful": stats.requests - stats.failures,
        "requests_per_sec": rate(stats.requests, duration),
        "messages": messages,
        "messages_per_sec": rate(messages, duration),
        "counts": dict(sorted(stats.counts.items())),
        "errors": dict(sorted(errors.items())),
        "ops": {name: op.summary(duration) for name, op in sorted(stats.ops.items())},
    }
