"""The pooled data driver: queues sharded over pools through the catalogue.

Each pool is a whole message store with a driver of its own, built on first use from the
pool's URI (its scheme names the driver) with the pool's options layered over the server's
``[drivers:message_store:<driver>]`` group. The management store's catalogue says which pool
holds each ``(project, queue)``; this driver routes every call there, so clients cannot tell
pooling is on.

Lookups are cached for ``[pooling:catalog] cache_ttl`` seconds per worker. A queue found
missing on its cached pool is looked up again at once, so a queue deleted and created again
on another pool is followed without waiting for the cache; creating a queue always asks the
catalogue (``DataDriver.place``).
"""

from __future__ import annotations

import builtins
import logging
import random
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TypeVar

from oslo_config import cfg
from stevedore import driver as stevedore_driver
from stevedore.exception import NoMatches

import zaqar.conf
from zaqar.conf import pooling_catalog
from zaqar.core.ids import is_id
from zaqar.storage import base, errors, updates

LOG = logging.getLogger(__name__)

T = TypeVar("T")

#: The driver serving each URI scheme (``postgresql+psycopg`` counts as ``postgresql``).
DRIVER_BY_SCHEME = {
    "sqlite": "sqlalchemy",
    "postgresql": "sqlalchemy",
    "mysql": "sqlalchemy",
    "mariadb": "sqlalchemy",
    "redis": "redis",
    "rediss": "redis",
    "unix": "redis",
    "mongodb": "mongodb",
}


def driver_name_for(uri: str) -> str:
    """The ``zaqar.data.storage`` entry point for a pool URI; BadConfiguration if none."""
    scheme = urllib.parse.urlsplit(uri).scheme.split("+")[0].lower()
    name = DRIVER_BY_SCHEME.get(scheme)
    if name is None:
        raise errors.BadConfiguration(f"no storage driver serves URI scheme {scheme!r}")
    return name


class PoolOptions:
    """A driver's option group with a pool's URI and options in front of it.

    Reading an option the pool sets gives the pool's value (converted by the option's
    type); any other falls through to the server's configuration.
    """

    def __init__(self, group: Any, opts: Sequence[cfg.Opt], uri: str, options: dict[str, Any]):
        known = {opt.dest: opt for opt in opts}
        values: dict[str, Any] = {"uri": uri}
        for name, value in options.items():
            opt = known.get(name)
            if opt is None or name == "uri":
                raise errors.BadConfiguration(f"the pool option {name!r} is not a driver option")
            try:
                values[name] = opt.type(value)
            except (TypeError, ValueError) as error:
                raise errors.BadConfiguration(f"the pool option {name!r}: {error}") from error
        self._group = group
        self._values = values

    def __getattr__(self, name: str) -> Any:
        if name in self._values:
            return self._values[name]
        return getattr(self._group, name)


def _opts_of(group_name: str) -> list[cfg.Opt]:
    for module in zaqar.conf.MODULES:
        opts = module.list_opts().get(group_name)
        if opts is not None:
            return list(opts)
    raise errors.BadConfiguration(f"no options are registered for [{group_name}]")


def pool_options(conf: cfg.ConfigOpts, pool: base.Pool) -> tuple[str, PoolOptions]:
    """The driver name and option group a pool's driver is built with."""
    name = driver_name_for(pool.uri)
    group_name = f"drivers:message_store:{name}"
    opts = _opts_of(group_name)
    return name, PoolOptions(conf[group_name], opts, pool.uri, pool.options)


def build_pool_driver(
    conf: cfg.ConfigOpts, control: base.ControlDriver, pool: base.Pool
) -> base.DataDriver:
    name, options = pool_options(conf, pool)
    try:
        manager: Any = stevedore_driver.DriverManager(
            "zaqar.data.storage",
            name,
            invoke_on_load=True,
            invoke_args=(conf, control),
            invoke_kwds={"options": options},
        )
    except NoMatches as error:
        raise errors.BadConfiguration(f"no storage driver named {name!r}") from error
    built: base.DataDriver = manager.driver
    return built


def all_pools(controller: base.PoolsController) -> list[base.Pool]:
    pools: list[base.Pool] = []
    marker: str | None = None
    while True:
        page = controller.list(marker=marker, limit=100)
        pools.extend(page.items)
        if len(page.items) < 100 or page.next_marker is None:
            return pools
        marker = page.next_marker


