"""Concurrency guarantees (SPEC §4.11), on the driver's real clock.

* parallel claims never hand out the same message, and together hand out every message;
* parallel pops never hand out the same message, and together take every message;
* concurrent posts are atomic and ordered, and a reader paging while they happen never skips a
  message (markers are handed out in commit order: pagination is gap-free).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

import pytest

from tests.backends import Backend
from zaqar.storage import base

CLAIMERS = 4
MESSAGES = 1000
CLAIM_LIMIT = 10
CLAIM_TTL = 300

PRODUCERS = 4
BATCHES_PER_PRODUCER = 25
BATCH_SIZE = 8

#: Generous bound for any thread; the whole file normally takes a few seconds.
DEADLINE = 60.0

#: mongomock is an in-process Python double: its speed says nothing of MongoDB's, and a
#: thousand messages took it a minute per test, near DEADLINE on a busy machine. A fifth of
#: the work still races four threads over every message.
SMALLER_ON = {"mongomock": 200}


@pytest.fixture
def count(backend: Backend) -> int:
    """How many messages the test moves on this backend."""
    return SMALLER_ON.get(backend.name, MESSAGES)


def run_threads(count: int, target: Callable[[int], None]) -> None:
    """Start ``count`` threads on ``target(index)`` together; re-raise the first failure."""
    failures: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=DEADLINE)
            target(index)
        except BaseException as error:  # noqa: BLE001 - reported to the test below
            failures.append(error)

    threads = [threading.Thread(target=run, args=(index,), daemon=True) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    if failures:
        raise failures[0]


def list_with_markers(
    messages: base.MessageController, queue: str, limit: int = 1
) -> list[tuple[base.Message, str]]:
    """Every message (echo on, claimed included) with the marker of the page it ended.

    With ``limit=1`` that is the marker right after each message.
    """
    found: list[tuple[base.Message, str]] = []
    marker = None
    while True:
        page = messages.list(queue, marker=marker, limit=limit, echo=True, include_claimed=True)
        if not page.items:
            return found
        assert page.next_marker is not None
        found.extend((message, page.next_marker) for message in page.items)
        marker = page.next_marker


def test_concurrent_claimers_each_get_distinct_messages_until_none_are_left(
    queues: base.QueueController,
    messages: base.MessageController,
    claims: base.ClaimController,
    client: str,
    count: int,
) -> None:
    queues.create("busy")
    posted: list[str] = []
    for start in range(0, count, 250):
        batch = [
            base.NewMessage(ttl=3600, body={"n": n}) for n in range(start, min(start + 250, count))
        ]
        posted += messages.post("busy", batch, client)
    taken: list[list[base.Claim]] = [[] for _ in range(CLAIMERS)]
    began = time.monotonic()

    def claimer(index: int) -> None:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            claim = claims.create("busy", ttl=CLAIM_TTL, grace=60, limit=CLAIM_LIMIT)
            if claim is not None:
                taken[index].append(claim)
            elif queues.stats("busy").free == 0:
                return
            time.sleep(0.002)  # let the other claimers in between claims
        raise AssertionError("claiming did not finish in time")

    run_threads(CLAIMERS, claimer)
    elapsed = time.monotonic() - began

    all_claims = [claim for per_thread in taken for claim in per_thread]
    handed_out = [message.id for claim in all_claims for message in claim.messages]
    assert len(handed_out) == len(set(handed_out)), "a message went to two claims"
    assert sorted(handed_out) == sorted(posted), "not every message was claimed exactly once"
    assert len({claim.id for claim in all_claims}) == len(all_claims)
    assert all(1 <= len(claim.messages) <= CLAIM_LIMIT for claim in all_claims)
    assert all(message.claim_id == claim.id for claim in all_claims for message in claim.messages)

    # No claim expired while the test ran: each still holds exactly what it was given.
    assert elapsed < CLAIM_TTL
    for claim in all_claims:
        held = claims.get("busy", claim.id)
        assert [m.id for m in held.messages] == [m.id for m in claim.messages]
    stats = queues.stats("busy")
    assert (stats.free, stats.claimed) == (0, count)
    assert claims.create("busy", ttl=CLAIM_TTL, grace=60) is None
    listed = [message for message, _ in list_with_markers(messages, "busy", limit=100)]
    assert len(listed) == count
    assert all(message.claim_count == 1 and message.claimed for message in listed)


POPPERS = 4
POP_LIMIT = 10


def test_concurrent_poppers_never_get_the_same_message(
    queues: base.QueueController, messages: base.MessageController, client: str, count: int
) -> None:
    queues.create("popped")
    posted: list[str] = []
    for start in range(0, count, 250):
        batch = [
            base.NewMessage(ttl=3600, body={"n": n}) for n in range(start, min(start + 250, count))
        ]
        posted += messages.post("popped", batch, client)
    taken: list[list[str]] = [[] for _ in range(POPPERS)]

    def popper(index: int) -> None:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            popped = messages.pop("popped", POP_LIMIT)
            if not popped:
                return
            assert len(popped) <= POP_LIMIT
            taken[index] += [message.id for message in popped]
        raise AssertionError("popping did not finish in time")

    run_threads(POPPERS, popper)
    handed_out = [message_id for per_thread in taken for message_id in per_thread]
    assert len(handed_out) == len(set(handed_out)), "a message went to two poppers"
    assert sorted(handed_out) == sorted(posted), "not every message was popped exactly once"
    assert queues.stats("popped").total == 0


def test_concurrent_producers_get_contiguous_ordered_batches_and_gap_free_markers(
    queues: base.QueueController, messages: base.MessageController, count: int
) -> None:
    queues.create("busy")
    batches_per_producer = BATCHES_PER_PRODUCER * count // MESSAGES
    total = PRODUCERS * batches_per_producer * BATCH_SIZE
    batches: dict[tuple[int, int], list[str]] = {}
    seen_by_reader: list[str] = []
    producers_done = threading.Event()

    def producer(index: int) -> None:
        client = uuid.uuid4().hex
        for number in range(batches_per_producer):
            batch = [
                base.NewMessage(ttl=3600, body={"producer": index, "batch": number, "seq": seq})
                for seq in range(BATCH_SIZE)
            ]
            batches[(index, number)] = messages.post("busy", batch, client)
            time.sleep(0.002)  # let the other producers in between posts

    def reader() -> None:
        # Pages along while the producers post: a marker handed out before an earlier
        # message was committed would make this reader skip that message for good.
        marker = None
        deadline = time.monotonic() + DEADLINE
        while len(seen_by_reader) < total and time.monotonic() < deadline:
            page = messages.list("busy", marker=marker, limit=7, echo=True)
            if page.items:
                seen_by_reader.extend(message.id for message in page.items)
                marker = page.next_marker
            elif (
                producers_done.is_set()
                and not messages.list("busy", marker=marker, echo=True).items
            ):
                return
            else:
                time.sleep(0.001)

    finished = []
    lock = threading.Lock()

    def work(index: int) -> None:
        if index == PRODUCERS:
            reader()
            return
        try:
            producer(index)
        finally:
            with lock:
                finished.append(index)
                if len(finished) == PRODUCERS:
                    producers_done.set()

    run_threads(PRODUCERS + 1, work)

    listing = list_with_markers(messages, "busy")
    order = [message.id for message, _ in listing]
    posted = [message_id for ids in batches.values() for message_id in ids]

    assert len(batches) == PRODUCERS * batches_per_producer
    assert len(posted) == len(set(posted)) == total
    assert sorted(order) == sorted(posted), "the listing lost or duplicated messages"
    assert seen_by_reader == order, "a reader paging during the posts skipped messages"

    position = {message_id: index for index, message_id in enumerate(order)}
    bodies = {message.id: message.body for message, _ in listing}
    for (producer_index, number), ids in batches.items():
        places = [position[message_id] for message_id in ids]
        assert places == list(range(places[0], places[0] + BATCH_SIZE)), (
            f"batch {number} of producer {producer_index} is not contiguous and in order"
        )
        assert [bodies[message_id]["seq"] for message_id in ids] == list(range(BATCH_SIZE))
    for producer_index in range(PRODUCERS):
        starts = [
            position[batches[(producer_index, number)][0]] for number in range(batches_per_producer)
        ]
        assert starts == sorted(starts), f"producer {producer_index}'s batches are out of order"

    markers = [marker for _, marker in listing]
    assert len(set(markers)) == len(markers)
    # Markers are opaque; where a driver uses integers (as the reference does), they are
    # consecutive: no marker is ever skipped.
    if all(marker.lstrip("-").isdecimal() for marker in markers):
        numbers = [int(marker) for marker in markers]
        assert numbers == list(range(numbers[0], numbers[0] + total))
