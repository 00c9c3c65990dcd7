"""The storage contract every driver fulfils.

A deployment has two drivers:

* the **data driver** (``[drivers] message_store``, entry points ``zaqar.data.storage``) keeps
  queues, messages, claims and subscriptions; it is built with the control driver so that a
  meta-driver (pooling) can find the catalogue there;
* the **control driver** (``[drivers] management_store``, entry points
  ``zaqar.control.storage``) keeps management data: the pool catalogue, pools and flavors.

Controllers take plain values and return the typed results below; they raise only
``zaqar.storage.errors``. ``project`` is ``None`` for the global namespace. Drivers never
validate API limits: that is ``zaqar.api``'s job.
"""

from __future__ import annotations

import abc
import builtins
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from oslo_config import cfg

from zaqar.storage import errors

T = TypeVar("T")

#: A JSON value: what a message body may hold.
JSON = Any


class Capability(enum.Enum):
    """Guarantees a driver declares (the values of the original service's enum)."""

    FIFO = 1
    CLAIMS = 2
    DURABILITY = 3
    AOD = 4  # at-least-once delivery
    HIGH_THROUGHPUT = 5


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing and the marker that continues it (None when no items)."""

    items: list[T]
    next_marker: str | None


@dataclass(frozen=True)
class Queue:
    name: str
    metadata: dict[str, JSON] | None = None  # only filled in for detailed listings


@dataclass(frozen=True)
class NewMessage:
    ttl: int
    body: JSON
    #: Seconds the message stays invisible to listing, claiming and popping (API v2).
    delay: int = 0
    #: The checksum of the body the API computed at posting (e.g. ``MD5:<hex>``, at most 64
    #: ASCII characters), kept as given; None (or empty) when checksums are off.
    checksum: str | None = None


@dataclass(frozen=True)
class Message:
    id: str
    ttl: int
    age: int
    body: JSON
    #: The claim id the message carries (possibly of a lapsed claim), or None.
    claim_id: str | None = None
    claim_count: int = 0
    #: True while a live claim holds the message.
    claimed: bool = False
    #: The checksum stored with the message at posting; None when it was posted without one.
    checksum: str | None = None


@dataclass(frozen=True)
class MessageStamp:
    """Where the oldest or newest message of a queue stands."""

    id: str
    age: int
    created: float  # UNIX seconds


@dataclass(frozen=True)
class QueueStats:
    free: int
    claimed: int
    oldest: MessageStamp | None = None
    newest: MessageStamp | None = None

    @property
    def total(self) -> int:
        return self.free + self.claimed


@dataclass(frozen=True)
class Claim:
    id: str
    ttl: int
    age: int
    messages: list[Message] = field(default_factory=list)


class QueueController(abc.ABC):
    @abc.abstractmethod
    def list(
        self,
        project: str | None = None,
        marker: str | None = None,
        limit: int = 10,
        detailed: bool = False,
    ) -> Page[Queue]:
        """Queues of ``project`` with names after ``marker``, in byte order of name."""

    @abc.abstractmethod
    def create(
        self, name: str, project: str | None = None, metadata: dict[str, JSON] | None = None
    ) -> bool:
        """Create the queue; False (and no change at all) when it already exists."""

    @abc.abstractmethod
    def exists(self, name: str, project: str | None = None) -> bool: ...

    @abc.abstractmethod
    def count(self, project: str | None = None) -> int:
        """How many queues the project has."""

    @abc.abstractmethod
    def get_metadata(self, name: str, project: str | None = None) -> dict[str, JSON]:
        """Raises QueueDoesNotExist."""

    @abc.abstractmethod
    def set_metadata(
        self, name: str, metadata: dict[str, JSON], project: str | None = None
    ) -> None:
        """Replace the metadata. Raises QueueDoesNotExist."""

    @abc.abstractmethod
    def update_metadata(
        self,
        name: str,
        change: Callable[[dict[str, JSON]], dict[str, JSON]],
        project: str | None = None,
    ) -> dict[str, JSON]:
        """Replace the metadata with ``change(current metadata)`` and return it, losing no
        concurrent change (``zaqar.storage.updates``). ``change`` may refuse by raising, and
        may be called more than once. Raises QueueDoesNotExist."""

    @abc.abstractmethod
    def delete(self, name: str, project: str | None = None) -> None:
        """Delete the queue with all its messages, claims and subscriptions; a missing queue
        is no error (and its subscriptions still go)."""

    @abc.abstractmethod
    def stats(self, name: str, project: str | None = None) -> QueueStats:
        """Counts of live messages. Raises QueueDoesNotExist."""


class MessageController(abc.ABC):
    @abc.abstractmethod
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
    ) -> Page[Message]:
        """Live messages after ``marker`` in posting order.

        Without ``echo``, messages posted by ``client_uuid`` are left out; without
        ``include_claimed``, claimed ones are; without ``include_delayed``, those whose delay
        has not passed yet are. A missing queue or a marker the driver cannot read gives an
        empty page.
        """

    @abc.abstractmethod
    def get(self, queue: str, message_id: str, project: str | None = None) -> Message:
        """Raises MessageDoesNotExist (also for a missing queue or a malformed id)."""

    @abc.abstractmethod
    def bulk_get(
        self, queue: str, message_ids: Sequence[str], project: str | None = None
    ) -> builtins.list[Message]:
        """The live messages among ``message_ids``; unknown ids are skipped."""

    @abc.abstractmethod
    def post(
        self,
        queue: str,
        messages: Sequence[NewMessage],
        client_uuid: str,
        project: str | None = None,
        ids: Sequence[str] | None = None,
    ) -> builtins.list[str]:
        """Store the batch atomically, in order; returns the new ids in posting order.

        ``ids``, when given, are the ids to store the messages under (one per message, made
        with ``zaqar.core.ids``) instead of new ones, and a message whose id is stored already
        is left out: posting the same batch twice stores it once (what moving a message to a
        dead-letter queue needs). Raises QueueDoesNotExist.
        """

    @abc.abstractmethod
    def delete(
        self,
        queue: str,
        message_id: str,
        project: str | None = None,
        claim: str | None = None,
    ) -> None:
        """Delete one message following ``zaqar.core.lifecycle.delete_verdict``.

        A missing queue or message, or a malformed message id, is no error. Raises
        InvalidClaimId, MessageIsClaimed, MessageNotClaimed or MessageNotClaimedBy.
        """

    @abc.abstractmethod
    def bulk_delete(
        self, queue: str, message_ids: Sequence[str], project: str | None = None
    ) -> None:
        """Delete these messages whatever their claims; unknown ids are skipped."""

    @abc.abstractmethod
    def pop(self, queue: str, limit: int, project: str | None = None) -> builtins.list[Message]:
        """Delete and return up to ``limit`` free, undelayed messages, oldest first,
        atomically."""


class ClaimController(abc.ABC):
    @abc.abstractmethod
    def create(
        self,
        queue: str,
        ttl: int,
        grace: int,
        limit: int = 10,
        project: str | None = None,
    ) -> Claim | None:
        """Claim up to ``limit`` free, undelayed messages, oldest first, adding one to the
        claim count of each; None when none was free.

        Two concurrent claims never take the same message.
        """

    @abc.abstractmethod
    def get(self, queue: str, claim_id: str, project: str | None = None) -> Claim:
        """Raises ClaimDoesNotExist for unknown, malformed, expired or emptied claims."""

    @abc.abstractmethod
    def update(
        self, queue: str, claim_id: str, ttl: int, grace: int, project: str | None = None
    ) -> None:
        """Renew the claim for ``ttl`` seconds from now. Raises ClaimDoesNotExist."""

    @abc.abstractmethod
    def delete(self, queue: str, claim_id: str, project: str | None = None) -> None:
        """Release the claim's messages; an unknown claim is no error."""


