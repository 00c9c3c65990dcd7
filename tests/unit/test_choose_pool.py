"""Where the pooled driver places a new queue: a weighted choice among the pools of the
queue's flavor (``_flavor``), or among the pools of no flavor."""

from __future__ import annotations

import random

import pytest

from zaqar.storage import base, errors
from zaqar.storage.pooling.driver import choose_pool


def test_queues_of_a_flavor_go_to_its_pools_and_others_to_pools_of_none() -> None:
    pools = [
        base.Pool("plain", "redis://a", 1),
        base.Pool("gold-1", "redis://b", 1, "gold"),
        base.Pool("gold-0", "redis://c", 0, "gold"),
    ]
    rng = random.Random(7)
    assert {choose_pool(pools, rng) for _ in range(20)} == {"plain"}
    assert {choose_pool(pools, rng, "gold") for _ in range(20)} == {"gold-1"}
    with pytest.raises(errors.NoPoolFound):
        choose_pool(pools, rng, "silver")
