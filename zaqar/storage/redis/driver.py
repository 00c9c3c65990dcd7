"""The Redis drivers: the store (``store``: connections, key layout, failures) and the
controllers, put together; and garbage collection.

Capabilities: FIFO, CLAIMS, AOD and HIGH_THROUGHPUT. DURABILITY is not declared: whether an
acknowledged write survives a crash depends on the server's persistence settings (AOF with
``appendfsync always``), which the driver neither controls nor can trust to stay as read at
start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from oslo_config import cfg

from zaqar.conf import drivers_management_store_redis as control_opts
from zaqar.conf import drivers_message_store_redis as data_opts
from zaqar.storage import base
from zaqar.storage.redis import deliveries, transfer
from zaqar.storage.redis.claims import ClaimController
from zaqar.storage.redis.messages import MessageController
from zaqar.storage.redis.pools import CatalogueController, FlavorsController, PoolsController
from zaqar.storage.redis.queues import QueueController, SubscriptionController
from zaqar.storage.redis.store import open_store

#: Expired messages ``gc`` removes per script call on one queue.
GC_BATCH = 1000


class ControlDriver(base.ControlDriver):
    def __init__(self, conf: cfg.ConfigOpts) -> None:
        super().__init__(conf)
        group = conf[control_opts.GROUP]
        self.store = open_store(group, "management")
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
        return self.store.is_alive()

    def close(self) -> None:
        self.store.close()


class DataDriver(base.DataDriver):
    def __init__(
        self, conf: cfg.ConfigOpts, control: base.ControlDriver, options: Any = None
    ) -> None:
        super().__init__(conf, control)
        group = conf[data_opts.GROUP] if options is None else options
        self.store = open_store(group, "message")
        self._queues = QueueController(self.store)
        self._messages = MessageController(self.store)
        self._claims = ClaimController(self.store)
        self._subscriptions = SubscriptionController(self.store)
        self._deliveries = deliveries.DeliveryController(self.store)

    @property
    def capabilities(self) -> frozenset[base.Capability]:
        return frozenset(
            {
                base.Capability.FIFO,
                base.Capability.CLAIMS,
                base.Capability.AOD,
                base.Capability.HIGH_THROUGHPUT,
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
        return self.store.is_alive()

    def export_queue(self, name: str, project: str | None = None) -> base.QueueDump:
        return transfer.export_queue(self.store, name, project)

    def import_queue(self, name: str, project: str | None, dump: base.QueueDump) -> None:
        transfer.import_queue(self.store, name, project, dump)

    def gc(self) -> int:
        """Trim the indexes of every queue of expired messages and subscriptions; returns how
        many went. (Subscriptions of a queue that has no hash, which ``gc`` cannot find, go
        with their keys' PEXPIRE.)"""
        removed = 0
        with self.store.talking() as client:
            members: Sequence[str] = list(client.sscan_iter(self.store.all_queues, count=500))
        for member in members:
            keys = self.store.keys_of_member(member)
            while True:
                count = self.store.trim(keys, GC_BATCH)
                removed += count
                if count < GC_BATCH:
                    break
            while True:
                count = self._subscriptions.trim(keys, GC_BATCH)
                removed += count
                if count < GC_BATCH:
                    break
        return removed

    def close(self) -> None:
        self.store.close()
