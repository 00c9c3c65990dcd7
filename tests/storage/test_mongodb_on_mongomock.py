"""What only the MongoDB driver does: refuse unsafe servers, ride out lost connections, place
messages in partitions, and recover the posting protocol from dead posters.

These run on mongomock (``tests.mongomock_client``) with the server's replies and failures
faked where mongomock cannot produce them; the conformance suites run the same driver on
mongomock (and on a real server when ``ZAQAR_TEST_MONGODB_URL`` is set).
"""

from __future__ import annotations

import datetime
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pymongo
import pytest
from oslo_config import cfg
from pymongo.errors import AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError
from pymongo.write_concern import WriteConcern

import zaqar.conf
from tests.clock import EPOCH, Clock
from tests.faults import assert_outage
from tests.mongomock_client import (
    MONGOS_HELLO,
    REPLICA_SET_HELLO,
    STANDALONE_HELLO,
    LockedClient,
    new_server,
)
from zaqar import bootstrap
from zaqar.storage import base, errors
from zaqar.storage.mongodb import messages as mongo_messages
from zaqar.storage.mongodb import store as mongo_store
from zaqar.storage.mongodb.driver import ControlDriver, DataDriver

GROUPS = ("drivers:message_store:mongodb", "drivers:management_store:mongodb")


