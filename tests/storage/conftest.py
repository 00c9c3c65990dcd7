"""Fixtures of the storage conformance suite.

Every test that asks for ``driver`` runs once per backend in ``tests.backends.BACKENDS``; a
test in ``test_driver.py`` checks that the backends cover every entry point registered in
``zaqar.data.storage``, so a new driver cannot skip the suite. Tests that travel in time ask
for ``clock``, which each backend's ``set_clock`` hook installs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from oslo_config import cfg
from stevedore import driver as stevedore_driver

import zaqar.conf
from zaqar.conf import drivers as drivers_opts
from zaqar.storage import base

from .support import BACKENDS, BY_NAME, Backend, Clock, Post


@pytest.fixture(params=[backend.name for backend in BACKENDS])
def backend(request: pytest.FixtureRequest) -> Backend:
    return BY_NAME[request.param]


@pytest.fixture
def driver_name(backend: Backend) -> str:
    return backend.driver


@pytest.fixture
def conf(backend: Backend, tmp_path: Path) -> cfg.ConfigOpts:
    conf = zaqar.conf.load([], default_config_files=[])
    backend.prepare(conf, tmp_path)
    return conf


def _load(namespace: str, name: str, *args: object) -> object:
    """Build a driver exactly as ``zaqar.bootstrap`` does: through stevedore."""
    manager: Any = stevedore_driver.DriverManager(
        namespace, name, invoke_on_load=True, invoke_args=args
    )
    built: object = manager.driver
    return built


@pytest.fixture
def driver(driver_name: str, conf: cfg.ConfigOpts) -> Iterator[base.DataDriver]:
    control_name = conf[drivers_opts.GROUP].management_store
    control = _load("zaqar.control.storage", control_name, conf)
    assert isinstance(control, base.ControlDriver)
    try:
        data = _load("zaqar.data.storage", driver_name, conf, control)
        assert isinstance(data, base.DataDriver)
        try:
            yield data
        finally:
            data.close()
    finally:
        control.close()


@pytest.fixture
def clock(backend: Backend, driver: base.DataDriver) -> Clock:
    """A stopped clock the driver reads time from; move it with ``advance``."""
    fake = Clock()
    backend.set_clock(driver, fake)
    return fake


@pytest.fixture
def queues(driver: base.DataDriver) -> base.QueueController:
    return driver.queue_controller


@pytest.fixture
def messages(driver: base.DataDriver) -> base.MessageController:
    return driver.message_controller


@pytest.fixture
def claims(driver: base.DataDriver) -> base.ClaimController:
    return driver.claim_controller


@pytest.fixture
def client() -> str:
    """The Client-ID of the producer in most tests (the API hands storage the hex form)."""
    return uuid.uuid4().hex


@pytest.fixture
def queue(queues: base.QueueController) -> str:
    """An empty queue named ``fizbit`` in the global namespace."""
    assert queues.create("fizbit")
    return "fizbit"


@pytest.fixture
def post(messages: base.MessageController, client: str) -> Post:
    """``post(queue, count=1, ttl=300, project=None, client_uuid=None, bodies=None)``.

    Posts one batch; bodies default to ``{"n": 0}``, ``{"n": 1}``, ...
    """

    def post(
        queue: str,
        count: int = 1,
        ttl: int = 300,
        project: str | None = None,
        client_uuid: str | None = None,
        bodies: list[base.JSON] | None = None,
    ) -> list[str]:
        if bodies is None:
            bodies = [{"n": n} for n in range(count)]
        batch = [base.NewMessage(ttl=ttl, body=body) for body in bodies]
        return messages.post(queue, batch, client_uuid or client, project)

    return post
