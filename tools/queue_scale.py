"""Does a project with a million queues slow its queues down?

    python -m tools.queue_scale --backend redis|postgresql [--queues 1000000] [--small 1000]
        [--samples 1500] [--rounds 3] [--fillers 4]

One project, two sizes. The script fills the project to ``--small`` queues and times
requests, then fills the same project to ``--queues`` queues and times the same requests
again, and prints the median of each operation at both sizes and their ratio:

``create``  PUT a new queue;
``post``    POST one message (64 bytes of padding) to a queue drawn from the whole project;
``claim``   claim up to 5 messages of a queue the post step just wrote to (each such claim
            takes exactly one message: posts go to distinct queues).

Requests go through the whole WSGI stack in this process (``falcon.testing``, no network or
HTTP server in the figures), one at a time, in ``--rounds`` rounds of the three operations,
after a warm-up of 150 requests of each.
Queues are filled through the storage driver's queue controller (what ``PUT`` calls) by
``--fillers`` processes; the script reports how long that took and what it added to the
store's memory (Redis ``used_memory``) or disk (PostgreSQL ``pg_database_size``), and the
largest resident size of this process, which must not grow with the number of queues. On
PostgreSQL each fill is followed by ``VACUUM (ANALYZE)`` and ``CHECKPOINT`` (see ``settle``).

Redis is ``ZAQAR_TEST_REDIS_URL`` (default db 7) under the key prefix ``zaqar-scale-<pid>``;
PostgreSQL is a database ``zaqar_scale_<pid>`` created on the server of
``ZAQAR_TEST_POSTGRESQL_URL``. Both are removed at the end, also after an error.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import json
import os
import random
import resource
import statistics
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import falcon.testing
import redis
import sqlalchemy as sa

import zaqar.conf
from tests.backends import POSTGRESQL_URL, REDIS_URL
from tools import stores
from zaqar import bootstrap
from zaqar.storage.sqlalchemy import schema

PROJECT = "zaqar-scale"
HEADERS = {"Client-ID": str(uuid.uuid4()), "X-Project-ID": PROJECT}
BODY = json.dumps([{"ttl": 3600, "body": {"event": "scale", "data": "x" * 64}}])
CLAIM = json.dumps({"ttl": 300, "grace": 60})
OPERATIONS = ("create", "post", "claim")
#: Queues each filler task creates.
CHUNK = 5000


def queue_name(index: int) -> str:
    return f"q{index:07d}"


def configure(backend: str, target: str) -> Any:
    """A configuration whose message and management stores are ``target``."""
    conf = zaqar.conf.load([], default_config_files=[])
    if backend == "redis":
        stores.use_redis(conf, target)
    else:
        stores.use_sql(conf, target)
    return conf


# -- the store, created and removed --------------------------------------------------------


@contextlib.contextmanager
def store(backend: str) -> Iterator[str]:
    """The Redis key prefix or the PostgreSQL URL of this run, removed afterwards."""
    if backend == "redis":
        prefix = f"zaqar-scale-{os.getpid()}"
        try:
            yield prefix
        finally:
            stores.delete_redis_prefix(prefix)
        return
    url = sa.make_url(POSTGRESQL_URL).set(database=f"zaqar_scale_{os.getpid()}")
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {url.database}")
    try:
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            schema.upgrade(connection)
        engine.dispose()
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {url.database} WITH (FORCE)")
        admin.dispose()


def footprint(backend: str, target: str) -> int:
    """Bytes the store holds: Redis memory in use, or the PostgreSQL database's size."""
    if backend == "redis":
        client = redis.Redis.from_url(REDIS_URL)
        try:
            return int(client.info("memory")["used_memory"])
        finally:
            client.close()
    engine = sa.create_engine(target)
    try:
        with engine.connect() as connection:
            size = connection.exec_driver_sql("SELECT pg_database_size(current_database())")
            return int(size.scalar_one())
    finally:
        engine.dispose()


