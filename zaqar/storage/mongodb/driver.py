"""Connection set-up, data layout, safety checks and error translation for MongoDB.

Layout (``D`` is the ``database`` option of the driver's group)::

    D_queues.queues            one document per queue
        {p: project ('' for None), n: name, m: metadata (JSON text), cr: created,
         k: next marker, l: {id, e} posting lock (absent when free)}
        index project_name (p, n) unique: lookups and the per-project listing

    D_messages_p<N>.messages   one document per message, N = partition_of(project, queue)
        {_id: message id, p, q: queue name, k: marker, cr: created, t: reported ttl,
         e: expires, x: purge-after (datetime), u: poster's client id, b: body (JSON text),
         c: {id: claim id or null, e: claim expiry (0 when free), t: claim ttl, c: count}}
        index queue_marker (p, q, k) unique: listing, claiming, popping, stats, stamps,
              and the shard key of a sharded deployment
        index queue_claim (p, q, c.id): a claim's messages (get, renew, release)
        index queue_claim_expiry (p, q, c.e): counting claimed messages
        index expires (e): ``gc``
        index purge (x) TTL, expireAfterSeconds=0: MongoDB's own purge

    D_queues.subscriptions     one document per subscription (API v2)
        {_id: subscription id, p, q: queue name, u: subscriber, t: ttl, cr: created,
         e: expires, x: purge-after (datetime), o: options (JSON text), c: confirmed}
        index project_queue_subscriber (p, q, u) unique: one live subscription per
              subscriber and queue (an expired one that clashes is deleted first)
        index project_queue_id (p, q, _id): listing
        index expires (e): ``gc``
        index purge (x) TTL, expireAfterSeconds=0: MongoDB's own purge

    D_queues.outbox            push delivery (``deliveries``): a notification per message
        {p, q, k: marker, i: message id, t: ttl, b: body, cr: posted, x: purge-after}
        index queue_marker (p, q, k) unique
    D_queues.delivery_log      {s: subscription id, p, q, the attempt's fields, x}
    D_queues.dead_letters      {_id: "<subscription id>/<marker>", s, p, q, m: marker, ...}

    D.pools, D.catalogue       management store (see ``pools``)

Markers and posting. ``k`` of a queue is its next marker *and* the watermark of what is
committed: a message is visible to listing, claiming, popping and stats only once its marker
is below ``k``. A post takes the queue's posting lock (a lease in ``l``, taken with one
conditional ``find_one_and_update``), inserts its batch at markers ``k .. k+n-1`` and then,
in one single-document update fenced on its lock id, advances ``k`` past the batch and drops
the lock. The whole batch thus becomes visible at once and in marker order, markers are
gap-free, and a reader paging during concurrent posts never skips a message. A poster that
dies leaves its documents above the watermark, where nobody sees them; its lease runs out
after ``POST_LEASE`` seconds and the next poster, whose markers collide with the leftovers
in the unique index, deletes them. No multi-document transaction is needed.

Claims live inside the messages. Claiming is a conditional ``update_many`` on candidates
that are still free (``c.e <= now``), so two claimers never take the same message; a claimer
that lost every candidate to another selects again, with bounded back-off.

Time comes only from ``Store.clock``. The one exception is ``x``, the TTL index's field:
MongoDB's TTL monitor compares it with the server's real time, so it is set to
``wall time + (expires - now) + EXPIRY_MARGIN`` (at most the year 9999), a real-time safety
net that never removes a message or subscription before the semantics (read-time filtering
on ``e``) have made it invisible.

Messages are spread over ``partitions`` databases by a CRC-32 of project and queue name. The
count must never change after deployment: queues would look for their messages in the wrong
database.

Capabilities: FIFO, CLAIMS, AOD and HIGH_THROUGHPUT; DURABILITY only when the server is a
replica-set member or mongos and writes use ``w=majority`` (otherwise the driver refuses to
start unless ``unreliable = True``, and then does not declare it).
"""

from __future__ import annotations

from typing import Any

from oslo_config import cfg

from zaqar.conf import drivers_management_store_mongodb as control_opts
from zaqar.conf import drivers_message_store_mongodb as data_opts
from zaqar.storage import base
from zaqar.storage.mongodb import transfer
from zaqar.storage.mongodb.claims import ClaimController
from zaqar.storage.mongodb.deliveries import DeliveryController
from zaqar.storage.mongodb.messages import MessageController
from zaqar.storage.mongodb.pools import CatalogueController, FlavorsController, PoolsController
from zaqar.storage.mongodb.queues import QueueController, SubscriptionController
from zaqar.storage.mongodb.store import ControlLayout, MessageLayout, Store


class ControlDriver(base.ControlDriver):
    def __init__(self, conf: cfg.ConfigOpts) -> None:
        super().__init__(conf)
        self.store = Store(conf[control_opts.GROUP])
        try:
            layout = ControlLayout(self.store)
        except BaseException:
            self.store.close()
            raise
        self._pools = PoolsController(self.store, layout)
        self._catalogue = CatalogueController(self.store, layout)
        self._flavors = FlavorsController(self.store, layout)

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
        return self.store.ping()

    def close(self) -> None:
        self.store.close()


class DataDriver(base.DataDriver):
    def __init__(
        self, conf: cfg.ConfigOpts, control: base.ControlDriver, options: Any = None
    ) -> None:
        super().__init__(conf, control)
        group = conf[data_opts.GROUP] if options is None else options
        self.store = Store(group)
        try:
            self.layout = MessageLayout(self.store, int(group.partitions))
        except BaseException:
            self.store.close()
            raise
        self._queues = QueueController(self.store, self.layout)
        self._messages = MessageController(self.store, self.layout)
        self._claims = ClaimController(self.store, self.layout)
        self._subscriptions = SubscriptionController(self.store, self.layout)
        self._deliveries = DeliveryController(self.store, self.layout)

    @property
    def capabilities(self) -> frozenset[base.Capability]:
        capabilities = {
            base.Capability.FIFO,
            base.Capability.CLAIMS,
            base.Capability.AOD,
            base.Capability.HIGH_THROUGHPUT,
        }
        if self.store.durable:
            capabilities.add(base.Capability.DURABILITY)
        return frozenset(capabilities)

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
    def delivery_controller(self) -> DeliveryController:
        return self._deliveries

    def is_alive(self) -> bool:
        return self.store.ping()

    def export_queue(self, name: str, project: str | None = None) -> base.QueueDump:
        return transfer.export_queue(self.store, self.layout, name, project)

    def import_queue(self, name: str, project: str | None, dump: base.QueueDump) -> None:
        transfer.import_queue(self.store, self.layout, name, project, dump)

    def gc(self) -> int:
        """Delete expired messages and subscriptions now (MongoDB's TTL monitor would, an
        hour later)."""
        now = self.store.clock()
        removed = 0
        for collection in [*self.layout.messages, self.layout.subscriptions, self.layout.outbox]:
            result = self.store.call(collection.delete_many, {"e": {"$lte": now}})
            removed += result.deleted_count
        return removed

    def close(self) -> None:
        self.store.close()
