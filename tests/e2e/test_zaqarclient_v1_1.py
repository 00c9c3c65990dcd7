"""python-zaqarclient 3.0.1 speaking API v1.1 against a real zaqar-server.

The client's v1.1 mode sends a Client-ID on every request, creates nothing on ``queue()``
(posting does), wraps posts in ``{"messages": [...]}``, reads a queue's metadata from
``GET /v1.1/queues/<name>``, pops with ``DELETE ...messages?pop=`` and reads claims from the
201 envelope. One server per backend (SQLite, Redis, and pooled over SQLite and Redis); the
HTTP suites under ``tests/api`` carry the rest of the behaviour.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from zaqarclient.queues import client as zaqar_client  # type: ignore[import-untyped]
from zaqarclient.queues.v1 import claim as claim_api  # type: ignore[import-untyped]
from zaqarclient.transport import errors  # type: ignore[import-untyped]

from .conftest import POOLED
from .support import DEFAULT_SERVER, PROJECT, ZaqarServer

SERVER_BACKENDS = [(DEFAULT_SERVER, name) for name in ("sqlite", "redis", POOLED)]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize(
        "server",
        SERVER_BACKENDS,
        ids=[f"{server}-{backend}" for server, backend in SERVER_BACKENDS],
        indirect=True,
        scope="module",
    ),
]


def v1_1_client(url: str, project: str = PROJECT) -> Any:
    conf = {"auth_opts": {"backend": "noauth", "options": {"os_project_id": project}}}
    return zaqar_client.Client(url, version=1.1, conf=conf)


@pytest.fixture
def v1_1(server: ZaqarServer) -> Any:
    return v1_1_client(server.url)


def _name() -> str:
    return f"v1-1-{uuid.uuid4().hex[:12]}"


def ids_of(post_result: dict[str, Any]) -> list[str]:
    return [href.rsplit("/", 1)[1] for href in post_result["resources"]]


def test_posting_creates_the_queue_and_another_client_reads_the_feed(
    v1_1: Any, server: ZaqarServer
) -> None:
    queue = v1_1.queue(_name())
    result = queue.post([{"ttl": 300, "body": {"n": n}} for n in range(3)])
    ids = ids_of(result)
    assert len(ids) == 3
    for href in result["resources"]:
        assert href.startswith(f"/v1.1/queues/{queue.name}/messages/")

    # A client of its own (another Client-ID) sees them without echo, in posting order.
    reader = v1_1_client(server.url).queue(queue.name)
    listed = list(reader.messages().stream())
    assert [message.body for message in listed] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert [message._id for message in listed] == ids
    assert list(queue.messages().stream()) == []  # echo is off for the poster
    assert [m.body for m in queue.messages(echo=True, limit=2)] == [{"n": 0}, {"n": 1}]

    assert queue.name in [listed_queue.name for listed_queue in v1_1.queues().stream()]
    assert queue.metadata(force_reload=True) == {}


def test_get_by_id_and_ids_and_delete_by_ids(v1_1: Any) -> None:
    queue = v1_1.queue(_name())
    ids = ids_of(queue.post([{"ttl": 300, "body": n} for n in range(4)]))

    assert queue.message(ids[1]).body == 1
    found = list(queue.messages(ids[0], ids[2]))
    assert sorted(message.body for message in found) == [0, 2]

    queue.delete_messages(ids[0], ids[2])
    assert [m.body for m in queue.messages(echo=True).stream()] == [1, 3]
    queue.message(ids[1]).delete()
    with pytest.raises(errors.ResourceNotFound):
        queue.message(ids[1])
    # None of the ids found: v1.1 answers 404 (v1 answered 204).
    with pytest.raises(errors.ResourceNotFound):
        list(queue.messages(ids[0], ids[2]))


def test_pop_takes_free_messages_oldest_first_and_never_twice(v1_1: Any) -> None:
    queue = v1_1.queue(_name())
    queue.post([{"ttl": 300, "body": n} for n in range(5)])
    claim = queue.claim(ttl=120, grace=60, limit=1)
    assert [message.body for message in claim] == [0]

    popped = list(queue.pop(count=2))
    assert [message.body for message in popped] == [1, 2]
    assert [message.body for message in queue.pop(count=5)] == [3, 4]
    assert list(queue.pop(count=5)) == []
    stats = queue.stats["messages"]
    assert (stats["free"], stats["claimed"], stats["total"]) == (0, 1, 1)


def test_a_worker_claims_updates_deletes_and_releases(v1_1: Any) -> None:
    queue = v1_1.queue(_name())
    ids = ids_of(queue.post([{"ttl": 60, "body": f"job-{n}"} for n in range(3)]))

    claim = queue.claim(ttl=60, grace=60, limit=2)
    claimed = list(claim)
    assert [message._id for message in claimed] == ids[:2]
    assert claim.id and all(message.claim_id == claim.id for message in claimed)

    claim.update(ttl=300, grace=100)
    fetched = claim_api.Claim(queue, id=claim.id)
    assert fetched.ttl == 300
    assert [message._id for message in fetched] == ids[:2]

    claimed[0].delete()  # with the claim id of its href
    with pytest.raises(errors.ResourceNotFound):
        queue.message(ids[0])
    claim.delete()  # releases the rest
    stats = queue.stats["messages"]
    assert (stats["free"], stats["claimed"], stats["total"]) == (2, 0, 2)
    again = queue.claim(ttl=60, grace=60, limit=5)
    assert [message._id for message in again] == ids[1:]
    # Nothing left to claim: 204, and the client holds no claim.
    assert queue.claim(ttl=60, grace=60, limit=5).id is None


def test_a_missing_queue_reads_as_empty_and_delete_removes_a_queue(v1_1: Any) -> None:
    queue = v1_1.queue(_name())
    assert queue.stats["messages"]["total"] == 0
    assert list(queue.messages(echo=True).stream()) == []
    assert queue.claim(ttl=60, grace=60, limit=5).id is None

    queue.post({"ttl": 300, "body": "kept until delete"})
    queue.delete()
    assert queue.name not in [listed.name for listed in v1_1.queues().stream()]
    assert queue.stats["messages"]["total"] == 0


def test_projects_do_not_see_each_others_queues(server: ZaqarServer) -> None:
    suffix = uuid.uuid4().hex[:8]
    alice = v1_1_client(server.url, project=f"e2e-alice-{suffix}")
    bob = v1_1_client(server.url, project=f"e2e-bob-{suffix}")
    ids = ids_of(alice.queue("shared").post({"ttl": 300, "body": "alice's"}))

    assert [queue.name for queue in bob.queues().stream()] == []
    with pytest.raises(errors.ResourceNotFound):
        bob.queue("shared").message(ids[0])
    assert list(bob.queue("shared").pop(count=5)) == []
    assert alice.queue("shared").message(ids[0]).body == "alice's"


def test_ping_and_the_detailed_health_of_admin_mode(
    v1_1: Any, server: ZaqarServer, request: pytest.FixtureRequest
) -> None:
    headers = {"Client-ID": str(uuid.uuid4()), "X-Project-ID": PROJECT}
    for method in ("GET", "HEAD"):
        assert (
            requests.request(method, f"{server.url}/v1.1/ping", headers=headers).status_code == 204
        )
    # v1.1 asks every request for a Client-ID, as the original does.
    assert requests.get(f"{server.url}/v1.1/ping").status_code == 400
    if request.node.callspec.params["server"][1] == POOLED:  # admin_mode is on there
        assert v1_1.health() is True  # GET /v1.1/health: a real round on every pool
    else:
        # The detailed health is an admin route, as in the original.
        with pytest.raises(errors.ResourceNotFound):
            v1_1.health()
