"""Queues: one row each, holding metadata and the queue's marker counter."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection

from zaqar.core import documents, lifecycle
from zaqar.storage import base, doubts, errors, updates
from zaqar.storage.sqlalchemy import tables
from zaqar.storage.sqlalchemy.store import Store

q = tables.queues
m = tables.messages


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