class Outage:
    """A fault for ``LockedClient``: counts calls per method; fails every call while ``down``
    (no server can be selected) and every call of the methods in ``broken`` (a connection
    lost on the way, which may or may not have carried the operation); runs the next
    ``fail_after_running[name]`` calls of a method and then fails them, as when only the
    reply is lost; likewise
    ``time_out_after_running``, with the timeout of a server that stopped answering, after
    which the server stays away when ``away_after_timeout``."""

    def __init__(self) -> None:
        self.down = False
        self.calls: Counter[str] = Counter()
        self.fail_after_running: Counter[str] = Counter()
        self.time_out_after_running: Counter[str] = Counter()
        self.away_after_timeout = False
        self.broken: set[str] = set()

    def __call__(self, name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            if self.down:
                # pymongo finds no server to send the operation to: nothing was sent.
                raise ServerSelectionTimeoutError("no server answers (test double)")
            if name in self.broken:
                raise AutoReconnect("connection refused (test double)")
            result = call(*args, **kwargs)
            if self.fail_after_running[name] > 0:
                # The operation took place; only its reply was lost.
                self.fail_after_running[name] -= 1
                raise AutoReconnect("connection reset (test double)")
            if self.time_out_after_running[name] > 0:
                self.time_out_after_running[name] -= 1
                self.down = self.away_after_timeout
                raise NetworkTimeout("timed out (test double)")
            return result

        return run


def make_conf(**options: Any) -> cfg.ConfigOpts:
    conf = zaqar.conf.load([], default_config_files=[])
    conf.set_override("message_store", "mongodb", group="drivers")
    conf.set_override("management_store", "mongodb", group="drivers")
    for group in GROUPS:
        conf.set_override("uri", "mongodb://mongomock.invalid/", group=group)
        conf.set_override("reconnect_sleep", 0.0, group=group)
        conf.set_override("max_retry_sleep", 0.001, group=group)
        # The tests of outages see every attempt; the breaker's own test turns it on.
        conf.set_override("breaker_open_period", 0.0, group=group)
        for name, value in options.items():
            conf.set_override(name, value, group=group)
    return conf


@pytest.fixture
def server() -> Any:
    return new_server()


@pytest.fixture
def use_client(monkeypatch: pytest.MonkeyPatch) -> Callable[[LockedClient], LockedClient]:
    """Make the driver build ``client`` instead of connecting anywhere."""

    def use(client: LockedClient) -> LockedClient:
        monkeypatch.setattr(mongo_store, "client_factory", lambda uri, **options: client)
        return client

    return use


@pytest.fixture
def outage() -> Outage:
    return Outage()


@pytest.fixture
def driver(
    server: Any, use_client: Callable[[LockedClient], LockedClient], outage: Outage
) -> Iterator[DataDriver]:
    """A data driver on a replica set (faked), with ``outage`` on every collection call."""
    use_client(LockedClient(server, fault=outage))
    conf = make_conf(max_reconnect_attempts=3)
    control = ControlDriver(conf)
    data = DataDriver(conf, control)
    data.store.clock = Clock()
    try:
        yield data
    finally:
        data.close()
        control.close()


# ---------------------------------------------------------------------------------------------
# refusing servers that can lose acknowledged writes


def test_a_standalone_server_is_refused_with_the_reason(
    server: Any, use_client: Callable[[LockedClient], LockedClient]
) -> None:
    client = use_client(LockedClient(server, hello=STANDALONE_HELLO))
    with pytest.raises(errors.BadConfiguration) as refused:
        ControlDriver(make_conf())
    assert "standalone" in str(refused.value)
    assert "unreliable = True" in str(refused.value)
    assert client.closed


def test_a_standalone_server_is_accepted_when_unreliable_without_claiming_durability(
    server: Any, use_client: Callable[[LockedClient], LockedClient]
) -> None:
    use_client(LockedClient(server, hello=STANDALONE_HELLO))
    conf = make_conf(unreliable=True)
    driver = DataDriver(conf, ControlDriver(conf))
    assert base.Capability.DURABILITY not in driver.capabilities
    assert base.Capability.CLAIMS in driver.capabilities


@pytest.mark.parametrize("hello", [REPLICA_SET_HELLO, MONGOS_HELLO], ids=["replica-set", "mongos"])
def test_a_replica_set_member_or_mongos_is_accepted_and_durable(
    server: Any, use_client: Callable[[LockedClient], LockedClient], hello: dict[str, Any]
) -> None:
    use_client(LockedClient(server, hello=hello))
    conf = make_conf()
    driver = DataDriver(conf, ControlDriver(conf))
    assert driver.capabilities == frozenset(base.Capability)
    # Without a w in the URI, the driver writes with w=majority.
    assert driver.store.write_concern.document["w"] == "majority"


def test_a_write_concern_below_majority_is_refused(
    server: Any, use_client: Callable[[LockedClient], LockedClient]
) -> None:
    use_client(LockedClient(server, write_concern=WriteConcern(w=1)))
    with pytest.raises(errors.BadConfiguration) as refused:
        DataDriver(make_conf(), ControlDriver(make_conf(unreliable=True)))
    assert "w=1" in str(refused.value)


def test_a_majority_write_concern_from_the_uri_is_kept(
    server: Any, use_client: Callable[[LockedClient], LockedClient]
) -> None:
    concern = WriteConcern(w="majority", wtimeout=1234)
    use_client(LockedClient(server, write_concern=concern))
    conf = make_conf()
    assert DataDriver(conf, ControlDriver(conf)).store.write_concern is concern


def test_the_old_default_group_switch_unreliable_is_still_read(
    server: Any, use_client: Callable[[LockedClient], LockedClient], tmp_path: Any
) -> None:
    use_client(LockedClient(server, hello=STANDALONE_HELLO))
    config = tmp_path / "zaqar.conf"
    config.write_text(
        "[DEFAULT]\nunreliable = True\n[drivers:management_store:mongodb]\n"
        "uri = mongodb://mongomock.invalid/\n",
        encoding="utf-8",
    )
    conf = zaqar.conf.load([], default_config_files=[str(config)])
    ControlDriver(conf).close()


def test_a_missing_or_unusable_uri_is_bad_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mongo_store, "client_factory", pymongo.MongoClient)
    conf = zaqar.conf.load([], default_config_files=[])
    with pytest.raises(errors.BadConfiguration, match="uri"):
        ControlDriver(conf)
    conf.set_override("uri", "mongodb://user:s3cret@[::1", group=GROUPS[1])
    with pytest.raises(errors.BadConfiguration) as refused:
        ControlDriver(conf)
    assert "s3cret" not in str(refused.value)


def test_a_server_away_at_start_up_is_service_unavailable_and_the_client_is_closed(
    server: Any, use_client: Callable[[LockedClient], LockedClient]
) -> None:
    client = LockedClient(server)
    client.down = True
    use_client(client)
    with pytest.raises(errors.ServiceUnavailable):
        ControlDriver(make_conf(max_reconnect_attempts=1))
    assert client.closed


