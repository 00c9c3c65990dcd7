"""The three roles. Each worker is one thread with its own connection, looping until told to stop.

* **producer** posts ``messages_per_post`` messages drawn from the mix to a random queue;
* **consumer** claims up to ``messages_per_claim`` messages of a random queue, then deletes
  each one with the claim id from its href; a claim answered 204 is counted as empty;
* **observer** lists ``messages_per_list`` messages of a random queue with
  ``include_claimed=true``, following the ``next`` link's marker per queue. A 204 means it
  has read to the end of that queue, so it starts that queue over from the beginning.
"""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

from zaqar.bench.http import TRANSPORT_ERRORS, Client, next_marker
from zaqar.bench.messages import MessageMix
from zaqar.bench.stats import RoleStats

#: Seconds a worker waits after a request that got no response, so a dead server is not spun on.
FAILURE_PAUSE = 0.05


@dataclass(frozen=True)
class Workload:
    """What every worker of a run needs to know, whatever its role."""

    url: str
    project: str | None
    queues: tuple[str, ...]
    messages_per_post: int = 1
    messages_per_claim: int = 5
    messages_per_list: int = 5
    claim_ttl: int = 300
    claim_grace: int = 200
    timeout: float = 30.0


def queue_path(name: str) -> str:
    return f"/v1/queues/{urllib.parse.quote(name, safe='')}"


class Worker:
    """One thread's loop. Subclasses implement :meth:`step`, one unit of the role's work."""

    role = ""

    def __init__(
        self, workload: Workload, mix: MessageMix, client_id: str, rng: random.Random
    ) -> None:
        self.workload = workload
        self.mix = mix
        self.rng = rng
        self.client = Client(workload.url, workload.project, client_id, workload.timeout)
        self.stats = RoleStats()

    def run(self, deadline: float, stop: threading.Event) -> None:
        self.stats.started = time.monotonic()
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                self.step()
        finally:
            self.stats.finished = time.monotonic()
            self.client.close()

    def step(self) -> None:
        raise NotImplementedError

    def call(self, op: str, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        """One timed request; status 0 when there was no response."""
        stats = self.stats.op(op)
        began = time.perf_counter()
        try:
            status, data = self.client.request(method, path, body)
        except TRANSPORT_ERRORS as error:
            stats.record_failure(error)
            time.sleep(FAILURE_PAUSE)
            return 0, b""
        stats.record(status, (time.perf_counter() - began) * 1000.0)
        return status, data

    def pick_queue(self) -> str:
        return self.rng.choice(self.workload.queues)


class Producer(Worker):
    role = "producer"

    def step(self) -> None:
        count = self.workload.messages_per_post
        body = self.mix.post_body(self.rng, count)
        status, _ = self.call("post", "POST", f"{queue_path(self.pick_queue())}/messages", body)
        if status == 201:
            self.stats.counts["messages_posted"] += count


class Consumer(Worker):
    role = "consumer"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.claim_body = json.dumps(
            {"ttl": self.workload.claim_ttl, "grace": self.workload.claim_grace}
        ).encode()

    def step(self) -> None:
        path = f"{queue_path(self.pick_queue())}/claims?limit={self.workload.messages_per_claim}"
        status, data = self.call("claim", "POST", path, self.claim_body)
        if status == 204:
            self.stats.counts["empty_claims"] += 1
            return
        if status != 201:
            return
        try:
            claimed = json.loads(data)
            hrefs = [str(message["href"]) for message in claimed]
        except (ValueError, TypeError, KeyError):
            self.stats.counts["unreadable_claims"] += 1
            return
        self.stats.counts["claims"] += 1
        self.stats.counts["messages_claimed"] += len(hrefs)
        # The batch is finished even past the deadline, so claimed = deleted + failed deletes.
        for href in hrefs:
            status, _ = self.call("delete", "DELETE", href)
            if status == 204:
                self.stats.counts["messages_deleted"] += 1


class Observer(Worker):
    role = "observer"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.markers: dict[str, str] = {}

    def step(self) -> None:
        queue = self.pick_queue()
        query = {"limit": str(self.workload.messages_per_list), "include_claimed": "true"}
        marker = self.markers.get(queue)
        if marker is not None:
            query["marker"] = marker
        path = f"{queue_path(queue)}/messages?{urllib.parse.urlencode(query)}"
        status, data = self.call("list", "GET", path)
        if status == 204:
            self.stats.counts["empty_lists"] += 1
            self.markers.pop(queue, None)
            return
        if status != 200:
            return
        try:
            page = json.loads(data)
            listed = len(page["messages"])
        except (ValueError, TypeError, KeyError):
            self.stats.counts["unreadable_lists"] += 1
            return
        self.stats.counts["messages_listed"] += listed
        following = next_marker(page)
        if following is None:
            self.markers.pop(queue, None)
        else:
            self.markers[queue] = following


WORKERS: dict[str, type[Worker]] = {cls.role: cls for cls in (Producer, Consumer, Observer)}
