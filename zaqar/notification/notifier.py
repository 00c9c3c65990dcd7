"""The notifier: delivers every subscription's notifications, at least once.

Theory of operation. A post to a subscribed queue stores a notification per message in the
queue's outbox, in the step that stores the message (``base.Notification``). A notifier
walks the subscribed queues every ``poll_interval`` and starts a ``Runner`` for each
subscription whose lease it can take (``DeliveryController.acquire``); any number of
notifiers may run, on any hosts, and each subscription is worked by one at a time.

A runner reads the backlog past the subscription's cursor and delivers each notification in
its own task, at most ``max_in_flight_per_subscriber`` under way at once (a slow or dead
subscriber holds only its own slots) and at most ``max_pending_per_subscriber`` held at once
(tries waiting for a retry count, but hold no slot). A failed try is tried again after the
pauses of the retry policy (``zaqar.core.retry``); one that exhausts them, is refused for
good, or whose message expired first becomes a dead letter. Every ``checkpoint_interval``
the runner stores its progress: the cursor moves up to the last notification before which
all are done, with the attempts of the delivery log and the new dead letters. A notifier that
dies loses its leases when they lapse; the next holder resumes at the cursor, so what was
delivered after the last checkpoint is delivered again (never less than once).

Dead letters an operator asks to be replayed (``DeliveryController.replay``) are read after
each checkpoint and delivered like the backlog, on the same retry policy, even when their
message has expired since: the operator asked for them. A checkpoint removes each one
delivered, or stores it as a dead letter again; until then it stays asked for, so a replay
cut short by a crash is replayed again by the next holder.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from oslo_config import cfg

from zaqar.conf import notification as notification_opts
from zaqar.core import retry, spaces
from zaqar.notification import senders, trusts
from zaqar.storage import base, errors

LOG = logging.getLogger(__name__)
T = TypeVar("T")

#: Notifications read from a backlog per call.
BACKLOG_BATCH = 100
#: Dead letters to replay read at once (after each checkpoint).
REPLAY_BATCH = 100
#: Subscriptions listed per call while walking a queue's.
SUBSCRIPTION_PAGE = 100


@dataclass
class Metrics:
    """What a notifier has done since it started (for the metrics endpoint to come)."""

    delivered: int = 0
    #: Tries that failed and will be tried again.
    retried: int = 0
    dead: int = 0
    #: Notifications not delivered because their subscription was unconfirmed.
    skipped: int = 0
    #: Dead letters delivered on a replay.
    replayed: int = 0
    #: Seconds spent in delivered tries, summed.
    delivery_seconds: float = 0.0


class Notifier:
    def __init__(
        self,
        storage: base.DataDriver,
        conf: cfg.ConfigOpts,
        *,
        owner: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.storage = storage
        self._deliveries = storage.delivery_controller
        self.conf = conf
        self.group = conf[notification_opts.GROUP]
        self.clock = clock
        #: This notifier's name in the leases it holds: unique per process and start.
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.metrics = Metrics()
        self._runners: dict[tuple[str | None, str, str], Runner] = {}
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=16, thread_name_prefix="notifier-storage"
        )
        self._senders: dict[str, Any] = {}

    # -- running ------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set; then checkpoint and give up every lease."""
        group = self.group
        webhooks = senders.Webhooks(group.request_timeout)
        self._senders = {"http": webhooks, "https": webhooks, "mailto": senders.Mail(self.conf)}
        if trusts.configured(self.conf):
            with_trusts = trusts.TrustWebhooks(webhooks, trusts.Trusts(self.conf))
            self._senders |= {"trust+http": with_trusts, "trust+https": with_trusts}
        try:
            while not stop.is_set():
                try:
                    await self._discover()
                except errors.StorageError as error:
                    LOG.warning("could not look for subscriptions: %s", error)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), group.poll_interval)
        finally:
            runners = list(self._runners.values())
            for runner in runners:
                runner.stop()
            await asyncio.gather(*(runner.task for runner in runners), return_exceptions=True)
            self._runners.clear()
            await webhooks.close()
            self._executor.shutdown(wait=False)

    def sender(self, subscriber: str) -> Any:
        """The sender of a subscriber's scheme, or None when it has none here."""
        return self._senders.get(subscriber.partition(":")[0].lower())

    async def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A storage call, off the event loop (drivers block)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: function(*args, **kwargs))

    async def _discover(self) -> None:
        seen: set[tuple[str | None, str, str]] = set()
        marker: str | None = None
        while True:
            page = await self.call(self._deliveries.subscribed, marker, 100)
            for project, queue in page.items:
                await self._visit(project, queue, seen)
            marker = page.next_marker
            if marker is None:
                break
        for key, runner in list(self._runners.items()):
            if key not in seen:
                runner.stop()
            if runner.task.done():
                del self._runners[key]

    async def _visit(
        self, project: str | None, queue: str, seen: set[tuple[str | None, str, str]]
    ) -> None:
        try:
            metadata = await self.call(self.storage.queue_controller.get_metadata, queue, project)
        except errors.QueueDoesNotExist:
            metadata = {}
        queue_policy = metadata.get("_retry_policy")
        marker: str | None = None
        while True:
            page = await self.call(
                self.storage.subscription_controller.list,
                queue,
                project,
                marker,
                SUBSCRIPTION_PAGE,
            )
            for subscription in page.items:
                key = (project, queue, subscription.id)
                seen.add(key)
                runner = self._runners.get(key)
                if runner is None or runner.task.done():
                    self._runners[key] = Runner(self, project, queue, subscription, queue_policy)
                else:
                    runner.update(subscription, queue_policy)
            if len(page.items) < SUBSCRIPTION_PAGE:
                return
            marker = page.next_marker


