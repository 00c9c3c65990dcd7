"""zaqar-manage: administrative commands.

    zaqar-manage [--config-file F] db upgrade    bring SQL schemas to the latest revision
    zaqar-manage [--config-file F] db current    show each SQL schema's revision
    zaqar-manage [--config-file F] pool list
    zaqar-manage [--config-file F] pool create NAME URI [--weight N] [--option KEY=VALUE]...
    zaqar-manage [--config-file F] pool delete NAME
    zaqar-manage [--config-file F] queue move PROJECT QUEUE POOL [--settle SECONDS]

``db`` acts on the databases of the configured stores that use the ``sqlalchemy`` driver,
and with pooling on, on every SQL pool too. ``pool`` edits the pools of the management
store; ``create`` first checks that the pool's store answers, and ``delete`` refuses a pool
that still holds queues. ``queue move`` moves a queue to another pool while clients keep
using it (see ``zaqar.storage.pooling.migration``); the global project is ``-``.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.parse
from collections.abc import Sequence

from oslo_config import cfg

from zaqar import conf as zaqar_conf
from zaqar.conf import default, drivers
from zaqar.conf import drivers_management_store_sqlalchemy as control_opts
from zaqar.conf import drivers_message_store_sqlalchemy as data_opts
from zaqar.storage import base, errors, loading
from zaqar.storage.pooling.driver import DataDriver as PooledDriver
from zaqar.storage.pooling.driver import all_pools, check_pool, driver_name_for, pool_options
from zaqar.storage.pooling.migration import move_queue
from zaqar.storage.sqlalchemy import schema
from zaqar.storage.sqlalchemy.store import Store, create_engine


def sql_uris(conf: cfg.ConfigOpts) -> list[tuple[str, float]]:
    """(uri, timeout) of every configured store on the sqlalchemy driver, without repeats."""
    found: dict[str, float] = {}
    group = conf[drivers.GROUP]
    if group.message_store == "sqlalchemy":
        found.setdefault(conf[data_opts.GROUP].uri, conf[data_opts.GROUP].timeout)
    if group.management_store == "sqlalchemy":
        found.setdefault(conf[control_opts.GROUP].uri, conf[control_opts.GROUP].timeout)
    if conf[default.GROUP].pooling:
        control = loading.load_control_driver(conf)
        try:
            for pool in all_pools(control.pools_controller):
                if driver_name_for(pool.uri) == "sqlalchemy":
                    _, options = pool_options(conf, pool)
                    found.setdefault(pool.uri, options.timeout)
        finally:
            control.close()
    return list(found.items())


def pool(args: argparse.Namespace, conf: cfg.ConfigOpts) -> int:
    control = loading.load_control_driver(conf)
    pools: base.PoolsController = control.pools_controller
    try:
        if args.action == "list":
            for found in all_pools(control.pools_controller):
                uri = _redacted_pool_uri(found.uri)
                print(f"{found.name}\tweight={found.weight}\t{uri}\t{found.options}")
        elif args.action == "create":
            options = dict(_option(text) for text in args.option)
            new = base.Pool(args.name, args.uri, args.weight, None, options)
            check_pool(conf, control, new)
            pools.create(new.name, new.weight, new.uri, options=new.options)
            print(f"pool {new.name} saved")
        else:
            pools.delete(args.name)
            print(f"pool {args.name} deleted")
    finally:
        control.close()
    return 0


def queue(args: argparse.Namespace, conf: cfg.ConfigOpts) -> int:
    control = loading.load_control_driver(conf)
    try:
        data = loading.load_data_driver(conf, control)
        try:
            if not isinstance(data, PooledDriver):
                raise errors.BadConfiguration("moving queues needs pooling = True")
            project = None if args.project == "-" else args.project
            report = move_queue(data, project, args.queue, args.pool, settle=args.settle)
        finally:
            data.close()
    finally:
        control.close()
    print(
        f"moved {report.messages} messages of queue {report.queue} from pool {report.source} "
        f"to {report.target}; writes paused {report.paused:.1f}s"
    )
    return 0


def _weight(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("a weight is 0 or more")
    return value


def _option(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    if not sep:
        raise errors.BadConfiguration(f"--option takes KEY=VALUE, not {text!r}")
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def _redacted_pool_uri(uri: str) -> str:
    parts = urllib.parse.urlsplit(uri)
    if parts.password is None:
        return uri
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def _redacted(uri: str, timeout: float) -> str:
    return create_engine(uri, timeout).url.render_as_string(hide_password=True)


def db(action: str, conf: cfg.ConfigOpts) -> int:
    for uri, timeout in sql_uris(conf):
        store = Store(create_engine(uri, timeout))
        try:
            if action == "upgrade":
                store.upgrade_schema()
                print(f"{_redacted(uri, timeout)}: at revision {schema.head()}")
            else:
                with store.reading() as connection:
                    found = schema.current(connection)
                print(f"{_redacted(uri, timeout)}: {found or 'no schema'} (latest {schema.head()})")
        finally:
            store.engine.dispose()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="zaqar-manage", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="area", required=True)
    database = commands.add_parser("db", help="SQL schema migrations")
    database.add_argument("action", choices=["upgrade", "current"])
    pools = commands.add_parser("pool", help="storage pools (with pooling)")
    pool_actions = pools.add_subparsers(dest="action", required=True)
    pool_actions.add_parser("list")
    create = pool_actions.add_parser("create")
    create.add_argument("name")
    create.add_argument("uri")
    create.add_argument("--weight", type=_weight, default=100)
    create.add_argument("--option", action="append", default=[], help="KEY=VALUE (JSON)")
    delete = pool_actions.add_parser("delete")
    delete.add_argument("name")
    queues = commands.add_parser("queue", help="queues (with pooling)")
    queue_actions = queues.add_subparsers(dest="action", required=True)
    move = queue_actions.add_parser("move", help="move a queue to another pool")
    move.add_argument("project", help="the queue's project ('-' for the global one)")
    move.add_argument("queue")
    move.add_argument("pool", help="the pool to move it to")
    move.add_argument(
        "--settle",
        type=float,
        default=None,
        help="seconds to wait before copying (default: cache_ttl + move_write_grace)",
    )
    args, rest = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    conf = zaqar_conf.load(rest)
    try:
        if args.area == "pool":
            return pool(args, conf)
        if args.area == "queue":
            return queue(args, conf)
        return db(args.action, conf)
    except errors.StorageError as error:
        print(f"zaqar-manage: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
