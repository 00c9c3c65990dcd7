"""Subscriptions (API v2) on every backend: unique per project, queue and subscriber among
live ones, expiring at their ttl, deleted with their queue, and moved with it."""

from __future__ import annotations

import threading

import pytest

from tests.backends import BACKENDS, POOLED
from zaqar.storage import base, errors
from zaqar.storage.pooling.driver import DataDriver as PooledDriver
from zaqar.storage.pooling.migration import move_queue

from .support import Backend, Clock

#: What Heat asks for: about 7000 years.
HEAT_TTL = 220367260800
YEAR = 365 * 24 * 3600
HOOK = "http://example.com/hook"


@pytest.fixture
def subscriptions(driver: base.DataDriver) -> base.SubscriptionController:
    return driver.subscription_controller


@pytest.fixture
def lazy(backend: Backend) -> bool:
    """Whether the backend takes a subscription on a queue that does not exist: every store
    does; the pooled driver needs the queue placed on a pool first."""
    return backend.driver != POOLED


def _subscribe(
    queues: base.QueueController,
    subscriptions: base.SubscriptionController,
    queue: str,
    subscriber: str,
    project: str | None = None,
    ttl: int = 3600,
    options: dict[str, base.JSON] | None = None,
) -> str:
    """Subscribe as the API does: the (lazy) queue is created first."""
    if not queues.exists(queue, project):
        queues.create(queue, project)
    made = subscriptions.create(queue, subscriber, ttl, options or {}, project)
    assert made is not None
    return made


def test_a_subscription_is_created_read_and_listed_in_pages(
    queues: base.QueueController, subscriptions: base.SubscriptionController, clock: Clock
) -> None:
    ids = [
        _subscribe(queues, subscriptions, "q", f"{HOOK}/{n}", "p", 60 + n, {"n": n})
        for n in range(5)
    ]
    assert len(set(ids)) == 5
    clock.advance(10)
    found = subscriptions.get("q", ids[2], "p")
    assert found == base.Subscription(
        id=ids[2],
        queue="q",
        subscriber=f"{HOOK}/2",
        ttl=62,
        age=10,
        options={"n": 2},
        confirmed=False,
    )
    assert subscriptions.get_with_subscriber("q", f"{HOOK}/3", "p") == subscriptions.get(
        "q", ids[3], "p"
    )
    assert subscriptions.get_with_subscriber("q", f"{HOOK}/9", "p") is None

    seen: list[base.Subscription] = []
    marker = None
    while True:
        page = subscriptions.list("q", "p", marker=marker, limit=2)
        if not page.items:
            assert page.next_marker is None
            break
        assert len(page.items) <= 2
        assert page.next_marker == page.items[-1].id
        seen.extend(page.items)
        marker = page.next_marker
    assert [s.id for s in seen] == sorted(ids)
    assert {s.subscriber for s in seen} == {f"{HOOK}/{n}" for n in range(5)}
    assert subscriptions.list("q", "p", limit=10).items == seen
    assert subscriptions.list("q", "p", marker="not an id").items == []

    for missing in ("0" * 32, "not an id"):
        with pytest.raises(errors.SubscriptionDoesNotExist, match=f"^Subscription {missing} "):
            subscriptions.get("q", missing, "p")


def test_a_subscriber_has_one_live_subscription_per_queue(
    queues: base.QueueController, subscriptions: base.SubscriptionController
) -> None:
    first = _subscribe(queues, subscriptions, "q", HOOK, "p")
    assert subscriptions.create("q", HOOK, 600, {"other": True}, "p") is None
    assert subscriptions.list("q", "p").items == [subscriptions.get("q", first, "p")]
    assert subscriptions.get("q", first, "p").options == {}
    # Another subscriber, queue or project is another subscription.
    assert subscriptions.create("q", HOOK + "/2", 600, {}, "p") is not None
    _subscribe(queues, subscriptions, "other", HOOK, "p")
    _subscribe(queues, subscriptions, "q", HOOK, "p2")
    _subscribe(queues, subscriptions, "q", HOOK, None)
    assert len(subscriptions.list("q", "p").items) == 2


