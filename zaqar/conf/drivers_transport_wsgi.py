"""[drivers:transport:wsgi]: where and how zaqar-server listens."""

from __future__ import annotations

from oslo_config import cfg

GROUP = "drivers:transport:wsgi"

bind = cfg.HostAddressOpt("bind", default="127.0.0.1", help="Address on which to listen.")

port = cfg.PortOpt("port", default=8888, help="Port on which to listen.")

workers = cfg.IntOpt(
    "workers",
    min=1,
    help="Number of worker processes. When unset, the WEB_CONCURRENCY environment "
    "variable is used, and failing that 2 x CPUs + 1.",
)

#: The HTTP servers zaqar-server can run the app under.
SERVERS = ("granian", "gunicorn")

server = cfg.StrOpt(
    "server",
    default="gunicorn",
    choices=SERVERS,
    help="HTTP server under the app: ``granian`` (native, Rust) or ``gunicorn`` "
    '(Python, threaded workers). See docs/security.rst, "The HTTP edge", for what each '
    "guarantees against slow clients.",
)

graceful_timeout = cfg.FloatOpt(
    "graceful_timeout",
    default=30.0,
    min=0.0,
    help="Seconds a stopping server (SIGTERM) gives requests in flight to finish. It stops "
    "accepting connections at once and closes idle keep-alive connections; workers still "
    "busy after this long are killed.",
)

access_log = cfg.BoolOpt(
    "access_log",
    default=True,
    help="Write one line per request to standard error: method, path and query, status "
    "and milliseconds (the zaqar.access logger). Turn it off where a load balancer in front "
    "logs every request already: it is about a tenth of the server's CPU per request.",
)

ALL_OPTS = [bind, port, workers, server, graceful_timeout, access_log]


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: list(ALL_OPTS)}