@dataclass(frozen=True)
class Subscription:
    """Who is told of a queue's messages (API v2); unique per project, queue and subscriber
    among live subscriptions."""

    #: Opaque and unique, made by the store (a UUID's hex on every driver).
    id: str
    #: The queue the subscription is on ("source" on the wire).
    queue: str
    #: The subscriber's URI, kept as given.
    subscriber: str
    ttl: int
    #: Whole seconds since the subscription was created (an update does not reset it).
    age: int
    options: dict[str, JSON]
    confirmed: bool
    #: The key the notifiers sign its webhook requests with (HMAC-SHA256); None for a
    #: subscription made without one. The API shows it only in the answer that creates it.
    secret: str | None = None


class SubscriptionController(abc.ABC):
    """A queue's subscriptions (API v2).

    Subscriptions do not need their queue to exist (lazy queues), but deleting the queue
    deletes them. A subscription expires ``ttl`` seconds after it was created or its ttl last
    set: every read leaves it out from then on, and it no longer holds its subscriber. A
    subscription is only ever found through the project and queue it was made on.
    """

    @abc.abstractmethod
    def list(
        self, queue: str, project: str | None, marker: str | None = None, limit: int = 10
    ) -> Page[Subscription]:
        """The queue's live subscriptions in byte order of id, after ``marker`` (the last id
        of the page before); a marker that is no id gives an empty page."""

    @abc.abstractmethod
    def get(self, queue: str, subscription_id: str, project: str | None) -> Subscription:
        """Raises SubscriptionDoesNotExist (also for a malformed or expired one)."""

    @abc.abstractmethod
    def get_with_subscriber(
        self, queue: str, subscriber: str, project: str | None
    ) -> Subscription | None:
        """The queue's live subscription of ``subscriber``, or None."""

    @abc.abstractmethod
    def create(
        self,
        queue: str,
        subscriber: str,
        ttl: int,
        options: dict[str, JSON],
        project: str | None,
        *,
        secret: str | None = None,
    ) -> str | None:
        """Subscribe, unconfirmed, with ``secret`` (at most 64 ASCII characters) as its
        signing key; returns the new id, or None (and no change) when the subscriber has a
        live subscription on the queue already.

        Atomic: of concurrent creates of one subscriber on one queue, one makes it.
        """

    @abc.abstractmethod
    def update(
        self,
        queue: str,
        subscription_id: str,
        project: str | None,
        *,
        subscriber: str | None = None,
        ttl: int | None = None,
        options: dict[str, JSON] | None = None,
    ) -> None:
        """Change what is given (``options`` replaces the options whole); a new ``ttl``
        counts from now.

        Raises SubscriptionDoesNotExist, and SubscriptionAlreadyExists when another live
        subscription of the queue has ``subscriber``.
        """

    @abc.abstractmethod
    def confirm(
        self, queue: str, subscription_id: str, project: str | None, confirmed: bool
    ) -> None:
        """Mark the subscription confirmed or not. Raises SubscriptionDoesNotExist."""

    @abc.abstractmethod
    def delete(self, queue: str, subscription_id: str, project: str | None) -> None:
        """Unsubscribe; a missing subscription is no error."""

    @abc.abstractmethod
    def delete_all(self, queue: str, project: str | None) -> None:
        """Delete every subscription of the queue (a purge)."""


