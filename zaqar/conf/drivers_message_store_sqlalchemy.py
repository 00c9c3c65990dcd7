"""[drivers:message_store:sqlalchemy]: the SQL message store."""

from __future__ import annotations

from oslo_config import cfg

from zaqar.conf.breaker import breaker_open_period

GROUP = "drivers:message_store:sqlalchemy"

uri = cfg.StrOpt(
    "uri",
    default="sqlite:///zaqar.sqlite",
    secret=True,
    help="SQLAlchemy database URL. The default is a SQLite file in the working directory, "
    "opened in WAL mode.",
)

timeout = cfg.FloatOpt(
    "timeout",
    default=10.0,
    min=0.1,
    help="Seconds a statement or a lock wait may take before answering 503 (PostgreSQL "
    "statement_timeout and lock_timeout, MySQL read and write timeouts, SQLite's busy "
    "timeout), and to wait for a free pooled connection.",
)

connect_timeout = cfg.FloatOpt(
    "connect_timeout",
    default=1.0,
    min=0.1,
    help="Seconds to wait for a PostgreSQL or MySQL server to accept a new connection "
    "before answering 503. A stopped server refuses at once; for a host that does not "
    "answer at all, libpq waits whole seconds and at least 2.",
)

purge_interval = cfg.IntOpt(
    "purge_interval",
    default=60,
    min=0,
    help="Seconds between purges of expired messages in each server process; 0 disables "
    "the background purge (expired messages are never visible either way).",
)

ALL_OPTS = [uri, timeout, connect_timeout, purge_interval, breaker_open_period]


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: list(ALL_OPTS)}
