"""The management store: pools and the catalogue that places queues on them."""

from __future__ import annotations

import threading

import pytest

from tests.backends import BACKENDS, POOLED
from zaqar.storage import base, errors

# The management store's own suite: a pooled backend's management store is one of the
# stores below, already holding that backend's pools.
pytestmark = pytest.mark.parametrize(
    "backend", [b.name for b in BACKENDS if b.driver != POOLED], indirect=True
)


def test_a_created_pool_reads_back_whole(pools: base.PoolsController) -> None:
    assert pools.create("p1", 100, "redis://10.0.0.1:6379", options={"prefix": "a"}) is True
    assert pools.get("p1") == base.Pool("p1", "redis://10.0.0.1:6379", 100, None, {"prefix": "a"})


def test_creating_an_existing_pool_replaces_it(pools: base.PoolsController) -> None:
    pools.create("p1", 100, "redis://a", options={"x": 1})
    assert pools.create("p1", 5, "redis://b", flavor="gold") is False
    assert pools.get("p1") == base.Pool("p1", "redis://b", 5, "gold", {})
    # The old URI is free again.
    assert pools.create("p2", 1, "redis://a") is True


def test_a_uri_belongs_to_one_pool(pools: base.PoolsController) -> None:
    pools.create("p1", 1, "redis://a")
    with pytest.raises(errors.PoolUriInUse) as raised:
        pools.create("p2", 1, "redis://a")
    assert raised.value.owner == "p1"
    pools.create("p2", 1, "redis://b")
    with pytest.raises(errors.PoolUriInUse):
        pools.update("p2", uri="redis://a")
    assert pools.get("p2").uri == "redis://b"


def test_a_missing_pool_does_not_exist(pools: base.PoolsController) -> None:
    with pytest.raises(errors.PoolDoesNotExist):
        pools.get("nope")
    with pytest.raises(errors.PoolDoesNotExist):
        pools.update("nope", weight=3)
    pools.delete("nope")  # no error


def test_update_changes_only_what_it_is_given(pools: base.PoolsController) -> None:
    pools.create("p1", 10, "redis://a", flavor="f", options={"k": "v"})
    assert pools.update("p1", weight=0) == base.Pool("p1", "redis://a", 0, "f", {"k": "v"})
    assert pools.update("p1", uri="redis://b").uri == "redis://b"
    assert pools.update("p1", options={}).options == {}
    assert pools.update("p1") == base.Pool("p1", "redis://b", 0, "f", {})
    # The URI given up is free for another pool.
    pools.create("p2", 1, "redis://a")


def test_pools_list_in_byte_order_with_markers(pools: base.PoolsController) -> None:
    names = ["b", "a", "C", "c-2", "c_1"]
    for n, name in enumerate(names):
        pools.create(name, n, f"redis://{name}")
    first = pools.list(limit=3)
    assert [pool.name for pool in first.items] == ["C", "a", "b"]
    assert first.next_marker == "b"
    rest = pools.list(marker=first.next_marker, limit=3)
    assert [pool.name for pool in rest.items] == ["c-2", "c_1"]
    assert pools.list(marker="c_1").items == []
    assert pools.list(limit=10).items[1] == base.Pool("a", "redis://a", 1)


def test_deleting_a_pool_forgets_it_and_its_uri(pools: base.PoolsController) -> None:
    pools.create("p1", 1, "redis://a")
    pools.delete("p1")
    with pytest.raises(errors.PoolDoesNotExist):
        pools.get("p1")
    assert pools.list().items == []
    pools.create("p2", 1, "redis://a")


def test_the_catalogue_places_a_queue_once(
    pools: base.PoolsController, catalogue: base.CatalogueController
) -> None:
    pools.create("p1", 1, "redis://a")
    pools.create("p2", 1, "redis://b")
    assert catalogue.get("proj", "q") is None
    assert catalogue.insert("proj", "q", "p1") == "p1"
    # A second placement keeps the first: both callers agree on p1.
    assert catalogue.insert("proj", "q", "p2") == "p1"
    assert catalogue.get("proj", "q") == "p1"
    # Projects are separate namespaces, and None is the global one.
    assert catalogue.get("other", "q") is None
    assert catalogue.get(None, "q") is None
    assert catalogue.insert(None, "q", "p2") == "p2"


