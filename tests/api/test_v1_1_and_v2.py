"""What v1.1 and v2 do alike and v1 does not (SPEC §5.1): identity headers on every
request, lazy queues, message objects with ids, pop, claim defaults, queue documents."""

from __future__ import annotations

import pytest

from .conftest import MakeApi
from .support import CLIENT_ID, Api, Clock, assert_error, assert_no_body
from .versions import LATER, Version, by_version

pytestmark = by_version(LATER)


# -- headers


def test_every_request_needs_a_client_id_then_a_project(api: Api, version: Version) -> None:
    path = version.prefix + "/queues"
    assert_error(
        api.get(path, client_id=None, project=None),
        400,
        "Missing header value",
        'The "Client-ID" header is required.',
    )
    assert_error(
        api.get(path, project=None),
        400,
        "Project-Id Missing",
        "The header X-PROJECT-ID was missing",
    )
    assert api.get(path).status_code == 200


def test_version_discovery_and_the_home_document_need_no_headers(
    api: Api, version: Version
) -> None:
    versions = api.get("/", client_id=None, project=None)
    assert versions.status_code == 300
    assert {"href": version.prefix + "/", "rel": "self"} in [
        link for entry in versions.json["versions"] for link in entry["links"]
    ]
    home = api.get(version.prefix + "/")
    assert home.status_code == 200
    assert home.json["resources"]["rel/queue"]["href-template"] == (
        version.prefix + "/queues/{queue_name}"
    )


def test_ping_answers_204(api: Api, version: Version) -> None:
    assert api.get(version.prefix + "/ping").status_code == 204
    assert api.head(version.prefix + "/ping").status_code == 204


# -- lazy queues


def test_posting_creates_the_queue(api: Api, version: Version) -> None:
    ids = version.post(api, "lazy", ["first"])
    names = [queue["name"] for queue in api.get(version.prefix + "/queues").json["queues"]]
    assert names == ["lazy"]
    resp = api.get(f"{version.queue('lazy')}/messages/{ids[0]}")
    assert resp.json == {
        "id": ids[0],
        "href": f"{version.queue('lazy')}/messages/{ids[0]}",
        "ttl": 300,
        "age": 0,
        "body": "first",
    }


def test_a_missing_queue_lists_claims_and_counts_as_empty(api: Api, version: Version) -> None:
    listing = api.get(version.queue("ghost") + "/messages")
    assert listing.status_code == 200
    assert listing.json == {"messages": [], "links": []}
    assert api.post(version.queue("ghost") + "/claims").status_code == 204
    stats = api.get(version.queue("ghost") + "/stats")
    assert stats.json == {"messages": {"claimed": 0, "free": 0, "total": 0}}
    assert api.get(version.prefix + "/queues").json == {"queues": [], "links": []}


def test_getting_messages_by_ids_that_are_not_there_is_404(api: Api, version: Version) -> None:
    version.post(api, "q", ["x"])
    resp = api.get(version.queue("q") + "/messages?ids=aaaa,bbbb")
    assert_error(
        resp,
        404,
        "Not found",
        "No messages with IDs: ['aaaa', 'bbbb'] found in the queue q for project 480924.",
    )


def test_a_claimed_message_names_its_claim_in_its_href_while_claimed(
    api: Api, version: Version, clock: Clock
) -> None:
    (message,) = version.post(api, "q", ["x"])
    claim = api.post(version.queue("q") + "/claims", json={"ttl": 60, "grace": 60})
    claim_id = claim.headers["Location"].rsplit("/", 1)[1]
    href = f"{version.queue('q')}/messages/{message}"
    # python-zaqarclient reads the claim id from the first message's href.
    assert claim.json["messages"][0]["href"] == f"{href}?claim_id={claim_id}"
    listed = api.get(version.queue("q") + "/messages?echo=true&include_claimed=true")
    assert listed.json["messages"][0]["href"] == f"{href}?claim_id={claim_id}"
    clock.advance(61)
    assert api.get(href).json["href"] == href


# -- claims


def test_a_claim_without_a_body_takes_the_default_ttl_and_grace(api: Api, version: Version) -> None:
    version.post(api, "q", ["x"])
    resp = api.post(version.queue("q") + "/claims")
    assert resp.status_code == 201
    claim = api.get(resp.headers["Location"]).json
    assert claim["ttl"] == 300
    # Renewing with an empty body takes the defaults again.
    assert api.patch(resp.headers["Location"]).status_code == 204


