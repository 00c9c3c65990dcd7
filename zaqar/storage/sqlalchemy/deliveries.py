"""Push delivery's state: subscription cursors and leases (columns of ``subscriptions``),
the queues' outboxes, the delivery log and the dead letters (``base.DeliveryController``)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zaqar.core import documents
from zaqar.core.ids import is_id
from zaqar.storage import base
from zaqar.storage.sqlalchemy import tables
from zaqar.storage.sqlalchemy.queues import of_queue, stored_project
from zaqar.storage.sqlalchemy.store import Store

s = tables.subscriptions
o = tables.outbox
a = tables.delivery_attempts
d = tables.dead_letters


class DeliveryController(base.DeliveryController):
    def __init__(self, store: Store) -> None:
        self._store = store

    def subscribed(
        self, marker: str | None = None, limit: int = 100
    ) -> base.Page[tuple[str | None, str]]:
        # The marker is "<project>/<queue>"; queue names never hold a slash.
        query = sa.select(s.c.project, s.c.queue).distinct()
        if marker is not None:
            project, _, queue = marker.rpartition("/")
            query = query.where(
                sa.or_(s.c.project > project, sa.and_(s.c.project == project, s.c.queue > queue))
            )
        query = query.order_by(s.c.project, s.c.queue).limit(limit)
        with self._store.reading() as connection:
            rows = connection.execute(query).all()
        items = [(row.project or None, row.queue) for row in rows]
        last = f"{rows[-1].project}/{rows[-1].queue}" if len(rows) == limit else None
        return base.Page(items, last)

    def acquire(
        self, queue: str, project: str | None, subscription_id: str, owner: str, seconds: float
    ) -> int | None:
        if not is_id(subscription_id):
            return None
        now = self._store.clock()
        chosen = sa.and_(of_queue(queue, project), s.c.id == subscription_id, s.c.expires > now)
        free = sa.or_(s.c.lease_owner.is_(None), s.c.lease_owner == owner, s.c.lease_until <= now)

        def take(connection: Connection) -> int | None:
            taken = connection.execute(
                sa.update(s)
                .where(chosen, free)
                .values(lease_owner=owner, lease_until=now + seconds)
            ).rowcount
            if not taken:
                return None
            return int(connection.execute(sa.select(s.c.cursor_marker).where(chosen)).scalar_one())

        return self._store.write(take)

    def backlog(
        self, queue: str, project: str | None, after: int, limit: int
    ) -> builtins.list[base.Notification]:
        query = (
            sa.select(o.c.marker, o.c.message_id, o.c.ttl, o.c.body, o.c.posted)
            .where(o.c.project == stored_project(project), o.c.queue == queue, o.c.marker > after)
            .order_by(o.c.marker)
            .limit(limit)
        )
        with self._store.reading() as connection:
            rows = connection.execute(query).all()
        return [
            base.Notification(
                marker=int(row.marker),
                message_id=row.message_id,
                ttl=int(row.ttl),
                body=documents.loads(row.body),
                posted=float(row.posted),
            )
            for row in rows
        ]

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
        if not is_id(subscription_id):
            return False
        held = sa.and_(
            of_queue(queue, project), s.c.id == subscription_id, s.c.lease_owner == owner
        )

        def store(connection: Connection) -> bool:
            # Locks the row (or, on SQLite, the database) first: a new owner waits for us.
            forward = sa.case((s.c.cursor_marker < cursor, cursor), else_=s.c.cursor_marker)
            if not connection.execute(
                sa.update(s).where(held).values(cursor_marker=forward)
            ).rowcount:
                return False
            if attempts:
                connection.execute(
                    sa.insert(a), [_attempt_row(subscription_id, one) for one in attempts]
                )
                _trim_log(connection, subscription_id)
            gone = [letter.marker for letter in dead] + list(replayed)
            if gone:
                connection.execute(
                    sa.delete(d).where(d.c.subscription_id == subscription_id, d.c.marker.in_(gone))
                )
            if dead:
                connection.execute(
                    sa.insert(d), [_dead_row(subscription_id, letter) for letter in dead]
                )
            _trim_outbox(connection, queue, project, self._store.clock())
            return True

        return self._store.write(store)

    def release(self, queue: str, project: str | None, subscription_id: str, owner: str) -> None:
        if not is_id(subscription_id):
            return
        statement = (
            sa.update(s)
            .where(of_queue(queue, project), s.c.id == subscription_id, s.c.lease_owner == owner)
            .values(lease_owner=None, lease_until=0.0)
        )
        self._store.write(lambda connection: connection.execute(statement))

    def attempts(
        self, queue: str, project: str | None, subscription_id: str, limit: int = 20
    ) -> builtins.list[base.Attempt]:
        if not is_id(subscription_id) or limit <= 0:
            return []
        query = (
            sa.select(a)
            .where(
                a.c.subscription_id == subscription_id,
                a.c.subscription_id.in_(sa.select(s.c.id).where(of_queue(queue, project))),
            )
            .order_by(a.c.id.desc())
            .limit(limit)
        )
        with self._store.reading() as connection:
            rows = connection.execute(query).all()
        return [
            base.Attempt(
                marker=int(row.marker),
                message_id=row.message_id,
                attempt=int(row.attempt),
                at=float(row.at),
                outcome=row.outcome,
                status=None if row.status is None else int(row.status),
                error=row.error,
                latency=float(row.latency),
                next_try=None if row.next_try is None else float(row.next_try),
            )
            for row in rows
        ]

    def dead_letters(
        self,
        queue: str,
        project: str | None,
        subscription_id: str,
        marker: int | None = None,
        limit: int = 20,
    ) -> base.Page[base.DeadLetter]:
        if not is_id(subscription_id) or limit <= 0:
            return base.Page([], None)
        query = sa.select(d).where(
            d.c.subscription_id == subscription_id,
            d.c.subscription_id.in_(sa.select(s.c.id).where(of_queue(queue, project))),
        )
        if marker is not None:
            query = query.where(d.c.marker > marker)
        query = query.order_by(d.c.marker).limit(limit)
        with self._store.reading() as connection:
            rows = connection.execute(query).all()
        items = [_dead_letter(row) for row in rows]
        return base.Page(items, str(items[-1].marker) if items else None)

    def replay(
        self,
        queue: str,
        project: str | None,
        subscription_id: str,
        message_ids: Sequence[str] | None = None,
    ) -> int:
        if not is_id(subscription_id) or message_ids == []:
            return 0
        chosen = sa.and_(
            d.c.subscription_id == subscription_id,
            d.c.subscription_id.in_(sa.select(s.c.id).where(of_queue(queue, project))),
        )
        if message_ids is not None:
            chosen = sa.and_(chosen, d.c.message_id.in_(list(message_ids)))
        statement = sa.update(d).where(chosen).values(replay=True)
        return int(self._store.write(lambda connection: connection.execute(statement).rowcount))

    def replays(
        self, queue: str, project: str | None, subscription_id: str, limit: int
    ) -> builtins.list[base.DeadLetter]:
        if not is_id(subscription_id) or limit <= 0:
            return []
        query = (
            sa.select(d)
            .where(
                d.c.subscription_id == subscription_id,
                d.c.replay.is_(True),
                d.c.subscription_id.in_(sa.select(s.c.id).where(of_queue(queue, project))),
            )
            .order_by(d.c.marker)
            .limit(limit)
        )
        with self._store.reading() as connection:
            return [_dead_letter(row) for row in connection.execute(query).all()]


def _dead_letter(row: Any) -> base.DeadLetter:
    return base.DeadLetter(
        marker=int(row.marker),
        message_id=row.message_id,
        ttl=int(row.ttl),
        body=documents.loads(row.body),
        posted=float(row.posted),
        attempts=int(row.attempts),
        reason=row.reason,
        failed=float(row.failed),
        replay=bool(row.replay),
    )


def _attempt_row(subscription_id: str, attempt: base.Attempt) -> dict[str, Any]:
    return {
        "subscription_id": subscription_id,
        "marker": attempt.marker,
        "message_id": attempt.message_id,
        "attempt": attempt.attempt,
        "at": attempt.at,
        "outcome": attempt.outcome,
        "status": attempt.status,
        "error": attempt.error,
        "latency": attempt.latency,
        "next_try": attempt.next_try,
    }


def _dead_row(subscription_id: str, letter: base.DeadLetter) -> dict[str, Any]:
    return {
        "subscription_id": subscription_id,
        "marker": letter.marker,
        "message_id": letter.message_id,
        "ttl": letter.ttl,
        "body": documents.dumps(letter.body),
        "posted": letter.posted,
        "attempts": letter.attempts,
        "reason": letter.reason,
        "failed": letter.failed,
        "replay": False,  # given up (again) now
    }


def _trim_log(connection: Connection, subscription_id: str) -> None:
    """Keep the subscription's newest ``base.LOG_LENGTH`` attempts."""
    oldest_kept = connection.execute(
        sa.select(a.c.id)
        .where(a.c.subscription_id == subscription_id)
        .order_by(a.c.id.desc())
        .offset(base.LOG_LENGTH - 1)
        .limit(1)
    ).scalar_one_or_none()
    if oldest_kept is not None:
        connection.execute(
            sa.delete(a).where(a.c.subscription_id == subscription_id, a.c.id < oldest_kept)
        )


def _trim_outbox(connection: Connection, queue: str, project: str | None, now: float) -> None:
    """Drop the notifications every live subscription of the queue has passed."""
    lowest = connection.execute(
        sa.select(sa.func.min(s.c.cursor_marker)).where(of_queue(queue, project), s.c.expires > now)
    ).scalar_one_or_none()
    if lowest is not None:
        connection.execute(
            sa.delete(o).where(
                o.c.project == stored_project(project), o.c.queue == queue, o.c.marker <= lowest
            )
        )


def purge(connection: Connection, now: float) -> int:
    """Drop outbox rows past their grace; returns how many went. (The logs and dead letters
    of a subscription go with it, ``queues.forget_subscriptions``.)"""
    return int(connection.execute(sa.delete(o).where(o.c.expires <= now)).rowcount)
