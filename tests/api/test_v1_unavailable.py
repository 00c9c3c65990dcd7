"""Storage that cannot be reached: 503 with the operation named (SPEC §1.3, §2.0, §2.11).

The database is made unreachable for real: pooled connections are closed and the SQLite file
is replaced by a directory, so every new connection fails.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.backends import BY_NAME, Backend

from .support import Api, assert_error, assert_no_body

TITLE = "Service temporarily unavailable"
AGAIN = " Please try again in a few seconds."


class Broken(NamedTuple):
    api: Api
    mid: str
    cid: str


@pytest.fixture
def broken(api: Api) -> Broken:
    api.create_queue("q")
    [mid] = api.post_messages("q", 1)
    cid, _ = api.claim("q")
    store = api.boot.storage.store
    database = Path(store.engine.url.database)
    store.engine.dispose()
    api.boot.control.store.engine.dispose()
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = Path(str(database) + suffix)
        if path.exists():
            os.remove(path)
    database.mkdir()
    return Broken(api, mid, cid)


def test_health_get_is_503_without_body_when_storage_is_unreachable(broken: Broken) -> None:
    resp = broken.api.get("/v1/health")
    assert resp.status_code == 503
    assert_no_body(resp)


def test_health_head_is_always_204(broken: Broken) -> None:
    assert broken.api.head("/v1/health").status_code == 204


@pytest.mark.parametrize(
    ("method", "path", "document", "what"),
    [
        ("PUT", "/v1/queues/q2", None, "Queue could not be created."),
        (
            "POST",
            "/v1/queues/q/messages",
            [{"ttl": 60, "body": 1}],
            "Messages could not be enqueued.",
        ),
        ("DELETE", "/v1/queues/q/claims/{cid}", None, "Claim could not be deleted."),
    ],
)
def test_named_operations_say_what_could_not_be_done(
    broken: Broken, method: str, path: str, document: object, what: str
) -> None:
    kwargs = {"json": document} if document is not None else {}
    resp = broken.api.request(method, path.format(mid=broken.mid, cid=broken.cid), **kwargs)
    assert_error(resp, 503, TITLE, what + AGAIN)


@pytest.mark.parametrize(
    ("method", "path", "document"),
    [
        ("GET", "/v1/queues", None),
        ("GET", "/v1/queues/q", None),
        ("DELETE", "/v1/queues/q", None),
        ("GET", "/v1/queues/q/metadata", None),
        ("PUT", "/v1/queues/q/metadata", {"a": 1}),
        ("GET", "/v1/queues/q/stats", None),
        ("GET", "/v1/queues/q/messages", None),
        ("GET", "/v1/queues/q/messages?ids={mid}", None),
        ("DELETE", "/v1/queues/q/messages?ids={mid}", None),
        ("GET", "/v1/queues/q/messages/{mid}", None),
        ("DELETE", "/v1/queues/q/messages/{mid}", None),
        ("POST", "/v1/queues/q/claims", {"ttl": 300, "grace": 60}),
        ("GET", "/v1/queues/q/claims/{cid}", None),
        ("PATCH", "/v1/queues/q/claims/{cid}", {"ttl": 300}),
    ],
)
def test_every_storage_route_is_503_with_a_retry_hint(
    broken: Broken, method: str, path: str, document: object
) -> None:
    kwargs = {"json": document} if document is not None else {}
    resp = broken.api.request(method, path.format(mid=broken.mid, cid=broken.cid), **kwargs)
    assert resp.status_code == 503, resp.text
    assert resp.json["title"] == TITLE
    assert resp.json["description"].endswith(AGAIN)
    assert " could not be " in resp.json["description"]
    assert "Traceback" not in resp.text


def test_input_errors_still_win_over_an_unreachable_storage(broken: Broken) -> None:
    resp = broken.api.post("/v1/queues/q/messages", json=[])
    assert_error(resp, 400, "Invalid API request", "No messages to enqueu.")


@pytest.fixture
def backend() -> Backend:
    """Breaking the database by removing its file is a SQLite experiment."""
    return BY_NAME["sqlite"]
