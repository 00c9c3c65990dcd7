"""[drivers:message_store:sqlalchemy]: the SQL message store."""

from __future__ import annotations

from oslo_config import cfg

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
    help="Seconds to wait for a database lock or connection before answering 503.",
)

purge_interval = cfg.IntOpt(
    "purge_interval",
    default=60,
    min=0,
    help="Seconds between purges of expired messages in each server process; 0 disables "
    "the background purge (expired messages are never visible either way).",
)

ALL_OPTS = [uri, timeout, purge_interval]


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: list(ALL_OPTS)}
