"""Building the storage drivers a configuration asks for."""

from __future__ import annotations

from typing import Any

from oslo_config import cfg
from stevedore import driver as stevedore_driver
from stevedore.exception import NoMatches

from zaqar.conf import default, drivers
from zaqar.storage import base, errors


def _load(namespace: str, name: str, *args: Any) -> Any:
    try:
        manager: stevedore_driver.DriverManager[Any] = stevedore_driver.DriverManager(
            namespace, name, invoke_on_load=True, invoke_args=args
        )
    except NoMatches as error:
        raise errors.BadConfiguration(f"no driver named {name!r} in {namespace}") from error
    return manager.driver


def load_control_driver(conf: cfg.ConfigOpts) -> base.ControlDriver:
    """The ``[drivers] management_store`` driver."""
    control: base.ControlDriver = _load(
        "zaqar.control.storage", conf[drivers.GROUP].management_store, conf
    )
    return control


def load_data_driver(conf: cfg.ConfigOpts, control: base.ControlDriver) -> base.DataDriver:
    """The pooled driver with ``pooling = True``, else the ``[drivers] message_store`` one."""
    if conf[default.GROUP].pooling:
        from zaqar.storage.pooling.driver import DataDriver as PooledDriver

        return PooledDriver(conf, control)
    data: base.DataDriver = _load(
        "zaqar.data.storage", conf[drivers.GROUP].message_store, conf, control
    )
    return data
