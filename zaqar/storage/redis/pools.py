"""Pools and the catalogue, in the Redis management store.

Every key carries the hash tag ``{ctl}``, so each change below is one Lua script on one
slot even on a cluster: a pool, its URI's owner entry and its queue count change together,
and a queue is never catalogued on a pool that is being deleted. Keys (``P`` is the
``prefix`` option, ``p`` a percent-encoded project)::

    P:pool:{ctl}:<name>    hash        uri, weight, flavor ('' for none), options (JSON)
    P:pools:{ctl}          sorted set  pool names, all scored 0 (byte order)
    P:uris:{ctl}           hash        uri -> pool name
    P:held:{ctl}           hash        pool name -> how many queues the catalogue puts there
    P:cat:{ctl}:<p>        hash        queue -> pool, for project p
    P:catn:{ctl}:<p>       sorted set  project p's catalogued queue names (byte order)
    P:mv:{ctl}:<p>         hash        queue -> the pool it is moving to, while it moves
    P:flv:{ctl}:<p>        sorted set  project p's flavor names, all scored 0 (byte order)

The management data of a deployment is small (one short entry per queue), so keeping it on
one node costs little and buys atomicity. Every script that changes something starts with
``scripts.GUARD`` and takes its deadline as its last argument (``Store.eval_change``).
"""

from __future__ import annotations

from typing import Any

from zaqar.core import documents
from zaqar.storage import base, doubts, errors
from zaqar.storage.redis.scripts import GUARD
from zaqar.storage.redis.store import Store, escape

_POOL_FIELDS = ("uri", "weight", "flavor", "options")

# KEYS pools, uris, pool key. ARGV name, uri, weight, flavor, options.
# Returns {1} created, {0} replaced, or {-1, owner} when another pool has the uri.
_CREATE = (
    GUARD
    + """
local owner = redis.call('HGET', KEYS[2], ARGV[2])
if owner and owner ~= ARGV[1] then return {-1, owner} end
local old = redis.call('HGET', KEYS[3], 'uri')
if old and old ~= ARGV[2] then redis.call('HDEL', KEYS[2], old) end
redis.call('HSET', KEYS[3], 'uri', ARGV[2], 'weight', ARGV[3], 'flavor', ARGV[4],
           'options', ARGV[5])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[1], 0, ARGV[1])
if old then return {0} end
return {1}
"""
)

# KEYS uris, pool key. ARGV name, weight, uri, options ('' = leave as is), '1' to set the
# flavor to ARGV[6] ('' for none).
# Returns {1} done, {0} missing pool, {-1, owner} uri taken.
_UPDATE = (
    GUARD
    + """
if redis.call('EXISTS', KEYS[2]) == 0 then return {0} end
if ARGV[3] ~= '' then
  local owner = redis.call('HGET', KEYS[1], ARGV[3])
  if owner and owner ~= ARGV[1] then return {-1, owner} end
  redis.call('HDEL', KEYS[1], redis.call('HGET', KEYS[2], 'uri'))
  redis.call('HSET', KEYS[1], ARGV[3], ARGV[1])
  redis.call('HSET', KEYS[2], 'uri', ARGV[3])
end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[2], 'weight', ARGV[2]) end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], 'options', ARGV[4]) end
if ARGV[5] == '1' then redis.call('HSET', KEYS[2], 'flavor', ARGV[6]) end
return {1}
"""
)

# KEYS pools, uris, held, pool key. ARGV name. Returns how many queues hold it (0: deleted).
_DELETE = (
    GUARD
    + """
local held = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
if held > 0 then return held end
local uri = redis.call('HGET', KEYS[4], 'uri')
if uri then redis.call('HDEL', KEYS[2], uri) end
redis.call('DEL', KEYS[4])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 0
"""
)

# KEYS cat, catn, held, pool key. ARGV queue, pool.
# Returns the pool the queue is on, or false when the pool is gone.
_INSERT = (
    GUARD
    + """
local found = redis.call('HGET', KEYS[1], ARGV[1])
if found then return found end
if redis.call('EXISTS', KEYS[4]) == 0 then return false end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
return ARGV[2]
"""
)

