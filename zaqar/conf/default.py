"""[DEFAULT]: service-wide switches."""

from __future__ import annotations

from oslo_config import cfg

GROUP = "DEFAULT"

auth_strategy = cfg.StrOpt(
    "auth_strategy",
    default="",
    help="Backend to use for authentication: 'keystone' validates each request's token "
    "with keystonemiddleware (configured in [keystone_authtoken]) and takes the project "
    "from it. An empty value means no authentication: the project comes from the "
    "X-Project-ID header. The server refuses to start with any other strategy.",
)

admin_mode = cfg.BoolOpt(
    "admin_mode",
    default=False,
    help="Activate privileged endpoints (pools and flavors, with pooling).",
)

pooling = cfg.BoolOpt(
    "pooling",
    default=False,
    deprecated_opts=[cfg.DeprecatedOpt("sharding")],
    help="Shard queues across storage pools through a catalog: each queue lives on one "
    "pool (a whole message store, registered with 'zaqar-manage pool create'), and the "
    "management store records which.",
)

ALL_OPTS = [auth_strategy, admin_mode, pooling]


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: list(ALL_OPTS)}
