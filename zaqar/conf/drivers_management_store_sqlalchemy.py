"""[drivers:management_store:sqlalchemy]: the SQL management store."""

from __future__ import annotations

from oslo_config import cfg

GROUP = "drivers:management_store:sqlalchemy"

uri = cfg.StrOpt(
    "uri",
    default="sqlite:///zaqar.sqlite",
    secret=True,
    help="SQLAlchemy database URL for management data. The default shares the message "
    "store's SQLite file in the working directory.",
)

timeout = cfg.FloatOpt(
    "timeout",
    default=10.0,
    min=0.1,
    help="Seconds to wait for a database lock or connection before answering 503.",
)

ALL_OPTS = [uri, timeout]


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: list(ALL_OPTS)}
