"""[drivers:message_store:redis]: the Redis message store."""

from __future__ import annotations

from oslo_config import cfg

from zaqar.conf.breaker import breaker_open_period

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
    default=2,
    min=0,
    help="Attempts at connecting again, after reconnect_sleep each, when Redis refused a "
    "connection before a command was sent; then 503. With the defaults a stopped Redis "
    "costs a request about 0.2 s. A command that was sent is never sent again: a write "
    "that ran but whose answer was lost would run twice.",
)

reconnect_sleep = cfg.FloatOpt(
    "reconnect_sleep",
    default=0.1,
    min=0.0,
    help="Seconds to wait between reconnection attempts.",
)

connect_timeout = cfg.FloatOpt(
    "connect_timeout",
    default=0.5,
    min=0.01,
    help="Seconds to wait for Redis to accept a TCP connection. A connection that timed out "
    "is not attempted again, so this bounds what an unreachable host costs a request. The "
    "handshake on a new connection waits up to socket_timeout.",
)

socket_timeout = cfg.FloatOpt(
    "socket_timeout",
    default=5.0,
    min=0.01,
    help="Seconds to wait for Redis to answer a command before giving up. A read then "
    "answers 503; a change answers 504 (outcome unknown) unless the driver can tell what "
    "happened, as it does for posts. A ``socket_timeout`` in the URI's query takes "
    "precedence.",
)

clock_skew_margin = cfg.FloatOpt(
    "clock_skew_margin",
    default=0.5,
    min=0.0,
    help="Seconds by which this server's clock and Redis's may disagree. Every change "
    "carries a deadline, socket_timeout minus this margin (at most half of socket_timeout) "
    "after it was sent, and Redis refuses to run it later: a change that timed out cannot "
    "be made afterwards, so a 503 always means it was not made.",
)

ALL_OPTS = [
    uri,
    prefix,
    max_reconnect_attempts,
    reconnect_sleep,
    connect_timeout,
    socket_timeout,
    clock_skew_margin,
    breaker_open_period,
]


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: list(ALL_OPTS)}