class Runner:
    """Delivers one subscription's notifications while this notifier holds its lease."""

    def __init__(
        self,
        notifier: Notifier,
        project: str | None,
        queue: str,
        subscription: base.Subscription,
        queue_policy: Any,
    ) -> None:
        self._notifier = notifier
        self._deliveries = notifier.storage.delivery_controller
        self._subscriptions = notifier.storage.subscription_controller
        self.project = project
        self.queue = queue
        self.subscription = subscription
        self.queue_policy = queue_policy
        group = notifier.group
        self._slots = asyncio.Semaphore(group.max_in_flight_per_subscriber)
        self._wake = asyncio.Event()
        self._stopping = False
        # Progress: markers read, in order; those done; what the next checkpoint stores.
        self._cursor = 0
        self._read_to = 0
        self._order: collections.deque[int] = collections.deque()
        self._done: set[int] = set()
        self._attempts: list[base.Attempt] = []
        self._dead: list[base.DeadLetter] = []
        # Replays: the markers under way or settled since the last checkpoint (not read
        # again), those delivered, and those settled (delivered or dead again).
        self._replaying: set[int] = set()
        self._replayed: list[int] = []
        self._settled: list[int] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.task = asyncio.create_task(self._run(), name=f"notify {queue}/{subscription.id}")

    def update(self, subscription: base.Subscription, queue_policy: Any) -> None:
        self.subscription = subscription
        self.queue_policy = queue_policy

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    # -- the loop ---------------------------------------------------------------------

    async def _run(self) -> None:
        group = self._notifier.group
        loop = asyncio.get_running_loop()
        held = False
        try:
            cursor = await self._acquire()
            if cursor is None:
                return
            held = True
            self._cursor = self._read_to = cursor
            renew_at = loop.time() + group.lease_seconds / 3
            checkpoint_at = loop.time() + group.checkpoint_interval
            while not self._stopping:
                if len(self._order) < group.max_pending_per_subscriber:
                    await self._read()
                pause = min(group.poll_interval, max(0.0, checkpoint_at - loop.time()))
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), pause)
                now = loop.time()
                if now >= checkpoint_at:
                    checkpoint_at = now + group.checkpoint_interval
                    if not await self._checkpoint():
                        held = False
                        return
                    await self._read_replays()
                if now >= renew_at:
                    renew_at = now + group.lease_seconds / 3
                    if await self._acquire() is None:
                        held = False
                        return
        except errors.StorageError as error:
            # The next walk over the subscriptions starts it again.
            LOG.warning("delivery to subscription %s paused: %s", self.subscription.id, error)
        except Exception:
            LOG.exception("delivery to subscription %s failed", self.subscription.id)
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            if held:
                await self._let_go()

    async def _acquire(self) -> int | None:
        return await self._notifier.call(
            self._deliveries.acquire,
            self.queue,
            self.project,
            self.subscription.id,
            self._notifier.owner,
            self._notifier.group.lease_seconds,
        )

    async def _let_go(self) -> None:
        """Store the progress made and give the lease up (best effort: it lapses anyway)."""
        with contextlib.suppress(errors.StorageError):
            if await self._checkpoint():
                await self._notifier.call(
                    self._deliveries.release,
                    self.queue,
                    self.project,
                    self.subscription.id,
                    self._notifier.owner,
                )

    async def _read(self) -> None:
        group = self._notifier.group
        room = group.max_pending_per_subscriber - len(self._order)
        batch = await self._notifier.call(
            self._deliveries.backlog,
            self.queue,
            self.project,
            self._read_to,
            min(BACKLOG_BATCH, room),
        )
        if not batch:
            return
        skip = group.require_confirmation and not await self._confirmed()
        for notification in batch:
            self._read_to = notification.marker
            self._order.append(notification.marker)
            if skip:
                self._done.add(notification.marker)
                self._notifier.metrics.skipped += 1
                continue
            task = asyncio.create_task(self._deliver(notification))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        if len(batch) == min(BACKLOG_BATCH, room):
            self._wake.set()  # more may be waiting: read on at once

    async def _read_replays(self) -> None:
        if self._notifier.group.require_confirmation and not await self._confirmed():
            return
        letters = await self._notifier.call(
            self._deliveries.replays, self.queue, self.project, self.subscription.id, REPLAY_BATCH
        )
        for letter in letters:
            if letter.marker in self._replaying:
                continue
            self._replaying.add(letter.marker)
            notification = base.Notification(
                letter.marker, letter.message_id, letter.ttl, letter.body, letter.posted
            )
            task = asyncio.create_task(self._deliver(notification, replay=True))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _confirmed(self) -> bool:
        """Whether the subscription is confirmed now (read again: it may just have been)."""
        if self.subscription.confirmed:
            return True
        try:
            self.subscription = await self._notifier.call(
                self._subscriptions.get, self.queue, self.subscription.id, self.project
            )
        except errors.SubscriptionDoesNotExist:
            self.stop()
            return False
        return self.subscription.confirmed

    async def _checkpoint(self) -> bool:
        """Store the progress; False when the lease was lost."""
        while self._order and self._order[0] in self._done:
            marker = self._order.popleft()
            self._done.discard(marker)
            self._cursor = marker
        attempts, dead, replayed, settled = (
            self._attempts,
            self._dead,
            self._replayed,
            self._settled,
        )
        self._attempts, self._dead, self._replayed, self._settled = [], [], [], []
        try:
            kept = await self._notifier.call(
                self._deliveries.checkpoint,
                self.queue,
                self.project,
                self.subscription.id,
                self._notifier.owner,
                cursor=self._cursor,
                attempts=attempts,
                dead=dead,
                replayed=replayed,
            )
        except errors.StorageError:
            # Stored with the next checkpoint instead.
            self._attempts, self._dead = attempts + self._attempts, dead + self._dead
            self._replayed, self._settled = replayed + self._replayed, settled + self._settled
            raise
        if kept:
            self._replaying.difference_update(settled)
        return bool(kept)

    # -- one notification --------------------------------------------------------------

    async def _deliver(self, notification: base.Notification, replay: bool = False) -> None:
        """Deliver one notification of the backlog, or one dead letter again (``replay``)."""
        notifier = self._notifier
        message = senders.payload(
            self.queue,
            notification.message_id,
            notification.ttl,
            notification.body,
            spaces.of_stored(self.project)[0],
        )
        tries = 0
        while True:
            subscription = self.subscription
            options: Mapping[str, Any] = subscription.options
            pauses = retry.pauses(retry.chosen(options.get("_retry_policy"), self.queue_policy))
            tries += 1
            at = notifier.clock()
            if not replay and notification.posted + notification.ttl <= at:
                self._give_up(notification, tries - 1, "the message expired before delivery")
                break
            sender = notifier.sender(subscription.subscriber)
            if sender is None:
                outcome = senders.Outcome(
                    False, error=f"this server cannot deliver to {subscription.subscriber!r}"
                )
                latency = 0.0
            else:
                async with self._slots:
                    started = time.monotonic()
                    outcome = await sender.send(
                        subscription.subscriber, message, options, subscription.secret
                    )
                    latency = time.monotonic() - started
            if outcome.delivered:
                notifier.metrics.delivered += 1
                notifier.metrics.delivery_seconds += latency
                self._log(notification, tries, at, "delivered", outcome, latency, None)
                if replay:
                    notifier.metrics.replayed += 1
                    self._replayed.append(notification.marker)
                break
            if outcome.retryable and tries <= len(pauses):
                pause = pauses[tries - 1]
                notifier.metrics.retried += 1
                self._log(notification, tries, at, "failed", outcome, latency, at + pause)
                await asyncio.sleep(pause)
                continue
            self._log(notification, tries, at, "dead", outcome, latency, None)
            self._give_up(notification, tries, outcome.error or "refused")
            break
        if replay:
            self._settled.append(notification.marker)
            return
        self._done.add(notification.marker)
        if len(self._order) >= notifier.group.max_pending_per_subscriber:
            self._wake.set()

    def _log(
        self,
        notification: base.Notification,
        tries: int,
        at: float,
        outcome: str,
        result: senders.Outcome,
        latency: float,
        next_try: float | None,
    ) -> None:
        self._attempts.append(
            base.Attempt(
                marker=notification.marker,
                message_id=notification.message_id,
                attempt=tries,
                at=at,
                outcome=outcome,
                status=result.status,
                error=result.error,
                latency=round(latency, 6),
                next_try=next_try,
            )
        )

    def _give_up(self, notification: base.Notification, tries: int, reason: str) -> None:
        self._notifier.metrics.dead += 1
        self._dead.append(
            base.DeadLetter(
                marker=notification.marker,
                message_id=notification.message_id,
                ttl=notification.ttl,
                body=notification.body,
                posted=notification.posted,
                attempts=tries,
                reason=reason,
                failed=self._notifier.clock(),
            )
        )