def test_an_expired_subscription_is_gone_and_frees_its_subscriber(
    driver: base.DataDriver,
    queues: base.QueueController,
    subscriptions: base.SubscriptionController,
    clock: Clock,
) -> None:
    old = _subscribe(queues, subscriptions, "q", HOOK, "p", ttl=60)
    keep = _subscribe(queues, subscriptions, "q", HOOK + "/keep", "p", ttl=120)
    clock.advance(59)
    assert subscriptions.get("q", old, "p").age == 59
    clock.advance(1)
    with pytest.raises(errors.SubscriptionDoesNotExist):
        subscriptions.get("q", old, "p")
    assert subscriptions.get_with_subscriber("q", HOOK, "p") is None
    assert [s.id for s in subscriptions.list("q", "p").items] == [keep]
    with pytest.raises(errors.SubscriptionDoesNotExist):
        subscriptions.confirm("q", old, "p", True)
    with pytest.raises(errors.SubscriptionDoesNotExist):
        subscriptions.update("q", old, "p", ttl=600)

    new = subscriptions.create("q", HOOK, 300, {"again": 1}, "p")
    assert new is not None and new != old
    assert subscriptions.get_with_subscriber("q", HOOK, "p") == subscriptions.get("q", new, "p")
    assert subscriptions.get("q", new, "p").age == 0
    with pytest.raises(errors.SubscriptionDoesNotExist):
        subscriptions.get("q", old, "p")


def test_the_purge_removes_expired_subscriptions(
    driver: base.DataDriver,
    queues: base.QueueController,
    subscriptions: base.SubscriptionController,
    clock: Clock,
) -> None:
    _subscribe(queues, subscriptions, "q", HOOK, "p", ttl=60)
    keep = _subscribe(queues, subscriptions, "q", HOOK + "/keep", "p", ttl=600)
    clock.advance(61)
    assert driver.gc() == 1
    assert driver.gc() == 0
    assert [s.id for s in subscriptions.list("q", "p").items] == [keep]


def test_an_update_changes_what_it_is_given(
    queues: base.QueueController, subscriptions: base.SubscriptionController, clock: Clock
) -> None:
    made = _subscribe(queues, subscriptions, "q", HOOK, "p", ttl=60, options={"a": 1})
    subscriptions.update("q", made, "p", subscriber=HOOK + "/moved")
    found = subscriptions.get("q", made, "p")
    assert (found.subscriber, found.ttl, found.options) == (HOOK + "/moved", 60, {"a": 1})
    assert subscriptions.get_with_subscriber("q", HOOK + "/moved", "p") == found
    assert subscriptions.get_with_subscriber("q", HOOK, "p") is None

    subscriptions.update("q", made, "p", options={"b": [1, 2]})
    assert subscriptions.get("q", made, "p").options == {"b": [1, 2]}

    # A new ttl counts from now; the age does not restart.
    clock.advance(50)
    subscriptions.update("q", made, "p", ttl=60)
    clock.advance(50)
    found = subscriptions.get("q", made, "p")
    assert (found.ttl, found.age) == (60, 100)
    clock.advance(10)
    with pytest.raises(errors.SubscriptionDoesNotExist):
        subscriptions.get("q", made, "p")

    # Several fields at once; nothing at all changes nothing.
    other = _subscribe(queues, subscriptions, "q", HOOK, "p", ttl=60)
    subscriptions.update("q", other, "p", subscriber=HOOK + "/2", ttl=90, options={"c": 3})
    subscriptions.update("q", other, "p")
    found = subscriptions.get("q", other, "p")
    assert (found.subscriber, found.ttl, found.options) == (HOOK + "/2", 90, {"c": 3})
    assert found.confirmed is False


def test_an_update_refuses_a_taken_subscriber_and_a_missing_subscription(
    queues: base.QueueController, subscriptions: base.SubscriptionController, clock: Clock
) -> None:
    first = _subscribe(queues, subscriptions, "q", HOOK, "p")
    second = _subscribe(queues, subscriptions, "q", HOOK + "/2", "p")
    with pytest.raises(errors.SubscriptionAlreadyExists):
        subscriptions.update("q", second, "p", subscriber=HOOK, ttl=10)
    found = subscriptions.get("q", second, "p")
    assert (found.subscriber, found.ttl) == (HOOK + "/2", 3600)  # nothing of it was made
    # Its own subscriber is no clash.
    subscriptions.update("q", first, "p", subscriber=HOOK)
    for missing in ("0" * 32, "not an id"):
        with pytest.raises(errors.SubscriptionDoesNotExist):
            subscriptions.update("q", missing, "p", ttl=60)
        with pytest.raises(errors.SubscriptionDoesNotExist):
            subscriptions.update("q", missing, "p")
    # An expired subscription holds its subscriber no more.
    short = _subscribe(queues, subscriptions, "q", HOOK + "/short", "p", ttl=60)
    clock.advance(61)
    subscriptions.update("q", first, "p", subscriber=HOOK + "/short")
    assert subscriptions.get_with_subscriber("q", HOOK + "/short", "p") == subscriptions.get(
        "q", first, "p"
    )
    with pytest.raises(errors.SubscriptionDoesNotExist):
        subscriptions.get("q", short, "p")


