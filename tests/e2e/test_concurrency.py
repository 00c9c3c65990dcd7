"""Producers and consumers at once, through a real server, on a backend of each kind.

4 producer and 4 consumer processes share 2 server workers: 10,000 messages over 4 queues,
each consumer claiming and deleting with the claim id, while an observer pages through every
queue by marker. Afterwards: no message lost, none handed to two claims (claims last longer
than the test, so every hand-out is to a live claim), and each producer's messages appear in
marker order within each queue.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.backends import BY_NAME, config_file_text

from .support import DEFAULT_SERVER, SERVERS, ZaqarServer, server_env

PRODUCERS = 4
CONSUMERS = 4
QUEUES = [f"load-{n}" for n in range(4)]
#: ZAQAR_LOAD_MESSAGES scales the run down for a quick local check.
MESSAGES = int(os.environ.get("ZAQAR_LOAD_MESSAGES", "10000"))
BATCH = 10
#: Seconds after which the run is abandoned: a hang fails the test instead of CI.
DEADLINE = 240.0


class Http:
    """Tiny v1 client on http.client (one connection per request, as sync workers close)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.headers = {
            "Client-ID": str(uuid.uuid4()),
            "X-Project-ID": "concurrency",
            "Content-Type": "application/json",
        }

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            data = None if body is None else json.dumps(body)
            connection.request(method, path, body=data, headers=self.headers)
            response = connection.getresponse()
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
        finally:
            connection.close()


def produce(url: str, producer: int, results: Any) -> None:
    client = Http(url)
    per_producer = MESSAGES // PRODUCERS
    for start in range(0, per_producer, BATCH):
        queue = QUEUES[(start // BATCH) % len(QUEUES)]
        batch = [
            {"ttl": 3600, "body": {"producer": producer, "seq": seq, "queue": queue}}
            for seq in range(start, start + BATCH)
        ]
        status, _ = client.request("POST", f"/v1/queues/{queue}/messages", batch)
        assert status == 201, status
    results.put(("produced", producer, per_producer))


def consume(url: str, done: Any, results: Any) -> None:
    client = Http(url)
    deadline = time.monotonic() + DEADLINE
    idle_rounds = 0
    while time.monotonic() < deadline:
        took = 0
        for queue in QUEUES:
            status, claimed = client.request(
                "POST", f"/v1/queues/{queue}/claims?limit=10", {"ttl": 600, "grace": 60}
            )
            assert status in (201, 204), status
            if status == 204:
                continue
            for message in claimed:
                body = message["body"]
                claim_id = message["href"].split("claim_id=")[1]
                results.put(("claimed", body["producer"], body["seq"], claim_id))
                deleted, _ = client.request("DELETE", message["href"])
                assert deleted == 204, deleted
                took += 1
        if took:
            idle_rounds = 0
        elif done.is_set():
            idle_rounds += 1
            if idle_rounds >= 2:  # two empty rounds after the producers finished
                return
        else:
            time.sleep(0.01)


def observe(url: str, done: Any, results: Any) -> None:
    """Page through every queue by marker, recording the order messages appear in."""
    client = Http(url)
    markers: dict[str, str | None] = dict.fromkeys(QUEUES)
    deadline = time.monotonic() + DEADLINE
    while not done.is_set() and time.monotonic() < deadline:
        for queue in QUEUES:
            path = f"/v1/queues/{queue}/messages?limit=20&echo=true&include_claimed=true"
            if markers[queue] is not None:
                path += f"&marker={markers[queue]}"
            status, page = client.request("GET", path)
            if status != 200:
                continue
            seen = [(m["body"]["producer"], m["body"]["seq"]) for m in page["messages"]]
            results.put(("observed", queue, seen))
            markers[queue] = page["links"][0]["href"].split("marker=")[1].split("&")[0]
        time.sleep(0.05)  # an observer, not a load generator


#: (HTTP server, backend) pairs of the load test: one backend of each kind under the default
#: server (the storage suites' concurrency tests carry every backend), and the other server
#: on Redis, the fastest store, where the server's own share of the work is largest.
#: Backends living only in this process (mongomock) cannot serve a server's workers.
LOADED = [
    *[(DEFAULT_SERVER, name) for name in ("sqlite", "postgresql", "redis", "pooled-sqlite-redis")],
    *[(other, "redis") for other in SERVERS if other != DEFAULT_SERVER],
]


@pytest.fixture(params=LOADED, ids=[f"{server}-{backend}" for server, backend in LOADED])
def loaded_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ZaqarServer]:
    http_server, backend_name = request.param
    backend = BY_NAME[backend_name]
    workdir: Path = tmp_path_factory.mktemp(f"zaqar-load-{backend.name}")
    backend.reset(workdir)
    config = workdir / "zaqar.conf"
    config.write_text(config_file_text(backend, workdir), encoding="utf-8")
    args = ["--config-file", str(config), "--bind", "127.0.0.1", "--workers", "2"]
    with ZaqarServer(workdir, args, env=server_env(workdir), server=http_server) as running:
        yield running


@pytest.mark.e2e
def test_producers_and_consumers_lose_nothing_and_share_nothing(
    loaded_server: ZaqarServer,
) -> None:
    url = loaded_server.url
    setup = Http(url)
    for queue in QUEUES:
        assert setup.request("PUT", f"/v1/queues/{queue}")[0] in (201, 204)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    done = context.Event()
    consumers = [
        context.Process(target=consume, args=(url, done, results)) for _ in range(CONSUMERS)
    ]
    observer = context.Process(target=observe, args=(url, done, results))
    producers = [context.Process(target=produce, args=(url, n, results)) for n in range(PRODUCERS)]
    for process in [*consumers, observer, *producers]:
        process.start()

    records: list[tuple[Any, ...]] = []
    deadline = time.monotonic() + DEADLINE

    def wait_for(processes: list[Any]) -> None:
        # Keep reading results while waiting: a process cannot exit before what it put
        # on the queue has been read.
        for process in processes:
            while process.is_alive() and time.monotonic() < deadline:
                while not results.empty():
                    records.append(results.get())
                process.join(0.1)

    wait_for(producers)
    done.set()
    wait_for([*consumers, observer])
    while not results.empty():
        records.append(results.get())
    stuck = [p for p in [*producers, *consumers, observer] if p.is_alive()]
    for process in stuck:
        process.kill()
    assert not stuck, "the run did not finish in time"
    assert all(p.exitcode == 0 for p in [*producers, *consumers, observer])

    produced = sum(r[2] for r in records if r[0] == "produced")
    assert produced == MESSAGES
    claimed = [(r[1], r[2]) for r in records if r[0] == "claimed"]
    assert len(claimed) == len(set(claimed)), "a message was handed to two claims"
    expected = {(p, s) for p in range(PRODUCERS) for s in range(MESSAGES // PRODUCERS)}
    assert set(claimed) == expected, f"{len(expected - set(claimed))} messages lost"

    for queue in QUEUES:
        order = [item for r in records if r[0] == "observed" and r[1] == queue for item in r[2]]
        for producer in range(PRODUCERS):
            seqs = [seq for p, seq in order if p == producer]
            assert seqs == sorted(set(seqs)), f"{queue}: producer {producer} out of order"
    for queue in QUEUES:
        status, stats = setup.request("GET", f"/v1/queues/{queue}/stats")
        assert status == 200 and stats["messages"]["total"] == 0
