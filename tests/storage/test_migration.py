"""Moving a queue between pools while a producer, a consumer and an observer keep working.

Each client thread has a pooled driver of its own, as separate server workers do (each
with its own cache of the catalogue). The queue starts with 10,000 messages on a SQLite
pool and moves to a Redis pool mid-run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
import redis
from oslo_config import cfg

import zaqar.conf
from tests.backends import REDIS_URL
from zaqar.cmd import manage
from zaqar.storage import base, errors, loading
from zaqar.storage.pooling import driver as pooling
from zaqar.storage.pooling.migration import move_queue

T = TypeVar("T")

CACHE_TTL = 0.2
SETTLE = CACHE_TTL + 0.5
PROJECT = "movers"
QUEUE = "big"
CLIENT = "c" * 32


def _conf(tmp_path: Path) -> cfg.ConfigOpts:
    conf = zaqar.conf.load([], default_config_files=[])
    conf.set_override("pooling", True, group="DEFAULT")
    conf.set_override("cache_ttl", CACHE_TTL, group="pooling:catalog")
    uri = f"sqlite:///{tmp_path / 'catalogue.sqlite'}"
    for group in ("drivers:message_store:sqlalchemy", "drivers:management_store:sqlalchemy"):
        conf.set_override("uri", uri, group=group)
    return conf


@pytest.fixture
def prefix(tmp_path: Path) -> Iterator[str]:
    prefix = f"zaqar-test-move-{tmp_path.name}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def conf(tmp_path: Path, prefix: str) -> Iterator[cfg.ConfigOpts]:
    conf = _conf(tmp_path)
    control = loading.load_control_driver(conf)
    try:
        pools: base.PoolsController = control.pools_controller  # type: ignore[attr-defined]
        pools.create(
            "disk", 1, f"sqlite:///{tmp_path / 'disk.sqlite'}", options={"purge_interval": 0}
        )
        pools.create("memory", 0, REDIS_URL, options={"prefix": prefix})
    finally:
        control.close()
    yield conf


class Worker:
    """A pooled driver of its own, as one server worker has."""

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        self.control = loading.load_control_driver(conf)
        self.data = loading.load_data_driver(self.control.conf, self.control)
        assert isinstance(self.data, pooling.DataDriver)
        self.pooled: pooling.DataDriver = self.data
        self.refused = 0

    def retrying(self, call: Callable[[], T]) -> T:
        """``call`` until the queue is not moving (as a client retries on 503)."""
        while True:
            try:
                return call()
            except errors.QueueMoving:
                self.refused += 1
                time.sleep(0.02)

    def close(self) -> None:
        self.data.close()
        self.control.close()


class Load:
    """A producer, a consumer and an observer, each in a thread with a worker of its own."""

    def __init__(self, conf: cfg.ConfigOpts, posted: list[str]) -> None:
        self.producer, self.consumer, self.observer = Worker(conf), Worker(conf), Worker(conf)
        self.posted = posted  # in posting order: one producer, so FIFO
        self.deleted: list[str] = []
        self.claimed_twice: list[str] = []
        self.observed: list[str] = []
        self.failures: list[BaseException] = []
        self.stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._guarded(work))
            for work in (self._produce, self._consume, self._observe)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(120)

    def close(self) -> None:
        for worker in (self.producer, self.consumer, self.observer):
            worker.close()

    @property
    def refused(self) -> int:
        return self.producer.refused + self.consumer.refused

    def _guarded(self, work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                work()
            except BaseException as error:  # noqa: BLE001 - reported by the test
                self.failures.append(error)
                self.stop.set()

        return run

    def _produce(self) -> None:
        messages = self.producer.pooled.message_controller
        n = len(self.posted)
        while not self.stop.is_set():
            batch = [base.NewMessage(600, {"n": n})]
            [new] = self.producer.retrying(
                lambda batch=batch: messages.post(QUEUE, batch, CLIENT, PROJECT)
            )
            self.posted.append(new)  # acknowledged: it must be delivered
            n += 1
            time.sleep(0.002)

    def _consume(self) -> None:
        claims = self.consumer.pooled.claim_controller
        held: set[str] = set()
        while True:
            claim = self.consumer.retrying(
                lambda: claims.create(QUEUE, ttl=300, grace=60, limit=20, project=PROJECT)
            )
            if claim is None:
                if self.stop.is_set():
                    return
                time.sleep(0.01)
                continue
            for message in claim.messages:
                if message.id in held:
                    self.claimed_twice.append(message.id)
                held.add(message.id)
                self._delete(message.id, claim.id)

    def _delete(self, message_id: str, claim_id: str) -> None:
        messages = self.consumer.pooled.message_controller
        self.consumer.retrying(lambda: messages.delete(QUEUE, message_id, PROJECT, claim=claim_id))
        self.deleted.append(message_id)

    def _observe(self) -> None:
        messages = self.observer.pooled.message_controller
        marker: str | None = None
        while not self.stop.is_set():
            page = messages.list(
                QUEUE, PROJECT, marker=marker, limit=50, echo=True, include_claimed=True
            )
            self.observed.extend(message.id for message in page.items)
            if page.next_marker is not None:
                marker = page.next_marker
            time.sleep(0.005)


def test_a_queue_moves_under_load_losing_nothing_and_sharing_nothing(
    conf: cfg.ConfigOpts,
) -> None:
    setup = Worker(conf)
    posted: list[str] = []
    load = Load(conf, posted)
    try:
        setup.pooled.queue_controller.create(QUEUE, PROJECT)
        assert setup.pooled.catalogue.get(PROJECT, QUEUE) == "disk"
        for start in range(0, 10_000, 10):
            batch = [base.NewMessage(600, {"n": start + n}) for n in range(10)]
            posted += setup.pooled.message_controller.post(QUEUE, batch, CLIENT, PROJECT)

        load.start()
        time.sleep(1.0)
        report = move_queue(setup.pooled, PROJECT, QUEUE, "memory", settle=SETTLE)
        time.sleep(1.0)
        load.finish()
        assert not load.failures, load.failures

        # The move really happened, under load, and writes paused only for the move.
        assert report.source == "disk" and report.target == "memory"
        assert report.messages > 0
        assert setup.pooled.catalogue.get(PROJECT, QUEUE) == "memory"
        assert not setup.pooled.pool_driver("disk").queue_controller.exists(QUEUE, PROJECT)
        assert load.refused > 0, "no write met the move"

        # Nothing acknowledged was lost: every posted message was claimed and deleted once.
        assert load.claimed_twice == []
        assert len(load.deleted) == len(set(load.deleted))
        assert set(load.deleted) == set(posted)
        assert setup.pooled.queue_controller.stats(QUEUE, PROJECT).total == 0

        # The feed kept its order: what the observer saw follows the posting order.
        order = {message_id: n for n, message_id in enumerate(posted)}
        positions = [order[message_id] for message_id in load.observed]
        assert positions == sorted(set(positions)), "the feed went back or repeated itself"
        assert len(positions) > 0
        print(
            f"moved {report.messages} messages in {report.paused:.2f}s of paused writes; "
            f"posted {len(posted)}, deleted {len(load.deleted)}, refused writes "
            f"{load.refused}, observed {len(positions)}"
        )
    finally:
        load.close()
        setup.close()


def test_a_failed_move_leaves_the_queue_where_it_was(
    conf: cfg.ConfigOpts, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = Worker(conf)
    try:
        worker.pooled.queue_controller.create(QUEUE, PROJECT)
        [kept] = worker.pooled.message_controller.post(
            QUEUE, [base.NewMessage(600, "kept")], CLIENT, PROJECT
        )
        target = worker.pooled.pool_driver("memory")

        def broken_import(*args: object) -> None:
            raise errors.ServiceUnavailable("the target went away")

        monkeypatch.setattr(target, "import_queue", broken_import)
        with pytest.raises(errors.ServiceUnavailable):
            move_queue(worker.pooled, PROJECT, QUEUE, "memory", settle=0)
        placement = worker.pooled.catalogue.placement(PROJECT, QUEUE)
        assert placement == base.Placement("disk", None)
        # Writes resume on the old pool, with the message still there.
        worker.pooled.message_controller.post(QUEUE, [base.NewMessage(600, 2)], CLIENT, PROJECT)
        page = worker.pooled.message_controller.list(QUEUE, PROJECT, echo=True)
        assert page.items[0].id == kept and len(page.items) == 2
    finally:
        worker.close()


def test_moves_are_refused_when_they_cannot_be_done(conf: cfg.ConfigOpts) -> None:
    worker = Worker(conf)
    try:
        with pytest.raises(errors.QueueDoesNotExist):
            move_queue(worker.pooled, PROJECT, "nowhere", "memory", settle=0)
        worker.pooled.queue_controller.create(QUEUE, PROJECT)
        with pytest.raises(errors.Conflict):
            move_queue(worker.pooled, PROJECT, QUEUE, "disk", settle=0)
        with pytest.raises(errors.PoolDoesNotExist):
            move_queue(worker.pooled, PROJECT, QUEUE, "ghost", settle=0)
        # While a queue moves, its target cannot be deleted and writes wait (once no
        # worker's cache can still hold the placement from before).
        worker.pooled.catalogue.begin_move(PROJECT, QUEUE, "memory")
        time.sleep(CACHE_TTL * 2)
        pools: base.PoolsController = worker.control.pools_controller  # type: ignore[attr-defined]
        with pytest.raises(errors.PoolInUse):
            pools.delete("memory")
        with pytest.raises(errors.QueueMoving):
            worker.pooled.message_controller.post(QUEUE, [base.NewMessage(60, 1)], CLIENT, PROJECT)
        with pytest.raises(errors.QueueMoving):
            worker.pooled.queue_controller.delete(QUEUE, PROJECT)
        assert worker.pooled.message_controller.list(QUEUE, PROJECT).items == []  # reads go on
        worker.pooled.catalogue.end_move(PROJECT, QUEUE, done=False)
        pools.delete("memory")
    finally:
        worker.close()


def test_zaqar_manage_queue_move(
    tmp_path: Path, conf: cfg.ConfigOpts, capsys: pytest.CaptureFixture[str]
) -> None:
    worker = Worker(conf)
    try:
        worker.pooled.queue_controller.create(QUEUE, PROJECT)
        worker.pooled.message_controller.post(
            QUEUE, [base.NewMessage(600, n) for n in range(5)], CLIENT, PROJECT
        )
    finally:
        worker.close()
    config = tmp_path / "zaqar.conf"
    catalogue = f"sqlite:///{tmp_path / 'catalogue.sqlite'}"
    config.write_text(
        "[DEFAULT]\npooling = True\n[pooling:catalog]\ncache_ttl = 0.1\n"
        f"[drivers:message_store:sqlalchemy]\nuri = {catalogue}\n"
        f"[drivers:management_store:sqlalchemy]\nuri = {catalogue}\n"
    )
    args = ["--config-file", str(config)]
    assert manage.main(["queue", "move", PROJECT, QUEUE, "memory", "--settle", "0.2", *args]) == 0
    assert "moved 5 messages" in capsys.readouterr().out
    worker = Worker(conf)
    try:
        assert worker.pooled.catalogue.get(PROJECT, QUEUE) == "memory"
        assert worker.pooled.queue_controller.stats(QUEUE, PROJECT).free == 5
    finally:
        worker.close()
    assert manage.main(["queue", "move", PROJECT, QUEUE, "memory", *args]) == 2
    assert "already on pool memory" in capsys.readouterr().err
