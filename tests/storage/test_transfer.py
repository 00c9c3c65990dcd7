"""Exporting and importing a whole queue: what moving a queue between pools relies on.

A queue exported, deleted and imported again must be the same queue: the same messages in
the same order with the same ids, markers that keep working, claims that still hold, and a
marker counter that goes on where it was.
"""

from __future__ import annotations

import pytest

from tests.backends import BACKENDS
from zaqar.storage import base

from .support import Clock, Post

pytestmark = pytest.mark.parametrize(
    "backend",
    [b.name for b in BACKENDS if b.driver in ("sqlalchemy", "redis", "mongodb")],
    indirect=True,
)


def _round_trip(driver: base.DataDriver, queue: str, project: str | None) -> base.QueueDump:
    dump = driver.export_queue(queue, project)
    driver.queue_controller.delete(queue, project)
    assert not driver.queue_controller.exists(queue, project)
    driver.import_queue(queue, project, dump)
    return dump


def test_a_queue_survives_export_and_import_whole(
    driver: base.DataDriver, post: Post, clock: Clock, client: str
) -> None:
    queues, messages, claims = (
        driver.queue_controller,
        driver.message_controller,
        driver.claim_controller,
    )
    queues.create("moving", "p", {"colour": "blue"})
    ids = post("moving", count=5, project="p")
    subscription = driver.subscription_controller.create("moving", "mailto:a@b.c", 600, {}, "p")
    assert subscription is not None
    first_page = messages.list("moving", "p", limit=2, echo=True)
    claim = claims.create("moving", ttl=120, grace=60, limit=2, project="p")
    assert claim is not None
    claimed = [message.id for message in claim.messages]
    clock.advance(10)
    before = messages.list("moving", "p", limit=10, echo=True, include_claimed=True)
    stats_before = queues.stats("moving", "p")

    dump = _round_trip(driver, "moving", "p")
    assert [message.id for message in dump.messages] == ids
    assert dump.metadata == {"colour": "blue"}

    assert queues.get_metadata("moving", "p") == {"colour": "blue"}
    assert [s.id for s in dump.subscriptions] == [subscription]
    assert driver.subscription_controller.get("moving", subscription, "p").age == 10
    after = messages.list("moving", "p", limit=10, echo=True, include_claimed=True)
    assert after == before
    assert queues.stats("moving", "p") == stats_before
    # A marker taken before the move still continues the feed.
    rest = messages.list(
        "moving", "p", marker=first_page.next_marker, echo=True, include_claimed=True
    )
    assert [message.id for message in rest.items] == ids[2:]
    # The claim still holds its messages, with its own expiry.
    held = claims.get("moving", claim.id, "p")
    assert [message.id for message in held.messages] == claimed
    assert held.ttl == 120 and held.age == 10
    assert claims.create("moving", ttl=60, grace=60, limit=10, project="p") is not None
    # A new message gets the marker after the last one; the feed order holds.
    [new] = post("moving", count=1, project="p")
    feed = messages.list("moving", "p", limit=10, echo=True, include_claimed=True)
    assert [message.id for message in feed.items] == [*ids, new]
    # Deleting with the claim id works on the imported copy.
    messages.delete("moving", claimed[0], "p", claim=claim.id)
    with pytest.raises(Exception):  # noqa: B017 - any of the drivers' "not there" errors
        messages.get("moving", claimed[0], "p")


def test_expired_messages_are_not_exported(
    driver: base.DataDriver, post: Post, clock: Clock
) -> None:
    driver.queue_controller.create("q")
    post("q", count=2, ttl=60)
    keep = post("q", count=1, ttl=600)
    clock.advance(61)
    dump = _round_trip(driver, "q", None)
    assert [message.id for message in dump.messages] == keep
    page = driver.message_controller.list("q", echo=True)
    assert [message.id for message in page.items] == keep


def test_importing_replaces_an_earlier_partial_copy(driver: base.DataDriver, post: Post) -> None:
    driver.queue_controller.create("q")
    ids = post("q", count=3)
    dump = driver.export_queue("q", None)
    driver.message_controller.bulk_delete("q", ids[:2])
    post("q", count=2)
    driver.import_queue("q", None, dump)
    page = driver.message_controller.list("q", echo=True)
    assert [message.id for message in page.items] == ids
    [new] = post("q", count=1)
    assert driver.message_controller.list("q", echo=True, limit=10).items[-1].id == new