# KEYS cat, held, pool key. ARGV queue, pool. Returns 1, 0 (not catalogued), -1 (no pool).
_MOVE = (
    GUARD
    + """
local found = redis.call('HGET', KEYS[1], ARGV[1])
if not found then return 0 end
if redis.call('EXISTS', KEYS[3]) == 0 then return -1 end
if found ~= ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('HINCRBY', KEYS[2], found, -1)
  redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
end
return 1
"""
)

# KEYS cat, catn, held, mv. ARGV queue.
_FORGET = (
    GUARD
    + """
local found = redis.call('HGET', KEYS[1], ARGV[1])
if not found then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[3], found, -1)
local target = redis.call('HGET', KEYS[4], ARGV[1])
if target then
  redis.call('HDEL', KEYS[4], ARGV[1])
  redis.call('HINCRBY', KEYS[3], target, -1)
end
return 1
"""
)

# KEYS cat, mv. ARGV queue. Returns {pool, target} (false when absent).
_PLACEMENT = """
return {redis.call('HGET', KEYS[1], ARGV[1]), redis.call('HGET', KEYS[2], ARGV[1])}
"""

# KEYS cat, mv, held, target pool key. ARGV queue, target.
# Returns {1, pool}, {0} not catalogued, {-1} already there, {-2, other} moving elsewhere,
# {-3} no such target pool.
_BEGIN_MOVE = (
    GUARD
    + """
local pool = redis.call('HGET', KEYS[1], ARGV[1])
if not pool then return {0} end
if pool == ARGV[2] then return {-1} end
local moving = redis.call('HGET', KEYS[2], ARGV[1])
if moving == ARGV[2] then return {1, pool} end
if moving then return {-2, moving} end
if redis.call('EXISTS', KEYS[4]) == 0 then return {-3} end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
return {1, pool}
"""
)

# KEYS cat, mv, held. ARGV queue, '1' when the queue is now on the target.
_END_MOVE = (
    GUARD
    + """
local target = redis.call('HGET', KEYS[2], ARGV[1])
if not target then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
if ARGV[2] == '1' then
  local pool = redis.call('HGET', KEYS[1], ARGV[1])
  redis.call('HSET', KEYS[1], ARGV[1], target)
  if pool then redis.call('HINCRBY', KEYS[3], pool, -1) end
else
  redis.call('HINCRBY', KEYS[3], target, -1)
end
return 1
"""
)


class _Keys:
    def __init__(self, prefix: str) -> None:
        self._escape = escape
        self.pools = f"{prefix}:pools:{{ctl}}"
        self.uris = f"{prefix}:uris:{{ctl}}"
        self.held = f"{prefix}:held:{{ctl}}"
        self._pool = f"{prefix}:pool:{{ctl}}:"
        self._cat = f"{prefix}:cat:{{ctl}}:"
        self._catn = f"{prefix}:catn:{{ctl}}:"
        self._mv = f"{prefix}:mv:{{ctl}}:"
        self._flv = f"{prefix}:flv:{{ctl}}:"

    def pool(self, name: str) -> str:
        return self._pool + self._escape(name)

    def catalogue(self, project: str | None) -> tuple[str, str]:
        tail = self._escape(project)
        return self._cat + tail, self._catn + tail

    def moves(self, project: str | None) -> str:
        return self._mv + self._escape(project)

    def flavors(self, project: str | None) -> str:
        return self._flv + self._escape(project)


# KEYS a project's flavors. ARGV 'ZADD' or 'ZREM', the name. Returns how many changed.
_FLAVOR = (
    GUARD
    + """
if ARGV[1] == 'ZADD' then return redis.call('ZADD', KEYS[1], 0, ARGV[2]) end
return redis.call('ZREM', KEYS[1], ARGV[2])
"""
)


