"""Message checksums (``enable_checksum``): the value the API computed when a message was
posted is stored with it and read back unchanged on every read path, and kept when its
queue moves between pools: on every backend."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.backends import BACKENDS
from zaqar.storage import base, errors
from zaqar.storage.pooling import driver as pooling
from zaqar.storage.pooling.migration import move_queue

MD5 = "MD5:" + "0123456789abcdef" * 2
#: The longest checksum a store must keep (room for SHA-256 later).
LONGEST = "SHA256:" + "f" * 57

SUMS = [MD5, None, LONGEST]


def post_sums(
    messages: base.MessageController,
    queue: str,
    client: str,
    sums: list[str | None],
    ids: list[str] | None = None,
    project: str | None = None,
) -> list[str]:
    batch = [base.NewMessage(ttl=300, body={"n": n}, checksum=s) for n, s in enumerate(sums)]
    return messages.post(queue, batch, client, project, ids=ids)


def sums_of(found: list[base.Message], ids: list[str]) -> list[str | None]:
    """The checksums of ``found``, in the order of ``ids``."""
    by_id = {message.id: message.checksum for message in found}
    assert set(by_id) == set(ids)
    return [by_id[message_id] for message_id in ids]


def test_the_longest_checksum_is_64_characters() -> None:
    assert len(LONGEST) == 64 and len(MD5) == 36


def test_a_message_without_a_checksum_has_none() -> None:
    assert base.NewMessage(ttl=60, body={}).checksum is None
    assert base.Message(id="x", ttl=60, age=0, body={}).checksum is None


def test_checksums_read_back_from_get_get_many_and_list(
    messages: base.MessageController, queue: str, client: str
) -> None:
    ids = post_sums(messages, queue, client, SUMS)
    assert [messages.get(queue, message_id).checksum for message_id in ids] == SUMS
    assert sums_of(messages.bulk_get(queue, ids), ids) == SUMS
    page = messages.list(queue, limit=10, echo=True)
    assert sums_of(page.items, ids) == SUMS


def test_checksums_read_back_from_a_claim_and_its_get(
    messages: base.MessageController, claims: base.ClaimController, queue: str, client: str
) -> None:
    ids = post_sums(messages, queue, client, SUMS)
    claim = claims.create(queue, ttl=60, grace=60, limit=10)
    assert claim is not None
    assert sums_of(claim.messages, ids) == SUMS
    assert sums_of(claims.get(queue, claim.id).messages, ids) == SUMS
    # And from listing the claimed messages.
    page = messages.list(queue, limit=10, echo=True, include_claimed=True)
    assert sums_of(page.items, ids) == SUMS


def test_checksums_read_back_from_a_pop(
    messages: base.MessageController, queue: str, client: str
) -> None:
    ids = post_sums(messages, queue, client, SUMS)
    assert sums_of(messages.pop(queue, 10), ids) == SUMS


def test_posting_under_given_ids_keeps_the_checksums(
    messages: base.MessageController, queue: str, client: str
) -> None:
    ids = [uuid.uuid4().hex for _ in SUMS]
    assert post_sums(messages, queue, client, SUMS, ids=ids) == ids
    assert sums_of(messages.bulk_get(queue, ids), ids) == SUMS
    # A repeated post (another checksum for the same id) changes nothing stored.
    assert post_sums(messages, queue, client, [LONGEST, MD5, None], ids=ids) == ids
    assert sums_of(messages.list(queue, limit=10, echo=True).items, ids) == SUMS


def test_a_queue_moved_keeps_its_messages_checksums(
    driver: base.DataDriver, messages: base.MessageController, client: str
) -> None:
    driver.queue_controller.create("moving", "p")
    ids = post_sums(messages, "moving", client, SUMS, project="p")
    if isinstance(driver, pooling.DataDriver):
        # A real move, to the pool of the other backend and back again.
        home = driver.catalogue.get("p", "moving")
        assert home is not None
        other = next(name for name in driver.pool_drivers() if name != home)
        for target in (other, home):
            move_queue(driver, "p", "moving", target, settle=0)
            assert driver.catalogue.get("p", "moving") == target
            found = messages.list("moving", "p", limit=10, echo=True).items
            assert sums_of(found, ids) == SUMS
        return
    try:
        dump = driver.export_queue("moving", "p")
    except errors.NotSupported:
        pytest.fail("every store backend moves queues")
    assert [stored.checksum for stored in dump.messages] == SUMS
    driver.queue_controller.delete("moving", "p")
    driver.import_queue("moving", "p", dump)
    assert sums_of(messages.bulk_get("moving", ids, "p"), ids) == SUMS
    assert sums_of(messages.list("moving", "p", limit=10, echo=True).items, ids) == SUMS


def _raw_fields(driver: base.DataDriver, message_id: str) -> set[str]:
    """The fields a Redis hash or a MongoDB document of a message in ``fizbit`` holds."""
    if driver.__module__.startswith("zaqar.storage.redis"):
        store: Any = driver.store  # type: ignore[attr-defined]
        with store.talking() as client:
            return set(client.hkeys(store.queue_keys("fizbit", None).message(message_id)))
    layout: Any = driver.layout  # type: ignore[attr-defined]
    found = layout.messages_of(None, "fizbit").find_one({"_id": message_id})
    assert found is not None
    return set(found)


@pytest.mark.parametrize(
    "backend",
    [b.name for b in BACKENDS if b.driver in ("redis", "mongodb")],
    indirect=True,
)
def test_a_message_without_a_checksum_stores_no_field_for_it(
    driver: base.DataDriver, messages: base.MessageController, queue: str, client: str
) -> None:
    with_sum, without = post_sums(messages, queue, client, [MD5, None])
    assert "cs" in _raw_fields(driver, with_sum)
    assert "cs" not in _raw_fields(driver, without)
    # Nor once the queue was copied in again.
    driver.import_queue(queue, None, driver.export_queue(queue, None))
    assert "cs" in _raw_fields(driver, with_sum)
    assert "cs" not in _raw_fields(driver, without)
