"""python-zaqarclient's v2 client (what current clients speak) against a real zaqar-server.

In this process the client is 3.0.1 (the v1 suite's), whose v2 objects accept exactly the
message keys 4.x's do (``ttl, age, body, href, id, claim_id, claim_count, checksum``) and
which finds a claim's id in its first message's href, as 4.x does. Today's client, 4.7, runs
``zaqarclient_current.py`` in a process of its own (``make test`` installs it in
``.venv/zaqarclient-current``). SQLite, PostgreSQL, Redis and pooled over SQLite and Redis;
the HTTP suites under ``tests/api`` and the storage conformance suite carry the rest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from .support import DEFAULT_SERVER, PROJECT, ZaqarServer

#: What the issue's real-client check names: SQLite, PostgreSQL, Redis and pooled.
SERVED_ON = ("sqlite", "postgresql", "redis", "pooled-3")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize(
        "server",
        [(DEFAULT_SERVER, name) for name in SERVED_ON],
        ids=[f"{DEFAULT_SERVER}-{name}" for name in SERVED_ON],
        indirect=True,
        scope="module",
    ),
]


def v2_client(url: str, project: str = PROJECT) -> Any:
    from zaqarclient.queues import client  # type: ignore[import-untyped]

    conf = {"auth_opts": {"backend": "noauth", "options": {"os_project_id": project}}}
    return client.Client(url, version=2, conf=conf)


@pytest.fixture
def v2(server: ZaqarServer) -> Any:
    return v2_client(server.url)


def _name() -> str:
    return f"v2-{uuid.uuid4().hex[:12]}"


def test_posting_creates_the_queue_and_a_feed_reader_gets_every_message(v2: Any) -> None:
    queue = v2.queue(_name())  # v2 creates nothing here: the post does
    result = queue.post([{"body": {"n": n}} for n in range(3)])
    assert len(result["resources"]) == 3
    messages = list(queue.messages(echo=True))
    assert [message.body for message in messages] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert all(message.ttl == 3600 for message in messages)  # the default ttl
    assert {message.id for message in messages} == {
        href.rsplit("/", 1)[1] for href in result["resources"]
    }
    listed, _count = v2.queues()
    assert queue.name in [q.name for q in listed]


def test_a_worker_claims_and_deletes_with_the_claim_id_from_the_href(v2: Any) -> None:
    queue = v2.queue(_name())
    queue.post([{"body": "job-1", "ttl": 300}, {"body": "job-2", "ttl": 300}])
    claim = queue.claim(ttl=120, grace=60, limit=1)
    claimed = list(claim)
    assert [message.body for message in claimed] == ["job-1"]
    assert claim.id  # read from the first message's ``?claim_id=``
    assert claimed[0].claim_id == claim.id
    claimed[0].delete()  # sends the claim id
    other = queue.claim(ttl=120, grace=60, limit=5)
    assert [message.body for message in other] == ["job-2"]
    other.delete()  # releases
    stats = queue.stats["messages"]
    assert (stats["free"], stats["claimed"]) == (1, 0)


def test_pop_hands_each_message_to_one_caller(v2: Any) -> None:
    queue = v2.queue(_name())
    queue.post([{"body": n} for n in range(4)])
    first = [message.body for message in queue.pop(count=3)]
    second = [message.body for message in queue.pop(count=3)]
    assert first == [0, 1, 2]
    assert second == [3]
    assert list(queue.pop(count=1)) == []


def test_messages_by_id_and_deleting_them(v2: Any) -> None:
    queue = v2.queue(_name())
    posted = queue.post([{"body": "a"}, {"body": "b"}])
    ids = [href.rsplit("/", 1)[1] for href in posted["resources"]]
    assert sorted(message.body for message in queue.messages(*ids)) == ["a", "b"]
    assert queue.message(ids[0]).body == "a"
    queue.delete_messages(ids[0])
    assert [message.body for message in queue.messages(echo=True)] == ["b"]


def test_a_queue_shows_its_settings_and_takes_new_metadata_by_patch(v2: Any) -> None:
    queue = v2.queue(_name(), force_create=True)
    assert queue.metadata(force_reload=True)["_default_message_ttl"] == 3600
    # GET, then a JSON patch: ``replace`` or ``add`` for the new keys, ``remove`` for the
    # rest, the reserved defaults it read included (what Heat and Horizon do too).
    queue.metadata(new_meta={"owner": "heat", "_default_message_ttl": 120})
    metadata = queue.metadata(force_reload=True)
    assert metadata["owner"] == "heat"
    assert metadata["_default_message_ttl"] == 120
    queue.post({"body": "short-lived"})
    assert [message.ttl for message in queue.messages(echo=True)] == [120]
    queue.delete()


def test_projects_do_not_see_each_others_queues(server: ZaqarServer) -> None:
    alice, bob = v2_client(server.url, "alice"), v2_client(server.url, "bob")
    name = _name()
    alice.queue(name).post({"body": "secret"})
    listed, _count = bob.queues()
    assert name not in [q.name for q in listed]
    assert list(bob.queue(name).messages(echo=True)) == []
    assert [m.body for m in alice.queue(name).messages(echo=True)] == ["secret"]


#: Where ``make test`` installs today's client (python-zaqarclient 4.7).
CURRENT_CLIENT = Path(sys.prefix) / "zaqarclient-current"


def test_todays_python_zaqarclient_works_end_to_end(server: ZaqarServer) -> None:
    assert (CURRENT_CLIENT / "zaqarclient").is_dir(), (
        f"python-zaqarclient 4.7 is not in {CURRENT_CLIENT}: 'make test' installs it"
    )
    script = Path(__file__).with_name("zaqarclient_current.py")
    env = {**os.environ, "PYTHONPATH": str(CURRENT_CLIENT)}
    done = subprocess.run(
        [sys.executable, str(script), server.url, "current-client"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("ok")
