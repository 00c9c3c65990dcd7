"""The driver as a whole: registration, liveness, capabilities and garbage collection."""

from __future__ import annotations

import importlib.metadata

from tests.backends import POOLED
from zaqar.storage import base

from .support import BACKENDS, Clock, Post


def test_the_backends_cover_every_registered_driver_and_pooling() -> None:
    for group in ("zaqar.data.storage", "zaqar.control.storage"):
        registered = {ep.name for ep in importlib.metadata.entry_points(group=group)}
        assert {backend.driver for backend in BACKENDS} == registered | {POOLED}


def test_the_suite_runs_on_sqlite_postgresql_and_mysql() -> None:
    names = [backend.name for backend in BACKENDS]
    assert len(names) == len(set(names))
    assert {"sqlite", "postgresql", "mysql"} <= set(names)


def test_a_fresh_driver_is_alive(driver: base.DataDriver) -> None:
    assert driver.is_alive() is True


def test_a_driver_is_a_data_driver_with_its_control_driver(driver: base.DataDriver) -> None:
    assert isinstance(driver, base.DataDriver)
    assert isinstance(driver.control, base.ControlDriver)
    assert driver.control.is_alive() is True


def test_a_driver_offers_the_three_controllers(driver: base.DataDriver) -> None:
    assert isinstance(driver.queue_controller, base.QueueController)
    assert isinstance(driver.message_controller, base.MessageController)
    assert isinstance(driver.claim_controller, base.ClaimController)


def test_capabilities_are_a_frozen_set_of_capability_values(driver: base.DataDriver) -> None:
    capabilities = driver.capabilities
    assert isinstance(capabilities, frozenset)
    assert all(isinstance(item, base.Capability) for item in capabilities)
    # The whole suite exercises claims, so every driver it runs against must offer them.
    assert base.Capability.CLAIMS in capabilities


def test_a_fresh_store_has_no_queues(queues: base.QueueController) -> None:
    assert queues.list() == base.Page([], None)


def test_gc_removes_only_expired_messages(
    driver: base.DataDriver, queue: str, post: Post, clock: Clock
) -> None:
    post(queue, count=3, ttl=60)
    keep = post(queue, count=2, ttl=600)
    clock.advance(61)

    removed = driver.gc()

    # Drivers whose backend expires data by itself report 0.
    assert removed in (0, 3)
    page = driver.message_controller.list(queue, echo=True)
    assert [message.id for message in page.items] == keep
    assert driver.gc() == 0


def test_gc_with_nothing_expired_removes_nothing(
    driver: base.DataDriver, queue: str, post: Post, clock: Clock
) -> None:
    ids = post(queue, count=4, ttl=60)
    clock.advance(59)
    assert driver.gc() == 0
    page = driver.message_controller.list(queue, echo=True)
    assert [message.id for message in page.items] == ids