def settle(backend: str, target: str) -> None:
    """PostgreSQL: do now what autovacuum and the next checkpoint would do during the timing.

    Right after a bulk fill the server vacuums and analyses the new rows and writes them out,
    which slows every commit for minutes; a deployment whose queues came over months does not
    time its requests against that.
    """
    if backend != "postgresql":
        return
    engine = sa.create_engine(target, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("VACUUM (ANALYZE)")
            connection.exec_driver_sql("CHECKPOINT")
    finally:
        engine.dispose()


def script_time(backend: str) -> tuple[int, int]:
    """Redis only: scripts run and microseconds spent in them by the server so far."""
    if backend != "redis":
        return 0, 0
    client = redis.Redis.from_url(REDIS_URL)
    try:
        stats = client.info("commandstats").get("cmdstat_evalsha", {})
        return int(stats.get("calls", 0)), int(stats.get("usec", 0))
    finally:
        client.close()


# -- filling -------------------------------------------------------------------------------

_FILLER: Any = None


def _start_filler(backend: str, target: str) -> None:
    global _FILLER
    _FILLER = bootstrap.Bootstrap(configure(backend, target))


def _fill_chunk(start: int, stop: int) -> int:
    queues = _FILLER.storage.queue_controller
    return sum(queues.create(queue_name(index), PROJECT) for index in range(start, stop))


def fill(backend: str, target: str, start: int, stop: int, fillers: int) -> float:
    """Create queues ``start .. stop - 1``; returns the seconds it took."""
    began = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(
        fillers, initializer=_start_filler, initargs=(backend, target)
    ) as pool:
        chunks = [(low, min(low + CHUNK, stop)) for low in range(start, stop, CHUNK)]
        futures = [pool.submit(_fill_chunk, low, high) for low, high in chunks]
        created = 0
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            created += future.result()
            if done % 20 == 0 or done == len(futures):
                elapsed = time.perf_counter() - began
                print(
                    f"  filled {start + created:,} queues ({created / elapsed:,.0f}/s)",
                    file=sys.stderr,
                )
    if created != stop - start:
        raise SystemExit(f"queue_scale: created {created:,} of {stop - start:,} queues")
    return time.perf_counter() - began


# -- timing --------------------------------------------------------------------------------


def measure(
    client: falcon.testing.TestClient, population: int, label: str, samples: int, rounds: int
) -> dict[str, list[float]]:
    """Per operation, the seconds each of ``samples`` requests took."""
    times: dict[str, list[float]] = defaultdict(list)
    rng = random.Random(f"{label}-{population}")

    def timed(operation: str, method: str, path: str, body: str | None, expect: int) -> None:
        started = time.perf_counter()
        result = client.simulate_request(method, path, headers=HEADERS, body=body)
        times[operation].append(time.perf_counter() - started)
        if result.status_code != expect:
            raise SystemExit(f"queue_scale: {method} {path}: {result.status_code} {result.text}")

    per_round = samples // rounds
    for round_no in range(rounds):
        for index in range(per_round):
            name = f"new-{label}-{round_no}-{index}"
            timed("create", "PUT", f"/v1/queues/{name}", None, 201)
        # Distinct queues, so that at both sizes every claim takes exactly the one message
        # this round posted (the earlier rounds' are claimed already).
        posted = [queue_name(index) for index in rng.sample(range(population), per_round)]
        for name in posted:
            timed("post", "POST", f"/v1/queues/{name}/messages", BODY, 201)
        for name in posted:
            timed("claim", "POST", f"/v1/queues/{name}/claims?limit=5", CLAIM, 201)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(prog="tools.queue_scale", description=__doc__)
    parser.add_argument("--backend", choices=["redis", "postgresql"], default="redis")
    parser.add_argument("--queues", type=int, default=1_000_000, help="the large size")
    parser.add_argument("--small", type=int, default=1000, help="the small size")
    parser.add_argument("--samples", type=int, default=1500, help="requests per operation")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fillers", type=int, default=4, help="processes creating queues")
    args = parser.parse_args()
    if not 0 < args.small < args.queues:
        parser.error("--small must be positive and below --queues")
    if not 150 <= args.samples // args.rounds <= args.small:
        parser.error("--samples / --rounds must be between 150 and --small")

    results: dict[int, dict[str, list[float]]] = {}
    with store(args.backend) as target:
        before = footprint(args.backend, target)
        fill(args.backend, target, 0, args.small, args.fillers)
        settle(args.backend, target)
        boot = bootstrap.Bootstrap(configure(args.backend, target))
        try:
            client = falcon.testing.TestClient(boot.transport.wsgi)
            # Warm up (connections, caches, first-call costs), then measure.
            measure(client, args.small, "warm-up", 150, 1)
            server = [script_time(args.backend)]
            results[args.small] = measure(client, args.small, "small", args.samples, args.rounds)
            server.append(script_time(args.backend))
            rss_small = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            small_size = footprint(args.backend, target)
            seconds = fill(args.backend, target, args.small, args.queues, args.fillers)
            settle(args.backend, target)
            large_size = footprint(args.backend, target)
            server.append(script_time(args.backend))
            results[args.queues] = measure(client, args.queues, "large", args.samples, args.rounds)
            server.append(script_time(args.backend))
            rss_large = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        finally:
            boot.close()

    added = args.queues - args.small
    print(f"backend={args.backend} project={PROJECT} samples/op={args.samples}")
    print(
        f"filled {added:,} queues in {seconds:.1f} s ({added / seconds:,.0f}/s, "
        f"{args.fillers} processes through the queue controller); the store grew by "
        f"{(large_size - small_size) / 2**20:,.1f} MiB ({(large_size - small_size) / added:,.0f}"
        f" bytes/queue; {(small_size - before) / 2**20:,.1f} MiB at {args.small:,} queues)"
    )
    print(f"largest resident size of this process: {rss_small / 1024:,.1f} MiB at "
          f"{args.small:,} queues, {rss_large / 1024:,.1f} MiB at {args.queues:,}")  # fmt: skip
    if args.backend == "redis":
        # Every Redis server's scripts count here; on a quiet server they are this run's.
        (c0, u0), (c1, u1), (c2, u2), (c3, u3) = server
        print(
            f"Redis time per script call (all operations, INFO commandstats): "
            f"{(u1 - u0) / max(c1 - c0, 1):.1f} us at {args.small:,} queues, "
            f"{(u3 - u2) / max(c3 - c2, 1):.1f} us at {args.queues:,}"
        )
    small, large = f"p50 ms @{args.small:,}", f"p50 ms @{args.queues:,}"
    print(f"{'operation':<10}{small:>18}{large:>22}{'ratio':>8}   (p90 ms small/large)")
    for operation in OPERATIONS:
        a, b = results[args.small][operation], results[args.queues][operation]
        p50a, p50b = statistics.median(a) * 1000, statistics.median(b) * 1000
        p90a = statistics.quantiles(a, n=10)[-1] * 1000
        p90b = statistics.quantiles(b, n=10)[-1] * 1000
        print(
            f"{operation:<10}{p50a:>18.3f}{p50b:>22.3f}{p50b / p50a:>8.2f}"
            f"   ({p90a:.3f} / {p90b:.3f}; n={len(a)}/{len(b)})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
