"""What pooling adds to a request: the same workload, unpooled and through one pool.

    python -m tools.pooling_cost [--backend redis|sqlite] [--rounds 5] [--requests 200]

Both apps run in this process over the same kind of store (for Redis the same server, each
under its own key prefix; for SQLite a file each), behind the whole WSGI stack. Rounds
alternate between them so that a noisy machine weighs on both alike. Each request is timed
on its own; the script prints the median per operation for each app and their ratio.
Redis must be reachable at ``ZAQAR_TEST_REDIS_URL`` (default db 7); the script deletes its
keys when it is done.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import falcon.testing

import zaqar.conf
from tests.backends import REDIS_URL
from tools import stores
from zaqar import bootstrap
from zaqar.storage.sqlalchemy.driver import ControlDriver

HEADERS = {"Client-ID": str(uuid.uuid4()), "X-Project-ID": "pooling-cost"}
OPERATIONS = ("post", "claim", "delete", "list")


def _store_conf(conf: Any, backend: str, folder: Path, prefix: str) -> dict[str, Any]:
    """Point the message store at ``backend``; returns the same settings as pool options."""
    if backend == "redis":
        stores.use_redis(conf, prefix, management=False)
        return {"uri": REDIS_URL, "options": {"prefix": prefix}}
    uri = f"sqlite:///{folder / (prefix + '.sqlite')}"
    stores.use_sql(conf, uri, management=False)
    return {"uri": uri, "options": {"purge_interval": 0}}


def build(backend: str, folder: Path, pooled: bool) -> Any:
    conf = zaqar.conf.load([], default_config_files=[])
    management = f"sqlite:///{folder / ('catalogue-' + str(pooled) + '.sqlite')}"
    conf.set_override("uri", management, group="drivers:management_store:sqlalchemy")
    name = "pooled" if pooled else "direct"
    store = _store_conf(conf, backend, folder, f"zaqar-pooling-cost-{name}")
    if pooled:
        conf.set_override("pooling", True, group="DEFAULT")
        control = ControlDriver(conf)
        try:
            control.pools_controller.create("only", 1, store["uri"], options=store["options"])
        finally:
            control.close()
    return bootstrap.Bootstrap(conf)


def run_round(
    client: falcon.testing.TestClient, queue: str, requests: int
) -> dict[str, list[float]]:
    times: dict[str, list[float]] = defaultdict(list)

    def timed(operation: str, method: str, path: str, **kwargs: Any) -> Any:
        started = time.perf_counter()
        result = client.simulate_request(method, path, headers=HEADERS, **kwargs)
        times[operation].append(time.perf_counter() - started)
        assert result.status_code < 400, (operation, result.status_code, result.text)
        return result

    client.simulate_put(f"/v1/queues/{queue}", headers=HEADERS)
    base = f"/v1/queues/{queue}"
    for n in range(requests):
        timed("post", "POST", f"{base}/messages", json=[{"ttl": 300, "body": n}])
    marker = None
    for _ in range(requests):
        query = "limit=1&echo=true" + (f"&marker={marker}" if marker else "")
        listed = timed("list", "GET", f"{base}/messages", query_string=query)
        if listed.status_code == 200:
            marker = listed.json["links"][0]["href"].split("marker=")[1].split("&")[0]
    for _ in range(requests):
        claimed = timed(
            "claim", "POST", f"{base}/claims", json={"ttl": 60, "grace": 60}, query_string="limit=1"
        )
        for message in claimed.json or []:
            timed("delete", "DELETE", message["href"])
    client.simulate_delete(base, headers=HEADERS)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["redis", "sqlite"], default="redis")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        boots = {pooled: build(args.backend, Path(folder), pooled) for pooled in (False, True)}
        clients = {
            pooled: falcon.testing.TestClient(boot.transport.wsgi) for pooled, boot in boots.items()
        }
        samples: dict[bool, dict[str, list[float]]] = {
            False: defaultdict(list),
            True: defaultdict(list),
        }
        try:
            for round_ in range(args.rounds):
                order = (False, True) if round_ % 2 == 0 else (True, False)
                for pooled in order:
                    times = run_round(clients[pooled], f"q{round_}", args.requests)
                    for operation, values in times.items():
                        samples[pooled][operation].extend(values)
        finally:
            for boot in boots.values():
                boot.close()
            if args.backend == "redis":
                for name in ("direct", "pooled"):
                    stores.delete_redis_prefix(f"zaqar-pooling-cost-{name}")

    print(f"backend={args.backend} rounds={args.rounds} requests/op/round={args.requests}")
    print(f"{'operation':<10}{'direct p50 ms':>15}{'pooled p50 ms':>15}{'pooled/direct':>15}")
    ratios = []
    for operation in OPERATIONS:
        direct = statistics.median(samples[False][operation]) * 1000
        pooled = statistics.median(samples[True][operation]) * 1000
        ratios.append(pooled / direct)
        print(f"{operation:<10}{direct:>15.3f}{pooled:>15.3f}{pooled / direct:>15.3f}")
    print(f"median ratio over operations: {statistics.median(ratios):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
