"""Topics on every backend: a topic is a queue of its project's topic name space, stored
under the project with ``spaces.TOPICS.tag`` (``zaqar.core.spaces``). Every store, the pools
and the catalogue must keep that project apart from the plain one, byte for byte, through
listing, counting, messages, subscriptions, delivery records, deletion and moves."""

from __future__ import annotations

import pytest

from tests.backends import BACKENDS, POOLED
from zaqar.core import spaces
from zaqar.storage import base, errors
from zaqar.storage.pooling.driver import DataDriver as PooledDriver
from zaqar.storage.pooling.migration import move_queue

from .support import Post

HOOK = "http://example.com/hook"
PROJECT = "p"
TOPICS = spaces.TOPICS.stored(PROJECT)


def _subscribe(driver: base.DataDriver, queue: str, project: str | None) -> str:
    if not driver.queue_controller.exists(queue, project):
        driver.queue_controller.create(queue, project)
    made = driver.subscription_controller.create(queue, HOOK, 3600, {}, project)
    assert made is not None
    return made


def test_the_stored_project_maps_back() -> None:
    assert TOPICS is not None and TOPICS != PROJECT and TOPICS.startswith(PROJECT)
    assert spaces.of_stored(TOPICS) == (spaces.TOPICS, PROJECT)
    assert spaces.of_stored(PROJECT) == (spaces.QUEUES, PROJECT)
    assert spaces.of_stored(None) == (spaces.QUEUES, None)
    assert spaces.of_stored(spaces.TOPICS.stored(None)) == (spaces.TOPICS, None)
    # No project a caller may send can end with the tag: it holds a control character.
    assert not spaces.TOPICS.tag.isprintable()


def test_a_topic_and_the_queue_of_its_name_are_kept_apart(
    queues: base.QueueController, messages: base.MessageController, post: Post
) -> None:
    assert queues.create("n", PROJECT, {"kind": "queue"})
    assert queues.create("n", TOPICS, {"kind": "topic"})
    assert queues.create("only-topic", TOPICS)
    assert queues.get_metadata("n", PROJECT) == {"kind": "queue"}
    assert queues.get_metadata("n", TOPICS) == {"kind": "topic"}
    assert [q.name for q in queues.list(PROJECT).items] == ["n"]
    assert [q.name for q in queues.list(TOPICS).items] == ["n", "only-topic"]
    assert (queues.count(PROJECT), queues.count(TOPICS)) == (1, 2)

    to_queue = post("n", 2, project=PROJECT)
    to_topic = post("n", 3, project=TOPICS)
    listed = messages.list("n", TOPICS, echo=True, include_claimed=True, limit=10)
    assert [m.id for m in listed.items] == to_topic
    assert queues.stats("n", TOPICS).total == 3
    assert queues.stats("n", PROJECT).total == 2
    # A message is only found in its own space.
    with pytest.raises(errors.MessageDoesNotExist):
        messages.get("n", to_queue[0], TOPICS)
    assert messages.bulk_get("n", to_queue, TOPICS) == []

    queues.delete("n", TOPICS)
    assert not queues.exists("n", TOPICS)
    assert queues.get_metadata("n", PROJECT) == {"kind": "queue"}
    assert [m.id for m in messages.list("n", PROJECT, echo=True).items] == to_queue


def test_a_missing_topic_says_so_in_the_callers_project(queues: base.QueueController) -> None:
    with pytest.raises(errors.QueueDoesNotExist) as raised:
        queues.get_metadata("gone", TOPICS)
    assert str(raised.value) == f"Topic gone does not exist for project {PROJECT}"


def test_subscriptions_and_delivery_records_keep_to_their_space(
    driver: base.DataDriver, post: Post
) -> None:
    deliveries = driver.delivery_controller
    on_topic = _subscribe(driver, "n", TOPICS)
    driver.queue_controller.create("n", PROJECT)
    assert driver.subscription_controller.list("n", PROJECT).items == []
    assert [s.id for s in driver.subscription_controller.list("n", TOPICS).items] == [on_topic]

    # The notifier finds the topic with its stored project, which names its space.
    found: list[tuple[str | None, str]] = []
    marker = None
    while True:
        page = deliveries.subscribed(marker)
        found += page.items
        if page.next_marker is None:
            break
        marker = page.next_marker
    assert (TOPICS, "n") in found
    assert (PROJECT, "n") not in found

    cursor = deliveries.acquire("n", TOPICS, on_topic, "n1", 30)
    assert cursor is not None
    post("n", 1, project=PROJECT)  # the queue has no subscriber: nothing recorded
    ids = post("n", 2, project=TOPICS)
    assert [n.message_id for n in deliveries.backlog("n", TOPICS, cursor, 10)] == ids
    assert deliveries.backlog("n", PROJECT, -1, 10) == []


@pytest.mark.parametrize("backend", [b.name for b in BACKENDS if b.driver == POOLED], indirect=True)
def test_a_topic_moves_between_pools_as_a_queue_does(driver: base.DataDriver, post: Post) -> None:
    assert isinstance(driver, PooledDriver)
    driver.queue_controller.create("n", TOPICS)
    subscription = _subscribe(driver, "n", TOPICS)
    ids = post("n", 3, project=TOPICS)
    where = driver.catalogue.get(TOPICS, "n")
    target = next(name for name in driver.pool_drivers() if name != where)
    move_queue(driver, TOPICS, "n", target, settle=0)
    assert driver.catalogue.get(TOPICS, "n") == target
    listed = driver.message_controller.list("n", TOPICS, echo=True, limit=10)
    assert [m.id for m in listed.items] == ids
    assert driver.subscription_controller.get("n", subscription, TOPICS).subscriber == HOOK