def check_pool(conf: cfg.ConfigOpts, control: base.ControlDriver, pool: base.Pool) -> None:
    """Refuse a pool whose URI or options cannot work, or whose store does not answer."""
    driver = build_pool_driver(conf, control, pool)
    try:
        if not driver.is_alive():
            # Name the pool, not the URI: it may hold a password.
            raise errors.ServiceUnavailable(f"cannot connect to the store of pool {pool.name}")
    finally:
        driver.close()


def choose_pool(pools: Sequence[base.Pool], rng: random.Random, flavor: str | None = None) -> str:
    """A weighted random choice among the pools that take new queues of ``flavor`` (of that
    flavor, or of none when None; weight above 0); NoPoolFound when there are none."""
    candidates = [pool for pool in pools if pool.flavor == flavor and pool.weight > 0]
    total = sum(pool.weight for pool in candidates)
    if total == 0:
        if flavor is not None:
            raise errors.NoPoolFound(f"no pool of flavor {flavor} takes new queues")
        raise errors.NoPoolFound("no pool takes new queues")
    draw = rng.randrange(total)
    for pool in candidates:
        if draw < pool.weight:
            return pool.name
        draw -= pool.weight
    raise AssertionError("unreachable")  # pragma: no cover


class _Expiring:
    """A dict whose entries are forgotten ``ttl`` seconds after they were set."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any) -> Any:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            self._entries.pop(key, None)
            return None
        return entry[1]

    def set(self, key: Any, value: Any) -> None:
        if self._ttl > 0:
            self._entries[key] = (self._clock() + self._ttl, value)

    def drop(self, key: Any) -> bool:
        return self._entries.pop(key, None) is not None


class DataDriver(base.DataDriver):
    """Routes every queue, message, claim and subscription call to the pool that holds the
    queue."""

    def __init__(self, conf: cfg.ConfigOpts, control: base.ControlDriver) -> None:
        super().__init__(conf, control)
        self._pools: base.PoolsController = control.pools_controller
        self.catalogue: base.CatalogueController = control.catalogue_controller
        ttl = conf[pooling_catalog.GROUP].cache_ttl
        self.cache_ttl = ttl
        self.move_write_grace: float = conf[pooling_catalog.GROUP].move_write_grace
        self._placements = _Expiring(ttl)
        self._pool_records = _Expiring(ttl)
        self._drivers: dict[str, tuple[base.Pool, base.DataDriver]] = {}
        self._retired: list[base.DataDriver] = []
        self._lock = threading.Lock()
        self._rng = random.Random()
        self._queues = QueueController(self)
        self._messages = MessageController(self)
        self._claims = ClaimController(self)
        self._subscriptions = SubscriptionController(self)
        self._deliveries = DeliveryController(self)

    # -- routing ---------------------------------------------------------------------------

    def pool_driver(self, name: str) -> base.DataDriver:
        """The driver of pool ``name``, rebuilt when the pool's URI or options changed."""
        record: base.Pool | None = self._pool_records.get(name)
        if record is None:
            record = self._pools.get(name)
            self._pool_records.set(name, record)
        with self._lock:
            known = self._drivers.get(name)
            if known is not None and known[0] == record:
                return known[1]
            driver = build_pool_driver(self.conf, self.control, record)
            if known is not None:
                # Requests in flight may still use it; it is closed with this driver.
                self._retired.append(known[1])
            self._drivers[name] = (record, driver)
            return driver

    def forget_pool(self, name: str) -> None:
        """Read the pool's settings again on next use (after the admin API changed them)."""
        self._pool_records.drop(name)

    def locate(self, project: str | None, queue: str) -> tuple[str | None, bool, bool]:
        """The pool of a queue (None when not catalogued), whether that came from the cache,
        and whether the queue is moving to another pool (such entries are never cached)."""
        key = (project, queue)
        pool: str | None = self._placements.get(key)
        if pool is not None:
            return pool, True, False
        placement = self.catalogue.placement(project, queue)
        if placement is None:
            return None, False, False
        moving = placement.moving_to is not None
        if not moving:
            self._placements.set(key, placement.pool)
        return placement.pool, False, moving

    def forget_placement(self, project: str | None, queue: str) -> None:
        self._placements.drop((project, queue))

    def route(
        self,
        project: str | None,
        queue: str,
        action: Callable[[base.DataDriver], T],
        missing: Callable[[], T],
        writes: bool = False,
    ) -> T:
        """``action`` on the queue's pool driver, or ``missing()`` for an uncatalogued queue.

        When the pool came from the cache and says the queue is not there, the cache may be
        stale: look the queue up once more. While a queue moves, reads go to the pool it is
        leaving and an action that ``writes`` is refused with QueueMoving (a 503: the
        client tries again once the move is done).
        """
        pool, cached, moving = self.locate(project, queue)
        if pool is not None and not moving:
            try:
                return action(self.pool_driver(pool))
            except errors.QueueDoesNotExist:
                if not cached:
                    raise
            self.forget_placement(project, queue)
            pool, _, moving = self.locate(project, queue)
        if pool is None:
            return missing()
        if moving and writes:
            raise errors.QueueMoving(queue, project)
        return action(self.pool_driver(pool))

    def place(self, project: str | None, queue: str, flavor: str | None = None) -> str:
        """The pool of the queue, choosing and cataloguing one (of ``flavor``, when given)
        if it has none yet.

        Asks the catalogue, not this worker's cache: another worker may have deleted the
        queue since it was cached, and a queue made again on the cached pool would be in no
        catalogue, so that every other worker would answer that it does not exist.
        """
        self.forget_placement(project, queue)
        pool, _, _ = self.locate(project, queue)
        if pool is not None:
            return pool
        chosen = choose_pool(self._all_pools(), self._rng, flavor)
        # Of two racing placements the catalogue keeps one; both go where it says.
        pool = self.catalogue.insert(project, queue, chosen)
        self._placements.set((project, queue), pool)
        return pool

    def _all_pools(self) -> list[base.Pool]:
        return all_pools(self._pools)

    # -- the driver ------------------------------------------------------------------------

    def pool_drivers(self) -> dict[str, base.DataDriver]:
        return {pool.name: self.pool_driver(pool.name) for pool in self._all_pools()}

    @property
    def capabilities(self) -> frozenset[base.Capability]:
        """What every pool offers: a queue may land on any of them."""
        pools = self._all_pools()
        if not pools:
            return frozenset()
        offered = [self.pool_driver(pool.name).capabilities for pool in pools]
        return frozenset.intersection(*offered)

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
        """The management store and every pool answer."""
        if not self.control.is_alive():
            return False
        try:
            return all(self.pool_driver(pool.name).is_alive() for pool in self._all_pools())
        except errors.StorageError:
            return False

    def gc(self) -> int:
        return sum(self.pool_driver(pool.name).gc() for pool in self._all_pools())

    def close(self) -> None:
        with self._lock:
            drivers = [driver for _, driver in self._drivers.values()] + self._retired
            self._drivers.clear()
            self._retired.clear()
        for driver in drivers:
            driver.close()


