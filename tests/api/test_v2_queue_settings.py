"""What only v2 does with a queue's reserved settings (SPEC §5.2): they apply to what is
posted, and reading a queue shows every setting, with its default where the queue has none.
v1.1 validates the same settings but shows only what is stored."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from .support import Api, assert_error
from .versions import V1_1, V2

DEFAULTS = {
    "_max_messages_post_size": 262144,
    "_default_message_ttl": 3600,
    "_default_message_delay": 0,
    "_dead_letter_queue": None,
    "_dead_letter_queue_messages_ttl": None,
    "_max_claim_count": None,
    "_enable_encrypt_messages": False,
}


def test_a_queue_shows_every_setting_with_its_default(api: Api) -> None:
    assert api.get(V2.queue("missing")).json == DEFAULTS
    api.put(V2.queue("q"), json={"_default_message_ttl": 120, "colour": "blue"})
    assert api.get(V2.queue("q")).json == {
        **DEFAULTS,
        "_default_message_ttl": 120,
        "colour": "blue",
    }
    detailed = api.get(V2.prefix + "/queues?detailed=true").json["queues"]
    assert detailed[0]["metadata"] == {**DEFAULTS, "_default_message_ttl": 120, "colour": "blue"}


def test_v1_1_shows_only_what_is_stored(api: Api) -> None:
    assert api.get(V1_1.queue("missing")).json == {}
    api.put(V1_1.queue("q"), json={"_default_message_ttl": 120})
    assert api.get(V1_1.queue("q")).json == {"_default_message_ttl": 120}


def test_a_message_posted_without_ttl_takes_the_queues_default_ttl(api: Api) -> None:
    api.put(V2.queue("q"), json={"_default_message_ttl": 120})
    resp = api.post(
        V2.queue("q") + "/messages", json={"messages": [{"body": 1}, {"body": 2, "ttl": 60}]}
    )
    ttls = [api.get(href).json["ttl"] for href in resp.json["resources"]]
    assert ttls == [120, 60]
    # v1.1 takes the configured default, whatever the queue says.
    resp = api.post(V1_1.queue("q") + "/messages", json={"messages": [{"body": 3}]})
    assert api.get(resp.json["resources"][0]).json["ttl"] == 3600


# -- PATCH with a JSON patch

PATCH_TYPE = "application/openstack-messaging-v2.0-json-patch"


def _patch(api: Api, queue: str, changes: object, content_type: str = PATCH_TYPE) -> Any:
    return api.patch(V2.queue(queue), json=changes, content_type=content_type)


def test_a_patch_adds_replaces_and_removes_keys_and_answers_the_whole_metadata(
    api: Api,
) -> None:
    api.put(V2.queue("q"), json={"colour": "blue", "size": 1})
    resp = _patch(
        api,
        "q",
        [
            {"op": "add", "path": "/metadata/shape", "value": "round"},
            {"op": "replace", "path": "/metadata/colour", "value": "red"},
            {"op": "remove", "path": "/metadata/size"},
            {"op": "replace", "path": "/metadata/_default_message_ttl", "value": 120},
        ],
    )
    assert resp.status_code == 200, resp.text
    expected = {**DEFAULTS, "colour": "red", "shape": "round", "_default_message_ttl": 120}
    assert resp.json == expected
    assert api.get(V2.queue("q")).json == expected


def test_python_zaqarclients_metadata_update_removes_the_reserved_defaults_it_read(
    api: Api,
) -> None:
    """zaqarclient sends ``remove`` for every key it read but the new metadata lacks,
    reserved defaults included: removing a setting the queue does not have is no conflict."""
    api.put(V2.queue("q"))
    changes = [{"op": "remove", "path": f"/metadata/{key}"} for key in DEFAULTS]
    changes.append({"op": "add", "path": "/metadata/owner", "value": "heat"})
    resp = _patch(api, "q", changes)
    assert resp.status_code == 200, resp.text
    assert resp.json == {**DEFAULTS, "owner": "heat"}


@pytest.mark.parametrize("op", ["replace", "remove"])
def test_changing_a_key_that_is_not_there_is_a_conflict(api: Api, op: str) -> None:
    api.put(V2.queue("q"), json={"kept": 1})
    change = {"op": op, "path": "/metadata/ghost", "value": 1}
    resp = _patch(api, "q", [change])
    word = "replace" if op == "replace" else "remove"
    assert_error(resp, 409, "Resource conflict", f"Can't {word} non-existent object ghost.")
    assert api.get(V2.queue("q")).json["kept"] == 1


def test_a_patch_needs_its_media_type(api: Api) -> None:
    api.put(V2.queue("q"))
    resp = _patch(api, "q", [], content_type="application/json")
    assert resp.status_code == 415
    assert resp.headers["Accept-Patch"] == PATCH_TYPE
    assert resp.json["description"] == (
        "Accepted media type for PATCH: {'Accept-Patch': "
        "'application/openstack-messaging-v2.0-json-patch'}."
    )


@pytest.mark.parametrize(
    ("changes", "description"),
    [
        ({"op": "add"}, "Request body must be a JSON array of operation objects."),
        (["add"], "Operations must be JSON objects."),
        (
            [{"path": "/metadata/a"}],
            "Unable to find `op` in JSON Schema change. It must be one "
            "of the following: add, remove, replace.",
        ),
        (
            [{"op": "move", "path": "/metadata/a"}],
            "Invalid operation: `move`. It must be one of the following: add, remove, replace.",
        ),
        ([{"op": "add", "value": 1}], "Unable to find 'path' in JSON Schema change"),
        (
            [{"op": "add", "path": "metadata/a", "value": 1}],
            'Pointer `metadata/a` does not start with "/".',
        ),
        (
            [{"op": "add", "path": "/metadata/a/b", "value": 1}],
            "Invalid JSON pointer for this resource: '/metadata/a/b, e.g /metadata/key'",
        ),
        (
            [{"op": "add", "path": "/other/a", "value": 1}],
            "The root of path must be metadata, e.g /metadata/key.",
        ),
        (
            [{"op": "add", "path": "/metadata/a"}],
            'Operation "add" requires a member named "value".',
        ),
        (
            [{"op": "add", "path": "/metadata/_default_message_ttl", "value": 1}],
            "_default_message_ttl can not exceed 1209600 seconds, and must be at least 60 seconds "
            "long.",
        ),
    ],
)
def test_a_malformed_patch_is_refused_and_changes_nothing(
    api: Api, changes: object, description: str
) -> None:
    api.put(V2.queue("q"), json={"kept": 1})
    assert_error(_patch(api, "q", changes), 400, "Invalid request body", description)
    assert api.get(V2.queue("q")).json == {**DEFAULTS, "kept": 1}


def test_a_patch_without_a_body_or_of_a_missing_queue_is_refused(api: Api) -> None:
    api.put(V2.queue("q"))
    resp = api.patch(V2.queue("q"), headers={"Content-Type": PATCH_TYPE})
    assert_error(resp, 400, "Invalid request body", "PATCH body could not be empty for update.")
    resp = _patch(api, "ghost", [{"op": "add", "path": "/metadata/a", "value": 1}])
    assert resp.status_code == 404
    assert api.get(V2.prefix + "/queues").json["queues"] == [{"name": "q", "href": V2.queue("q")}]


def test_two_patches_at_once_lose_neither_change(api: Api) -> None:
    """Each patch reads and writes through a compare-and-set: of two at once, the second
    sees the first's result (the storage suite runs the same race on every driver)."""
    api.put(V2.queue("q"))
    threads = [
        threading.Thread(
            target=_patch,
            args=(api, "q", [{"op": "add", "path": f"/metadata/k{n}", "value": n}]),
        )
        for n in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    metadata = api.get(V2.queue("q")).json
    assert {key: metadata[key] for key in metadata if key.startswith("k")} == {
        f"k{n}": n for n in range(6)
    }


# -- purge


def test_a_purge_removes_every_message_claimed_or_not_and_keeps_the_queue(api: Api) -> None:
    api.put(V2.queue("q"), json={"kept": True})
    for _ in range(3):
        api.post(V2.queue("q") + "/messages", json={"messages": [{"body": n} for n in range(10)]})
    api.post(V2.queue("q") + "/claims?limit=5")
    assert api.post(V2.queue("q") + "/purge").status_code == 204
    assert api.get(V2.queue("q") + "/stats").json["messages"]["total"] == 0
    assert api.get(V2.queue("q")).json["kept"] is True
    resp = api.post(V2.queue("q") + "/purge", json={"resource_types": ["messages"]})
    assert resp.status_code == 204
    assert api.post(V2.queue("ghost") + "/purge").status_code == 204


def test_a_purge_of_subscriptions_only_leaves_the_messages(api: Api) -> None:
    api.post(V2.queue("q") + "/messages", json={"messages": [{"body": 1}]})
    resp = api.post(V2.queue("q") + "/purge", json={"resource_types": ["subscriptions"]})
    assert resp.status_code == 204
    assert api.get(V2.queue("q") + "/stats").json["messages"]["total"] == 1


@pytest.mark.parametrize(
    ("document", "description"),
    [
        ({}, 'Post body must contain key "resource_types".'),
        (
            {"resource_types": ["messages", "claims"]},
            "Resource types must be a sub set of {'messages', 'subscriptions'}.",
        ),
        (
            {"resource_types": "messages"},
            "Resource types must be a sub set of {'messages', 'subscriptions'}.",
        ),
    ],
)
def test_a_purge_of_unknown_resource_types_is_refused(
    api: Api, document: object, description: str
) -> None:
    api.post(V2.queue("q") + "/messages", json={"messages": [{"body": 1}]})
    assert_error(
        api.post(V2.queue("q") + "/purge", json=document), 400, "Invalid API request", description
    )
    assert api.get(V2.queue("q") + "/stats").json["messages"]["total"] == 1


# -- listing filters


def _names(resp: Any) -> list[str]:
    assert resp.status_code == 200, resp.text
    return [queue["name"] for queue in resp.json["queues"]]


def test_a_listing_filters_by_name_and_metadata_and_pages_through_the_matches(
    api: Api,
) -> None:
    for n in range(12):
        api.put(V2.queue(f"orders-{n:02d}"), json={"region": "eu" if n % 3 else "us", "n": n})
    api.put(V2.queue("billing"), json={"region": "eu"})

    assert _names(api.get(V2.prefix + "/queues?name=bill")) == ["billing"]
    eu = api.get(V2.prefix + "/queues?name=orders&region=eu&limit=3")
    assert _names(eu) == ["orders-01", "orders-02", "orders-04"]
    # The next link keeps the filters, and the pages together hold every match once.
    seen = _names(eu)
    path = eu.json["links"][0]["href"]
    for _ in range(10):
        page = api.get(path)
        if not page.json["queues"]:
            break
        seen += _names(page)
        path = page.json["links"][0]["href"]
    assert seen == [f"orders-{n:02d}" for n in range(12) if n % 3]
    # A value that reads as an integer matches the integer stored.
    assert _names(api.get(V2.prefix + "/queues?n=7")) == ["orders-07"]
    assert _names(api.get(V2.prefix + "/queues?region=mars")) == []


def test_with_count_adds_the_number_of_the_projects_queues(api: Api) -> None:
    assert "count" not in api.get(V2.prefix + "/queues?with_count=true").json
    for n in range(3):
        api.put(V2.queue(f"q{n}"))
    api.put(V2.queue("elsewhere"), project="other")
    resp = api.get(V2.prefix + "/queues?with_count=true&limit=1")
    assert resp.json["count"] == 3
    assert len(resp.json["queues"]) == 1
    assert "count" not in api.get(V2.prefix + "/queues").json


def test_v1_1_has_no_listing_filters(api: Api) -> None:
    api.put(V1_1.queue("a"), json={"x": 1})
    api.put(V1_1.queue("b"), json={"x": 2})
    resp = api.get(V1_1.prefix + "/queues?x=1&name=zzz&with_count=true")
    assert _names(resp) == ["a", "b"]
    assert "count" not in resp.json


def test_a_queues_own_post_size_limit_applies_when_smaller(api: Api) -> None:
    api.put(V2.queue("small"), json={"_max_messages_post_size": 64})
    big = {"messages": [{"body": "x" * 80}]}
    assert_error(
        api.post(V2.queue("small") + "/messages", json=big),
        400,
        "Invalid API request",
        "Message collection size is too large. Max size 64",
    )
    assert (
        api.post(V2.queue("small") + "/messages", json={"messages": [{"body": 1}]}).status_code
        == 201
    )
    # v1.1 does not read the queue's settings.
    assert api.post(V1_1.queue("small") + "/messages", json=big).status_code == 201
