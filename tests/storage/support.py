"""What the storage suite shares besides fixtures: the driver list and the per-driver hooks.

Two per-driver hooks, keyed by entry-point name:

* ``CONFIGURE[name](conf, tmp_path)`` points the driver at fresh, private storage;
* ``CLOCK_HOOKS[name](driver, clock)`` makes the driver read time from ``clock``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from oslo_config import cfg

from tests.clock import EPOCH, Clock  # noqa: F401 - re-exported for the suites
from zaqar.storage import base

#: Every data-storage driver the suite runs against (entry point names).
DRIVERS = ["sqlalchemy"]


def _configure_sqlalchemy(conf: cfg.ConfigOpts, tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'zaqar.sqlite'}"
    conf.set_override("uri", uri, group="drivers:message_store:sqlalchemy")
    conf.set_override("purge_interval", 0, group="drivers:message_store:sqlalchemy")
    conf.set_override("uri", uri, group="drivers:management_store:sqlalchemy")


def _sqlalchemy_clock(driver: base.DataDriver, clock: Clock) -> None:
    store = driver.store  # type: ignore[attr-defined]
    # Fail loudly if the driver stops reading time from here: the hook would silently miss.
    assert callable(store.clock), "the SQLAlchemy store no longer has a clock to replace"
    store.clock = clock


CONFIGURE: dict[str, Callable[[cfg.ConfigOpts, Path], None]] = {
    "sqlalchemy": _configure_sqlalchemy,
}

CLOCK_HOOKS: dict[str, Callable[[base.DataDriver, Clock], None]] = {
    "sqlalchemy": _sqlalchemy_clock,
}


#: The ``post`` fixture: ``post(queue, count=1, ttl=300, project=None, client_uuid=None,
#: bodies=None) -> ids``.
Post = Callable[..., list[str]]
