"""Queues: a hash each, listed per project by a lexicographic sorted set; and their
subscriptions (API v2), a hash each, indexed per queue by id, expiry and subscriber (see
``scripts``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from zaqar.core import documents, lifecycle
from zaqar.core.ids import is_id, new_id
from zaqar.storage import base, doubts, errors, updates
from zaqar.storage.redis import scripts
from zaqar.storage.redis.store import QueueKeys, Store, ms


@contextlib.contextmanager
def _finishing(doubt: str) -> Iterator[None]:
    """The later steps of a change whose first step was made: if one fails, the change is
    partly made, whatever the failure says about that step alone."""
    try:
        yield
    except (errors.ServiceUnavailable, errors.OutcomeUnknown) as error:
        raise errors.OutcomeUnknown(doubt) from error


class QueueController(base.QueueController):
    def __init__(self, store: Store) -> None:
        self._store = store

    def list(
        self,
        project: str | None = None,
        marker: str | None = None,
        limit: int = 10,
        detailed: bool = False,
    ) -> base.Page[base.Queue]:
        if limit <= 0:
            return base.Page([], None)
        start = "-" if marker is None else "(" + marker
        with self._store.talking() as client:
            names: list[str] = client.zrangebylex(  # type: ignore[assignment]
                self._store.project_index(project), start, "+", start=0, num=limit
            )
            metadata: list[str | None] = []
            if detailed and names:
                with client.pipeline(transaction=False) as pipe:
                    for name in names:
                        pipe.hget(self._store.queue_keys(name, project).queue, "m")
                    metadata = pipe.execute()
        if detailed:
            items = [
                base.Queue(name, documents.loads(text) if text is not None else {})
                for name, text in zip(names, metadata, strict=True)
            ]
        else:
            items = [base.Queue(name) for name in names]
        return base.Page(items, items[-1].name if items else None)

    def create(
        self, name: str, project: str | None = None, metadata: dict[str, Any] | None = None
    ) -> bool:
        keys = self._store.queue_keys(name, project)
        created = self._store.change(
            scripts.CREATE_QUEUE,
            keys,
            self._store.clock(),
            documents.dumps(metadata or {}),
            doubt=doubts.queue_created(name),
        )
        # The indexes live in other slots; adding to them is idempotent.
        with _finishing(doubts.queue_listed(name)):
            self._index("ZADD", keys.project_index, name)
            self._index("SADD", self._store.all_queues, keys.member)
        return bool(created)

    def _index(
        self,
        command: str,
        key: str,
        member: str,
        doubt: str = "An index of queues may have changed.",
    ) -> None:
        """``command`` (ZADD, ZREM, SADD, SREM) of ``member`` on an index of queues."""
        self._store.eval_change(scripts.INDEX, [key], [command, member], doubt)

    def exists(self, name: str, project: str | None = None) -> bool:
        with self._store.talking() as client:
            return bool(client.exists(self._store.queue_keys(name, project).queue))

    def get_metadata(self, name: str, project: str | None = None) -> dict[str, Any]:
        with self._store.talking() as client:
            text: Any = client.hget(self._store.queue_keys(name, project).queue, "m")
        if text is None:
            raise errors.QueueDoesNotExist(name, project)
        metadata: dict[str, Any] = documents.loads(text)
        return metadata

    def set_metadata(self, name: str, metadata: dict[str, Any], project: str | None = None) -> None:
        keys = self._store.queue_keys(name, project)
        done = self._store.change(
            scripts.SET_METADATA,
            keys,
            self._store.clock(),
            documents.dumps(metadata),
            doubt=doubts.metadata_set(name),
        )
        if not done:
            raise errors.QueueDoesNotExist(name, project)

    def count(self, project: str | None = None) -> int:
        with self._store.talking() as client:
            found: Any = client.zcard(self._store.project_index(project))
        return int(found)

    def update_metadata(
        self, name: str, change: updates.Change, project: str | None = None
    ) -> dict[str, Any]:
        keys = self._store.queue_keys(name, project)

        def read() -> str:
            with self._store.talking() as client:
                text: Any = client.hget(keys.queue, "m")
            if text is None:
                raise errors.QueueDoesNotExist(name, project)
            return str(text)

        def swap(old: str, new: str) -> bool:
            swapped = self._store.change(
                scripts.SWAP_METADATA,
                keys,
                self._store.clock(),
                old,
                new,
                doubt=doubts.metadata_set(name),
            )
            if swapped == -1:
                raise errors.QueueDoesNotExist(name, project)
            return bool(swapped)

        return updates.update_by_swap(name, read, swap, change)

    def delete(self, name: str, project: str | None = None) -> None:
        keys = self._store.queue_keys(name, project)
        self._index("ZREM", keys.project_index, name, doubts.queue_deleted(name))
        # Unlisted now: a failure from here on leaves the queue partly deleted.
        partly = doubts.queue_partly_deleted(name)
        with _finishing(partly):
            self._index("SREM", self._store.all_queues, keys.member)
            # The subscriptions go too, even of a queue that has no hash (lazy queues).
            self._store.delete_queue(keys, self._store.clock(), partly)

    def stats(self, name: str, project: str | None = None) -> base.QueueStats:
        now = self._store.clock()
        found = self._store.run(scripts.STATS, self._store.queue_keys(name, project), now)
        if found is None:
            raise errors.QueueDoesNotExist(name, project)
        total, claimed, oldest_id, oldest_created, newest_id, newest_created = (
            list(found) + [None] * 6
        )[:6]
        oldest = newest = None
        if oldest_id is not None and oldest_created is not None:
            created = float(oldest_created)
            oldest = base.MessageStamp(oldest_id, lifecycle.age(created, now), created)
        if newest_id is not None and newest_created is not None:
            created = float(newest_created)
            newest = base.MessageStamp(newest_id, lifecycle.age(created, now), created)
        return base.QueueStats(
            free=int(total) - int(claimed), claimed=int(claimed), oldest=oldest, newest=newest
        )


# -- subscriptions ---------------------------------------------------------------------------

#: What ``scripts.UPDATE_SUBSCRIPTION`` answers.
_MISSING = 0
_TAKEN = -1


def to_subscription(values: Any, queue: str, now: float) -> base.Subscription:
    """A subscription from its hash's fields in ``scripts.SUBSCRIPTION_FIELDS`` order."""
    id_, subscriber, ttl, created, _expires, options, confirmed, secret = values
    return base.Subscription(
        id=id_,
        queue=queue,
        subscriber=subscriber,
        ttl=int(ttl),
        age=lifecycle.age(float(created), now),
        options=documents.loads(options),
        confirmed=confirmed == "1",
        secret=secret or None,
    )