def test_a_subscription_is_confirmed_and_unconfirmed(
    queues: base.QueueController, subscriptions: base.SubscriptionController
) -> None:
    made = _subscribe(queues, subscriptions, "q", HOOK, "p")
    assert subscriptions.get("q", made, "p").confirmed is False
    subscriptions.confirm("q", made, "p", True)
    assert subscriptions.get("q", made, "p").confirmed is True
    subscriptions.confirm("q", made, "p", True)  # again: no change, no error
    assert subscriptions.list("q", "p").items[0].confirmed is True
    subscriptions.update("q", made, "p", ttl=120)
    assert subscriptions.get("q", made, "p").confirmed is True
    subscriptions.confirm("q", made, "p", False)
    assert subscriptions.get("q", made, "p").confirmed is False
    for missing in ("0" * 32, "not an id"):
        with pytest.raises(errors.SubscriptionDoesNotExist):
            subscriptions.confirm("q", missing, "p", True)


def test_subscriptions_are_deleted_one_by_one_or_all_of_a_queue(
    queues: base.QueueController, subscriptions: base.SubscriptionController
) -> None:
    first = _subscribe(queues, subscriptions, "q", HOOK, "p")
    second = _subscribe(queues, subscriptions, "q", HOOK + "/2", "p")
    elsewhere = _subscribe(queues, subscriptions, "other", HOOK, "p")
    subscriptions.delete("q", first, "p")
    subscriptions.delete("q", first, "p")  # again: no error
    subscriptions.delete("q", "0" * 32, "p")
    subscriptions.delete("q", "not an id", "p")
    with pytest.raises(errors.SubscriptionDoesNotExist):
        subscriptions.get("q", first, "p")
    assert [s.id for s in subscriptions.list("q", "p").items] == [second]
    # The subscriber is free again.
    assert subscriptions.create("q", HOOK, 60, {}, "p") is not None

    subscriptions.delete_all("q", "p")
    assert subscriptions.list("q", "p").items == []
    assert subscriptions.get_with_subscriber("q", HOOK + "/2", "p") is None
    subscriptions.delete_all("q", "p")
    subscriptions.delete_all("never", "p")
    assert [s.id for s in subscriptions.list("other", "p").items] == [elsewhere]
    assert queues.exists("q", "p")  # a purge leaves the queue


def test_deleting_a_queue_deletes_its_subscriptions(
    queues: base.QueueController, subscriptions: base.SubscriptionController
) -> None:
    made = _subscribe(queues, subscriptions, "q", HOOK, "p")
    subscriptions.confirm("q", made, "p", True)
    kept = _subscribe(queues, subscriptions, "other", HOOK, "p")
    kept_elsewhere = _subscribe(queues, subscriptions, "q", HOOK, "p2")
    queues.delete("q", "p")
    assert subscriptions.list("q", "p").items == []
    with pytest.raises(errors.SubscriptionDoesNotExist):
        subscriptions.get("q", made, "p")
    assert subscriptions.get_with_subscriber("q", HOOK, "p") is None
    assert [s.id for s in subscriptions.list("other", "p").items] == [kept]
    assert [s.id for s in subscriptions.list("q", "p2").items] == [kept_elsewhere]
    # A queue created again under the name starts with none, and takes the subscriber anew.
    again = _subscribe(queues, subscriptions, "q", HOOK, "p")
    assert subscriptions.get("q", again, "p").confirmed is False


