"""What is particular to pooling: placement, routing, pool settings and the admin command.

The whole conformance suite also runs through the pooled driver (the ``pooled-*`` backends
of ``tests.backends``); these tests build pooled deployments of their own.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator
from pathlib import Path

import pytest
from oslo_config import cfg

import zaqar.conf
from tests.faults import free_port
from zaqar.cmd import manage
from zaqar.storage import base, errors, loading
from zaqar.storage.pooling import driver as pooling


def _conf(tmp_path: Path) -> cfg.ConfigOpts:
    conf = zaqar.conf.load([], default_config_files=[])
    conf.set_override("pooling", True, group="DEFAULT")
    uri = f"sqlite:///{tmp_path / 'catalogue.sqlite'}"
    for group in ("drivers:message_store:sqlalchemy", "drivers:management_store:sqlalchemy"):
        conf.set_override("uri", uri, group=group)
    return conf


@pytest.fixture
def conf(tmp_path: Path) -> cfg.ConfigOpts:
    return _conf(tmp_path)


@pytest.fixture
def pooled(conf: cfg.ConfigOpts) -> Iterator[pooling.DataDriver]:
    control = loading.load_control_driver(conf)
    data = loading.load_data_driver(conf, control)
    assert isinstance(data, pooling.DataDriver)
    try:
        yield data
    finally:
        data.close()
        control.close()


def _sqlite_pool(tmp_path: Path, name: str) -> str:
    return f"sqlite:///{tmp_path / (name + '.sqlite')}"


def test_queues_spread_over_pools_by_weight_and_live_in_one_pool_only(
    pooled: pooling.DataDriver, tmp_path: Path
) -> None:
    pools: base.PoolsController = pooled.control.pools_controller  # type: ignore[attr-defined]
    for name, weight in (("one", 1), ("two", 2), ("three", 3)):
        pools.create(name, weight, _sqlite_pool(tmp_path, name), options={"purge_interval": 0})
    pooled._rng.seed(20261128)  # a fixed draw: the test checks the weighting, not luck

    names = [f"q{n}" for n in range(3000)]
    for name in names:
        assert pooled.queue_controller.create(name, "placement")
    placed = collections.Counter(pooled.catalogue.get("placement", name) for name in names)
    for pool, share in (("one", 1 / 6), ("two", 2 / 6), ("three", 3 / 6)):
        assert abs(placed[pool] - 3000 * share) <= 0.1 * 3000 * share, placed

    # Each queue exists on its catalogued pool and nowhere else, and its messages with it.
    for name in names[:300]:
        pooled.message_controller.post(name, [base.NewMessage(60, name)], "c" * 32, "placement")
    drivers = {pool: pooled.pool_driver(pool) for pool in ("one", "two", "three")}
    for name in names[:300]:
        home = pooled.catalogue.get("placement", name)
        holders = {
            pool
            for pool, driver in drivers.items()
            if driver.queue_controller.exists(name, "placement")
        }
        assert holders == {home}
        stats = drivers[str(home)].queue_controller.stats(name, "placement")
        assert stats.free == 1


def test_a_detailed_listing_fills_its_page_past_queues_deleted_meanwhile(
    pooled: pooling.DataDriver, tmp_path: Path
) -> None:
    pools: base.PoolsController = pooled.control.pools_controller  # type: ignore[attr-defined]
    pools.create("one", 1, _sqlite_pool(tmp_path, "one"))
    for name in ("a", "b", "c", "d"):
        pooled.queue_controller.create(name, "p", {"name": name})
    # Deleted from their pool but still catalogued: as between the two reads of a listing.
    for name in ("a", "b"):
        pooled.pool_driver("one").queue_controller.delete(name, "p")

    page = pooled.queue_controller.list("p", limit=2, detailed=True)
    assert [queue.name for queue in page.items] == ["c", "d"]
    assert page.next_marker == "d"
    rest = pooled.queue_controller.list("p", marker="d", limit=2, detailed=True)
    assert rest == base.Page([], None)


def test_weight_zero_takes_no_new_queues_and_no_pool_means_503(
    pooled: pooling.DataDriver, tmp_path: Path
) -> None:
    with pytest.raises(errors.NoPoolFound):
        pooled.queue_controller.create("q")
    pools: base.PoolsController = pooled.control.pools_controller  # type: ignore[attr-defined]
    pools.create("closed", 0, _sqlite_pool(tmp_path, "closed"))
    with pytest.raises(errors.NoPoolFound):
        pooled.queue_controller.create("q")
    pools.create("open", 1, _sqlite_pool(tmp_path, "open"))
    for n in range(20):
        pooled.queue_controller.create(f"q{n}")
    assert pooled.catalogue.count("closed") == 0
    assert pooled.catalogue.count("open") == 20


def test_a_pool_holding_queues_is_not_deleted_until_they_are(
    pooled: pooling.DataDriver, tmp_path: Path
) -> None:
    pools: base.PoolsController = pooled.control.pools_controller  # type: ignore[attr-defined]
    pools.create("only", 1, _sqlite_pool(tmp_path, "only"))
    pooled.queue_controller.create("q", "p")
    pooled.message_controller.post("q", [base.NewMessage(60, 1)], "c" * 32, "p")
    with pytest.raises(errors.PoolInUse):
        pools.delete("only")
    pooled.queue_controller.delete("q", "p")
    assert pooled.catalogue.get("p", "q") is None
    pools.delete("only")


def test_a_queue_deleted_and_created_on_another_pool_is_followed_at_once(
    conf: cfg.ConfigOpts, tmp_path: Path
) -> None:
    # Two workers, each with its own cache; the second one's entry goes stale.
    conf.set_override("cache_ttl", 3600, group="pooling:catalog")
    control = loading.load_control_driver(conf)
    first = pooling.DataDriver(conf, control)
    second = pooling.DataDriver(conf, control)
    try:
        pools: base.PoolsController = control.pools_controller  # type: ignore[attr-defined]
        pools.create("a", 1, _sqlite_pool(tmp_path, "a"))
        first.queue_controller.create("q", "p")
        second.message_controller.post("q", [base.NewMessage(60, "old")], "c" * 32, "p")

        first.queue_controller.delete("q", "p")
        pools.update("a", weight=0)
        pools.create("b", 1, _sqlite_pool(tmp_path, "b"))
        first.queue_controller.create("q", "p")
        assert control.catalogue_controller.get("p", "q") == "b"  # type: ignore[attr-defined]

        # The second worker still thinks "a"; the queue is missing there, so it looks again.
        assert second.queue_controller.exists("q", "p")
        second.message_controller.post("q", [base.NewMessage(60, "new")], "c" * 32, "p")
        page = first.message_controller.list("q", "p", echo=True)
        assert [message.body for message in page.items] == ["new"]
    finally:
        first.close()
        second.close()
        control.close()


def test_a_queue_created_again_by_a_worker_whose_entry_is_stale_is_catalogued(
    conf: cfg.ConfigOpts, tmp_path: Path
) -> None:
    # Two workers, each with its own cache; the second one's entry outlives the queue.
    conf.set_override("cache_ttl", 3600, group="pooling:catalog")
    control = loading.load_control_driver(conf)
    first = pooling.DataDriver(conf, control)
    second = pooling.DataDriver(conf, control)
    try:
        pools: base.PoolsController = control.pools_controller  # type: ignore[attr-defined]
        pools.create("a", 1, _sqlite_pool(tmp_path, "a"))
        first.queue_controller.create("q", "p")
        assert second.queue_controller.exists("q", "p")  # cached: "a"
        first.queue_controller.delete("q", "p")

        second.queue_controller.create("q", "p")
        assert control.catalogue_controller.get("p", "q") == "a"  # type: ignore[attr-defined]
        assert first.queue_controller.exists("q", "p")
        assert first.queue_controller.stats("q", "p").total == 0
    finally:
        first.close()
        second.close()
        control.close()


def test_pool_options_layer_over_the_driver_group(conf: cfg.ConfigOpts) -> None:
    pool = base.Pool("r", "redis://127.0.0.1:6379/9", 1, None, {"socket_timeout": "0.5"})
    name, options = pooling.pool_options(conf, pool)
    assert name == "redis"
    assert options.uri == "redis://127.0.0.1:6379/9"
    assert options.socket_timeout == 0.5  # converted by the option's type
    assert options.prefix == conf["drivers:message_store:redis"].prefix

    for bad in ({"no_such_option": 1}, {"uri": "redis://elsewhere"}, {"socket_timeout": "x"}):
        with pytest.raises(errors.BadConfiguration):
            pooling.pool_options(conf, base.Pool("r", "redis://h", 1, None, bad))
    with pytest.raises(errors.BadConfiguration, match="scheme 'http'"):
        pooling.pool_options(conf, base.Pool("r", "http://h", 1))


@pytest.mark.parametrize(
    ("uri", "driver"),
    [
        ("sqlite:///x.db", "sqlalchemy"),
        ("postgresql+psycopg://h/db", "sqlalchemy"),
        ("mysql+pymysql://h/db", "sqlalchemy"),
        ("redis://h:6379/1", "redis"),
        ("redis+cluster://h:7000", "redis"),
        ("redis+sentinel://h:26379/m", "redis"),
        ("mongodb://h:27017", "mongodb"),
        ("mongodb+srv://cluster.example.com", "mongodb"),
    ],
)
def test_the_uri_scheme_names_the_driver(uri: str, driver: str) -> None:
    assert pooling.driver_name_for(uri) == driver


def test_zaqar_manage_pool_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "zaqar.conf"
    catalogue = f"sqlite:///{tmp_path / 'catalogue.sqlite'}"
    config.write_text(
        "[DEFAULT]\npooling = True\n"
        f"[drivers:message_store:sqlalchemy]\nuri = {catalogue}\n"
        f"[drivers:management_store:sqlalchemy]\nuri = {catalogue}\n"
    )
    args = ["--config-file", str(config)]
    uri = _sqlite_pool(tmp_path, "p1")
    assert (
        manage.main(
            ["pool", "create", "p1", uri, "--weight", "7", *args, "--option", "purge_interval=0"]
        )
        == 0
    )
    assert manage.main(["pool", "list", *args]) == 0
    listed = capsys.readouterr().out
    assert "p1\tweight=7\t" + uri + "\t{'purge_interval': 0}" in listed

    # A store that does not answer is refused, and nothing is saved.
    dead = f"redis://:secret@127.0.0.1:{free_port()}/0"
    assert (
        manage.main(
            [
                "pool",
                "create",
                "p2",
                dead,
                "--option",
                "socket_timeout=0.5",
                "--option",
                "max_reconnect_attempts=0",
                *args,
            ]
        )
        == 2
    )
    assert "cannot connect to the store of pool p2" in capsys.readouterr().err

    # A pool holding a queue stays; once empty it goes.
    conf = _conf(tmp_path)
    control = loading.load_control_driver(conf)
    data = loading.load_data_driver(conf, control)
    try:
        data.queue_controller.create("q")
        assert manage.main(["pool", "delete", "p1", *args]) == 2
        assert "still holds 1 queue" in capsys.readouterr().err
        data.queue_controller.delete("q")
    finally:
        data.close()
        control.close()
    assert manage.main(["pool", "delete", "p1", *args]) == 0
    assert manage.main(["pool", "list", *args]) == 0
    assert "p1" not in capsys.readouterr().out.split("deleted")[-1]