class QueueController(base.QueueController):
    def __init__(self, pooled: DataDriver) -> None:
        self._pooled = pooled

    def list(
        self,
        project: str | None = None,
        marker: str | None = None,
        limit: int = 10,
        detailed: bool = False,
    ) -> base.Page[base.Queue]:
        items: list[base.Queue] = []
        while True:
            wanted = limit - len(items)
            page = self._pooled.catalogue.list(project, marker, wanted)
            for name, pool in page.items:
                if not detailed:
                    items.append(base.Queue(name))
                    continue
                try:
                    metadata = self._pooled.pool_driver(pool).queue_controller.get_metadata(
                        name, project
                    )
                except errors.QueueDoesNotExist:
                    continue  # deleted between the two reads
                items.append(base.Queue(name, metadata))
            if page.next_marker is not None:
                marker = page.next_marker
            # A page left short by queues deleted meanwhile is filled up from the catalogue:
            # an empty page would end the client's paging before the last queue.
            if len(items) >= limit or len(page.items) < wanted:
                return base.Page(items, marker if items else None)

    def create(
        self, name: str, project: str | None = None, metadata: dict[str, Any] | None = None
    ) -> bool:
        # A queue asks for a flavor of pools with its ``_flavor`` setting (API v2).
        flavor = (metadata or {}).get("_flavor")
        pool = self._pooled.place(project, name, flavor if isinstance(flavor, str) else None)
        return self._pooled.pool_driver(pool).queue_controller.create(name, project, metadata)

    def exists(self, name: str, project: str | None = None) -> bool:
        def check(driver: base.DataDriver) -> bool:
            if driver.queue_controller.exists(name, project):
                return True
            # Let ``route`` look again in case the cached pool is stale.
            raise errors.QueueDoesNotExist(name, project)

        try:
            return self._pooled.route(project, name, check, lambda: False)
        except errors.QueueDoesNotExist:
            return False

    def get_metadata(self, name: str, project: str | None = None) -> dict[str, Any]:
        return self._pooled.route(
            project,
            name,
            lambda driver: driver.queue_controller.get_metadata(name, project),
            lambda: _missing_queue(name, project),
        )

    def set_metadata(self, name: str, metadata: dict[str, Any], project: str | None = None) -> None:
        self._pooled.route(
            project,
            name,
            lambda driver: driver.queue_controller.set_metadata(name, metadata, project),
            lambda: _missing_queue(name, project),
            writes=True,
        )

    def count(self, project: str | None = None) -> int:
        return self._pooled.catalogue.project_count(project)

    def update_metadata(
        self, name: str, change: updates.Change, project: str | None = None
    ) -> dict[str, Any]:
        return self._pooled.route(
            project,
            name,
            lambda driver: driver.queue_controller.update_metadata(name, change, project),
            lambda: _missing_queue(name, project),
            writes=True,
        )

    def delete(self, name: str, project: str | None = None) -> None:
        placement = self._pooled.catalogue.placement(project, name)
        if placement is not None and placement.moving_to is not None:
            raise errors.QueueMoving(name, project)
        pool = None if placement is None else placement.pool
        if pool is not None:
            # The messages first: an interrupted delete leaves the queue listed, so that
            # deleting it again finishes the job.
            self._pooled.pool_driver(pool).queue_controller.delete(name, project)
            self._pooled.catalogue.delete(project, name)
        self._pooled.forget_placement(project, name)

    def stats(self, name: str, project: str | None = None) -> base.QueueStats:
        return self._pooled.route(
            project,
            name,
            lambda driver: driver.queue_controller.stats(name, project),
            lambda: _missing_queue(name, project),
        )


