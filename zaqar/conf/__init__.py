"""Configuration: one module per oslo.config group, each exposing GROUP, ALL_OPTS and
list_opts(). ``load()`` builds a ConfigOpts with every group registered."""

from __future__ import annotations

from collections.abc import Sequence

from oslo_config import cfg

from zaqar.conf import (
    default,
    drivers,
    drivers_management_store_mongodb,
    drivers_management_store_redis,
    drivers_management_store_sqlalchemy,
    drivers_message_store_mongodb,
    drivers_message_store_redis,
    drivers_message_store_sqlalchemy,
    drivers_transport_wsgi,
    http_limits,
    message_bodies,
    notification,
    pooling_catalog,
    signed_url,
    transport,
    trustee,
)

MODULES = (
    default,
    drivers,
    drivers_transport_wsgi,
    drivers_message_store_sqlalchemy,
    drivers_management_store_sqlalchemy,
    drivers_message_store_redis,
    drivers_management_store_redis,
    drivers_message_store_mongodb,
    drivers_management_store_mongodb,
    transport,
    message_bodies,
    http_limits,
    pooling_catalog,
    notification,
    signed_url,
    trustee,
)


def register_opts(conf: cfg.ConfigOpts) -> None:
    for module in MODULES:
        for group, opts in module.list_opts().items():
            conf.register_opts(opts, group=group)


def load(
    args: Sequence[str] | None = None, default_config_files: Sequence[str] | None = None
) -> cfg.ConfigOpts:
    """A fresh ConfigOpts for project ``zaqar``, parsed from ``args`` and the config files.

    With ``default_config_files=None`` oslo.config searches its usual places
    (``~/.zaqar/zaqar.conf``, ``~/zaqar.conf``, ``/etc/zaqar/zaqar.conf``, ``/etc/zaqar.conf``).
    """
    conf = cfg.ConfigOpts()
    register_opts(conf)
    conf(
        args=list(args) if args is not None else [],
        project="zaqar",
        default_config_files=list(default_config_files)
        if default_config_files is not None
        else None,
    )
    return conf
