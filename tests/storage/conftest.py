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

import pytest
from oslo_config import cfg

import zaqar.conf
from zaqar.storage import base, loading

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


@pytest.fixture
def driver(conf: cfg.ConfigOpts) -> Iterator[base.DataDriver]:
    """Built exactly as ``zaqar.bootstrap`` builds it (through stevedore, or the pooled
    driver when the backend turns pooling on)."""
    control = loading.load_control_driver(conf)
    try:
        data = loading.load_data_driver(conf, control)
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
def pools(driver: base.DataDriver) -> base.PoolsController:
    return driver.control.pools_controller  # type: ignore[attr-defined, no-any-return]


@pytest.fixture
def catalogue(driver: base.DataDriver) -> base.CatalogueController:
    return driver.control.catalogue_controller  # type: ignore[attr-defined, no-any-return]


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
