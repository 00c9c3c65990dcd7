"""[drivers:transport:wsgi]: where and how zaqar-server listens."""

from __future__ import annotations

from oslo_config import cfg

GROUP = "drivers:transport:wsgi"

bind = cfg.HostAddressOpt("bind", default="127.0.0.1", help="Address on which to listen.")

port = cfg.PortOpt("port", default=8888, help="Port on which to listen.")

workers = cfg.IntOpt(
    "workers",
    min=1,
    help="Number of gunicorn worker processes. When unset, the WEB_CONCURRENCY environment "
    "variable is used, and failing that 2 x CPUs + 1.",
)

ALL_OPTS = [bind, port, workers]


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: list(ALL_OPTS)}
