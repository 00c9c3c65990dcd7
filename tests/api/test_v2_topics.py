"""v2's topics (SPEC §5.2, CLIENTS.md §5): fan-out channels without claims.

A topic is a queue of a name space of its own (``zaqar.core.spaces``), served by the queue's
resources: these tests check the routes and the words that are the topics' own, and that a
topic and the queue of the same name never meet. The storage conformance suite carries the
name space on every driver (``tests/storage/test_topics.py``).
"""

from __future__ import annotations

from typing import Any

import pytest

from .support import PROJECT, Api, Clock, assert_error
from .versions import V2

HOOK = "http://hooks.example.com/zaqar"
JSON_PATCH = "application/openstack-messaging-v2.0-json-patch"
BAD_NAME = "The format of the submitted topic name or project id is not valid."


def topic(name: str = "t") -> str:
    return f"/v2/topics/{name}"


def publish(api: Api, name: str = "t", *bodies: Any, project: str = PROJECT) -> list[str]:
    resp = api.post(
        topic(name) + "/messages",
        json={"messages": [{"body": body, "ttl": 300} for body in bodies]},
        project=project,
    )
    assert resp.status_code == 201, resp.text
    return [href.rsplit("/", 1)[1] for href in resp.json["resources"]]


def test_a_topic_is_made_read_listed_and_deleted_as_a_queue_is(api: Api) -> None:
    made = api.put(topic(), json={"color": "blue"})
    assert made.status_code == 201, made.text
    assert made.headers["Location"] == topic()
    assert api.put(topic(), json={"color": "red"}).status_code == 204
    shown = api.get(topic())
    assert shown.status_code == 200, shown.text
    assert shown.json["color"] == "blue"
    # Every setting shows, with its default, as a v2 queue's do.
    assert shown.json["_default_message_ttl"] == 3600
    listed = api.get("/v2/topics?detailed=true")
    assert listed.status_code == 200, listed.text
    assert [(t["name"], t["href"]) for t in listed.json["topics"]] == [("t", topic())]
    assert listed.json["topics"][0]["metadata"]["color"] == "blue"
    assert api.delete(topic()).status_code == 204
    assert api.get("/v2/topics").json["topics"] == []


def test_a_missing_topic_is_not_found_as_in_the_original(api: Api) -> None:
    resp = api.get(topic("nowhere"))
    assert_error(resp, 404, "Not found", f"Topic nowhere does not exist for project {PROJECT}")
    # Its stats are zeros, and deleting it is no error.
    stats = api.get(topic("nowhere") + "/stats")
    assert stats.status_code == 200, stats.text
    assert stats.json["messages"]["total"] == 0
    assert api.delete(topic("nowhere")).status_code == 204


def test_a_topic_and_the_queue_of_its_name_never_meet(api: Api) -> None:
    publish(api, "shared", "to the topic")
    posted = api.post(
        V2.queue("shared") + "/messages", json={"messages": [{"body": "to the queue"}]}
    )
    assert posted.status_code == 201, posted.text
    api.post(V2.queue("shared") + "/subscriptions", json={"subscriber": HOOK})

    def bodies(path: str) -> list[Any]:
        resp = api.get(path + "/messages?echo=true")
        assert resp.status_code == 200, resp.text
        return [m["body"] for m in resp.json["messages"]]

    assert bodies(topic("shared")) == ["to the topic"]
    assert bodies(V2.queue("shared")) == ["to the queue"]
    assert api.get(topic("shared") + "/subscriptions").json["subscriptions"] == []
    assert [q["name"] for q in api.get("/v2/queues").json["queues"]] == ["shared"]
    assert [t["name"] for t in api.get("/v2/topics").json["topics"]] == ["shared"]
    # Deleting the topic leaves the queue whole.
    assert api.delete(topic("shared")).status_code == 204
    assert bodies(V2.queue("shared")) == ["to the queue"]
    assert api.get("/v2/topics").json["topics"] == []