def _missing_queue(name: str, project: str | None) -> NoReturn:
    raise errors.QueueDoesNotExist(name, project)


class MessageController(base.MessageController):
    """The contract's answers for a queue that does not exist come from ``missing``
    callbacks; everything else from the pool's own driver."""

    def __init__(self, pooled: DataDriver) -> None:
        self._pooled = pooled

    def list(
        self,
        queue: str,
        project: str | None = None,
        marker: str | None = None,
        limit: int = 10,
        echo: bool = False,
        client_uuid: str | None = None,
        include_claimed: bool = False,
        include_delayed: bool = False,
    ) -> base.Page[base.Message]:
        return self._pooled.route(
            project,
            queue,
            lambda driver: driver.message_controller.list(
                queue, project, marker, limit, echo, client_uuid, include_claimed, include_delayed
            ),
            lambda: base.Page([], None),
        )

    def get(self, queue: str, message_id: str, project: str | None = None) -> base.Message:
        def missing() -> base.Message:
            raise errors.MessageDoesNotExist(message_id, queue, project)

        return self._pooled.route(
            project,
            queue,
            lambda driver: driver.message_controller.get(queue, message_id, project),
            missing,
        )

    def bulk_get(
        self, queue: str, message_ids: Sequence[str], project: str | None = None
    ) -> builtins.list[base.Message]:
        return self._pooled.route(
            project,
            queue,
            lambda driver: driver.message_controller.bulk_get(queue, message_ids, project),
            list,
        )

    def post(
        self,
        queue: str,
        messages: Sequence[base.NewMessage],
        client_uuid: str,
        project: str | None = None,
        ids: Sequence[str] | None = None,
    ) -> builtins.list[str]:
        return self._pooled.route(
            project,
            queue,
            lambda driver: driver.message_controller.post(
                queue, messages, client_uuid, project, ids
            ),
            lambda: _missing_queue(queue, project),
            writes=True,
        )

    def delete(
        self,
        queue: str,
        message_id: str,
        project: str | None = None,
        claim: str | None = None,
    ) -> None:
        def missing() -> None:
            if is_id(message_id) and claim is not None and not is_id(claim):
                raise errors.InvalidClaimId(claim)

        self._pooled.route(
            project,
            queue,
            lambda driver: driver.message_controller.delete(queue, message_id, project, claim),
            missing,
            writes=True,
        )

    def bulk_delete(
        self, queue: str, message_ids: Sequence[str], project: str | None = None
    ) -> None:
        self._pooled.route(
            project,
            queue,
            lambda driver: driver.message_controller.bulk_delete(queue, message_ids, project),
            lambda: None,
            writes=True,
        )

    def pop(
        self, queue: str, limit: int, project: str | None = None
    ) -> builtins.list[base.Message]:
        return self._pooled.route(
            project,
            queue,
            lambda driver: driver.message_controller.pop(queue, limit, project),
            list,
            writes=True,
        )


