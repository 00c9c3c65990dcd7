"""Behaviour every API version shares, tested once on each (v1, v1.1, v2).

The versions differ in envelopes and status codes (``versions.Version`` knows those); what
is checked here must hold in all of them: order, feeds and claims, project isolation, and
the input rules.
"""

from __future__ import annotations

import pytest

from .support import OTHER_CLIENT_ID, Api, assert_error
from .versions import ALL, Version, by_version

pytestmark = by_version(ALL)


def test_a_feed_reader_sees_every_message_once_in_posting_order(api: Api, version: Version) -> None:
    version.post(api, "feed", [{"n": n} for n in range(3)])
    version.post(api, "feed", [{"n": n} for n in range(3, 25)])
    assert version.bodies(api, "feed") == [{"n": n} for n in range(25)]


def test_without_echo_a_client_does_not_see_its_own_messages(api: Api, version: Version) -> None:
    version.post(api, "echo", ["mine"])
    version.post(api, "echo", ["theirs"], client_id=OTHER_CLIENT_ID)
    resp = api.get(version.queue("echo") + "/messages")
    assert [message["body"] for message in version.listed(resp)] == ["theirs"]


def test_a_claimed_message_goes_to_one_worker_until_its_claim_is_released(
    api: Api, version: Version
) -> None:
    version.post(api, "work", ["a", "b", "c"])
    first, taken = version.claim(api, "work", limit=2)
    assert [message["body"] for message in taken] == ["a", "b"]
    second, rest = version.claim(api, "work", limit=2)
    assert [message["body"] for message in rest] == ["c"]
    assert version.claim(api, "work") == (None, [])

    assert api.delete(f"{version.queue('work')}/claims/{first}").status_code == 204
    _, again = version.claim(api, "work")
    assert [message["body"] for message in again] == ["a", "b"]
    assert second is not None


def test_a_claimed_message_is_deleted_only_with_its_claim_id(api: Api, version: Version) -> None:
    (message,) = version.post(api, "guarded", ["x"])
    claim_id, _ = version.claim(api, "guarded")
    path = f"{version.queue('guarded')}/messages/{message}"
    assert_error(
        api.delete(path),
        403,
        "Unable to delete",
        "This message is claimed; it cannot be deleted without a valid claim ID.",
    )
    assert api.delete(f"{path}?claim_id={claim_id}").status_code == 204
    assert api.get(path).status_code == 404


def test_stats_count_free_and_claimed_messages(api: Api, version: Version) -> None:
    version.post(api, "counted", ["a", "b", "c"])
    version.claim(api, "counted", limit=1)
    resp = api.get(version.queue("counted") + "/stats")
    assert resp.status_code == 200
    counts = resp.json["messages"]
    assert (counts["free"], counts["claimed"], counts["total"]) == (2, 1, 3)
    assert counts["oldest"]["href"].startswith(version.queue("counted") + "/messages/")


def test_one_project_never_sees_another_projects_queue(api: Api, version: Version) -> None:
    version.post(api, "private", ["secret"], project="alice")
    assert version.bodies(api, "private", project="bob") == []
    assert version.claim(api, "private", project="bob") == (None, [])
    assert version.bodies(api, "private", project="alice") == ["secret"]


@pytest.mark.parametrize("name", ["bad name", "x" * 65, "caf\u00e9", "a:b"])
def test_a_bad_queue_name_is_refused_on_every_route(api: Api, version: Version, name: str) -> None:
    for method, suffix in (("GET", "/stats"), ("POST", "/messages"), ("POST", "/claims")):
        resp = api.request(
            method, version.queue(name) + suffix, json=version.batch([{"ttl": 60, "body": 1}])
        )
        assert_error(
            resp,
            400,
            "Invalid queue identification",
            "The format of the submitted queue name or project id is not valid.",
        )


def test_posting_needs_a_client_id(api: Api, version: Version) -> None:
    resp = api.post(
        version.queue("q") + "/messages",
        json=version.batch([{"ttl": 60, "body": 1}]),
        client_id=None,
    )
    assert_error(resp, 400, "Missing header value", 'The "Client-ID" header is required.')


@pytest.mark.parametrize(
    ("message", "description"),
    [
        ({"ttl": 60}, 'Missing "body" field.'),
        ({"ttl": "60", "body": 1}, 'The value of the "ttl" field must be a int.'),
        ("not an object", "Document type not supported."),
    ],
)
def test_a_malformed_message_is_refused_and_nothing_is_posted(
    api: Api, version: Version, message: object, description: str
) -> None:
    version.post(api, "strict", ["kept"])
    resp = api.post(
        version.queue("strict") + "/messages",
        json=version.batch([{"ttl": 60, "body": "fine"}, message]),  # type: ignore[list-item]
    )
    assert_error(resp, 400, "Invalid request body", description)
    assert version.bodies(api, "strict") == ["kept"]


def test_a_message_ttl_outside_the_limits_is_refused(api: Api, version: Version) -> None:
    resp = api.post(version.queue("q") + "/messages", json=version.batch([{"ttl": 59, "body": 1}]))
    assert_error(
        resp,
        400,
        "Invalid API request",
        "The TTL for a message may not exceed 1209600 seconds, and must be at least 60 "
        "seconds long.",
    )


def test_a_claim_limit_outside_the_limits_is_refused(api: Api, version: Version) -> None:
    version.post(api, "q", [1])
    resp = api.post(version.queue("q") + "/claims?limit=21", json={"ttl": 60, "grace": 60})
    assert_error(
        resp,
        400,
        "Invalid API request",
        "Limit must be at least 1 and may not be greater than 20.",
    )
