"""[drivers:message_store:redis]: the Redis message store."""

from __future__ import annotations

from oslo_config import cfg

GROUP = "drivers:message_store:redis"

uri = cfg.StrOpt(
    "uri",
    default="redis://127.0.0.1:6379",
    secret=True,
    help="Redis connection URI: ``redis://[:password@]host:port[/db][?socket_timeout=..]``, "
    "``rediss://...`` for TLS, ``unix:///path/to.sock?db=N``, "
    "``redis+sentinel://[:password@]host:port[,host:port...]/master[/db]`` for a master "
    "found through sentinels, or ``redis+cluster://[:password@]host:port[,host:port...]`` "
    "for Redis Cluster.",
)

prefix = cfg.StrOpt(
    "prefix",
    default="zaqar",
    help="Prefix of every key the driver writes, so that several deployments can share one "
    "Redis server or database. It may not contain '{' or '}'.",
)

max_reconnect_attempts = cfg.IntOpt(
    "max_reconnect_attempts",
    default=10,
    min=0,
    help="Attempts to reconnect after a refused or dropped connection before answering 503.",
)

reconnect_sleep = cfg.FloatOpt(
    "reconnect_sleep",
    default=1.0,
    min=0.0,
    help="Seconds to wait between reconnection attempts.",
)

socket_timeout = cfg.FloatOpt(
    "socket_timeout",
    default=5.0,
    min=0.01,
    help="Seconds to wait for Redis to connect or answer before answering 503. A "
    "``socket_timeout`` in the URI's query takes precedence.",
)

ALL_OPTS = [uri, prefix, max_reconnect_attempts, reconnect_sleep, socket_timeout]


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: list(ALL_OPTS)}