def test_a_queue_cannot_be_placed_on_a_missing_pool(
    catalogue: base.CatalogueController,
) -> None:
    with pytest.raises(errors.PoolDoesNotExist):
        catalogue.insert("proj", "q", "ghost")
    assert catalogue.get("proj", "q") is None


def test_a_pool_holding_queues_cannot_be_deleted(
    pools: base.PoolsController, catalogue: base.CatalogueController
) -> None:
    pools.create("p1", 1, "redis://a")
    catalogue.insert("proj", "q1", "p1")
    catalogue.insert("proj", "q2", "p1")
    assert catalogue.count("p1") == 2
    with pytest.raises(errors.PoolInUse) as raised:
        pools.delete("p1")
    assert raised.value.queues == 2
    assert pools.get("p1").name == "p1"
    catalogue.delete("proj", "q1")
    catalogue.delete("proj", "q2")
    catalogue.delete("proj", "q2")  # no error
    assert catalogue.count("p1") == 0
    pools.delete("p1")


def test_moving_a_queue_moves_its_count(
    pools: base.PoolsController, catalogue: base.CatalogueController
) -> None:
    pools.create("p1", 1, "redis://a")
    pools.create("p2", 1, "redis://b")
    catalogue.insert("proj", "q", "p1")
    catalogue.update("proj", "q", "p2")
    assert catalogue.get("proj", "q") == "p2"
    assert (catalogue.count("p1"), catalogue.count("p2")) == (0, 1)
    catalogue.update("proj", "q", "p2")  # to where it is: nothing changes
    assert catalogue.count("p2") == 1
    with pytest.raises(errors.PoolDoesNotExist):
        catalogue.update("proj", "q", "ghost")
    with pytest.raises(errors.QueueDoesNotExist):
        catalogue.update("proj", "unknown", "p1")
    pools.delete("p1")


def test_the_catalogue_lists_a_project_in_byte_order(
    pools: base.PoolsController, catalogue: base.CatalogueController
) -> None:
    pools.create("p1", 1, "redis://a")
    pools.create("p2", 1, "redis://b")
    for n, name in enumerate(["b", "a", "Z", "a.b"]):
        catalogue.insert("proj", name, "p1" if n % 2 else "p2")
    catalogue.insert("elsewhere", "0", "p1")
    page = catalogue.list("proj", limit=3)
    assert page.items == [("Z", "p2"), ("a", "p1"), ("a.b", "p1")]
    assert catalogue.list("proj", marker=page.next_marker).items == [("b", "p2")]
    assert catalogue.list("nobody").items == []


def test_a_racing_placement_and_pool_deletion_never_strand_a_queue(
    pools: base.PoolsController, catalogue: base.CatalogueController
) -> None:
    for round_ in range(10):
        pools.create("p", 1, "redis://a")
        outcome: dict[str, object] = {}

        def place(round_: int = round_, outcome: dict[str, object] = outcome) -> None:
            try:
                outcome["placed"] = catalogue.insert("proj", f"q{round_}", "p")
            except errors.PoolDoesNotExist:
                outcome["placed"] = None

        def remove(outcome: dict[str, object] = outcome) -> None:
            try:
                pools.delete("p")
                outcome["deleted"] = True
            except errors.PoolInUse:
                outcome["deleted"] = False

        threads = [threading.Thread(target=place), threading.Thread(target=remove)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Exactly one of the two won: a deleted pool holds no queue.
        assert (outcome["placed"] is None) == outcome["deleted"], outcome
        catalogue.delete("proj", f"q{round_}")
        pools.delete("p")
