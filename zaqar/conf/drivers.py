"""[drivers]: which transport and storage drivers to load (stevedore entry point names)."""

from __future__ import annotations

from oslo_config import cfg

GROUP = "drivers"

transport = cfg.StrOpt(
    "transport",
    default="wsgi",
    help="Transport driver to use (entry point in the zaqar.transport namespace).",
)

message_store = cfg.StrOpt(
    "message_store",
    default="sqlalchemy",
    deprecated_opts=[cfg.DeprecatedOpt("storage", group="DEFAULT")],
    help="Storage driver for messages, queues and claims (entry point in the "
    "zaqar.data.storage namespace). The default keeps everything in an embedded SQLite "
    "file.",
)

management_store = cfg.StrOpt(
    "management_store",
    default="sqlalchemy",
    help="Storage driver for management data such as the pool catalogue (entry point in the "
    "zaqar.control.storage namespace).",
)

ALL_OPTS = [transport, message_store, management_store]


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: list(ALL_OPTS)}