def test_a_claim_with_a_null_ttl_is_refused(api: Api, version: Version) -> None:
    """python-zaqarclient sends omitted values as null."""
    resp = api.post(version.queue("q") + "/claims", json={"ttl": None, "grace": 60})
    assert_error(resp, 400, "Invalid request body", 'The value of the "ttl" field must be a int.')


# -- posting


def test_a_message_without_ttl_lives_for_the_default_ttl(api: Api, version: Version) -> None:
    resp = api.post(version.queue("q") + "/messages", json={"messages": [{"body": 1}]})
    assert resp.status_code == 201
    assert set(resp.json) == {"resources"}
    message = api.get(resp.json["resources"][0]).json
    assert message["ttl"] == 3600


@pytest.mark.parametrize("document", [[{"ttl": 60, "body": 1}], {"message": []}])
def test_a_post_that_is_not_an_object_with_messages_is_refused(
    api: Api, version: Version, document: object
) -> None:
    resp = api.post(version.queue("q") + "/messages", json=document)
    assert_error(resp, 400, "Invalid API request", "No messages were found in the request body.")


def test_an_empty_batch_is_refused(api: Api, version: Version) -> None:
    resp = api.post(version.queue("q") + "/messages", json={"messages": []})
    assert_error(resp, 400, "Invalid API request", "No messages to enqueu.")


# -- pop and delete


def test_pop_takes_free_messages_once_each_and_deletes_them(api: Api, version: Version) -> None:
    version.post(api, "q", ["a", "b", "c", "d"])
    version.claim(api, "q", limit=1)  # "a" is claimed: pop leaves it
    resp = api.delete(version.queue("q") + "/messages?pop=2")
    assert resp.status_code == 200
    popped = resp.json["messages"]
    assert [message["body"] for message in popped] == ["b", "c"]
    # Only keys python-zaqarclient's Message accepts.
    assert set(popped[0]) == {"id", "age", "ttl", "body", "claim_id", "claim_count"}
    assert version.bodies(api, "q") == ["a", "d"]
    again = api.delete(version.queue("q") + "/messages?pop=5")
    assert [message["body"] for message in again.json["messages"]] == ["d"]
    assert api.delete(version.queue("q") + "/messages?pop=1").json == {"messages": []}


@pytest.mark.parametrize(
    ("query", "description"),
    [
        (
            "",
            'The request should have either "ids" or "pop" parameter in the request, to be '
            "able to delete.",
        ),
        ("?ids=a&pop=1", "pop and id params cannot be present together in the delete request."),
        ("?pop=0", "Pop value must be at least 1 and may not be greater than 20."),
        ("?pop=21", "Pop value must be at least 1 and may not be greater than 20."),
        (
            "?ids=" + ",".join(f"i{n}" for n in range(21)),
            "ids parameter should have at least 1 and not greater than 20 values.",
        ),
    ],
)
def test_a_collection_delete_needs_exactly_one_of_ids_or_pop(
    api: Api, version: Version, query: str, description: str
) -> None:
    version.post(api, "q", ["kept"])
    resp = api.delete(version.queue("q") + "/messages" + query)
    assert_error(resp, 400, "Invalid API request", description)
    assert version.bodies(api, "q") == ["kept"]


def test_deleting_by_ids_deletes_those(api: Api, version: Version) -> None:
    ids = version.post(api, "q", ["a", "b", "c"])
    resp = api.delete(f"{version.queue('q')}/messages?ids={ids[0]},{ids[2]}")
    assert resp.status_code == 204
    assert_no_body(resp)
    assert version.bodies(api, "q") == ["b"]


def test_with_message_delete_with_claim_id_a_delete_by_ids_names_their_claims(
    make_api: MakeApi, version: Version
) -> None:
    api = make_api(message_delete_with_claim_id=True)
    ids = version.post(api, "q", ["a", "b", "c"])
    claim_id, _ = version.claim(api, "q", limit=2)
    messages = version.queue("q") + "/messages"
    both = 'The request should have both "ids" and "claim_ids" parameter in the request when '
    both += "message_delete_with_claim_id is True."
    assert_error(api.delete(f"{messages}?ids={ids[0]}"), 400, "Invalid API request", both)
    # As in the original, claim ids with a pop are refused alike.
    resp = api.delete(f"{messages}?pop=1&claim_ids={claim_id}")
    assert_error(resp, 400, "Invalid API request", both)
    # A claim that holds none of the messages given.
    resp = api.delete(f"{messages}?ids={ids[2]}&claim_ids={claim_id}")
    assert_error(
        resp,
        400,
        "Invalid API request",
        f"Claim {claim_id} does not hold any of the messages to delete.",
    )
    assert version.bodies(api, "q") == ["a", "b", "c"]
    resp = api.delete(f"{messages}?ids={ids[0]},{ids[1]}&claim_ids={claim_id}")
    assert resp.status_code == 204
    assert version.bodies(api, "q") == ["c"]
    # Popping needs no claim.
    assert api.delete(f"{messages}?pop=1").status_code == 200