def test_the_real_client_gets_bounded_timeouts_from_the_options(
    monkeypatch: pytest.MonkeyPatch, server: Any
) -> None:
    seen: dict[str, Any] = {}

    def factory(uri: str, **options: Any) -> LockedClient:
        seen.update(options, uri=uri)
        return LockedClient(server)

    monkeypatch.setattr(mongo_store, "client_factory", factory)
    conf = make_conf(server_selection_timeout=1.5, connect_timeout=0.5, socket_timeout=3.0)
    ControlDriver(conf).close()
    assert seen["serverSelectionTimeoutMS"] == 1500
    assert seen["connectTimeoutMS"] == 500
    assert seen["socketTimeoutMS"] == 3000
    assert seen["waitQueueTimeoutMS"] == 3000


# ---------------------------------------------------------------------------------------------
# lost connections


def test_a_storm_of_lost_connections_becomes_service_unavailable_after_bounded_retries(
    driver: DataDriver, outage: Outage
) -> None:
    driver.queue_controller.create("q")
    outage.down = True
    outage.calls.clear()
    started = time.monotonic()
    with pytest.raises(errors.ServiceUnavailable):
        driver.queue_controller.stats("q")
    # One try and max_reconnect_attempts (3) more, no more, and quickly.
    assert outage.calls == Counter({"find_one": 4})
    assert time.monotonic() - started < 2.0
    with pytest.raises(errors.ServiceUnavailable):
        driver.message_controller.list("q")
    assert driver.is_alive() is True  # ``ping`` goes elsewhere; see the HTTP test below


def test_an_operation_that_timed_out_is_not_repeated(driver: DataDriver) -> None:
    calls: list[int] = []

    def slow() -> None:
        calls.append(1)
        raise NetworkTimeout("timed out (test double)")

    with pytest.raises(errors.ServiceUnavailable):
        driver.store.call(slow)
    assert calls == [1]


def test_a_change_that_timed_out_is_outcome_unknown_not_unavailable(
    driver: DataDriver, outage: Outage
) -> None:
    """A 503 promises nothing changed; a change sent to a server that stopped answering
    may still be applied."""
    driver.queue_controller.create("q")
    driver.message_controller.post("q", [base.NewMessage(60, 1)], uuid.uuid4().hex)
    claim = driver.claim_controller.create("q", 60, 60, 1)
    assert claim is not None
    outage.time_out_after_running["update_many"] = 1
    before = outage.calls["update_many"]
    with pytest.raises(errors.OutcomeUnknown):
        driver.claim_controller.update("q", claim.id, 120, 60)
    assert outage.calls["update_many"] == before + 1  # never repeated


def test_every_change_the_driver_recognises_is_a_pymongo_collection_method() -> None:
    for name in mongo_store._WRITES:
        assert callable(getattr(pymongo.collection.Collection, name)), name


def test_a_change_no_server_was_selected_for_is_unavailable(driver: DataDriver) -> None:
    def insert_one() -> None:  # named as the collection method, which counts as a change
        raise pymongo.errors.ServerSelectionTimeoutError("no primary (test double)")

    with pytest.raises(errors.ServiceUnavailable) as raised:
        driver.store.call(insert_one, retry=False)
    assert not isinstance(raised.value, errors.OutcomeUnknown)


def test_a_post_whose_commit_timed_out_but_landed_is_stored(
    driver: DataDriver, outage: Outage
) -> None:
    driver.queue_controller.create("q")
    outage.time_out_after_running["update_one"] = 1
    ids = driver.message_controller.post("q", [base.NewMessage(60, 1)], uuid.uuid4().hex)
    page = driver.message_controller.list("q", echo=True)
    assert [message.id for message in page.items] == ids


