"""Queues moving between pools, as the management store records them."""

from __future__ import annotations

import pytest

from tests.backends import BACKENDS
from zaqar.storage import base, errors

# Every management store records moves.
pytestmark = pytest.mark.parametrize(
    "backend",
    [b.name for b in BACKENDS if b.driver in ("sqlalchemy", "redis", "mongodb")],
    indirect=True,
)


def test_a_move_is_recorded_then_finished_or_abandoned(
    pools: base.PoolsController, catalogue: base.CatalogueController
) -> None:
    pools.create("p1", 1, "redis://a")
    pools.create("p2", 1, "redis://b")
    catalogue.insert("proj", "q", "p1")
    assert catalogue.placement("proj", "q") == base.Placement("p1")
    assert catalogue.placement("proj", "other") is None

    assert catalogue.begin_move("proj", "q", "p2") == base.Placement("p1", "p2")
    assert catalogue.begin_move("proj", "q", "p2") == base.Placement("p1", "p2")  # again
    assert catalogue.placement("proj", "q") == base.Placement("p1", "p2")
    assert catalogue.get("proj", "q") == "p1"  # still served from where it is
    # Both pools hold it while it moves.
    assert (catalogue.count("p1"), catalogue.count("p2")) == (1, 1)
    with pytest.raises(errors.PoolInUse):
        pools.delete("p2")

    catalogue.end_move("proj", "q", done=False)
    assert catalogue.placement("proj", "q") == base.Placement("p1")
    assert (catalogue.count("p1"), catalogue.count("p2")) == (1, 0)

    catalogue.begin_move("proj", "q", "p2")
    catalogue.end_move("proj", "q", done=True)
    assert catalogue.placement("proj", "q") == base.Placement("p2")
    assert (catalogue.count("p1"), catalogue.count("p2")) == (0, 1)
    catalogue.end_move("proj", "q", done=True)  # nothing moving: no change
    assert catalogue.placement("proj", "q") == base.Placement("p2")
    pools.delete("p1")


def test_a_move_is_refused_when_it_cannot_be_made(
    pools: base.PoolsController, catalogue: base.CatalogueController
) -> None:
    pools.create("p1", 1, "redis://a")
    pools.create("p2", 1, "redis://b")
    pools.create("p3", 1, "redis://c")
    with pytest.raises(errors.QueueDoesNotExist):
        catalogue.begin_move("proj", "q", "p2")
    catalogue.insert("proj", "q", "p1")
    with pytest.raises(errors.Conflict):
        catalogue.begin_move("proj", "q", "p1")
    with pytest.raises(errors.PoolDoesNotExist):
        catalogue.begin_move("proj", "q", "ghost")
    catalogue.begin_move("proj", "q", "p2")
    with pytest.raises(errors.Conflict):
        catalogue.begin_move("proj", "q", "p3")
    # Forgetting a moving queue releases both pools.
    catalogue.delete("proj", "q")
    assert (catalogue.count("p1"), catalogue.count("p2")) == (0, 0)
    assert catalogue.placement("proj", "q") is None