def test_without_message_delete_with_claim_id_claim_ids_are_ignored(
    api: Api, version: Version
) -> None:
    ids = version.post(api, "q", ["a"])
    resp = api.delete(f"{version.queue('q')}/messages?ids={ids[0]}&claim_ids=nonsense")
    assert resp.status_code == 204
    assert version.bodies(api, "q") == []


# -- queues


def test_a_queue_is_created_with_the_metadata_of_its_body(api: Api, version: Version) -> None:
    resp = api.put(version.queue("q"), json={"colour": "blue"})
    assert resp.status_code == 201
    assert resp.headers["Location"] == version.queue("q")
    assert api.get(version.queue("q")).json["colour"] == "blue"
    # Created again: 204, and the metadata it has stays.
    assert api.put(version.queue("q"), json={"colour": "red"}).status_code == 204
    assert api.get(version.queue("q")).json["colour"] == "blue"
    assert api.put(version.queue("bare")).status_code == 201


def test_a_queue_has_no_head_route(api: Api, version: Version) -> None:
    api.put(version.queue("q"))
    # python-zaqarclient reads the 405 as "exists".
    assert api.head(version.queue("q")).status_code == 405


@pytest.mark.parametrize(
    ("metadata", "description"),
    [
        ({"_default_message_ttl": "60"}, "_default_message_ttl must be integer."),
        (
            {"_default_message_ttl": 59},
            "_default_message_ttl can not exceed 1209600 seconds, and must be at least 60 "
            "seconds long.",
        ),
        (
            {"_max_messages_post_size": 0},
            "_max_messages_post_size can not exceed 262144,  and must be at least greater than 0.",
        ),
        ({"_enable_encrypt_messages": "yes"}, "_enable_encrypt_messages must be boolean."),
        ({"_max_claim_count": 1.5}, "_max_claim_count must be integer."),
    ],
)
def test_reserved_queue_settings_are_validated(
    api: Api, version: Version, metadata: dict[str, object], description: str
) -> None:
    assert_error(
        api.put(version.queue("q"), json=metadata), 400, "Invalid API request", description
    )
    assert api.get(version.prefix + "/queues").json["queues"] == []


def test_encryption_is_refused_not_ignored_on_a_server_without_a_key(
    api: Api, version: Version
) -> None:
    resp = api.put(version.queue("q"), json={"_enable_encrypt_messages": True})
    assert resp.status_code == 501
    assert resp.json["title"] == "Not implemented"
    assert "[transport] message_encryption_key" in resp.json["description"]
    # Their "off" values, as GET shows them, are accepted.
    off = {"_default_message_delay": 0, "_max_claim_count": None, "_enable_encrypt_messages": False}
    assert api.put(version.queue("q"), json=off).status_code == 201


def test_with_client_id_uuid_safe_off_any_client_id_of_the_allowed_length_serves(
    make_api: MakeApi, version: Version
) -> None:
    api = make_api(client_id_uuid_safe="off")
    free = "heat-stack-worker-01"
    version.post(api, "q", ["mine"], client_id=free)
    messages = version.queue("q") + "/messages"
    # The same client leaves its own messages out; another one sees them.
    assert api.get(messages, client_id=free).json["messages"] == []
    assert [m["body"] for m in api.get(messages, client_id="another-client").json["messages"]] == [
        "mine"
    ]
    # A UUID is still the same client in either form.
    version.post(api, "q", ["uuid's"], client_id=CLIENT_ID.replace("-", ""))
    assert [m["body"] for m in api.get(messages).json["messages"]] == ["mine"]
    for wrong in ("short", "x" * 37):
        resp = api.get(messages, client_id=wrong)
        assert resp.status_code == 400
        assert resp.json == {
            "title": "Length of client id must be at least 10 and no greater than 36."
        }
    # v1 still takes UUIDs only.
    resp = api.get("/v1/queues/q/messages", client_id=free)
    assert_error(resp, 400, "Wrong UUID value", "Malformed hexadecimal UUID.")


def test_the_client_id_may_be_sent_without_dashes(api: Api, version: Version) -> None:
    undashed = CLIENT_ID.replace("-", "")
    version.post(api, "q", ["x"], client_id=undashed)
    resp = api.get(version.queue("q") + "/messages")  # the dashed form: the same client
    assert resp.json["messages"] == []
