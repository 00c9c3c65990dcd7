"""Pools and the catalogue, in the SQL management store.

A pool's row is the lock that keeps the two consistent: placing a queue reads it under a
shared lock and deleting the pool takes it under an exclusive one before counting the pool's
queues, so no queue is ever catalogued on a pool that is going away. (SQLite serialises all
writers, which gives the same guarantee.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection, Row

from zaqar.core import documents
from zaqar.storage import base, errors
from zaqar.storage.sqlalchemy import tables
from zaqar.storage.sqlalchemy.queues import stored_project
from zaqar.storage.sqlalchemy.store import Store

T = TypeVar("T")

p = tables.pools
c = tables.catalogue


def _pool(row: Row[Any]) -> base.Pool:
    return base.Pool(
        name=row.name,
        uri=row.uri,
        weight=int(row.weight),
        flavor=row.flavor,
        options=documents.loads(row.options),
    )


def _uri_owner(connection: Connection, uri: str, other_than: str) -> str | None:
    owner = connection.execute(
        sa.select(p.c.name).where(p.c.uri == uri, p.c.name != other_than)
    ).scalar_one_or_none()
    return None if owner is None else str(owner)


def _lock_pool(connection: Connection, name: str, store: Store, shared: bool) -> Row[Any] | None:
    query = sa.select(p).where(p.c.name == name)
    if store.for_update:
        query = query.with_for_update(read=shared)
    return connection.execute(query).one_or_none()


f = tables.flavors


class FlavorsController(base.FlavorsController):
    def __init__(self, store: Store) -> None:
        self._store = store

    def list(
        self, project: str | None, marker: str | None = None, limit: int = 10
    ) -> base.Page[base.Flavor]:
        query = sa.select(f.c.name).where(f.c.project == stored_project(project))
        if marker is not None:
            query = query.where(f.c.name > marker)
        with self._store.reading() as connection:
            names = list(connection.execute(query.order_by(f.c.name).limit(limit)).scalars())
        return base.Page(
            [base.Flavor(name, project) for name in names], names[-1] if names else None
        )

    def create(self, name: str, project: str | None) -> bool:
        key = {"project": stored_project(project), "name": name}

        def work(connection: Connection) -> bool:
            there = connection.execute(
                sa.select(f.c.name).where(f.c.project == key["project"], f.c.name == name)
            ).first()
            if there is not None:
                return False
            connection.execute(sa.insert(f).values(**key))
            return True

        # Two creations at once: the loser's insert breaks the key, and its retry finds it.
        return _write_once_more_on_a_race(self._store, work)

    def get(self, name: str, project: str | None) -> base.Flavor:
        query = sa.select(f.c.name).where(f.c.project == stored_project(project), f.c.name == name)
        with self._store.reading() as connection:
            if connection.execute(query).first() is None:
                raise errors.FlavorDoesNotExist(name, project)
        return base.Flavor(name, project)

    def delete(self, name: str, project: str | None) -> None:
        statement = sa.delete(f).where(f.c.project == stored_project(project), f.c.name == name)
        self._store.write(lambda connection: connection.execute(statement))


class PoolsController(base.PoolsController):
    def __init__(self, store: Store) -> None:
        self._store = store

    def list(self, marker: str | None = None, limit: int = 10) -> base.Page[base.Pool]:
        query = sa.select(p)
        if marker is not None:
            query = query.where(p.c.name > marker)
        with self._store.reading() as connection:
            rows = connection.execute(query.order_by(p.c.name).limit(limit)).all()
        items = [_pool(row) for row in rows]
        return base.Page(items, items[-1].name if items else None)

    def create(
        self,
        name: str,
        weight: int,
        uri: str,
        flavor: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> bool:
        values = {
            "uri": uri,
            "weight": weight,
            "flavor": flavor,
            "options": documents.dumps(options or {}),
        }

        def work(connection: Connection) -> bool:
            owner = _uri_owner(connection, uri, name)
            if owner is not None:
                raise errors.PoolUriInUse(owner)
            if _lock_pool(connection, name, self._store, shared=False) is not None:
                connection.execute(sa.update(p).where(p.c.name == name).values(**values))
                return False
            connection.execute(sa.insert(p).values(name=name, **values))
            return True

        return self._write(work)

    def get(self, name: str) -> base.Pool:
        with self._store.reading() as connection:
            row = connection.execute(sa.select(p).where(p.c.name == name)).one_or_none()
        if row is None:
            raise errors.PoolDoesNotExist(name)
        return _pool(row)

    def update(
        self,
        name: str,
        weight: int | None = None,
        uri: str | None = None,
        options: dict[str, Any] | None = None,
        flavor: str | None = None,
    ) -> base.Pool:
        values: dict[str, Any] = {}
        if flavor is not None:
            values["flavor"] = flavor or None
        if weight is not None:
            values["weight"] = weight
        if uri is not None:
            values["uri"] = uri
        if options is not None:
            values["options"] = documents.dumps(options)

        def work(connection: Connection) -> base.Pool:
            if _lock_pool(connection, name, self._store, shared=False) is None:
                raise errors.PoolDoesNotExist(name)
            if uri is not None:
                owner = _uri_owner(connection, uri, name)
                if owner is not None:
                    raise errors.PoolUriInUse(owner)
            if values:
                connection.execute(sa.update(p).where(p.c.name == name).values(**values))
            return _pool(connection.execute(sa.select(p).where(p.c.name == name)).one())

        return self._write(work)

    def delete(self, name: str) -> None:
        def work(connection: Connection) -> None:
            if _lock_pool(connection, name, self._store, shared=False) is None:
                return
            held = _count(connection, name)
            if held:
                raise errors.PoolInUse(name, held)
            connection.execute(sa.delete(p).where(p.c.name == name))

        self._store.write(work)

    def _write(self, work: Callable[[Connection], T]) -> T:
        return _write_once_more_on_a_race(self._store, work)


def _write_once_more_on_a_race(store: Store, work: Callable[[Connection], T]) -> T:
    """``work`` in a write transaction, run a second time if a racing writer inserted the
    same key first: the second run sees the winner's row and decides on it."""
    try:
        return store.write(work)
    except exc.IntegrityError:
        return store.write(work)


