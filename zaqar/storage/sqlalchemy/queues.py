"""Queues: one row each, holding metadata and the queue's marker counter; and their
subscriptions (API v2).

Subscriptions: one row each, unique per project, queue and subscriber (by its digest). A row
stays until the purge (``DataDriver.gc``) or a clash removes it once it expired: every read
leaves expired rows out, and creating (or renaming) a subscription first deletes an expired
row holding the same subscriber, in the transaction of the insert, so the unique constraint
only ever refuses a live clash.
"""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection

from zaqar.core import documents, lifecycle
from zaqar.core.ids import is_id, new_id
from zaqar.storage import base, doubts, errors, updates
from zaqar.storage.sqlalchemy import tables
from zaqar.storage.sqlalchemy.store import Store

q = tables.queues
m = tables.messages
s = tables.subscriptions


def stored_project(project: str | None) -> str:
    return "" if project is None else project


def find_queue_id(
    connection: Connection, name: str, project: str | None, lock: bool = False
) -> int | None:
    query = sa.select(q.c.id).where(q.c.project == stored_project(project), q.c.name == name)
    if lock:
        query = query.with_for_update()
    value = connection.execute(query).scalar_one_or_none()
    return None if value is None else int(value)


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
        columns: list[Any] = [q.c.name]
        if detailed:
            columns.append(q.c.metadata)
        query = sa.select(*columns).where(q.c.project == stored_project(project))
        if marker is not None:
            query = query.where(q.c.name > marker)
        query = query.order_by(q.c.name).limit(limit)
        with self._store.reading() as connection:
            rows = connection.execute(query).all()
        items = [
            base.Queue(row.name, documents.loads(row.metadata) if detailed else None)
            for row in rows
        ]
        return base.Page(items, items[-1].name if items else None)

    def create(
        self, name: str, project: str | None = None, metadata: dict[str, Any] | None = None
    ) -> bool:
        try:
            with self._store.writing(doubts.queue_created(name)) as connection:
                if find_queue_id(connection, name, project) is not None:
                    return False
                connection.execute(
                    sa.insert(q).values(
                        project=stored_project(project),
                        name=name,
                        metadata=documents.dumps(metadata or {}),
                        created=self._store.clock(),
                        next_marker=1,
                    )
                )
        except exc.IntegrityError:
            # Another writer created it between our check and our insert.
            return False
        return True

    def exists(self, name: str, project: str | None = None) -> bool:
        with self._store.reading() as connection:
            return find_queue_id(connection, name, project) is not None

    def get_metadata(self, name: str, project: str | None = None) -> dict[str, Any]:
        query = sa.select(q.c.metadata).where(
            q.c.project == stored_project(project), q.c.name == name
        )
        with self._store.reading() as connection:
            text = connection.execute(query).scalar_one_or_none()
        if text is None:
            raise errors.QueueDoesNotExist(name, project)
        metadata: dict[str, Any] = documents.loads(text)
        return metadata

    def set_metadata(self, name: str, metadata: dict[str, Any], project: str | None = None) -> None:
        statement = (
            sa.update(q)
            .where(q.c.project == stored_project(project), q.c.name == name)
            .values(metadata=documents.dumps(metadata))
        )
        with self._store.writing(doubts.metadata_set(name)) as connection:
            if connection.execute(statement).rowcount == 0:
                raise errors.QueueDoesNotExist(name, project)

    def count(self, project: str | None = None) -> int:
        query = sa.select(sa.func.count()).where(q.c.project == stored_project(project))
        with self._store.reading() as connection:
            return int(connection.execute(query).scalar_one())

    def update_metadata(
        self, name: str, change: updates.Change, project: str | None = None
    ) -> dict[str, Any]:
        key = (q.c.project == stored_project(project), q.c.name == name)

        def read() -> str:
            with self._store.reading() as connection:
                text = connection.execute(sa.select(q.c.metadata).where(*key)).scalar_one_or_none()
            if text is None:
                raise errors.QueueDoesNotExist(name, project)
            return str(text)

        def swap(old: str, new: str) -> bool:
            statement = sa.update(q).where(*key, q.c.metadata == old).values(metadata=new)
            with self._store.writing(doubts.metadata_set(name)) as connection:
                return bool(connection.execute(statement).rowcount)

        return updates.update_by_swap(name, read, swap, change)

    def delete(self, name: str, project: str | None = None) -> None:
        with self._store.writing(doubts.queue_deleted(name)) as connection:
            # Subscriptions may exist without their queue (lazy queues); they go in any case.
            forget_queue_subscriptions(connection, name, project)
            queue_id = find_queue_id(connection, name, project, lock=self._store.for_update)
            if queue_id is None:
                return
            connection.execute(sa.delete(m).where(m.c.queue_id == queue_id))
            connection.execute(sa.delete(q).where(q.c.id == queue_id))

    def stats(self, name: str, project: str | None = None) -> base.QueueStats:
        now = self._store.clock()
        with self._store.reading() as connection:
            queue_id = find_queue_id(connection, name, project)
            if queue_id is None:
                raise errors.QueueDoesNotExist(name, project)
            live = sa.and_(m.c.queue_id == queue_id, m.c.expires > now)
            claimed_flag = sa.case(
                (sa.and_(m.c.claim_id.is_not(None), m.c.claim_expires > now), 1), else_=0
            )
            total, claimed = connection.execute(
                sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(claimed_flag), 0)).where(
                    live
                )
            ).one()
            oldest = newest = None
            if total:
                edge = sa.select(m.c.id, m.c.created).where(live).limit(1)
                first = connection.execute(edge.order_by(m.c.marker)).one()
                last = connection.execute(edge.order_by(m.c.marker.desc())).one()
                oldest = base.MessageStamp(
                    first.id, lifecycle.age(first.created, now), first.created
                )
                newest = base.MessageStamp(last.id, lifecycle.age(last.created, now), last.created)
        return base.QueueStats(
            free=int(total) - int(claimed), claimed=int(claimed), oldest=oldest, newest=newest
        )


