"""zaqar-server: serve the API under granian or gunicorn.

    zaqar-server [--config-file F] [--server granian|gunicorn] [--bind ADDR] [--port N]
                 [--workers N] [--admin_mode]

With no configuration at all it serves on 127.0.0.1:8888 with messages kept in
``zaqar.sqlite`` in the working directory.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from zaqar import bootstrap
from zaqar import conf as zaqar_conf
from zaqar.conf import default, drivers_transport_wsgi
from zaqar.storage import errors
from zaqar.transport.wsgi import logs, servers

LOG = logging.getLogger("zaqar.server")


def parse_args(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        prog="zaqar-server",
        description="Serve the Zaqar API. Other options (--config-file, --config-dir) are "
        "read as oslo.config options.",
    )
    parser.add_argument(
        "--server",
        choices=servers.NAMES,
        help="HTTP server under the app ([drivers:transport:wsgi] server)",
    )
    parser.add_argument("--bind", help="address to listen on ([drivers:transport:wsgi] bind)")
    parser.add_argument(
        "--port", type=int, help="port to listen on ([drivers:transport:wsgi] port)"
    )
    parser.add_argument("--workers", type=int, help="worker processes")
    parser.add_argument("--admin_mode", action="store_true", help="serve admin endpoints")
    return parser.parse_known_args(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    logs.configure()
    # Schema checks run alembic at start-up; its plugin chatter is not news to an operator.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    args, rest = parse_args(sys.argv[1:] if argv is None else argv)
    conf = zaqar_conf.load(rest)
    if args.admin_mode:
        conf.set_override("admin_mode", True, group=default.GROUP)
    name = args.server or conf[drivers_transport_wsgi.GROUP].server
    chosen = servers.settings(conf, bind=args.bind, port=args.port, workers=args.workers)
    try:
        # Fail fast on a bad configuration, and create the schema once, before forking.
        bootstrap.Bootstrap(conf).close()
    except (bootstrap.ConfigurationError, errors.BadConfiguration) as error:
        LOG.error("cannot start: %s", error)
        return 2
    except errors.ServiceUnavailable as error:
        LOG.error("cannot start: the storage backend is unavailable: %s", error)
        return 3
    LOG.info("serving on http://%s with %d workers under %s", chosen.bind, chosen.workers, name)
    servers.serve(name, chosen, servers.app_loader(rest, args.admin_mode))
    return 0


if __name__ == "__main__":
    sys.exit(main())
