"""Builds the service from configuration: control driver, data driver, then transport."""

from __future__ import annotations

from typing import Any

from oslo_config import cfg
from stevedore import driver as stevedore_driver
from stevedore.exception import NoMatches

from zaqar.conf import default, drivers, trustee
from zaqar.conf import notification as notification_opts
from zaqar.notification import trusts
from zaqar.storage import base, loading

#: The auth strategies the WSGI transport implements ("" is none).
STRATEGIES = ("", "keystone")


class ConfigurationError(Exception):
    """The configuration asks for something this server cannot do."""


def _load(namespace: str, name: str, *args: Any) -> Any:
    try:
        manager: stevedore_driver.DriverManager[Any] = stevedore_driver.DriverManager(
            namespace, name, invoke_on_load=True, invoke_args=args
        )
    except NoMatches as error:
        raise ConfigurationError(f"no driver named {name!r} in {namespace}") from error
    return manager.driver


def check_supported(conf: cfg.ConfigOpts) -> None:
    """Refuse settings that would silently weaken the service if ignored."""
    strategy = conf[default.GROUP].auth_strategy
    if strategy not in STRATEGIES:
        raise ConfigurationError(
            f"auth_strategy = {strategy!r} is not supported; use 'keystone', or leave it "
            "empty to take the project from the X-Project-ID header"
        )
    trustee_auth = conf[trustee.GROUP].auth_type
    if trustee_auth not in (None, "", "password"):
        raise ConfigurationError(
            f"[trustee] auth_type = {trustee_auth!r} is not supported; use 'password'"
        )


class Bootstrap:
    def __init__(self, conf: cfg.ConfigOpts) -> None:
        check_supported(conf)
        self.conf = conf
        group = conf[drivers.GROUP]
        self.control: base.ControlDriver = loading.load_control_driver(conf)
        self.storage: base.DataDriver = loading.load_data_driver(conf, self.control)
        #: Asks subscribers to confirm, when subscriptions must be confirmed.
        self.confirmations: Any = None
        if conf[notification_opts.GROUP].require_confirmation:
            from zaqar.notification.confirmations import ConfirmationSender

            self.confirmations = ConfirmationSender(conf)
        #: Makes the trusts of trust+ subscribers, when there is a [trustee].
        self.trusts: Any = None
        if trusts.configured(conf):
            self.trusts = trusts.Trusts(conf)
        self.transport: Any = _load(
            "zaqar.transport",
            group.transport,
            conf,
            self.storage,
            self.control,
            self.confirmations,
            self.trusts,
        )

    def close(self) -> None:
        if self.confirmations is not None:
            self.confirmations.close()
        self.storage.close()
        self.control.close()