def _count(connection: Connection, pool: str) -> int:
    """Queues on the pool, and queues moving to it."""
    total = 0
    for column in (c.c.pool, c.c.moving_to):
        total += int(
            connection.execute(
                sa.select(sa.func.count()).select_from(c).where(column == pool)
            ).scalar_one()
        )
    return total


class CatalogueController(base.CatalogueController):
    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, project: str | None, queue: str) -> str | None:
        with self._store.reading() as connection:
            pool = connection.execute(
                sa.select(c.c.pool).where(
                    c.c.project == stored_project(project), c.c.queue == queue
                )
            ).scalar_one_or_none()
        return None if pool is None else str(pool)

    def placement(self, project: str | None, queue: str) -> base.Placement | None:
        with self._store.reading() as connection:
            row = connection.execute(
                sa.select(c.c.pool, c.c.moving_to).where(
                    c.c.project == stored_project(project), c.c.queue == queue
                )
            ).one_or_none()
        return None if row is None else base.Placement(str(row.pool), row.moving_to)

    def begin_move(self, project: str | None, queue: str, target: str) -> base.Placement:
        key = (c.c.project == stored_project(project), c.c.queue == queue)

        def work(connection: Connection) -> base.Placement:
            query = sa.select(c.c.pool, c.c.moving_to).where(*key)
            if self._store.for_update:
                query = query.with_for_update()
            row = connection.execute(query).one_or_none()
            if row is None:
                raise errors.QueueDoesNotExist(queue, project)
            if row.pool == target:
                raise errors.Conflict(f"queue {queue} is already on pool {target}")
            if row.moving_to is not None and row.moving_to != target:
                raise errors.Conflict(f"queue {queue} is already moving to {row.moving_to}")
            if _lock_pool(connection, target, self._store, shared=True) is None:
                raise errors.PoolDoesNotExist(target)
            connection.execute(sa.update(c).where(*key).values(moving_to=target))
            return base.Placement(str(row.pool), target)

        return self._store.write(work)

    def end_move(self, project: str | None, queue: str, done: bool) -> None:
        where = (
            c.c.project == stored_project(project),
            c.c.queue == queue,
            c.c.moving_to.isnot(None),
        )
        update = sa.update(c).where(*where)
        if done:
            # MySQL assigns left to right: the pool takes moving_to before it is cleared.
            update = update.ordered_values((c.c.pool, c.c.moving_to), (c.c.moving_to, None))
        else:
            update = update.values(moving_to=None)
        with self._store.writing() as connection:
            connection.execute(update)

    def insert(self, project: str | None, queue: str, pool: str) -> str:
        key = (c.c.project == stored_project(project), c.c.queue == queue)

        def work(connection: Connection) -> str:
            found = connection.execute(sa.select(c.c.pool).where(*key)).scalar_one_or_none()
            if found is not None:
                return str(found)
            if _lock_pool(connection, pool, self._store, shared=True) is None:
                raise errors.PoolDoesNotExist(pool)
            connection.execute(
                sa.insert(c).values(project=stored_project(project), queue=queue, pool=pool)
            )
            return pool

        return _write_once_more_on_a_race(self._store, work)

    def update(self, project: str | None, queue: str, pool: str) -> None:
        key = (c.c.project == stored_project(project), c.c.queue == queue)

        def work(connection: Connection) -> None:
            if _lock_pool(connection, pool, self._store, shared=True) is None:
                raise errors.PoolDoesNotExist(pool)
            changed = connection.execute(sa.update(c).where(*key).values(pool=pool)).rowcount
            if not changed:
                raise errors.QueueDoesNotExist(queue, project)

        self._store.write(work)

    def delete(self, project: str | None, queue: str) -> None:
        with self._store.writing() as connection:
            connection.execute(
                sa.delete(c).where(c.c.project == stored_project(project), c.c.queue == queue)
            )

    def list(
        self, project: str | None, marker: str | None = None, limit: int = 10
    ) -> base.Page[tuple[str, str]]:
        query = sa.select(c.c.queue, c.c.pool).where(c.c.project == stored_project(project))
        if marker is not None:
            query = query.where(c.c.queue > marker)
        with self._store.reading() as connection:
            rows = connection.execute(query.order_by(c.c.queue).limit(limit)).all()
        items = [(str(row.queue), str(row.pool)) for row in rows]
        return base.Page(items, items[-1][0] if items else None)

    def count(self, pool: str) -> int:
        with self._store.reading() as connection:
            return _count(connection, pool)

    def project_count(self, project: str | None) -> int:
        query = sa.select(sa.func.count()).where(c.c.project == stored_project(project))
        with self._store.reading() as connection:
            return int(connection.execute(query).scalar_one())