class FlavorsController(base.FlavorsController):
    def __init__(self, store: Store) -> None:
        self._store = store
        self._keys = _Keys(store.prefix)

    def list(
        self, project: str | None, marker: str | None = None, limit: int = 10
    ) -> base.Page[base.Flavor]:
        if limit <= 0:
            return base.Page([], None)
        start = "-" if marker is None else "(" + marker
        with self._store.talking() as client:
            names: list[str] = client.zrangebylex(  # type: ignore[assignment]
                self._keys.flavors(project), start, "+", start=0, num=limit
            )
        return base.Page(
            [base.Flavor(name, project) for name in names], names[-1] if names else None
        )

    def create(self, name: str, project: str | None) -> bool:
        added = self._store.eval_change(
            _FLAVOR, [self._keys.flavors(project)], ["ZADD", name], doubts.flavor_changed(name)
        )
        return bool(int(added))

    def get(self, name: str, project: str | None) -> base.Flavor:
        with self._store.talking() as client:
            if client.zscore(self._keys.flavors(project), name) is None:
                raise errors.FlavorDoesNotExist(name, project)
        return base.Flavor(name, project)

    def delete(self, name: str, project: str | None) -> None:
        self._store.eval_change(
            _FLAVOR, [self._keys.flavors(project)], ["ZREM", name], doubts.flavor_changed(name)
        )


def _pool(name: str, values: list[Any]) -> base.Pool:
    uri, weight, flavor, options = values
    return base.Pool(
        name=name,
        uri=uri,
        weight=int(weight),
        flavor=flavor or None,
        options=documents.loads(options),
    )