def test_messages_are_published_read_and_deleted_under_the_topic(api: Api) -> None:
    first, second = publish(api, "t", {"n": 1}, {"n": 2})
    listed = api.get(topic() + "/messages?echo=true")
    assert listed.status_code == 200, listed.text
    assert [m["href"] for m in listed.json["messages"]] == [
        f"{topic()}/messages/{first}",
        f"{topic()}/messages/{second}",
    ]
    one = api.get(f"{topic()}/messages/{first}")
    assert one.status_code == 200, one.text
    assert one.json["body"] == {"n": 1}
    by_ids = api.get(f"{topic()}/messages?ids={first},{second}")
    assert [m["id"] for m in by_ids.json["messages"]] == [first, second]
    stats = api.get(topic() + "/stats").json["messages"]
    assert (stats["total"], stats["free"], stats["claimed"]) == (2, 2, 0)
    assert stats["oldest"]["href"] == f"{topic()}/messages/{first}"
    assert api.delete(f"{topic()}/messages/{first}").status_code == 204
    missing = api.get(f"{topic()}/messages?ids={first}")
    assert_error(
        missing,
        404,
        "Not found",
        f"No messages with IDs: {[first]!r} found in the topic t for project {PROJECT}.",
    )
    assert api.delete(f"{topic()}/messages?ids={second}").status_code == 204
    assert api.get(topic() + "/stats").json["messages"]["total"] == 0


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_a_topic_has_no_claims(api: Api, method: str) -> None:
    publish(api, "t", "x")
    resp = api.request(method, topic() + "/claims", json={"ttl": 60, "grace": 60})
    assert resp.status_code == 404
    assert api.get(topic() + "/claims/abc").status_code == 404


def test_a_topic_name_is_checked_in_the_topics_words(api: Api) -> None:
    for path in (topic("bad name"), topic("x" * 65) + "/messages", topic("b@d") + "/stats"):
        resp = api.get(path)
        assert_error(resp, 400, "Invalid topic identification", BAD_NAME)


def test_a_topics_project_keeps_room_for_the_name_space_tag(api: Api) -> None:
    """Storage keeps a topic's project with its tag in the queues' column (256 characters):
    249 characters are left for the project."""
    assert api.put(topic(), project="p" * 249).status_code == 201
    resp = api.put(topic(), project="p" * 250)
    assert_error(resp, 400, "Invalid topic identification", BAD_NAME)
    # A queue's project may have all 256.
    assert api.put(V2.queue("q"), project="p" * 256).status_code == 201


def test_metadata_changes_with_a_json_patch(api: Api) -> None:
    api.put(topic(), json={"a": 1})
    resp = api.patch(
        topic(),
        json=[{"op": "add", "path": "/metadata/b", "value": 2}],
        content_type=JSON_PATCH,
    )
    assert resp.status_code == 200, resp.text
    assert (resp.json["a"], resp.json["b"]) == (1, 2)
    assert api.get(topic()).json["b"] == 2


def test_purge_needs_resource_types_in_its_body(api: Api) -> None:
    publish(api, "t", "x")
    api.post(topic() + "/subscriptions", json={"subscriber": HOOK})
    resp = api.post(topic() + "/purge", json={})
    assert_error(resp, 400, "Invalid API request", 'Post body must contain key "resource_types".')
    assert api.post(topic() + "/purge", json={"resource_types": ["messages"]}).status_code == 204
    assert api.get(topic() + "/stats").json["messages"]["total"] == 0
    assert len(api.get(topic() + "/subscriptions").json["subscriptions"]) == 1
    # No body: both.
    publish(api, "t", "y")
    assert api.post(topic() + "/purge").status_code == 204
    assert api.get(topic() + "/stats").json["messages"]["total"] == 0
    assert api.get(topic() + "/subscriptions").json["subscriptions"] == []


def test_subscriptions_of_a_topic(api: Api, clock: Clock) -> None:
    made = api.post(topic() + "/subscriptions", json={"subscriber": HOOK, "ttl": 600})
    assert made.status_code == 201, made.text
    assert made.headers["Location"] == topic() + "/subscriptions"
    sid = made.json["subscription_id"]
    one = topic() + f"/subscriptions/{sid}"
    got = api.get(one)
    assert got.status_code == 200, got.text
    assert (got.json["source"], got.json["subscriber"], got.json["ttl"]) == ("t", HOOK, 600)
    # Subscribing made the topic, as posting does.
    assert [t["name"] for t in api.get("/v2/topics").json["topics"]] == ["t"]
    assert api.patch(one, json={"ttl": 900}).status_code == 204
    assert api.get(one).json["ttl"] == 900
    assert api.put(one + "/confirm", json={"confirmed": True}).status_code == 204
    assert api.get(one).json["confirmed"] is True
    assert api.get(one + "/deliveries").json == {"deliveries": []}
    assert api.get(one + "/dead_letters").json == {"dead_letters": [], "links": []}
    assert api.delete(one).status_code == 204
    assert api.get(one).status_code == 404


def test_another_project_never_sees_a_topic(api: Api) -> None:
    publish(api, "t", "secret")
    other = "another-project"
    assert api.get("/v2/topics", project=other).json["topics"] == []
    assert api.get(topic() + "/messages?echo=true", project=other).json["messages"] == []
    assert api.get(topic(), project=other).status_code == 404