def test_a_post_whose_insert_timed_out_is_removed_then_unavailable(
    driver: DataDriver, outage: Outage
) -> None:
    """The insert landed, its reply did not: the batch is removed before the 503, so it
    can never show up afterwards, and the queue takes the next post at once."""
    driver.queue_controller.create("q")
    outage.time_out_after_running["insert_many"] = 1
    with pytest.raises(errors.ServiceUnavailable) as raised:
        driver.message_controller.post("q", [base.NewMessage(60, 1)], uuid.uuid4().hex)
    assert not isinstance(raised.value, errors.OutcomeUnknown)
    assert driver.queue_controller.stats("q").total == 0
    ids = driver.message_controller.post("q", [base.NewMessage(60, 2)], uuid.uuid4().hex)
    page = driver.message_controller.list("q", echo=True)
    assert [message.id for message in page.items] == ids


def test_a_post_that_timed_out_on_a_server_then_away_names_its_ids(
    driver: DataDriver, outage: Outage
) -> None:
    driver.queue_controller.create("q")
    outage.time_out_after_running["insert_many"] = 1
    outage.away_after_timeout = True
    with pytest.raises(errors.OutcomeUnknown) as raised:
        driver.message_controller.post(
            "q", [base.NewMessage(60, 1), base.NewMessage(60, 2)], uuid.uuid4().hex
        )
    assert len(raised.value.message_ids) == 2
    outage.down = False
    # Never committed: the documents stay invisible, and once the lock's lease is over the
    # next post clears them away.
    assert driver.message_controller.bulk_get("q", raised.value.message_ids) == []
    clock = driver.store.clock
    assert isinstance(clock, Clock)
    clock.advance(mongo_messages.POST_LEASE + 1)
    ids = driver.message_controller.post("q", [base.NewMessage(60, 3)], uuid.uuid4().hex)
    page = driver.message_controller.list("q", echo=True)
    assert [message.id for message in page.items] == ids


def test_the_breaker_answers_at_once_while_the_server_is_away_then_probes(
    server: Any, use_client: Callable[[LockedClient], LockedClient], outage: Outage
) -> None:
    use_client(LockedClient(server, fault=outage))
    conf = make_conf(breaker_open_period=0.3)
    control = ControlDriver(conf)
    data = DataDriver(conf, control)
    try:
        data.queue_controller.create("q")
        outage.down = True
        with pytest.raises(errors.ServiceUnavailable):
            data.queue_controller.exists("q")
        outage.calls.clear()
        with pytest.raises(errors.ServiceUnavailable):
            data.queue_controller.exists("q")
        assert outage.calls == Counter()  # not tried: the breaker is open
        outage.down = False
        time.sleep(0.35)  # the open period is over: the next request probes
        assert data.queue_controller.exists("q") is True
        assert not data.store.breaker.is_open
    finally:
        data.close()
        control.close()


def test_a_connection_lost_briefly_is_ridden_out(driver: DataDriver, outage: Outage) -> None:
    driver.queue_controller.create("q")
    outage.fail_after_running["find_one"] = 2
    assert driver.queue_controller.exists("q") is True


def test_a_post_whose_insert_reply_was_lost_stores_the_batch_once(
    driver: DataDriver, outage: Outage
) -> None:
    driver.queue_controller.create("q")
    outage.fail_after_running["insert_many"] = 1
    ids = driver.message_controller.post(
        "q", [base.NewMessage(60, {"n": n}) for n in range(3)], uuid.uuid4().hex
    )
    page = driver.message_controller.list("q", echo=True)
    assert [message.id for message in page.items] == ids
    assert driver.queue_controller.stats("q").total == 3


def test_a_post_whose_commit_reply_was_lost_still_succeeds_once(
    driver: DataDriver, outage: Outage
) -> None:
    driver.queue_controller.create("q")
    outage.fail_after_running["update_one"] = 1
    ids = driver.message_controller.post("q", [base.NewMessage(60, 1)], uuid.uuid4().hex)
    more = driver.message_controller.post("q", [base.NewMessage(60, 2)], uuid.uuid4().hex)
    page = driver.message_controller.list("q", echo=True)
    assert [message.id for message in page.items] == ids + more
    assert page.next_marker == "2"


