"""How bodies are kept at rest: encrypted queues (``_enable_encrypt_messages``) and checksums
(``enable_checksum``), over HTTP on the HTTP backends.

What the store holds is read through the storage driver itself, below the API: an encrypted
queue's bodies are never there in plain text.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import pytest

from zaqar.api.bodies import ENVELOPE_KEY

from .conftest import MakeApi
from .support import PROJECT, Api, Clock, assert_error
from .versions import V1, V2

KEY = "correct horse battery staple, but longer and random in real life"
PATCH_TYPE = "application/openstack-messaging-v2.0-json-patch"
NO_KEY = (
    "This server keeps no message encryption key, so it cannot encrypt a queue's messages; "
    "its operator can set [transport] message_encryption_key."
)
BODIES: list[Any] = [
    {"order": 7, "items": ["a", "b"], "note": "ünïcödé ✓"},
    "a plain string",
    [1, 2.5, None, True],
    42,
]


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    return make_api(message_encryption_key=KEY)


def post(api: Api, queue: str, bodies: list[Any]) -> list[str]:
    resp = api.post(V2.queue(queue) + "/messages", json={"messages": [{"body": b} for b in bodies]})
    assert resp.status_code == 201, resp.text
    return [href.rsplit("/", 1)[1] for href in resp.json["resources"]]


def stored(api: Api, queue: str, message_id: str, project: str = PROJECT) -> Any:
    """The body as the store keeps it."""
    return api.boot.storage.message_controller.get(queue, message_id, project).body


def encrypted_queue(api: Api, name: str = "q", **settings: Any) -> None:
    resp = api.put(V2.queue(name), json={"_enable_encrypt_messages": True, **settings})
    assert resp.status_code == 201, resp.text


# -- encrypted queues


def test_an_encrypted_queue_keeps_no_body_in_plain_text_and_every_read_opens_it(
    api: Api,
) -> None:
    encrypted_queue(api)
    ids = post(api, "q", BODIES)
    for message_id in ids:
        kept = stored(api, "q", message_id)
        assert list(kept) == [ENVELOPE_KEY]
        assert "order" not in json.dumps(kept) and "plain string" not in json.dumps(kept)

    listing = api.get(V2.queue("q") + "/messages?echo=true")
    assert [m["body"] for m in listing.json["messages"]] == BODIES
    assert api.get(V2.queue("q") + f"/messages/{ids[0]}").json["body"] == BODIES[0]
    by_ids = api.get(V2.queue("q") + f"/messages?ids={ids[1]},{ids[2]}").json["messages"]
    assert sorted(json.dumps(m["body"]) for m in by_ids) == sorted(
        json.dumps(b) for b in BODIES[1:3]
    )
    claimed = api.post(V2.queue("q") + "/claims?limit=2", json={"ttl": 60, "grace": 60})
    assert [m["body"] for m in claimed.json["messages"]] == BODIES[:2]
    claim_href = claimed.headers["Location"]
    assert [m["body"] for m in api.get(claim_href).json["messages"]] == BODIES[:2]
    popped = api.delete(V2.queue("q") + "/messages?pop=5").json["messages"]
    assert [m["body"] for m in popped] == BODIES[2:]
    # v1 reads the same queue of the same project, opened as well.
    assert api.get(V1.queue("q") + f"/messages/{ids[0]}").json["body"] == BODIES[0]


def test_each_message_is_encrypted_on_its_own(api: Api) -> None:
    encrypted_queue(api)
    first, second = post(api, "q", ["same", "same"])
    assert stored(api, "q", first) != stored(api, "q", second)


def test_turning_encryption_off_keeps_old_messages_readable(api: Api) -> None:
    encrypted_queue(api)
    [sealed] = post(api, "q", ["sealed"])
    resp = api.patch(
        V2.queue("q"),
        json=[{"op": "replace", "path": "/metadata/_enable_encrypt_messages", "value": False}],
        content_type=PATCH_TYPE,
    )
    assert resp.status_code == 200, resp.text
    [plain] = post(api, "q", ["plain"])
    assert stored(api, "q", plain) == "plain"
    listing = api.get(V2.queue("q") + "/messages?echo=true").json["messages"]
    assert [(m["id"], m["body"]) for m in listing] == [(sealed, "sealed"), (plain, "plain")]


def test_a_body_shaped_like_an_envelope_reads_back_as_posted(api: Api) -> None:
    lookalike = {ENVELOPE_KEY: "AES256-GCM:bm90IGEgcmVhbCBvbmU="}
    for queue in ("plain", "sealed"):
        if queue == "sealed":
            encrypted_queue(api, queue)
        [message_id] = post(api, queue, [lookalike])
        assert api.get(V2.queue(queue) + f"/messages/{message_id}").json["body"] == lookalike


def test_a_sealed_body_copied_into_another_project_does_not_open(api: Api) -> None:
    encrypted_queue(api)
    [message_id] = post(api, "q", ["secret"])
    envelope = stored(api, "q", message_id)
    # Someone with access to the store copies it into another project's queue.
    other = "another-project"
    resp = api.post(
        V2.queue("q") + "/messages", json={"messages": [{"body": envelope}]}, project=other
    )
    [copied] = [href.rsplit("/", 1)[1] for href in resp.json["resources"]]
    assert stored(api, "q", copied, other) == envelope
    assert api.get(V2.queue("q") + f"/messages/{copied}", project=other).json["body"] == envelope


def test_dead_lettered_messages_stay_encrypted_and_read_in_plain_text(
    api: Api, clock: Clock
) -> None:
    encrypted_queue(api, _max_claim_count=1, _dead_letter_queue="dead")
    [message_id] = post(api, "q", [{"card": "4111"}])
    assert api.post(V2.queue("q") + "/claims", json={"ttl": 60, "grace": 60}).status_code == 201
    clock.advance(61)
    assert api.post(V2.queue("q") + "/claims", json={"ttl": 60, "grace": 60}).status_code == 204
    [moved] = api.get(V2.queue("dead") + "/messages?echo=true").json["messages"]
    assert moved["body"] == {"card": "4111"}
    assert list(stored(api, "dead", moved["id"])) == [ENVELOPE_KEY]


def test_without_a_key_a_patch_cannot_turn_encryption_on(make_api: MakeApi) -> None:
    # PUT is refused the same way, in v1.1 too (test_v1_1_and_v2.py).
    keyless = make_api()
    assert keyless.put(V2.queue("q"), json={}).status_code == 201
    resp = keyless.patch(
        V2.queue("q"),
        json=[{"op": "add", "path": "/metadata/_enable_encrypt_messages", "value": True}],
        content_type=PATCH_TYPE,
    )
    assert_error(resp, 501, "Not implemented", NO_KEY)
    assert keyless.get(V2.queue("q")).json["_enable_encrypt_messages"] is False


def test_a_server_that_lost_its_key_refuses_posts_and_shows_what_is_stored(
    api: Api, make_api: MakeApi
) -> None:
    encrypted_queue(api)
    [message_id] = post(api, "q", ["secret"])
    keyless = make_api()
    resp = keyless.post(V2.queue("q") + "/messages", json={"messages": [{"body": "more"}]})
    assert_error(resp, 501, "Not implemented", NO_KEY)
    shown = keyless.get(V2.queue("q") + f"/messages/{message_id}").json["body"]
    assert shown == stored(api, "q", message_id)
    # The same key opens it again.
    again = make_api(message_encryption_key=KEY)
    assert again.get(V2.queue("q") + f"/messages/{message_id}").json["body"] == "secret"


def test_the_key_is_never_logged(make_api: MakeApi, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api = make_api(message_encryption_key=KEY)
    api.boot.conf.log_opt_values(logging.getLogger("zaqar.test"), logging.INFO)
    encrypted_queue(api)
    [message_id] = post(api, "q", [{ENVELOPE_KEY: "AES256-GCM:AAAA"}, "x"])[:1]
    api.get(V2.queue("q") + f"/messages/{message_id}")
    assert "message_encryption_key" in caplog.text  # the options were logged
    assert KEY not in caplog.text


# -- checksums


def md5_of(body: Any) -> str:
    return "MD5:" + hashlib.md5(json.dumps(body).encode(), usedforsecurity=False).hexdigest()


def test_with_checksums_every_read_shows_the_checksum_of_the_posted_body(
    make_api: MakeApi,
) -> None:
    api = make_api(enable_checksum=True, message_encryption_key=KEY)
    ids = post(api, "q", BODIES)
    # The original's value for the same body: MD5 of Python's default JSON text.
    assert md5_of({"a": 1}) == "MD5:" + hashlib.md5(b'{"a": 1}').hexdigest()
    got = api.get(V2.queue("q") + f"/messages/{ids[0]}").json
    assert got["checksum"] == md5_of(BODIES[0])
    listing = api.get(V2.queue("q") + "/messages?echo=true").json["messages"]
    assert [m["checksum"] for m in listing] == [md5_of(b) for b in BODIES]
    claimed = api.post(V2.queue("q") + "/claims?limit=1", json={"ttl": 60, "grace": 60}).json
    assert claimed["messages"][0]["checksum"] == md5_of(BODIES[0])
    # On an encrypted queue the checksum is of the body as posted, not as stored.
    encrypted_queue(api, "sealed")
    [sealed] = post(api, "sealed", ["x"])
    assert api.get(V2.queue("sealed") + f"/messages/{sealed}").json["checksum"] == md5_of("x")
    # v1 shows its own message shape, without the checksum.
    assert "checksum" not in api.get(V1.queue("q") + f"/messages/{ids[0]}").json


def test_without_checksums_no_message_has_one(api: Api) -> None:
    [message_id] = post(api, "q", ["x"])
    assert "checksum" not in api.get(V2.queue("q") + f"/messages/{message_id}").json