@dataclass(frozen=True)
class Notification:
    """A posted message as a queue's subscribers are told of it.

    The store keeps one in the queue's *outbox* for every message posted while the queue
    has a subscription (a store may go on after the last one went), in the same atomic step
    that stores the message (or before its commit), so a 201 means the deliveries are
    recorded. It outlives the message (a consumer may delete that at
    once) until every subscription's cursor has passed it.
    """

    #: The message's marker: its place in the queue, which cursors count in.
    marker: int
    message_id: str
    ttl: int
    body: JSON
    #: When it was posted (UNIX seconds).
    posted: float


@dataclass(frozen=True)
class Attempt:
    """One try at delivering a notification to a subscriber, as the delivery log keeps it."""

    marker: int
    message_id: str
    #: 1 for the first try.
    attempt: int
    #: When the try began (UNIX seconds).
    at: float
    #: ``delivered``, ``failed`` (another try follows at ``next_try``) or ``dead``.
    outcome: str
    #: The subscriber's HTTP status, when it answered.
    status: int | None = None
    error: str | None = None
    #: Seconds the try took.
    latency: float = 0.0
    next_try: float | None = None


@dataclass(frozen=True)
class DeadLetter:
    """A notification whose delivery exhausted its retry policy (or whose message expired
    first), kept for an operator to read."""

    marker: int
    message_id: str
    ttl: int
    body: JSON
    posted: float
    attempts: int
    reason: str
    #: When it was given up (UNIX seconds).
    failed: float
    #: Asked to be delivered again (``DeliveryController.replay``), and not yet.
    replay: bool = False