def test_the_api_answers_503_quickly_while_mongodb_is_away(
    server: Any, use_client: Callable[[LockedClient], LockedClient], outage: Outage
) -> None:
    from tests.api.support import Api

    client = use_client(LockedClient(server, fault=outage))
    conf = make_conf(max_reconnect_attempts=2)
    boot = bootstrap.Bootstrap(conf)
    try:
        api = Api(boot.transport.app, boot)
        outage.down = client.down = True
        assert_outage(api)
    finally:
        boot.close()


# ---------------------------------------------------------------------------------------------
# as a pool


def test_a_mongodb_pool_takes_its_options_from_the_pool_record(
    server: Any, use_client: Callable[[LockedClient], LockedClient], tmp_path: Any
) -> None:
    from zaqar.storage import loading

    client = use_client(LockedClient(server))
    conf = zaqar.conf.load([], default_config_files=[])
    for group in ("drivers:message_store:sqlalchemy", "drivers:management_store:sqlalchemy"):
        conf.set_override("uri", f"sqlite:///{tmp_path / 'catalogue.sqlite'}", group=group)
    conf.set_override("pooling", True, group="DEFAULT")
    control = loading.load_control_driver(conf)
    pools: Any = control
    pools.pools_controller.create(
        "mongo", 1, "mongodb://mongomock.invalid/", options={"database": "pool1", "partitions": 1}
    )
    pooled = loading.load_data_driver(conf, control)
    try:
        assert pooled.queue_controller.create("q", project="p")
        ids = pooled.message_controller.post("q", [base.NewMessage(60, "hi")], "c", project="p")
        claim = pooled.claim_controller.create("q", ttl=60, grace=0, project="p")
        assert claim is not None and [m.id for m in claim.messages] == ids
        messages = client.get_database("pool1_messages_p0").get_collection("messages")
        assert messages.count_documents({"p": "p", "q": "q"}) == 1
    finally:
        pooled.close()
        control.close()


# ---------------------------------------------------------------------------------------------
# partitions


def test_the_partition_of_a_queue_is_a_fixed_function_of_project_and_name() -> None:
    # CRC-32 values, the same in every process and on every run (unlike hash()).
    assert mongo_store.partition_of("proj", "orders", 2) == 0
    assert mongo_store.partition_of("proj", "orders", 7) == 2
    assert mongo_store.partition_of(None, "orders", 7) == 6
    assert mongo_store.partition_of("", "orders", 7) == mongo_store.partition_of(None, "orders", 7)
    spread = {mongo_store.partition_of("p", f"q{n}", 4) for n in range(100)}
    assert spread == {0, 1, 2, 3}


def test_messages_are_stored_in_their_queues_partition_database(
    server: Any, use_client: Callable[[LockedClient], LockedClient]
) -> None:
    client = use_client(LockedClient(server))
    conf = make_conf()
    conf.set_override("partitions", 3, group=GROUPS[0])
    conf.set_override("database", "zq", group=GROUPS[0])
    driver = DataDriver(conf, ControlDriver(conf))
    for n in range(12):
        driver.queue_controller.create(f"q{n}", project="p")
        driver.message_controller.post(f"q{n}", [base.NewMessage(60, n)], "c", project="p")
    for n in range(12):
        expected = mongo_store.partition_of("p", f"q{n}", 3)
        for partition in range(3):
            collection = client.get_database(f"zq_messages_p{partition}").get_collection("messages")
            held = collection.count_documents({"q": f"q{n}"})
            assert held == (1 if partition == expected else 0)


def test_the_collections_carry_the_documented_indexes(driver: DataDriver) -> None:
    queues = driver.layout.queues.index_information()
    assert queues["project_name"]["unique"] is True
    for messages in driver.layout.messages:
        indexes = messages.index_information()
        assert indexes["queue_marker"]["key"] == [("p", 1), ("q", 1), ("k", 1)]
        assert indexes["queue_marker"]["unique"] is True
        assert indexes["purge"]["expireAfterSeconds"] == 0
        assert {"queue_claim", "queue_claim_expiry", "expires"} <= set(indexes)


