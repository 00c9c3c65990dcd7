"""Pure parts of the MongoDB driver: the durability check, markers, URI redaction, back-off."""

from __future__ import annotations

import time
from typing import Any

import pytest
from pymongo.write_concern import WriteConcern

from zaqar.storage.mongodb import store as mongo_store
from zaqar.storage.mongodb.messages import parse_marker
from zaqar.storage.mongodb.store import durability_problems

REPLICA_SET = {"isWritablePrimary": True, "setName": "rs0"}
MONGOS = {"isWritablePrimary": True, "msg": "isdbgrid"}
STANDALONE = {"isWritablePrimary": True}
MAJORITY = WriteConcern(w="majority")


@pytest.mark.parametrize("hello", [REPLICA_SET, MONGOS], ids=["replica-set", "mongos"])
def test_a_replica_set_or_mongos_with_majority_writes_has_no_problem(hello: Any) -> None:
    assert durability_problems(hello, MAJORITY) == []


def test_a_standalone_server_is_a_problem() -> None:
    [problem] = durability_problems(STANDALONE, MAJORITY)
    assert "standalone" in problem


@pytest.mark.parametrize("concern", [WriteConcern(w=1), WriteConcern(w=2), WriteConcern(w=0)])
def test_any_write_concern_but_majority_is_a_problem(concern: WriteConcern) -> None:
    [problem] = durability_problems(REPLICA_SET, concern)
    assert f"w={concern.document['w']!r}" in problem


def test_a_standalone_server_with_w1_has_both_problems() -> None:
    assert len(durability_problems(STANDALONE, WriteConcern(w=1))) == 2


@pytest.mark.parametrize(
    ("marker", "expected"),
    [("1", 1), ("-5", -5), (str(2**63 - 1), 2**63 - 1), (str(2**63), None), ("x", None)],
)
def test_markers_are_bson_integers_or_match_nothing(marker: str, expected: int | None) -> None:
    assert parse_marker(marker) == expected


def test_a_uri_password_never_reaches_an_error_message() -> None:
    uri = "mongodb://admin:p%40ss@db1,db2/?replicaSet=rs0"
    text = "cannot parse mongodb://admin:p%40ss@db1,db2 (p@ss)"
    assert "p%40ss" not in mongo_store._redact(text, uri)
    assert "p@ss" not in mongo_store._redact(text, uri)
    assert mongo_store._redact("no secret here", "mongodb://db1/") == "no secret here"


def test_backoff_grows_and_stays_within_the_configured_bounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pauses: list[float] = []
    monkeypatch.setattr(time, "sleep", pauses.append)
    store: Any = object.__new__(mongo_store.Store)
    store.max_retry_sleep = 0.1
    store.max_retry_jitter = 0.005
    for attempt in range(40):
        mongo_store.Store.backoff(store, attempt)
    assert pauses[0] < pauses[5]
    assert all(0.0 < pause <= 0.105 for pause in pauses)
    assert max(pauses) >= 0.1
