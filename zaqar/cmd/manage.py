"""zaqar-manage: administrative commands.

    zaqar-manage [--config-file F] db upgrade    bring SQL schemas to the latest revision
    zaqar-manage [--config-file F] db current    show each SQL schema's revision

Both act on the databases of the configured stores that use the ``sqlalchemy`` driver.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from oslo_config import cfg

from zaqar import conf as zaqar_conf
from zaqar.conf import drivers
from zaqar.conf import drivers_management_store_sqlalchemy as control_opts
from zaqar.conf import drivers_message_store_sqlalchemy as data_opts
from zaqar.storage import errors
from zaqar.storage.sqlalchemy import schema
from zaqar.storage.sqlalchemy.driver import Store, create_engine


def sql_uris(conf: cfg.ConfigOpts) -> list[tuple[str, float]]:
    """(uri, timeout) of every configured store on the sqlalchemy driver, without repeats."""
    found: dict[str, float] = {}
    group = conf[drivers.GROUP]
    if group.message_store == "sqlalchemy":
        found.setdefault(conf[data_opts.GROUP].uri, conf[data_opts.GROUP].timeout)
    if group.management_store == "sqlalchemy":
        found.setdefault(conf[control_opts.GROUP].uri, conf[control_opts.GROUP].timeout)
    return list(found.items())


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
    args, rest = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    conf = zaqar_conf.load(rest)
    try:
        return db(args.action, conf)
    except errors.StorageError as error:
        print(f"zaqar-manage: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