def test_subscriptions_need_no_queue_on_a_store(
    queues: base.QueueController, subscriptions: base.SubscriptionController, lazy: bool
) -> None:
    """A lazy queue (API v2) may have subscriptions before it has a record; the pooled
    driver refuses them until the queue is placed, as it refuses a post."""
    if not lazy:
        with pytest.raises(errors.QueueDoesNotExist):
            subscriptions.create("ghost", HOOK, 60, {}, "p")
    else:
        made = subscriptions.create("ghost", HOOK, 60, {}, "p")
        assert made is not None
        assert not queues.exists("ghost", "p")
        assert subscriptions.get("ghost", made, "p").queue == "ghost"
        queues.delete("ghost", "p")
        with pytest.raises(errors.SubscriptionDoesNotExist):
            subscriptions.get("ghost", made, "p")
    # Reads of a queue nobody subscribed to find nothing; changes raise or do nothing.
    assert subscriptions.list("nobody", "p") == base.Page([], None)
    assert subscriptions.get_with_subscriber("nobody", HOOK, "p") is None
    with pytest.raises(errors.SubscriptionDoesNotExist):
        subscriptions.get("nobody", "0" * 32, "p")
    with pytest.raises(errors.SubscriptionDoesNotExist):
        subscriptions.update("nobody", "0" * 32, "p", ttl=60)
    with pytest.raises(errors.SubscriptionDoesNotExist):
        subscriptions.confirm("nobody", "0" * 32, "p", True)
    subscriptions.delete("nobody", "0" * 32, "p")
    subscriptions.delete_all("nobody", "p")


@pytest.mark.parametrize(
    ("queue", "project"), [("q", "intruder"), ("q", None), ("other", "p")], ids=str
)
def test_a_subscription_is_only_reached_through_its_project_and_queue(
    queues: base.QueueController,
    subscriptions: base.SubscriptionController,
    queue: str,
    project: str | None,
) -> None:
    made = _subscribe(queues, subscriptions, "q", HOOK, "p", options={"secret": 1})
    queues.create(queue, project)
    assert subscriptions.list(queue, project).items == []
    assert subscriptions.get_with_subscriber(queue, HOOK, project) is None
    with pytest.raises(errors.SubscriptionDoesNotExist):
        subscriptions.get(queue, made, project)
    with pytest.raises(errors.SubscriptionDoesNotExist):
        subscriptions.update(queue, made, project, subscriber=HOOK + "/stolen", ttl=1)
    with pytest.raises(errors.SubscriptionDoesNotExist):
        subscriptions.confirm(queue, made, project, True)
    subscriptions.delete(queue, made, project)
    subscriptions.delete_all(queue, project)
    queues.delete(queue, project)
    found = subscriptions.get("q", made, "p")
    assert (found.subscriber, found.ttl, found.options, found.confirmed) == (
        HOOK,
        3600,
        {"secret": 1},
        False,
    )


def test_heat_s_ttl_of_seven_thousand_years_works(
    driver: base.DataDriver,
    queues: base.QueueController,
    subscriptions: base.SubscriptionController,
    clock: Clock,
) -> None:
    made = _subscribe(queues, subscriptions, "q", HOOK, "p", ttl=HEAT_TTL)
    clock.advance(10 * YEAR)
    found = subscriptions.get("q", made, "p")
    assert (found.ttl, found.age) == (HEAT_TTL, 10 * YEAR)
    assert subscriptions.list("q", "p").items == [found]
    assert subscriptions.create("q", HOOK, HEAT_TTL, {}, "p") is None
    subscriptions.update("q", made, "p", ttl=HEAT_TTL, subscriber=HOOK + "/heat")
    subscriptions.confirm("q", made, "p", True)
    assert driver.gc() == 0
    found = subscriptions.get("q", made, "p")
    assert (found.ttl, found.subscriber, found.confirmed) == (HEAT_TTL, HOOK + "/heat", True)
    clock.advance(HEAT_TTL - 1)
    assert subscriptions.get("q", made, "p").ttl == HEAT_TTL
    clock.advance(1)
    assert subscriptions.get_with_subscriber("q", HOOK + "/heat", "p") is None


def test_concurrent_creates_of_one_subscription_make_one(
    queues: base.QueueController, subscriptions: base.SubscriptionController
) -> None:
    """On the driver's real clock, eight threads at once."""
    queues.create("q", "p")
    made: list[str | None] = []
    failures: list[BaseException] = []
    barrier = threading.Barrier(8)

    def create(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            made.append(subscriptions.create("q", HOOK, 600, {"by": index}, "p"))
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=create, args=(n,), daemon=True) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a creating thread hung"
    if failures:
        raise failures[0]
    winners = [value for value in made if value is not None]
    assert len(made) == 8 and len(winners) == 1
    assert [s.id for s in subscriptions.list("q", "p").items] == winners


def _move(driver: base.DataDriver, queue: str, project: str | None) -> None:
    """Move the queue to another pool (pooled backends) or export, delete and import it."""
    if isinstance(driver, PooledDriver):
        where = driver.catalogue.get(project, queue)
        target = next(name for name in driver.pool_drivers() if name != where)
        move_queue(driver, project, queue, target, settle=0)
        assert driver.catalogue.get(project, queue) == target
        # Nothing is left on the pool it left.
        assert driver.pool_driver(where).subscription_controller.list(queue, project).items == []
        return
    dump = driver.export_queue(queue, project)
    driver.queue_controller.delete(queue, project)
    assert driver.subscription_controller.list(queue, project).items == []
    driver.import_queue(queue, project, dump)