class DeliveryController(abc.ABC):
    """The state of push delivery (API v2 subscriptions), kept beside the queues.

    Each subscription has a *cursor*: the marker up to which every notification of its queue
    is handled (delivered, given up or skipped). A new subscription's cursor is its queue's
    last marker, so it is told only of messages posted after it. A notifier works on a
    subscription only while it holds the subscription's *lease*, which it renews as it goes:
    a notifier that dies loses it when it lapses, and the next one resumes from the cursor
    (at-least-once: what was delivered after the last checkpoint is delivered again).
    """

    @abc.abstractmethod
    def subscribed(
        self, marker: str | None = None, limit: int = 100
    ) -> Page[tuple[str | None, str]]:
        """``(project, queue)`` of the queues that may have subscriptions, a page after
        ``marker`` (the opaque marker of the page before; a page may be short, or empty,
        and the listing is over only when ``next_marker`` is None). A queue may be listed
        after its last subscription went, never left out while it has one."""

    @abc.abstractmethod
    def acquire(
        self, queue: str, project: str | None, subscription_id: str, owner: str, seconds: float
    ) -> int | None:
        """Take (or renew) the subscription's lease for ``owner`` for ``seconds`` and return
        its cursor; None when another owner's lease is live or the subscription is gone."""

    @abc.abstractmethod
    def backlog(
        self, queue: str, project: str | None, after: int, limit: int
    ) -> builtins.list[Notification]:
        """The queue's notifications with markers above ``after``, in marker order."""

    @abc.abstractmethod
    def checkpoint(
        self,
        queue: str,
        project: str | None,
        subscription_id: str,
        owner: str,
        *,
        cursor: int,
        attempts: Sequence[Attempt] = (),
        dead: Sequence[DeadLetter] = (),
        replayed: Sequence[int] = (),
    ) -> bool:
        """Under ``owner``'s lease: move the cursor up to ``cursor`` (never down), add the
        attempts to the delivery log (which keeps the newest ``LOG_LENGTH``) and the dead
        letters (each replacing the one of its marker, which is then no longer asked to be
        replayed), remove the dead letters of the markers ``replayed`` (delivered on a
        replay), and drop the notifications every subscription of the queue has passed.

        False, with nothing stored, when ``owner`` no longer holds the lease.
        """

    @abc.abstractmethod
    def release(self, queue: str, project: str | None, subscription_id: str, owner: str) -> None:
        """Give up ``owner``'s lease, if it holds it."""

    @abc.abstractmethod
    def attempts(
        self, queue: str, project: str | None, subscription_id: str, limit: int = 20
    ) -> builtins.list[Attempt]:
        """The subscription's newest logged attempts, newest first."""

    @abc.abstractmethod
    def dead_letters(
        self,
        queue: str,
        project: str | None,
        subscription_id: str,
        marker: int | None = None,
        limit: int = 20,
    ) -> Page[DeadLetter]:
        """The subscription's dead letters in marker order, after ``marker``; the page's
        marker is the last one's, as text."""

    @abc.abstractmethod
    def replay(
        self,
        queue: str,
        project: str | None,
        subscription_id: str,
        message_ids: Sequence[str] | None = None,
    ) -> int:
        """Ask for the subscription's dead letters of ``message_ids`` (all of them when
        None) to be delivered again; how many dead letters that names. The subscription's
        notifier delivers them (``replays``) and removes each one delivered at a
        checkpoint (``replayed``); one that fails again is a dead letter again."""

    @abc.abstractmethod
    def replays(
        self, queue: str, project: str | None, subscription_id: str, limit: int
    ) -> builtins.list[DeadLetter]:
        """The subscription's dead letters asked to be delivered again, in marker order."""


#: Attempts the delivery log keeps per subscription.
LOG_LENGTH = 100
#: Seconds a notification outlives its message's ttl in the outbox, so that a notifier that
#: was down can still find it and record it as expired rather than lose it silently.
OUTBOX_GRACE = 24 * 3600


@dataclass(frozen=True)
class StoredSubscription:
    """A subscription exactly as a store keeps it: what moving a queue between pools
    copies."""

    id: str
    subscriber: str
    ttl: int
    created: float
    expires: float
    #: The options as their JSON text.
    options: str
    confirmed: bool
    secret: str | None = None


@dataclass(frozen=True)
class StoredMessage:
    """A message exactly as a store keeps it: what moving a queue between pools copies."""

    id: str
    marker: int
    client_uuid: str
    ttl: int
    created: float
    expires: float
    #: The body as its JSON text.
    body: str
    claim_id: str | None
    claim_expires: float | None
    claim_ttl: int | None
    claim_count: int
    #: Until when (UNIX seconds) the message is delayed; 0 for an undelayed one.
    delay_until: float = 0.0
    #: The checksum posted with the message, or None.
    checksum: str | None = None


