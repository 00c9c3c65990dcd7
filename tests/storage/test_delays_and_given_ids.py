"""Delayed messages (invisible to list, claim and pop until their time) and posting under
given ids (a repeated post stores nothing twice): on every backend."""

from __future__ import annotations

import uuid

import pytest

from zaqar.storage import base, errors

from .support import Clock


def delayed(
    messages: base.MessageController, queue: str, client: str, delays: list[int]
) -> list[str]:
    batch = [base.NewMessage(ttl=600, body={"n": n}, delay=d) for n, d in enumerate(delays)]
    return messages.post(queue, batch, client)


def listed(messages: base.MessageController, queue: str, **options: bool) -> list[str]:
    page = messages.list(queue, limit=20, echo=True, **options)
    return [message.id for message in page.items]


def test_a_delayed_message_is_listed_only_once_its_delay_passed(
    messages: base.MessageController, queue: str, client: str, clock: Clock
) -> None:
    now_id, later_id = delayed(messages, queue, client, [0, 30])
    assert listed(messages, queue) == [now_id]
    clock.advance(29)
    assert listed(messages, queue) == [now_id]
    clock.advance(1)
    assert listed(messages, queue) == [now_id, later_id]


def test_listing_with_include_delayed_shows_delayed_messages_in_posting_order(
    messages: base.MessageController, queue: str, client: str, clock: Clock
) -> None:
    ids = delayed(messages, queue, client, [30, 0, 60])
    assert listed(messages, queue, include_delayed=True) == ids
    assert listed(messages, queue) == [ids[1]]


def test_a_delayed_message_cannot_be_claimed_until_its_delay_passed(
    messages: base.MessageController,
    claims: base.ClaimController,
    queue: str,
    client: str,
    clock: Clock,
) -> None:
    [message_id] = delayed(messages, queue, client, [30])
    assert claims.create(queue, ttl=60, grace=60, limit=5) is None
    clock.advance(30)
    claim = claims.create(queue, ttl=60, grace=60, limit=5)
    assert claim is not None
    assert [message.id for message in claim.messages] == [message_id]


def test_claiming_takes_the_undelayed_messages_around_delayed_ones(
    messages: base.MessageController,
    claims: base.ClaimController,
    queue: str,
    client: str,
    clock: Clock,
) -> None:
    ids = delayed(messages, queue, client, [0, 30, 0])
    claim = claims.create(queue, ttl=60, grace=60, limit=5)
    assert claim is not None
    assert [message.id for message in claim.messages] == [ids[0], ids[2]]


def test_a_delayed_message_cannot_be_popped_until_its_delay_passed(
    messages: base.MessageController, queue: str, client: str, clock: Clock
) -> None:
    now_id, later_id = delayed(messages, queue, client, [0, 30])
    assert [message.id for message in messages.pop(queue, 5)] == [now_id]
    assert messages.pop(queue, 5) == []
    clock.advance(30)
    assert [message.id for message in messages.pop(queue, 5)] == [later_id]


def test_a_delayed_message_can_be_read_and_deleted_by_id(
    messages: base.MessageController, queue: str, client: str, clock: Clock
) -> None:
    [message_id] = delayed(messages, queue, client, [30])
    assert messages.get(queue, message_id).id == message_id
    messages.delete(queue, message_id)
    assert messages.bulk_get(queue, [message_id]) == []


def test_a_delay_counts_from_the_post_and_the_ttl_from_the_post_too(
    messages: base.MessageController, queue: str, client: str, clock: Clock
) -> None:
    batch = [base.NewMessage(ttl=60, body={}, delay=30)]
    [message_id] = messages.post(queue, batch, client)
    clock.advance(30)
    [message] = messages.list(queue, echo=True).items
    assert (message.id, message.age) == (message_id, 30)
    clock.advance(30)
    assert listed(messages, queue) == []


def test_posting_under_given_ids_stores_the_messages_under_them(
    messages: base.MessageController, queue: str, client: str, clock: Clock
) -> None:
    ids = [uuid.uuid4().hex for _ in range(3)]
    batch = [base.NewMessage(ttl=300, body={"n": n}) for n in range(3)]
    assert messages.post(queue, batch, client, ids=ids) == ids
    assert listed(messages, queue) == ids
    assert [message.body for message in messages.bulk_get(queue, ids)] == [
        {"n": 0},
        {"n": 1},
        {"n": 2},
    ]


def test_posting_under_given_ids_twice_stores_each_message_once(
    messages: base.MessageController, queue: str, client: str, clock: Clock
) -> None:
    ids = [uuid.uuid4().hex for _ in range(3)]
    first = [base.NewMessage(ttl=300, body={"try": 1}) for _ in ids[:2]]
    messages.post(queue, first, client, ids=ids[:2])
    again = [base.NewMessage(ttl=300, body={"try": 2}) for _ in ids]
    assert messages.post(queue, again, client, ids=ids) == ids
    found = messages.list(queue, limit=20, echo=True).items
    assert [message.id for message in found] == ids
    assert [message.body["try"] for message in found] == [1, 1, 2]
    # A message posted after them still comes after them.
    [later] = messages.post(queue, [base.NewMessage(ttl=300, body={})], client)
    assert listed(messages, queue) == [*ids, later]


def test_posting_only_stored_ids_again_still_needs_the_queue(
    messages: base.MessageController, queues: base.QueueController, client: str, clock: Clock
) -> None:
    with pytest.raises(errors.QueueDoesNotExist):
        messages.post(
            "nowhere", [base.NewMessage(ttl=300, body={})], client, ids=[uuid.uuid4().hex]
        )


def test_moving_a_queue_keeps_its_messages_delays(
    driver: base.DataDriver, messages: base.MessageController, queue: str, client: str, clock: Clock
) -> None:
    [message_id] = delayed(messages, queue, client, [30])
    try:
        dump = driver.export_queue(queue)
    except errors.NotSupported:
        return  # a driver without queue moves has nothing to keep
    [stored] = dump.messages
    assert stored.delay_until == clock.now + 30
    # Imported over itself, as a move that is repeated would.
    driver.import_queue(queue, None, dump)
    assert listed(messages, queue) == []
    assert listed(messages, queue, include_delayed=True) == [message_id]
    clock.advance(30)
    assert listed(messages, queue) == [message_id]