class ClaimController(base.ClaimController):
    def __init__(self, pooled: DataDriver) -> None:
        self._pooled = pooled

    def create(
        self,
        queue: str,
        ttl: int,
        grace: int,
        limit: int = 10,
        project: str | None = None,
    ) -> base.Claim | None:
        return self._pooled.route(
            project,
            queue,
            lambda driver: driver.claim_controller.create(queue, ttl, grace, limit, project),
            lambda: None,
            writes=True,
        )

    def get(self, queue: str, claim_id: str, project: str | None = None) -> base.Claim:
        def missing() -> base.Claim:
            raise errors.ClaimDoesNotExist(claim_id, queue, project)

        return self._pooled.route(
            project,
            queue,
            lambda driver: driver.claim_controller.get(queue, claim_id, project),
            missing,
        )

    def update(
        self, queue: str, claim_id: str, ttl: int, grace: int, project: str | None = None
    ) -> None:
        def missing() -> None:
            raise errors.ClaimDoesNotExist(claim_id, queue, project)

        self._pooled.route(
            project,
            queue,
            lambda driver: driver.claim_controller.update(queue, claim_id, ttl, grace, project),
            missing,
            writes=True,
        )

    def delete(self, queue: str, claim_id: str, project: str | None = None) -> None:
        self._pooled.route(
            project,
            queue,
            lambda driver: driver.claim_controller.delete(queue, claim_id, project),
            lambda: None,
            writes=True,
        )