@dataclass(frozen=True)
class QueueDump:
    """A whole queue: its metadata, its marker counter, its live messages in order and its
    live subscriptions."""

    metadata: dict[str, JSON]
    created: float
    #: The marker the next posted message gets.
    next_marker: int
    messages: list[StoredMessage]
    subscriptions: list[StoredSubscription] = field(default_factory=list)


@dataclass(frozen=True)
class Placement:
    """Where the catalogue puts a queue; ``moving_to`` is set while it moves."""

    pool: str
    moving_to: str | None = None


@dataclass(frozen=True)
class Pool:
    """A whole message store (one database or cluster) that queues can be placed on."""

    name: str
    uri: str
    #: Relative share of new queues; 0 means "place no new queues here".
    weight: int
    flavor: str | None = None
    #: Driver options layered over the ``[drivers:message_store:<driver>]`` group.
    options: dict[str, JSON] = field(default_factory=dict)


@dataclass(frozen=True)
class Flavor:
    """A named set of pools (each pool names its flavor) that queues may ask for."""

    name: str
    project: str | None = None


class FlavorsController(abc.ABC):
    """A project's flavors, by name; which pools belong to one is each pool's ``flavor``."""

    @abc.abstractmethod
    def list(self, project: str | None, marker: str | None = None, limit: int = 10) -> Page[Flavor]:
        """The project's flavors in byte order of name, after ``marker``."""

    @abc.abstractmethod
    def create(self, name: str, project: str | None) -> bool:
        """Record the flavor; True when it is new, False when it was there already."""

    @abc.abstractmethod
    def get(self, name: str, project: str | None) -> Flavor:
        """Raises ``FlavorDoesNotExist``."""

    @abc.abstractmethod
    def delete(self, name: str, project: str | None) -> None:
        """Forget the flavor; a missing one is no error."""


class PoolsController(abc.ABC):
    """The pools of a deployment, by name; a URI belongs to one pool at most."""

    @abc.abstractmethod
    def list(self, marker: str | None = None, limit: int = 10) -> Page[Pool]:
        """Pools in byte order of name, after ``marker``."""

    @abc.abstractmethod
    def create(
        self,
        name: str,
        weight: int,
        uri: str,
        flavor: str | None = None,
        options: dict[str, JSON] | None = None,
    ) -> bool:
        """Create the pool, or replace it when it exists; True when created.

        Raises ``PoolUriInUse`` when another pool has ``uri``.
        """

    @abc.abstractmethod
    def get(self, name: str) -> Pool:
        """Raises ``PoolDoesNotExist``."""

    @abc.abstractmethod
    def update(
        self,
        name: str,
        weight: int | None = None,
        uri: str | None = None,
        options: dict[str, JSON] | None = None,
        flavor: str | None = None,
    ) -> Pool:
        """Change the fields given and return the pool as it now is; ``flavor=""`` takes
        the pool out of its flavor.

        Raises ``PoolDoesNotExist`` and ``PoolUriInUse``.
        """

    @abc.abstractmethod
    def delete(self, name: str) -> None:
        """Remove the pool; a missing pool is no error.

        Raises ``PoolInUse`` while the catalogue still places a queue on it, so deleting a
        pool can never strand messages.
        """


