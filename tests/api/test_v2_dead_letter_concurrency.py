"""Dead-letter queues under concurrent claimers (the issue's guarantee): 4 claimers on a queue
of 1,000 messages with ``_max_claim_count = 2`` delete some of what they claim and leave the
rest to lapse. Every message ends deleted by a consumer or in the dead-letter queue, exactly
once, and none is lost. On the pooled backend the dead-letter queue lives on the other pool.

Time is the test clock: when no claimer finds a free message, the last one to notice moves it
past the claims' expiry, so lapsed claims take no real time.
"""

from __future__ import annotations

import collections
import threading
from typing import Any

from tests.backends import POOLED, Backend

from .support import PROJECT, Api, Clock
from .versions import V2

CLAIMERS = 4
MESSAGES = 1000
MAX_CLAIM_COUNT = 2
CLAIM_TTL = 60
DEADLINE = 120.0
PATCH_TYPE = "application/openstack-messaging-v2.0-json-patch"


def dead_letter_queue(api: Api, backend: Backend, source: str) -> str:
    """A queue on another pool than ``source`` when pooling is on; any name otherwise."""
    if backend.driver != POOLED:
        return "dead"
    catalogue = api.boot.control.catalogue_controller
    home = catalogue.get(PROJECT, source)
    for n in range(64):
        name = f"dead-{n}"
        assert api.put(V2.queue(name)).status_code == 201
        if catalogue.get(PROJECT, name) != home:
            return name
    raise AssertionError("every queue landed on the same pool")


def test_every_message_ends_consumed_or_dead_lettered_exactly_once(
    api: Api, backend: Backend, clock: Clock
) -> None:
    api.put(V2.queue("work"), json={})
    dead = dead_letter_queue(api, backend, "work")
    settings = [
        {"op": "add", "path": "/metadata/_max_claim_count", "value": MAX_CLAIM_COUNT},
        {"op": "add", "path": "/metadata/_dead_letter_queue", "value": dead},
    ]
    resp = api.patch(V2.queue("work"), json=settings, content_type=PATCH_TYPE)
    assert resp.status_code == 200, resp.text
    for start in range(0, MESSAGES, 100):
        batch = [{"body": {"n": n}, "ttl": 3600} for n in range(start, start + 100)]
        resp = api.post(V2.queue("work") + "/messages", json={"messages": batch})
        assert resp.status_code == 201, resp.text

    consumed: list[list[int]] = [[] for _ in range(CLAIMERS)]
    sightings: collections.Counter[int] = collections.Counter()
    counting = threading.Lock()
    failures: list[BaseException] = []
    idle = threading.Barrier(CLAIMERS, action=lambda: clock.advance(CLAIM_TTL + 1))
    finished = threading.Event()

    def claimer(index: int) -> None:
        try:
            rounds = 0
            while not finished.is_set():
                rounds += 1
                assert rounds < 5000, "claiming never finished"
                resp = api.post(
                    V2.queue("work") + "/claims?limit=10", json={"ttl": CLAIM_TTL, "grace": 60}
                )
                if resp.status_code == 201:
                    consume(index, resp.json["messages"])
                    continue
                assert resp.status_code == 204, resp.text
                # Nothing free: wait for the others, then time passes and claims lapse.
                stats = api.get(V2.queue("work") + "/stats").json["messages"]
                if stats["total"] == 0:
                    finished.set()
                    idle.abort()
                    return
                idle.wait(timeout=DEADLINE)
        except threading.BrokenBarrierError:
            return
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)
            finished.set()
            idle.abort()

    def consume(index: int, messages: list[dict[str, Any]]) -> None:
        # A third of the messages is processed on its first claim, a third on its last one
        # (the claim count reached), and the rest is never processed: left to lapse.
        for message in messages:
            n = message["body"]["n"]
            with counting:
                sightings[n] += 1
                seen = sightings[n]
            if (n % 3, seen) in {(0, 1), (1, MAX_CLAIM_COUNT)}:
                assert api.delete(message["href"]).status_code == 204
                consumed[index].append(n)

    threads = [threading.Thread(target=claimer, args=(i,), daemon=True) for i in range(CLAIMERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE)
    assert not any(thread.is_alive() for thread in threads), "a claimer hung"
    if failures:
        raise failures[0]

    deleted = [n for per_claimer in consumed for n in per_claimer]
    dead_lettered = [message["body"]["n"] for message in list_all(api, dead)]
    assert len(deleted) == len(set(deleted)), "a message was consumed twice"
    assert len(dead_lettered) == len(set(dead_lettered)), "a message was dead-lettered twice"
    assert not set(deleted) & set(dead_lettered), "a message was consumed and dead-lettered"
    assert sorted(deleted + dead_lettered) == list(range(MESSAGES)), "a message was lost"
    assert sorted(deleted) == [n for n in range(MESSAGES) if n % 3 != 2]
    assert max(sightings.values()) == MAX_CLAIM_COUNT, "a message was handed out too often"


def list_all(api: Api, queue: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    path = V2.queue(queue) + "/messages?echo=true&include_claimed=true&limit=20"
    while True:
        page = api.get(path).json
        if not page["messages"]:
            return found
        found += page["messages"]
        path = page["links"][0]["href"]