# -- subscriptions ----------------------------------------------------------------------

#: The columns a subscription is read with.
COLUMNS = (
    s.c.id,
    s.c.queue,
    s.c.subscriber,
    s.c.ttl,
    s.c.created,
    s.c.options,
    s.c.confirmed,
    s.c.secret,
)


def digest(subscriber: str) -> str:
    """What the unique constraint holds for a subscriber: the hex SHA-256 of its UTF-8."""
    return hashlib.sha256(subscriber.encode("utf-8", "surrogatepass")).hexdigest()


def of_queue(queue: str, project: str | None) -> sa.ColumnElement[bool]:
    return sa.and_(s.c.project == stored_project(project), s.c.queue == queue)


def to_subscription(row: Any, now: float) -> base.Subscription:
    return base.Subscription(
        id=row.id,
        queue=row.queue,
        subscriber=row.subscriber,
        ttl=int(row.ttl),
        age=lifecycle.age(float(row.created), now),
        options=documents.loads(row.options),
        confirmed=bool(row.confirmed),
        secret=row.secret,
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
        query = sa.select(*COLUMNS).where(of_queue(queue, project), s.c.expires > now)
        if marker is not None:
            query = query.where(s.c.id > marker)
        query = query.order_by(s.c.id).limit(limit)
        with self._store.reading() as connection:
            rows = connection.execute(query).all()
        items = [to_subscription(row, now) for row in rows]
        return base.Page(items, items[-1].id if items else None)

    def get(self, queue: str, subscription_id: str, project: str | None) -> base.Subscription:
        if is_id(subscription_id):
            now = self._store.clock()
            query = sa.select(*COLUMNS).where(
                of_queue(queue, project), s.c.id == subscription_id, s.c.expires > now
            )
            with self._store.reading() as connection:
                row = connection.execute(query).one_or_none()
            if row is not None:
                return to_subscription(row, now)
        raise errors.SubscriptionDoesNotExist(subscription_id)

    def get_with_subscriber(
        self, queue: str, subscriber: str, project: str | None
    ) -> base.Subscription | None:
        now = self._store.clock()
        query = sa.select(*COLUMNS).where(
            of_queue(queue, project),
            s.c.subscriber_digest == digest(subscriber),
            s.c.subscriber == subscriber,
            s.c.expires > now,
        )
        with self._store.reading() as connection:
            row = connection.execute(query).one_or_none()
        return None if row is None else to_subscription(row, now)

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
        key = digest(subscriber)
        row: dict[str, Any] = {
            "id": subscription_id,
            "project": stored_project(project),
            "queue": queue,
            "subscriber": subscriber,
            "subscriber_digest": key,
            "ttl": ttl,
            "created": now,
            "expires": now + ttl,
            "options": documents.dumps(options),
            "confirmed": False,
            "secret": secret,
        }

        def insert(connection: Connection) -> None:
            _clear_expired(connection, queue, project, key, now)
            # Told only of messages posted from now on: its cursor starts at the last marker.
            next_marker = connection.execute(
                sa.select(q.c.next_marker).where(
                    q.c.project == stored_project(project), q.c.name == queue
                )
            ).scalar_one_or_none()
            row["cursor_marker"] = -1 if next_marker is None else int(next_marker) - 1
            connection.execute(sa.insert(s).values(**row))

        try:
            # A deadlock (MySQL's gap locks, when two creates race) is run again; the
            # second try then meets the first one's row.
            self._store.write(insert, doubts.subscription_changed(subscription_id))
        except exc.IntegrityError:
            # A live subscription holds the subscriber (the whole transaction rolled back).
            return None
        return subscription_id

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
        values: dict[str, Any] = {}
        if subscriber is not None:
            values["subscriber"] = subscriber
            values["subscriber_digest"] = digest(subscriber)
        if ttl is not None:
            values["ttl"] = ttl
            values["expires"] = now + ttl
        if options is not None:
            values["options"] = documents.dumps(options)
        live = sa.and_(of_queue(queue, project), s.c.id == subscription_id, s.c.expires > now)

        def change(connection: Connection) -> None:
            if subscriber is not None:
                _clear_expired(connection, queue, project, values["subscriber_digest"], now)
            if values:
                done = connection.execute(sa.update(s).where(live).values(**values)).rowcount
            else:
                done = connection.execute(sa.select(sa.func.count()).where(live)).scalar_one()
            if not done:
                raise errors.SubscriptionDoesNotExist(subscription_id)

        try:
            self._store.write(change, doubts.subscription_changed(subscription_id))
        except exc.IntegrityError as error:
            assert subscriber is not None
            raise errors.SubscriptionAlreadyExists(subscriber, queue, project) from error

    def confirm(
        self, queue: str, subscription_id: str, project: str | None, confirmed: bool
    ) -> None:
        if not is_id(subscription_id):
            raise errors.SubscriptionDoesNotExist(subscription_id)
        statement = (
            sa.update(s)
            .where(
                of_queue(queue, project),
                s.c.id == subscription_id,
                s.c.expires > self._store.clock(),
            )
            .values(confirmed=confirmed)
        )

        def change(connection: Connection) -> None:
            # MySQL counts matched rows here too (SQLAlchemy connects with FOUND_ROWS).
            if not connection.execute(statement).rowcount:
                raise errors.SubscriptionDoesNotExist(subscription_id)

        self._store.write(change, doubts.subscription_changed(subscription_id))

    def delete(self, queue: str, subscription_id: str, project: str | None) -> None:
        if not is_id(subscription_id):
            return
        chosen = sa.and_(of_queue(queue, project), s.c.id == subscription_id)
        self._store.write(lambda connection: forget_subscriptions(connection, chosen))

    def delete_all(self, queue: str, project: str | None) -> None:
        self._store.write(lambda connection: forget_queue_subscriptions(connection, queue, project))


def forget_subscriptions(connection: Connection, chosen: sa.ColumnElement[bool]) -> None:
    """Delete the ``chosen`` subscriptions with their delivery logs and dead letters."""
    ids = sa.select(s.c.id).where(chosen)
    for table in (tables.delivery_attempts, tables.dead_letters):
        connection.execute(sa.delete(table).where(table.c.subscription_id.in_(ids)))
    connection.execute(sa.delete(s).where(chosen))


def forget_queue_subscriptions(connection: Connection, queue: str, project: str | None) -> None:
    """Delete every subscription of the queue, and its outbox with them."""
    forget_subscriptions(connection, of_queue(queue, project))
    o = tables.outbox
    connection.execute(
        sa.delete(o).where(o.c.project == stored_project(project), o.c.queue == queue)
    )


def _clear_expired(
    connection: Connection, queue: str, project: str | None, subscriber_digest: str, now: float
) -> None:
    """Delete the queue's expired subscription of the subscriber, if there is one, so that
    the unique constraint lets a live one take its place."""
    expired = sa.and_(
        of_queue(queue, project),
        s.c.subscriber_digest == subscriber_digest,
        s.c.expires <= now,
    )
    # A plain read first (it takes no lock): only when there is such a row do its delivery
    # log and dead letters need deleting too. Deleting them unconditionally made concurrent
    # creates on MySQL deadlock on the extra gap locks.
    if connection.execute(sa.select(s.c.id).where(expired)).first() is None:
        return
    forget_subscriptions(connection, expired)