def test_a_moved_queue_keeps_its_subscriptions(
    driver: base.DataDriver,
    queues: base.QueueController,
    subscriptions: base.SubscriptionController,
    clock: Clock,
) -> None:
    made = [
        _subscribe(queues, subscriptions, "q", f"{HOOK}/{n}", "p", ttl, {"n": n})
        for n, ttl in enumerate((100, 200, HEAT_TTL))
    ]
    gone = _subscribe(queues, subscriptions, "q", HOOK + "/gone", "p", ttl=10)
    subscriptions.confirm("q", made[1], "p", True)
    clock.advance(20)
    before = subscriptions.list("q", "p", limit=10).items
    assert [s.id for s in before] == sorted(made)

    _move(driver, "q", "p")

    assert subscriptions.list("q", "p", limit=10).items == before
    with pytest.raises(errors.SubscriptionDoesNotExist):
        subscriptions.get("q", gone, "p")
    assert subscriptions.get("q", made[1], "p").confirmed is True
    # Still unique, and still expiring when they did.
    assert subscriptions.create("q", f"{HOOK}/0", 60, {}, "p") is None
    assert subscriptions.create("q", HOOK + "/gone", 60, {}, "p") is not None
    clock.advance(80)
    with pytest.raises(errors.SubscriptionDoesNotExist):
        subscriptions.get("q", made[0], "p")
    assert subscriptions.get("q", made[1], "p").age == 100
    subscriptions.update("q", made[1], "p", subscriber=f"{HOOK}/0")
    assert subscriptions.get_with_subscriber("q", f"{HOOK}/0", "p") is not None


@pytest.mark.parametrize("backend", [b.name for b in BACKENDS if b.driver != POOLED], indirect=True)
def test_a_queue_dump_carries_stored_subscriptions(
    driver: base.DataDriver,
    queues: base.QueueController,
    subscriptions: base.SubscriptionController,
    clock: Clock,
) -> None:
    """What the pooled driver's moves copy from one pool's store to another's."""
    made = _subscribe(queues, subscriptions, "q", HOOK, "p", ttl=300, options={"k": "v"})
    subscriptions.confirm("q", made, "p", True)
    clock.advance(5)
    dump = driver.export_queue("q", "p")
    assert dump.subscriptions == [
        base.StoredSubscription(
            id=made,
            subscriber=HOOK,
            ttl=300,
            created=clock.now - 5,
            expires=clock.now + 295,
            options='{"k":"v"}',
            confirmed=True,
        )
    ]
    # Importing replaces whatever subscriptions the queue had here.
    subscriptions.delete("q", made, "p")
    extra = _subscribe(queues, subscriptions, "q", HOOK + "/extra", "p")
    driver.import_queue("q", "p", dump)
    assert [s.id for s in subscriptions.list("q", "p").items] == [made]
    with pytest.raises(errors.SubscriptionDoesNotExist):
        subscriptions.get("q", extra, "p")
    assert base.QueueDump({}, 0.0, 1, []).subscriptions == []


def test_a_signing_key_is_kept_with_its_subscription_and_moves_with_it(
    driver: base.DataDriver,
    queues: base.QueueController,
    subscriptions: base.SubscriptionController,
) -> None:
    queues.create("q", "p")
    key = "f" * 64
    signed = subscriptions.create("q", HOOK, 3600, {}, "p", secret=key)
    plain = subscriptions.create("q", HOOK + "/plain", 3600, {}, "p")
    assert signed is not None and plain is not None
    assert subscriptions.get("q", signed, "p").secret == key
    assert subscriptions.get("q", plain, "p").secret is None
    assert subscriptions.get_with_subscriber("q", HOOK, "p").secret == key  # type: ignore[union-attr]
    listed = {s.id: s.secret for s in subscriptions.list("q", "p").items}
    assert listed == {signed: key, plain: None}
    # Changing the subscription keeps its key.
    subscriptions.update("q", signed, "p", subscriber=HOOK + "/new", ttl=600, options={"a": 1})
    assert subscriptions.get("q", signed, "p").secret == key

    _move(driver, "q", "p")

    assert subscriptions.get("q", signed, "p").secret == key
    assert subscriptions.get("q", plain, "p").secret is None