class SubscriptionController(base.SubscriptionController):
    def __init__(self, store: Store) -> None:
        self._store = store

    def list(
        self, queue: str, project: str | None, marker: str | None = None, limit: int = 10
    ) -> base.Page[base.Subscription]:
        if limit <= 0 or (marker is not None and not is_id(marker)):
            return base.Page([], None)
        now = self._store.clock()
        found = self._store.run_subscriptions(
            scripts.LIST_SUBSCRIPTIONS,
            self._store.queue_keys(queue, project),
            now,
            "-" if marker is None else "(" + marker,
            limit,
        )
        items = [to_subscription(values, queue, now) for values in found or []]
        return base.Page(items, items[-1].id if items else None)

    def get(self, queue: str, subscription_id: str, project: str | None) -> base.Subscription:
        if is_id(subscription_id):
            now = self._store.clock()
            key = self._store.queue_keys(queue, project).subscription(subscription_id)
            with self._store.talking() as client:
                values: Any = client.hmget(key, list(scripts.SUBSCRIPTION_FIELDS))
            if values[0] is not None and float(values[4]) > now:
                return to_subscription(values, queue, now)
        raise errors.SubscriptionDoesNotExist(subscription_id)

    def get_with_subscriber(
        self, queue: str, subscriber: str, project: str | None
    ) -> base.Subscription | None:
        now = self._store.clock()
        found = self._store.run_subscriptions(
            scripts.FIND_SUBSCRIPTION, self._store.queue_keys(queue, project), now, subscriber
        )
        return None if found is None else to_subscription(found, queue, now)

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
        now = self._store.clock()
        subscription_id = new_id()
        expires = now + ttl
        keys = self._store.queue_keys(queue, project)
        # Listed for the notifiers before the subscription exists, so that they never miss
        # it (the index lives in another slot).
        self._store.mark_subscribed(keys)
        made = self._store.change_subscriptions(
            scripts.CREATE_SUBSCRIPTION,
            self._store.queue_keys(queue, project),
            now,
            subscription_id,
            subscriber,
            ttl,
            repr(expires),
            documents.dumps(options),
            ms(expires - now),
            secret or "",
            doubt=doubts.subscription_changed(subscription_id),
        )
        return subscription_id if int(made) else None

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
        if not is_id(subscription_id):
            raise errors.SubscriptionDoesNotExist(subscription_id)
        now = self._store.clock()
        expires = now + (ttl or 0)
        done = int(
            self._store.change_subscriptions(
                scripts.UPDATE_SUBSCRIPTION,
                self._store.queue_keys(queue, project),
                now,
                subscription_id,
                subscriber or "",
                "0" if ttl is None else "1",
                ttl or 0,
                repr(expires),
                ms(expires - now),
                "0" if options is None else "1",
                "" if options is None else documents.dumps(options),
                doubt=doubts.subscription_changed(subscription_id),
            )
        )
        if done == _MISSING:
            raise errors.SubscriptionDoesNotExist(subscription_id)
        if done == _TAKEN:
            assert subscriber is not None
            raise errors.SubscriptionAlreadyExists(subscriber, queue, project)

    def confirm(
        self, queue: str, subscription_id: str, project: str | None, confirmed: bool
    ) -> None:
        if not is_id(subscription_id) or not int(
            self._store.change_subscriptions(
                scripts.CONFIRM_SUBSCRIPTION,
                self._store.queue_keys(queue, project),
                self._store.clock(),
                subscription_id,
                "1" if confirmed else "0",
                doubt=doubts.subscription_changed(subscription_id),
            )
        ):
            raise errors.SubscriptionDoesNotExist(subscription_id)

    def delete(self, queue: str, subscription_id: str, project: str | None) -> None:
        if not is_id(subscription_id):
            return
        self._store.change_subscriptions(
            scripts.DELETE_SUBSCRIPTION,
            self._store.queue_keys(queue, project),
            self._store.clock(),
            subscription_id,
            doubt=f"Subscription {subscription_id} may or may not have been deleted.",
        )

    def delete_all(self, queue: str, project: str | None) -> None:
        self._store.change_subscriptions(
            scripts.DELETE_SUBSCRIPTIONS,
            self._store.queue_keys(queue, project),
            self._store.clock(),
            doubt=f"The subscriptions of queue {queue} may or may not have been deleted.",
        )

    def trim(self, keys: QueueKeys, budget: int) -> int:
        """Remove up to ``budget`` expired subscriptions of a queue; returns how many went."""
        return int(
            self._store.run_subscriptions(
                scripts.TRIM_SUBSCRIPTIONS, keys, self._store.clock(), budget
            )
        )