class PoolsController(base.PoolsController):
    def __init__(self, store: Store) -> None:
        self._store = store
        self._keys = _Keys(store.prefix)

    def list(self, marker: str | None = None, limit: int = 10) -> base.Page[base.Pool]:
        if limit <= 0:
            return base.Page([], None)
        start = "-" if marker is None else "(" + marker
        with self._store.talking() as client:
            names: list[str] = client.zrangebylex(  # type: ignore[assignment]
                self._keys.pools, start, "+", start=0, num=limit
            )
            with client.pipeline(transaction=False) as pipe:
                for name in names:
                    pipe.hmget(self._keys.pool(name), list(_POOL_FIELDS))
                found = pipe.execute()
        # A pool deleted between the two reads is left out.
        items = [
            _pool(name, values)
            for name, values in zip(names, found, strict=True)
            if values[0] is not None
        ]
        return base.Page(items, names[-1] if names else None)

    def create(
        self,
        name: str,
        weight: int,
        uri: str,
        flavor: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> bool:
        keys = self._keys
        result = self._store.eval_change(
            _CREATE,
            [keys.pools, keys.uris, keys.pool(name)],
            [name, uri, weight, flavor or "", documents.dumps(options or {})],
            doubts.pool_changed(name),
        )
        if int(result[0]) == -1:
            raise errors.PoolUriInUse(result[1])
        return bool(int(result[0]))

    def get(self, name: str) -> base.Pool:
        with self._store.talking() as client:
            values: list[Any] = client.hmget(self._keys.pool(name), list(_POOL_FIELDS))
        if values[0] is None:
            raise errors.PoolDoesNotExist(name)
        return _pool(name, values)

    def update(
        self,
        name: str,
        weight: int | None = None,
        uri: str | None = None,
        options: dict[str, Any] | None = None,
        flavor: str | None = None,
    ) -> base.Pool:
        keys = self._keys
        result = self._store.eval_change(
            _UPDATE,
            [keys.uris, keys.pool(name)],
            [
                name,
                "" if weight is None else weight,
                uri or "",
                "" if options is None else documents.dumps(options),
                "0" if flavor is None else "1",
                flavor or "",
            ],
            doubts.pool_changed(name),
        )
        if int(result[0]) == -1:
            raise errors.PoolUriInUse(result[1])
        if int(result[0]) == 0:
            raise errors.PoolDoesNotExist(name)
        return self.get(name)

    def delete(self, name: str) -> None:
        keys = self._keys
        held = int(
            self._store.eval_change(
                _DELETE,
                [keys.pools, keys.uris, keys.held, keys.pool(name)],
                [name],
                doubts.pool_changed(name),
            )
        )
        if held:
            raise errors.PoolInUse(name, held)


class CatalogueController(base.CatalogueController):
    def __init__(self, store: Store) -> None:
        self._store = store
        self._keys = _Keys(store.prefix)

    def get(self, project: str | None, queue: str) -> str | None:
        entries, _ = self._keys.catalogue(project)
        with self._store.talking() as client:
            pool: Any = client.hget(entries, queue)
        return None if pool is None else str(pool)

    def insert(self, project: str | None, queue: str, pool: str) -> str:
        entries, names = self._keys.catalogue(project)
        found = self._store.eval_change(
            _INSERT,
            [entries, names, self._keys.held, self._keys.pool(pool)],
            [queue, pool],
            doubts.placement_changed(queue),
        )
        if found is None:
            raise errors.PoolDoesNotExist(pool)
        return str(found)

    def update(self, project: str | None, queue: str, pool: str) -> None:
        entries, _ = self._keys.catalogue(project)
        done = int(
            self._store.eval_change(
                _MOVE,
                [entries, self._keys.held, self._keys.pool(pool)],
                [queue, pool],
                doubts.placement_changed(queue),
            )
        )
        if done == 0:
            raise errors.QueueDoesNotExist(queue, project)
        if done == -1:
            raise errors.PoolDoesNotExist(pool)

    def delete(self, project: str | None, queue: str) -> None:
        entries, names = self._keys.catalogue(project)
        keys = [entries, names, self._keys.held, self._keys.moves(project)]
        self._store.eval_change(_FORGET, keys, [queue], doubts.placement_changed(queue))

    def placement(self, project: str | None, queue: str) -> base.Placement | None:
        entries, _ = self._keys.catalogue(project)
        pool, target = self._store.eval(_PLACEMENT, [entries, self._keys.moves(project)], [queue])
        return None if pool is None else base.Placement(str(pool), target)

    def begin_move(self, project: str | None, queue: str, target: str) -> base.Placement:
        entries, _ = self._keys.catalogue(project)
        keys = [entries, self._keys.moves(project), self._keys.held, self._keys.pool(target)]
        result = self._store.eval_change(
            _BEGIN_MOVE, keys, [queue, target], doubts.placement_changed(queue)
        )
        code = int(result[0])
        if code == 0:
            raise errors.QueueDoesNotExist(queue, project)
        if code == -1:
            raise errors.Conflict(f"queue {queue} is already on pool {target}")
        if code == -2:
            raise errors.Conflict(f"queue {queue} is already moving to {result[1]}")
        if code == -3:
            raise errors.PoolDoesNotExist(target)
        return base.Placement(str(result[1]), target)

    def end_move(self, project: str | None, queue: str, done: bool) -> None:
        entries, _ = self._keys.catalogue(project)
        keys = [entries, self._keys.moves(project), self._keys.held]
        self._store.eval_change(
            _END_MOVE,
            keys,
            [queue, "1" if done else "0"],
            doubts.placement_changed(queue),
        )

    def list(
        self, project: str | None, marker: str | None = None, limit: int = 10
    ) -> base.Page[tuple[str, str]]:
        if limit <= 0:
            return base.Page([], None)
        entries, names_key = self._keys.catalogue(project)
        start = "-" if marker is None else "(" + marker
        with self._store.talking() as client:
            names: list[str] = client.zrangebylex(  # type: ignore[assignment]
                names_key, start, "+", start=0, num=limit
            )
            pools: list[Any] = client.hmget(entries, names) if names else []
        items = [(name, pool) for name, pool in zip(names, pools, strict=True) if pool is not None]
        return base.Page(items, names[-1] if names else None)

    def count(self, pool: str) -> int:
        with self._store.talking() as client:
            held: Any = client.hget(self._keys.held, pool)
        return int(held or 0)

    def project_count(self, project: str | None) -> int:
        _, names_key = self._keys.catalogue(project)
        with self._store.talking() as client:
            found: Any = client.zcard(names_key)
        return int(found)
