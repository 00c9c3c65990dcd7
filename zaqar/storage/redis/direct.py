"""Scripts on a single Redis server, sent straight down a connection.

PERF: redis-py wraps every command in layers this driver does not use (a retry loop around
the whole command, metrics recorders, the pool's bookkeeping and events, argument
re-encoding): on a post they cost more CPU than the rest of the driver. Every hot operation
is one script (``Store.eval``), so scripts on a plain ``redis://``, ``rediss://`` or
``unix://`` server go through ``ScriptConnections`` instead: one packed EVALSHA written to an
idle connection, one reply read. Cluster and Sentinel clients keep redis-py's path, which
routes and follows fail-overs.

What stays the same: the connections are redis-py's own classes (``connections``), so a
failure to connect is still ``ConnectFailed`` after the group's reconnection attempts, a
reply that does not come in time is still a ``TimeoutError``, and ``store.translated`` turns
them into the same storage errors at the same boundary.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import hiredis
import redis
from redis import exceptions as redis_errors

from zaqar.core import forks


def sha1(script: str) -> str:
    return hashlib.sha1(script.encode("utf-8"), usedforsecurity=False).hexdigest()


def _stale(connection: Any) -> bool:
    """Whether an idle connection is readable: closed by the server, or (never expected)
    holding bytes no command asked for."""
    try:
        return bool(connection.can_read())
    except (redis_errors.ConnectionError, redis_errors.TimeoutError, OSError):
        return True  # how redis-py's parser says the server closed it


class ScriptConnections:
    """Connections of one server for running scripts, built like ``pool``'s.

    A connection is taken by one call at a time (threads take different ones) and goes
    back idle only once its reply was read in full or it was closed: an idle connection
    never holds a stray reply. One closed by the server while idle is made again before
    anything is sent on it, so a Redis restart costs no request.
    """

    def __init__(self, pool: redis.ConnectionPool) -> None:
        self._connection_class = pool.connection_class
        self._kwargs = pool.connection_kwargs
        self._idle: list[Any] = []
        self._pid = forks.pid()
        self._shas: dict[str, str] = {}

    def _take(self) -> Any:
        if self._pid != forks.pid():
            # A forked worker: the parent's sockets are not this process's to use.
            self._idle, self._pid = [], forks.pid()
        try:
            connection = self._idle.pop()
        except IndexError:
            connection = self._connection_class(**self._kwargs)
        try:
            if connection._sock is None:
                connection.connect()
            elif _stale(connection):
                # Nothing was sent on it yet: making it again loses nothing.
                connection.disconnect()
                connection.connect()
        except BaseException:
            self._idle.append(connection)
            raise
        return connection

    def run(self, script: str, keys: Sequence[str], args: Sequence[str]) -> Any:
        """``EVALSHA`` (``EVAL`` when Redis does not know the script yet) and its reply."""
        sha = self._shas.get(script)
        if sha is None:
            sha = self._shas[script] = sha1(script)
        connection = self._take()
        try:
            try:
                return self._call(connection, ("EVALSHA", sha, len(keys), *keys, *args))
            except redis_errors.NoScriptError:
                # Not run: a restarted or flushed server. EVAL runs it and caches it again.
                return self._call(connection, ("EVAL", script, len(keys), *keys, *args))
        except redis_errors.ResponseError:
            raise  # the script's own error: the connection is fine
        except BaseException:
            connection.disconnect()
            raise
        finally:
            self._idle.append(connection)

    @staticmethod
    def _call(connection: Any, command: tuple[Any, ...]) -> Any:
        connection.send_packed_command([hiredis.pack_command(command)], check_health=False)
        return connection.read_response()

    def open(self, count: int) -> None:
        """Have ``count`` connections made and idle (for tests of what open ones do)."""
        taken = [self._take() for _ in range(count)]
        self._idle.extend(taken)

    def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.disconnect()