def test_the_ttl_field_is_in_real_time_even_when_the_store_clock_is_not(
    driver: DataDriver,
) -> None:
    # The store clock stands in 2023; MongoDB's TTL monitor compares with real time, so the
    # purge moment must lie past real now plus the message's remaining life.
    driver.queue_controller.create("q")
    [message_id] = driver.message_controller.post("q", [base.NewMessage(60, 1)], "c")
    partition = driver.layout.messages_of(None, "q")
    stored = partition.find_one({"_id": message_id})
    assert stored is not None
    purge = stored["x"]
    real_now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    assert purge > real_now + datetime.timedelta(seconds=60)
    assert driver.store.clock() == EPOCH
    assert driver.message_controller.get("q", message_id).body == 1


# ---------------------------------------------------------------------------------------------
# the posting lock


def _queue_document(driver: DataDriver, name: str) -> dict[str, Any]:
    found = driver.layout.queues.find_one({"p": "", "n": name})
    assert found is not None
    return found


def test_a_post_waits_for_a_live_posting_lock_then_gives_up(
    server: Any, use_client: Callable[[LockedClient], LockedClient]
) -> None:
    use_client(LockedClient(server))
    conf = make_conf(max_attempts=5)
    driver = DataDriver(conf, ControlDriver(conf))
    driver.store.clock = clock = Clock()
    driver.queue_controller.create("q")
    lease = clock() + mongo_messages.POST_LEASE
    driver.layout.queues.update_one({"n": "q"}, {"$set": {"l": {"id": "other", "e": lease}}})
    with pytest.raises(errors.ServiceUnavailable):
        driver.message_controller.post("q", [base.NewMessage(60, 1)], "c")
    assert driver.message_controller.list("q", echo=True).items == []


def test_leftovers_of_a_poster_that_died_holding_the_lock_are_never_seen(
    driver: DataDriver,
) -> None:
    clock: Any = driver.store.clock
    messages = driver.message_controller
    driver.queue_controller.create("q")
    first = messages.post("q", [base.NewMessage(600, "kept")], "c")
    # A poster took the lock, inserted two messages at markers 2 and 3, and died.
    partition = driver.layout.messages_of(None, "q")
    for marker in (2, 3):
        partition.insert_one(
            {
                "_id": uuid.uuid4().hex,
                "p": "",
                "q": "q",
                "k": marker,
                "cr": clock(),
                "t": 600,
                "e": clock() + 600,
                "x": driver.store.purge_at(clock() + 600, clock()),
                "u": "dead",
                "b": '"lost"',
                "c": {"id": None, "e": 0.0, "t": 0, "c": 0},
            }
        )
    lease = clock() + mongo_messages.POST_LEASE
    driver.layout.queues.update_one({"n": "q"}, {"$set": {"l": {"id": "dead", "e": lease}}})

    # Invisible to every reader while the lock is held...
    assert [m.body for m in messages.list("q", echo=True).items] == ["kept"]
    assert driver.queue_controller.stats("q").total == 1
    assert [m.body for m in messages.pop("q", 5)] == ["kept"]

    # ...and swept aside by the first post after the lease ran out.
    clock.advance(mongo_messages.POST_LEASE)
    after = messages.post("q", [base.NewMessage(600, "new")], "c")
    page = messages.list("q", echo=True)
    assert [m.id for m in page.items] == after
    assert page.next_marker == "2"
    assert partition.count_documents({"u": "dead"}) == 0
    assert _queue_document(driver, "q")["k"] == 3
    assert "l" not in _queue_document(driver, "q")
    assert first  # posted before the crash, popped above


def test_a_failed_post_leaves_no_lock_and_no_messages(driver: DataDriver, outage: Outage) -> None:
    driver.queue_controller.create("q")
    outage.broken.add("insert_many")
    with pytest.raises(errors.ServiceUnavailable):
        driver.message_controller.post("q", [base.NewMessage(60, 1)], "c")
    outage.broken.clear()
    assert "l" not in _queue_document(driver, "q")
    partition = driver.layout.messages_of(None, "q")
    assert partition.count_documents({}) == 0
    assert driver.message_controller.post("q", [base.NewMessage(60, 2)], "c")
