"""Push delivery's state on every backend: a post to a subscribed queue records its
notifications in the same step, each subscription reads them past its own cursor under an
exclusive lease, and the delivery log, the dead letters and the outbox's trimming follow the
contract (``base.DeliveryController``)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from zaqar.storage import base

from .support import Clock, Post

HOOK = "http://example.com/hook"


@pytest.fixture
def deliveries(driver: base.DataDriver) -> base.DeliveryController:
    return driver.delivery_controller


def _subscribe(
    driver: base.DataDriver, queue: str, subscriber: str = HOOK, project: str | None = None
) -> str:
    if not driver.queue_controller.exists(queue, project):
        driver.queue_controller.create(queue, project)
    made = driver.subscription_controller.create(queue, subscriber, 3600, {}, project)
    assert made is not None
    return made


def _markers(notifications: list[base.Notification]) -> list[int]:
    return [n.marker for n in notifications]


def test_a_post_to_a_subscribed_queue_records_its_notifications_in_order(
    driver: base.DataDriver, deliveries: base.DeliveryController, post: Post, clock: Clock
) -> None:
    driver.queue_controller.create("q", "p")
    post("q", 2, project="p")  # before any subscription: nobody to tell
    assert deliveries.backlog("q", "p", -1, 10) == []
    subscription = _subscribe(driver, "q", project="p")
    cursor = deliveries.acquire("q", "p", subscription, "n1", 30)
    assert cursor is not None
    ids = post("q", 3, ttl=120, project="p", bodies=[{"n": 0}, [1, "x"], "two"])
    found = deliveries.backlog("q", "p", cursor, 10)
    assert [n.message_id for n in found] == ids
    assert [n.body for n in found] == [{"n": 0}, [1, "x"], "two"]
    assert {n.ttl for n in found} == {120}
    assert {n.posted for n in found} == {clock.now}
    markers = _markers(found)
    assert markers == sorted(markers) and min(markers) > cursor
    # Paging by marker.
    assert _markers(deliveries.backlog("q", "p", markers[0], 1)) == [markers[1]]


def test_notifications_outlive_their_messages(
    driver: base.DataDriver, deliveries: base.DeliveryController, post: Post
) -> None:
    subscription = _subscribe(driver, "q")
    cursor = deliveries.acquire("q", None, subscription, "n1", 30)
    assert cursor is not None
    ids = post("q", 2)
    driver.message_controller.bulk_delete("q", ids)
    assert driver.message_controller.pop("q", 5) == []
    assert [n.message_id for n in deliveries.backlog("q", None, cursor, 10)] == ids


def test_a_new_subscription_starts_after_the_messages_posted_before_it(
    driver: base.DataDriver, deliveries: base.DeliveryController, post: Post
) -> None:
    first = _subscribe(driver, "q")
    early = post("q", 2)
    second = _subscribe(driver, "q", f"{HOOK}/2")
    late = post("q", 1)
    start_first = deliveries.acquire("q", None, first, "n1", 30)
    start_second = deliveries.acquire("q", None, second, "n1", 30)
    assert start_first is not None and start_second is not None
    assert [n.message_id for n in deliveries.backlog("q", None, start_first, 10)] == early + late
    assert [n.message_id for n in deliveries.backlog("q", None, start_second, 10)] == late


def test_a_lease_is_held_by_one_owner_until_it_lapses_or_is_released(
    driver: base.DataDriver, deliveries: base.DeliveryController, clock: Clock
) -> None:
    subscription = _subscribe(driver, "q", project="p")
    assert deliveries.acquire("q", "p", subscription, "n1", 30) is not None
    assert deliveries.acquire("q", "p", subscription, "n2", 30) is None
    assert deliveries.acquire("q", "p", subscription, "n1", 30) is not None  # renewed
    clock.advance(29)
    assert deliveries.acquire("q", "p", subscription, "n2", 30) is None
    clock.advance(2)
    assert deliveries.acquire("q", "p", subscription, "n2", 30) is not None
    # n1 lost it: its checkpoints store nothing.
    assert not deliveries.checkpoint("q", "p", subscription, "n1", cursor=99)
    assert deliveries.acquire("q", "p", subscription, "n2", 30) != 99
    deliveries.release("q", "p", subscription, "n1")  # not its lease: no effect
    assert deliveries.acquire("q", "p", subscription, "n1", 30) is None
    deliveries.release("q", "p", subscription, "n2")
    assert deliveries.acquire("q", "p", subscription, "n1", 30) is not None


def test_a_lease_is_only_found_through_its_own_queue_and_project(
    driver: base.DataDriver, deliveries: base.DeliveryController
) -> None:
    subscription = _subscribe(driver, "q", project="p")
    _subscribe(driver, "q", project="other")
    _subscribe(driver, "q2", project="p")
    assert deliveries.acquire("q", "other", subscription, "n1", 30) is None
    assert deliveries.acquire("q2", "p", subscription, "n1", 30) is None
    assert deliveries.acquire("q", "p", "not-an-id", "n1", 30) is None
    assert deliveries.acquire("q", "p", "0" * 32, "n1", 30) is None


def test_a_checkpoint_moves_the_cursor_forward_only(
    driver: base.DataDriver, deliveries: base.DeliveryController, post: Post
) -> None:
    subscription = _subscribe(driver, "q")
    start = deliveries.acquire("q", None, subscription, "n1", 30)
    assert start is not None
    post("q", 3)
    markers = _markers(deliveries.backlog("q", None, start, 10))
    assert deliveries.checkpoint("q", None, subscription, "n1", cursor=markers[1])
    assert deliveries.checkpoint("q", None, subscription, "n1", cursor=markers[0])
    assert deliveries.acquire("q", None, subscription, "n1", 30) == markers[1]


def test_the_outbox_keeps_what_some_live_subscription_has_not_passed(
    driver: base.DataDriver, deliveries: base.DeliveryController, post: Post, clock: Clock
) -> None:
    fast = _subscribe(driver, "q")
    slow = _subscribe(driver, "q", f"{HOOK}/slow")
    start = deliveries.acquire("q", None, fast, "n1", 30)
    assert start is not None and deliveries.acquire("q", None, slow, "n1", 30) == start
    post("q", 4)
    markers = _markers(deliveries.backlog("q", None, start, 10))
    deliveries.checkpoint("q", None, fast, "n1", cursor=markers[-1])
    assert _markers(deliveries.backlog("q", None, start, 10)) == markers
    deliveries.checkpoint("q", None, slow, "n1", cursor=markers[1])
    assert _markers(deliveries.backlog("q", None, start, 10)) == markers[2:]
    # Once the slow one is gone, only the fast one's cursor counts.
    driver.subscription_controller.delete("q", slow, None)
    deliveries.checkpoint("q", None, fast, "n1", cursor=markers[-1])
    assert deliveries.backlog("q", None, start, 10) == []


def test_the_delivery_log_keeps_the_newest_attempts_newest_first(
    driver: base.DataDriver, deliveries: base.DeliveryController
) -> None:
    subscription = _subscribe(driver, "q", project="p")
    assert deliveries.acquire("q", "p", subscription, "n1", 30) is not None
    tries = [
        base.Attempt(
            marker=n,
            message_id=f"{n:032x}",
            attempt=1 + n % 3,
            at=1000.0 + n,
            outcome="failed" if n % 2 else "delivered",
            status=500 if n % 2 else 204,
            error="HTTP 500" if n % 2 else None,
            latency=0.25,
            next_try=2000.0 + n if n % 2 else None,
        )
        for n in range(base.LOG_LENGTH + 5)
    ]
    assert deliveries.checkpoint("q", "p", subscription, "n1", cursor=0, attempts=tries[:50])
    assert deliveries.checkpoint("q", "p", subscription, "n1", cursor=0, attempts=tries[50:])
    assert deliveries.attempts("q", "p", subscription, limit=3) == tries[::-1][:3]
    kept = deliveries.attempts("q", "p", subscription, limit=1000)
    assert kept == tries[::-1][: base.LOG_LENGTH]
    assert deliveries.attempts("q", "other", subscription) == []


def test_dead_letters_are_listed_in_marker_order_and_replaced_by_marker(
    driver: base.DataDriver, deliveries: base.DeliveryController
) -> None:
    subscription = _subscribe(driver, "q")
    assert deliveries.acquire("q", None, subscription, "n1", 30) is not None

    def letter(marker: int, reason: str) -> base.DeadLetter:
        return base.DeadLetter(
            marker=marker,
            message_id=f"{marker:032x}",
            ttl=300,
            body={"m": marker, "nested": [1, None]},
            posted=1000.0,
            attempts=4,
            reason=reason,
            failed=1100.0,
        )

    dead = [letter(m, "HTTP 503") for m in (7, 3, 5)]
    assert deliveries.checkpoint("q", None, subscription, "n1", cursor=7, dead=dead)
    again = letter(5, "timed out")
    assert deliveries.checkpoint("q", None, subscription, "n1", cursor=7, dead=[again])
    first = deliveries.dead_letters("q", None, subscription, limit=2)
    assert first.items == [letter(3, "HTTP 503"), again]
    assert first.next_marker == "5"
    rest = deliveries.dead_letters("q", None, subscription, marker=5, limit=2)
    assert rest.items == [letter(7, "HTTP 503")]
    assert deliveries.dead_letters("q", None, subscription, marker=7).items == []


def _letter(marker: int, reason: str = "HTTP 503", attempts: int = 4) -> base.DeadLetter:
    return base.DeadLetter(
        marker=marker,
        message_id=f"{marker:032x}",
        ttl=300,
        body={"m": marker},
        posted=1000.0,
        attempts=attempts,
        reason=reason,
        failed=1100.0,
    )


def test_dead_letters_asked_for_again_are_replayed_until_delivered_or_given_up_again(
    driver: base.DataDriver, deliveries: base.DeliveryController
) -> None:
    subscription = _subscribe(driver, "q", project="p")
    assert deliveries.acquire("q", "p", subscription, "n1", 30) is not None
    dead = [_letter(m) for m in (3, 5, 7)]
    assert deliveries.checkpoint("q", "p", subscription, "n1", cursor=7, dead=dead)
    assert deliveries.replays("q", "p", subscription, 10) == []

    # By message id, then all of them; flagged in the listing too.
    assert deliveries.replay("q", "p", subscription, [_letter(5).message_id, "f" * 32]) == 1
    assert deliveries.replays("q", "p", subscription, 10) == [replace(dead[1], replay=True)]
    listed = deliveries.dead_letters("q", "p", subscription).items
    assert [letter.replay for letter in listed] == [False, True, False]
    assert deliveries.replay("q", "p", subscription) == 3
    assert deliveries.replays("q", "p", subscription, 2) == [
        replace(letter, replay=True) for letter in dead[:2]
    ]

    # Delivered on replay: gone. Given up again: a dead letter again, not to be replayed.
    again = _letter(7, "timed out", attempts=9)
    assert deliveries.checkpoint("q", "p", subscription, "n1", cursor=7, dead=[again], replayed=[5])
    assert deliveries.dead_letters("q", "p", subscription).items == [
        replace(dead[0], replay=True),
        again,
    ]
    assert deliveries.replays("q", "p", subscription, 10) == [replace(dead[0], replay=True)]
    # A notifier without the lease changes nothing.
    assert not deliveries.checkpoint("q", "p", subscription, "n2", cursor=7, replayed=[3])
    assert len(deliveries.replays("q", "p", subscription, 10)) == 1


def test_a_replay_is_only_asked_for_through_its_own_queue_and_project(
    driver: base.DataDriver, deliveries: base.DeliveryController
) -> None:
    subscription = _subscribe(driver, "q", project="p")
    assert deliveries.acquire("q", "p", subscription, "n1", 30) is not None
    assert deliveries.checkpoint("q", "p", subscription, "n1", cursor=3, dead=[_letter(3)])
    assert deliveries.replay("q", "other", subscription) == 0
    assert deliveries.replay("other", "p", subscription) == 0
    assert deliveries.replay("q", "p", "not-an-id") == 0
    assert deliveries.replay("q", "p", subscription, []) == 0
    assert deliveries.replays("q", "other", subscription, 10) == []
    assert deliveries.replays("q", "p", subscription, 10) == []
    driver.subscription_controller.delete("q", subscription, "p")
    assert deliveries.replay("q", "p", subscription) == 0
    assert deliveries.replays("q", "p", subscription, 10) == []


def test_unsubscribing_forgets_the_log_and_the_dead_letters(
    driver: base.DataDriver, deliveries: base.DeliveryController
) -> None:
    subscription = _subscribe(driver, "q")
    assert deliveries.acquire("q", None, subscription, "n1", 30) is not None
    tried = base.Attempt(1, "a" * 32, 1, 1.0, "dead", None, "refused", 0.0, None)
    letter = base.DeadLetter(1, "a" * 32, 60, {}, 1.0, 1, "refused", 2.0)
    assert deliveries.checkpoint(
        "q", None, subscription, "n1", cursor=1, attempts=[tried], dead=[letter]
    )
    driver.subscription_controller.delete("q", subscription, None)
    assert deliveries.attempts("q", None, subscription) == []
    assert deliveries.dead_letters("q", None, subscription).items == []
    assert not deliveries.checkpoint("q", None, subscription, "n1", cursor=2)


def test_deleting_the_queue_empties_its_outbox(
    driver: base.DataDriver, deliveries: base.DeliveryController, post: Post
) -> None:
    _subscribe(driver, "q")
    post("q", 3)
    driver.queue_controller.delete("q")
    assert deliveries.backlog("q", None, -1, 10) == []
    # A new queue of the same name starts its markers again, and announces them.
    subscription = _subscribe(driver, "q")
    start = deliveries.acquire("q", None, subscription, "n1", 30)
    assert start is not None
    ids = post("q", 2)
    assert [n.message_id for n in deliveries.backlog("q", None, start, 10)] == ids


def test_purging_subscriptions_empties_the_outbox(
    driver: base.DataDriver, deliveries: base.DeliveryController, post: Post
) -> None:
    _subscribe(driver, "q")
    post("q", 3)
    driver.subscription_controller.delete_all("q", None)
    assert deliveries.backlog("q", None, -1, 10) == []
    # A store may go on announcing posts (MongoDB's flag stays), but no later subscription
    # is told of them.
    post("q", 1)
    subscription = _subscribe(driver, "q")
    start = deliveries.acquire("q", None, subscription, "n1", 30)
    assert start is not None and deliveries.backlog("q", None, start, 10) == []


def test_every_subscribed_queue_is_listed(
    driver: base.DataDriver, deliveries: base.DeliveryController
) -> None:
    wanted = {(project, f"q{n}") for project in (None, "p", "p/x") for n in range(7)}
    for project, queue in wanted:
        _subscribe(driver, queue, project=project)
    driver.queue_controller.create("unsubscribed")
    seen: list[tuple[str | None, str]] = []
    marker = None
    for _ in range(100):
        page = deliveries.subscribed(marker, limit=4)
        seen += page.items
        marker = page.next_marker
        if marker is None:
            break
    assert set(seen) == wanted