class SubscriptionController(base.SubscriptionController):
    """Subscriptions live on their queue's pool, and move with it. A queue the catalogue
    does not know has none: reads find nothing and ``create`` raises QueueDoesNotExist, as
    a post does (API v2 creates the queue first)."""

    def __init__(self, pooled: DataDriver) -> None:
        self._pooled = pooled

    def list(
        self, queue: str, project: str | None, marker: str | None = None, limit: int = 10
    ) -> base.Page[base.Subscription]:
        return self._pooled.route(
            project,
            queue,
            lambda driver: driver.subscription_controller.list(queue, project, marker, limit),
            lambda: base.Page([], None),
        )

    def get(self, queue: str, subscription_id: str, project: str | None) -> base.Subscription:
        def missing() -> base.Subscription:
            raise errors.SubscriptionDoesNotExist(subscription_id)

        return self._pooled.route(
            project,
            queue,
            lambda driver: driver.subscription_controller.get(queue, subscription_id, project),
            missing,
        )

    def get_with_subscriber(
        self, queue: str, subscriber: str, project: str | None
    ) -> base.Subscription | None:
        return self._pooled.route(
            project,
            queue,
            lambda driver: driver.subscription_controller.get_with_subscriber(
                queue, subscriber, project
            ),
            lambda: None,
        )

    def create(
        self,
        queue: str,
        subscriber: str,
        ttl: int,
        options: dict[str, Any],
        project: str | None,
        *,
        secret: str | None = None,
    ) -> str | None:
        def create(driver: base.DataDriver) -> str | None:
            # A pool's store takes subscriptions of any queue; the check makes a stale
            # cached placement look again (``route``) instead of subscribing on a pool the
            # queue has left.
            if not driver.queue_controller.exists(queue, project):
                raise errors.QueueDoesNotExist(queue, project)
            return driver.subscription_controller.create(
                queue, subscriber, ttl, options, project, secret=secret
            )

        return self._pooled.route(
            project, queue, create, lambda: _missing_queue(queue, project), writes=True
        )

    def update(
        self,
        queue: str,
        subscription_id: str,
        project: str | None,
        *,
        subscriber: str | None = None,
        ttl: int | None = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        def missing() -> None:
            raise errors.SubscriptionDoesNotExist(subscription_id)

        self._pooled.route(
            project,
            queue,
            lambda driver: driver.subscription_controller.update(
                queue, subscription_id, project, subscriber=subscriber, ttl=ttl, options=options
            ),
            missing,
            writes=True,
        )

    def confirm(
        self, queue: str, subscription_id: str, project: str | None, confirmed: bool
    ) -> None:
        def missing() -> None:
            raise errors.SubscriptionDoesNotExist(subscription_id)

        self._pooled.route(
            project,
            queue,
            lambda driver: driver.subscription_controller.confirm(
                queue, subscription_id, project, confirmed
            ),
            missing,
            writes=True,
        )

    def delete(self, queue: str, subscription_id: str, project: str | None) -> None:
        self._pooled.route(
            project,
            queue,
            lambda driver: driver.subscription_controller.delete(queue, subscription_id, project),
            lambda: None,
            writes=True,
        )

    def delete_all(self, queue: str, project: str | None) -> None:
        self._pooled.route(
            project,
            queue,
            lambda driver: driver.subscription_controller.delete_all(queue, project),
            lambda: None,
            writes=True,
        )


class DeliveryController(base.DeliveryController):
    """Delivery state lives on its queue's pool, beside the subscriptions; the subscribed
    queues are listed pool by pool (the marker is ``<pool>|<the pool's marker>``)."""

    def __init__(self, pooled: DataDriver) -> None:
        self._pooled = pooled

    def subscribed(
        self, marker: str | None = None, limit: int = 100
    ) -> base.Page[tuple[str | None, str]]:
        drivers = self._pooled.pool_drivers()
        names = sorted(drivers)
        pool, _, inner = (marker or "").partition("|")
        if marker is None:
            if not names:
                return base.Page([], None)
            pool, inner = names[0], ""
        if pool not in drivers:
            # The pool went: carry on with the next one by name.
            later = [name for name in names if name > pool]
            if not later:
                return base.Page([], None)
            pool, inner = later[0], ""
        page = drivers[pool].delivery_controller.subscribed(inner or None, limit)
        if page.next_marker is not None:
            return base.Page(page.items, f"{pool}|{page.next_marker}")
        later = [name for name in names if name > pool]
        # An empty inner marker starts the next pool from its beginning.
        return base.Page(page.items, f"{later[0]}|" if later else None)

    def acquire(
        self, queue: str, project: str | None, subscription_id: str, owner: str, seconds: float
    ) -> int | None:
        return self._pooled.route(
            project,
            queue,
            lambda driver: driver.delivery_controller.acquire(
                queue, project, subscription_id, owner, seconds
            ),
            lambda: None,
            writes=True,
        )

    def backlog(
        self, queue: str, project: str | None, after: int, limit: int
    ) -> builtins.list[base.Notification]:
        return self._pooled.route(
            project,
            queue,
            lambda driver: driver.delivery_controller.backlog(queue, project, after, limit),
            list,
        )

    def checkpoint(
        self,
        queue: str,
        project: str | None,
        subscription_id: str,
        owner: str,
        *,
        cursor: int,
        attempts: Sequence[base.Attempt] = (),
        dead: Sequence[base.DeadLetter] = (),
        replayed: Sequence[int] = (),
    ) -> bool:
        return self._pooled.route(
            project,
            queue,
            lambda driver: driver.delivery_controller.checkpoint(
                queue,
                project,
                subscription_id,
                owner,
                cursor=cursor,
                attempts=attempts,
                dead=dead,
                replayed=replayed,
            ),
            lambda: False,
            writes=True,
        )

    def release(self, queue: str, project: str | None, subscription_id: str, owner: str) -> None:
        self._pooled.route(
            project,
            queue,
            lambda driver: driver.delivery_controller.release(
                queue, project, subscription_id, owner
            ),
            lambda: None,
            writes=True,
        )

    def attempts(
        self, queue: str, project: str | None, subscription_id: str, limit: int = 20
    ) -> builtins.list[base.Attempt]:
        return self._pooled.route(
            project,
            queue,
            lambda driver: driver.delivery_controller.attempts(
                queue, project, subscription_id, limit
            ),
            list,
        )

    def dead_letters(
        self,
        queue: str,
        project: str | None,
        subscription_id: str,
        marker: int | None = None,
        limit: int = 20,
    ) -> base.Page[base.DeadLetter]:
        return self._pooled.route(
            project,
            queue,
            lambda driver: driver.delivery_controller.dead_letters(
                queue, project, subscription_id, marker, limit
            ),
            lambda: base.Page([], None),
        )

    def replay(
        self,
        queue: str,
        project: str | None,
        subscription_id: str,
        message_ids: Sequence[str] | None = None,
    ) -> int:
        return self._pooled.route(
            project,
            queue,
            lambda driver: driver.delivery_controller.replay(
                queue, project, subscription_id, message_ids
            ),
            lambda: 0,
            writes=True,
        )

    def replays(
        self, queue: str, project: str | None, subscription_id: str, limit: int
    ) -> builtins.list[base.DeadLetter]:
        return self._pooled.route(
            project,
            queue,
            lambda driver: driver.delivery_controller.replays(
                queue, project, subscription_id, limit
            ),
            list,
        )
