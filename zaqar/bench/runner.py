"""Running the roles as processes x threads, showing progress, and collecting the figures.

The parent resets the queues, starts every process, waits until all of them have built their
workers, then sets one shared deadline and lets them go, so start-up cost is not measured.
Each process publishes its running totals in a shared array (read for the progress line) and
sends its merged :class:`RoleStats` back when its threads are done.
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
import random
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from zaqar.bench.http import TRANSPORT_ERRORS, Client
from zaqar.bench.messages import MessageMix
from zaqar.bench.roles import WORKERS, Workload, queue_path
from zaqar.bench.stats import MESSAGE_COUNT, RoleStats, merged, role_summary

ROLES = ("producer", "consumer", "observer")
#: Slots per process in the shared progress array: requests, failures, messages.
SLOTS = 3
#: Seconds to wait for the processes to get ready, and for results after the deadline.
READY_TIMEOUT = 60.0
RESULT_GRACE = 30.0


class BenchError(RuntimeError):
    """The run could not be carried out (server unreachable, queues not created ...)."""


@dataclass(frozen=True)
class RolePlan:
    role: str
    processes: int
    workers: int


@dataclass(frozen=True)
class Plan:
    workload: Workload
    roles: tuple[RolePlan, ...]
    duration: float
    mix_path: str | None = None
    seed: int | None = None
    reset_queues: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def active(self) -> tuple[RolePlan, ...]:
        return tuple(r for r in self.roles if r.processes > 0 and r.workers > 0)


def reset_queues(workload: Workload) -> None:
    """Delete and re-create every queue of the run, so it starts empty."""
    client = Client(workload.url, workload.project, timeout=workload.timeout)
    try:
        for name in workload.queues:
            path = queue_path(name)
            status, _ = client.request("DELETE", path)
            if status >= 300:
                raise BenchError(f"DELETE {path} answered {status}")
            status, _ = client.request("PUT", path)
            if status not in (201, 204):
                raise BenchError(f"PUT {path} answered {status}")
    except TRANSPORT_ERRORS as error:
        raise BenchError(f"cannot reach {workload.url}: {error}") from error
    finally:
        client.close()


def _process_main(
    plan: Plan,
    role: str,
    slot: int,
    ready: Any,
    go: Any,
    deadline: Any,
    progress: Any,
    results: Any,
) -> None:
    """One process of a role: its worker threads, its progress reporter, then its result."""
    seed = plan.seed if plan.seed is None else plan.seed * 1000 + slot
    rng = random.Random(seed)
    mix = MessageMix.load(plan.mix_path)
    client_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    workers_count = next(r.workers for r in plan.roles if r.role == role)
    workers = [
        WORKERS[role](plan.workload, mix, client_id, random.Random(rng.getrandbits(64)))
        for _ in range(workers_count)
    ]
    stop = threading.Event()
    ready.put(slot)
    go.wait()
    end = deadline.value
    threads = [
        threading.Thread(target=worker.run, args=(end, stop), daemon=True) for worker in workers
    ]
    for thread in threads:
        thread.start()
    message_count = MESSAGE_COUNT[role]

    def publish() -> None:
        stats = [worker.stats for worker in workers]
        progress[slot * SLOTS] = sum(s.requests for s in stats)
        progress[slot * SLOTS + 1] = sum(s.failures for s in stats)
        progress[slot * SLOTS + 2] = sum(s.counts.get(message_count, 0) for s in stats)

    while any(thread.is_alive() for thread in threads):
        publish()
        time.sleep(0.25)
    publish()
    results.put((role, slot, merged(worker.stats for worker in workers)))


ProgressCallback = Callable[[float, dict[str, tuple[int, int, int]]], None]


def run(plan: Plan, on_progress: ProgressCallback | None = None) -> dict[str, Any]:
    """Run ``plan``; return the summary document (what ``--json`` prints)."""
    active = plan.active()
    if not active:
        raise BenchError("no role has both processes and workers")
    MessageMix.load(plan.mix_path)  # fail here, not in every child
    if plan.reset_queues:
        reset_queues(plan.workload)

    context = multiprocessing.get_context()
    slots: list[tuple[str, int]] = []
    for role_plan in active:
        slots.extend((role_plan.role, n) for n in range(role_plan.processes))
    ready = context.Queue()
    results = context.Queue()
    go = context.Event()
    deadline = context.Value("d", 0.0)
    progress = context.Array("q", len(slots) * SLOTS, lock=False)
    processes = [
        context.Process(
            target=_process_main,
            args=(plan, role, slot, ready, go, deadline, progress, results),
            name=f"zaqar-bench-{role}-{slot}",
            daemon=True,
        )
        for slot, (role, _) in enumerate(slots)
    ]
    for process in processes:
        process.start()
    try:
        for _ in processes:
            ready.get(timeout=READY_TIMEOUT)
        started = time.monotonic()
        deadline.value = started + plan.duration
        go.set()
        collected = _collect(plan, processes, slots, progress, results, started, on_progress)
    except queue_module.Empty as error:
        raise BenchError("the load processes did not start or did not report") from error
    finally:
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()

    document: dict[str, Any] = {
        "url": plan.workload.url,
        "api_version": "1.0",
        "project": plan.workload.project,
        "queues": list(plan.workload.queues),
        "duration_sec": plan.duration,
        "params": {
            **{r.role: {"processes": r.processes, "workers": r.workers} for r in plan.roles},
            "messages_per_post": plan.workload.messages_per_post,
            "messages_per_claim": plan.workload.messages_per_claim,
            "messages_per_list": plan.workload.messages_per_list,
            **plan.extra,
        },
    }
    for role_plan in active:
        parts = [stats for (role, _), stats in collected.items() if role == role_plan.role]
        document[role_plan.role] = role_summary(
            role_plan.role, merged(parts), role_plan.processes, role_plan.workers
        )
    return document


def _totals(slots: list[tuple[str, int]], progress: Any) -> dict[str, tuple[int, int, int]]:
    totals: dict[str, list[int]] = {}
    for slot, (role, _) in enumerate(slots):
        entry = totals.setdefault(role, [0, 0, 0])
        for n in range(SLOTS):
            entry[n] += int(progress[slot * SLOTS + n])
    return {role: (v[0], v[1], v[2]) for role, v in totals.items()}


def _collect(
    plan: Plan,
    processes: list[Any],
    slots: list[tuple[str, int]],
    progress: Any,
    results: Any,
    started: float,
    on_progress: ProgressCallback | None,
) -> dict[tuple[str, int], RoleStats]:
    collected: dict[tuple[str, int], RoleStats] = {}
    give_up = started + plan.duration + plan.workload.timeout + RESULT_GRACE
    while len(collected) < len(processes):
        try:
            role, slot, stats = results.get(timeout=0.5 if on_progress else 1.0)
        except queue_module.Empty:
            if time.monotonic() > give_up:
                raise
            dead = [p for p in processes if p.exitcode not in (None, 0)]
            if dead:
                raise BenchError(
                    f"{dead[0].name} exited with {dead[0].exitcode} before reporting"
                ) from None
        else:
            collected[(role, slot)] = stats
        if on_progress is not None:
            on_progress(time.monotonic() - started, _totals(slots, progress))
    return collected


class ProgressLine:
    """Writes ``[ 3.0/10s] producer 1203 req 401.0/s ...`` to a stream about once a second.

    On a terminal the line is rewritten in place; otherwise a line is written every 5 s.
    """

    def __init__(self, duration: float, stream: TextIO | None = None) -> None:
        self.duration = duration
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.every = 1.0 if self.tty else 5.0
        self.last = 0.0

    def __call__(self, elapsed: float, totals: dict[str, tuple[int, int, int]]) -> None:
        if elapsed - self.last < self.every:
            return
        self.last = elapsed
        self.stream.write(("\r" if self.tty else "") + self.format(elapsed, totals))
        if not self.tty:
            self.stream.write("\n")
        self.stream.flush()

    def format(self, elapsed: float, totals: dict[str, tuple[int, int, int]]) -> str:
        shown = min(elapsed, self.duration)
        parts = [f"[{shown:5.1f}/{self.duration:g}s]"]
        seconds = max(elapsed, 1e-9)
        for role in ROLES:
            if role not in totals:
                continue
            requests, failures, messages = totals[role]
            parts.append(
                f"{role} {requests / seconds:7.1f} req/s {messages / seconds:7.1f} msg/s"
                f" {failures} err"
            )
        return " | ".join(parts)

    def finish(self) -> None:
        if self.tty and self.last:
            self.stream.write("\n")
            self.stream.flush()
