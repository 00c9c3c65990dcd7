"""The SQL drivers: the store (``store``: engine, failures) and the controllers, put
together; and the background purge of expired messages and subscriptions."""

from __future__ import annotations

import logging
import threading
from typing import Any

import sqlalchemy as sa
from oslo_config import cfg

from zaqar.conf import drivers_management_store_sqlalchemy as control_opts
from zaqar.conf import drivers_message_store_sqlalchemy as data_opts
from zaqar.storage import base, errors
from zaqar.storage.sqlalchemy import deliveries, tables, transfer
from zaqar.storage.sqlalchemy.claims import ClaimController
from zaqar.storage.sqlalchemy.messages import MessageController
from zaqar.storage.sqlalchemy.pools import CatalogueController, FlavorsController, PoolsController
from zaqar.storage.sqlalchemy.queues import (
    QueueController,
    SubscriptionController,
    forget_subscriptions,
)
from zaqar.storage.sqlalchemy.store import open_store, ping

LOG = logging.getLogger(__name__)

#: Rows removed per statement by the purge, so it never holds a long write lock.
PURGE_BATCH = 500


class ControlDriver(base.ControlDriver):
    def __init__(self, conf: cfg.ConfigOpts) -> None:
        super().__init__(conf)
        group = conf[control_opts.GROUP]
        self.store = open_store(group, "management")
        self.store.ensure_schema()
        self._pools = PoolsController(self.store)
        self._catalogue = CatalogueController(self.store)
        self._flavors = FlavorsController(self.store)

    @property
    def pools_controller(self) -> PoolsController:
        return self._pools

    @property
    def catalogue_controller(self) -> CatalogueController:
        return self._catalogue

    @property
    def flavors_controller(self) -> FlavorsController:
        return self._flavors

    def is_alive(self) -> bool:
        return ping(self.store.engine)

    def close(self) -> None:
        self.store.engine.dispose()


class DataDriver(base.DataDriver):
    def __init__(
        self, conf: cfg.ConfigOpts, control: base.ControlDriver, options: Any = None
    ) -> None:
        super().__init__(conf, control)
        group = conf[data_opts.GROUP] if options is None else options
        self.store = open_store(group, "message")
        self.store.ensure_schema()
        self._queues = QueueController(self.store)
        self._messages = MessageController(self.store)
        self._claims = ClaimController(self.store)
        self._subscriptions = SubscriptionController(self.store)
        self._deliveries = deliveries.DeliveryController(self.store)
        self._stop = threading.Event()
        self._purger: threading.Thread | None = None
        if group.purge_interval > 0:
            self._purger = threading.Thread(
                target=self._purge_forever,
                args=(group.purge_interval,),
                name="zaqar-purge",
                daemon=True,
            )
            self._purger.start()

    @property
    def capabilities(self) -> frozenset[base.Capability]:
        return frozenset(
            {
                base.Capability.FIFO,
                base.Capability.CLAIMS,
                base.Capability.DURABILITY,
                base.Capability.AOD,
            }
        )

    @property
    def queue_controller(self) -> QueueController:
        return self._queues

    @property
    def message_controller(self) -> MessageController:
        return self._messages

    @property
    def claim_controller(self) -> ClaimController:
        return self._claims

    @property
    def subscription_controller(self) -> SubscriptionController:
        return self._subscriptions

    @property
    def delivery_controller(self) -> deliveries.DeliveryController:
        return self._deliveries

    def is_alive(self) -> bool:
        return ping(self.store.engine)

    def export_queue(self, name: str, project: str | None = None) -> base.QueueDump:
        return transfer.export_queue(self.store, name, project)

    def import_queue(self, name: str, project: str | None, dump: base.QueueDump) -> None:
        transfer.import_queue(self.store, name, project, dump)

    def gc(self) -> int:
        """Delete expired messages and subscriptions in small batches; returns how many
        went."""
        removed = sum(self._purge(table) for table in (tables.messages, tables.subscriptions))
        with self.store.writing() as connection:
            removed += deliveries.purge(connection, self.store.clock())
        return removed

    def _purge(self, table: sa.Table) -> int:
        removed = 0
        while True:
            with self.store.writing() as connection:
                ids = list(
                    connection.execute(
                        sa.select(table.c.id)
                        .where(table.c.expires <= self.store.clock())
                        .limit(PURGE_BATCH)
                    ).scalars()
                )
                if ids and table is tables.subscriptions:
                    forget_subscriptions(connection, table.c.id.in_(ids))
                elif ids:
                    connection.execute(sa.delete(table).where(table.c.id.in_(ids)))
            removed += len(ids)
            if len(ids) < PURGE_BATCH:
                return removed

    def _purge_forever(self, interval: int) -> None:
        while not self._stop.wait(interval):
            try:
                removed = self.gc()
            except errors.StorageError as error:
                LOG.warning("purge of expired data failed: %s", error)
            else:
                if removed:
                    LOG.info("purged %d expired messages and subscriptions", removed)

    def close(self) -> None:
        self._stop.set()
        if self._purger is not None:
            self._purger.join(timeout=5)
        self.store.engine.dispose()