class CatalogueController(abc.ABC):
    """Where each queue lives: ``(project, queue)`` to a pool name."""

    @abc.abstractmethod
    def get(self, project: str | None, queue: str) -> str | None:
        """The pool of the queue, or None when it is not catalogued."""

    # Moving queues between pools. A store that cannot record a move keeps these defaults:
    # no queue is ever moving there, and starting a move is refused.

    def placement(self, project: str | None, queue: str) -> Placement | None:
        """The pool of the queue and the pool it is moving to, or None."""
        pool = self.get(project, queue)
        return None if pool is None else Placement(pool)

    def begin_move(self, project: str | None, queue: str, target: str) -> Placement:
        """Mark the queue as moving to ``target`` (which then counts it as held) and return
        the placement; a move to the same target already begun is returned as it is.

        Raises ``QueueDoesNotExist``, ``PoolDoesNotExist`` and ``Conflict`` (already moving
        elsewhere, or ``target`` is where the queue is).
        """
        raise errors.NotSupported("this management store cannot record queue moves")

    def end_move(self, project: str | None, queue: str, done: bool) -> None:
        """Finish the move (``done``: the queue is now on the target) or abandon it."""
        raise errors.NotSupported("this management store cannot record queue moves")

    @abc.abstractmethod
    def insert(self, project: str | None, queue: str, pool: str) -> str:
        """Catalogue the queue on ``pool`` unless it already is somewhere; returns the pool
        it is on now, so that of two racing placements both callers agree on one.

        Raises ``PoolDoesNotExist`` when ``pool`` is gone.
        """

    @abc.abstractmethod
    def update(self, project: str | None, queue: str, pool: str) -> None:
        """Move the entry to ``pool`` (queue migration).

        Raises ``QueueDoesNotExist`` for an uncatalogued queue, ``PoolDoesNotExist``.
        """

    @abc.abstractmethod
    def delete(self, project: str | None, queue: str) -> None:
        """Forget the queue; a missing entry is no error."""

    @abc.abstractmethod
    def list(
        self, project: str | None, marker: str | None = None, limit: int = 10
    ) -> Page[tuple[str, str]]:
        """``(queue, pool)`` pairs of the project in byte order of name, after ``marker``."""

    @abc.abstractmethod
    def count(self, pool: str) -> int:
        """How many queues the pool holds."""

    @abc.abstractmethod
    def project_count(self, project: str | None) -> int:
        """How many queues of the project are catalogued."""


class Driver(abc.ABC):
    """What every driver has: configuration, liveness and an orderly close."""

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        self.conf = conf

    @abc.abstractmethod
    def is_alive(self) -> bool:
        """True when the backend answers; never raises."""

    def close(self) -> None:  # noqa: B027 - a driver without resources has nothing to close
        """Release connections and background work."""


class ControlDriver(Driver):
    """Management data: the pools and the catalogue that places queues on them."""

    @property
    @abc.abstractmethod
    def pools_controller(self) -> PoolsController: ...

    @property
    @abc.abstractmethod
    def catalogue_controller(self) -> CatalogueController: ...

    @property
    @abc.abstractmethod
    def flavors_controller(self) -> FlavorsController: ...


class DataDriver(Driver):
    """A message store. Drivers take ``(conf, control, options=None)``: ``options``, when
    given, stands for the driver's ``[drivers:message_store:<name>]`` group (the pooled
    driver passes a pool's URI and options layered over that group)."""

    def __init__(self, conf: cfg.ConfigOpts, control: ControlDriver) -> None:
        super().__init__(conf)
        self.control = control

    @property
    @abc.abstractmethod
    def capabilities(self) -> frozenset[Capability]: ...

    @property
    @abc.abstractmethod
    def queue_controller(self) -> QueueController: ...

    @property
    @abc.abstractmethod
    def message_controller(self) -> MessageController: ...

    @property
    @abc.abstractmethod
    def claim_controller(self) -> ClaimController: ...

    @property
    @abc.abstractmethod
    def subscription_controller(self) -> SubscriptionController: ...

    @property
    def delivery_controller(self) -> DeliveryController:
        """Push delivery's state. Raises NotSupported on a driver that has none."""
        raise errors.NotSupported("this driver cannot keep deliveries")

    def pool_drivers(self) -> dict[str, DataDriver]:
        """The drivers of the pools this driver spreads queues over, by pool name (pooling);
        none for a driver that is a store itself."""
        return {}

    def forget_pool(self, name: str) -> None:  # noqa: B027 - only pooling knows pools
        """Read pool ``name``'s record again on next use (the admin API changed it)."""

    def gc(self) -> int:
        """Remove expired data now; returns how many records went. Drivers whose backend
        expires data by itself return 0."""
        return 0

    def export_queue(self, name: str, project: str | None = None) -> QueueDump:
        """The whole queue as stored (live messages and subscriptions only), for moving it to
        another pool.

        Raises QueueDoesNotExist. Drivers that cannot move queues raise NotSupported.
        """
        raise errors.NotSupported("this driver cannot move queues between pools")

    def import_queue(self, name: str, project: str | None, dump: QueueDump) -> None:
        """Make the queue exactly ``dump``, replacing whatever copy of it is here: ids,
        markers, the marker counter, expiries, claims and subscriptions all kept."""
        raise errors.NotSupported("this driver cannot move queues between pools")
