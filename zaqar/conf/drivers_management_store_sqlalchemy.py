"""[drivers:management_store:sqlalchemy]: the SQL management store.

Its timeouts and breaker are the message store's options (``drivers_message_store_sqlalchemy``);
each group keeps its own values.
"""

from __future__ import annotations

from oslo_config import cfg

from zaqar.conf.breaker import breaker_open_period
from zaqar.conf.drivers_message_store_sqlalchemy import connect_timeout, timeout

GROUP = "drivers:management_store:sqlalchemy"

uri = cfg.StrOpt(
    "uri",
    default="sqlite:///zaqar.sqlite",
    secret=True,
    help="SQLAlchemy database URL for management data. The default shares the message "
    "store's SQLite file in the working directory.",
)

ALL_OPTS = [uri, timeout, connect_timeout, breaker_open_period]


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: list(ALL_OPTS)}
