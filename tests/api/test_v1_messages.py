"""Messages: post, list, get, bulk get/delete, single delete (SPEC §2.5-§2.9, §4.2-§4.4, §4.6)."""

from __future__ import annotations

from typing import Any

import pytest

from .support import (
    CLIENT_ID,
    ID_PATTERN,
    OTHER_CLIENT_ID,
    PROJECT,
    Api,
    Clock,
    assert_error,
    assert_no_body,
    message_id,
)

UNABLE = "Unable to delete"
CLAIMED = "This message is claimed; it cannot be deleted without a valid claim ID."
NOT_CLAIMED = "A claim was specified, but the message is not currently claimed."
BAD_CLAIM = "The specified claim does not exist or has expired."
MESSAGE_KEYS = {"href", "ttl", "age", "body"}


@pytest.fixture
def q(api: Api) -> Api:
    api.create_queue("q")
    return api


def not_found(message: str, queue: str = "q", project: str | None = PROJECT) -> str:
    return f"Message {message} does not exist in queue {queue} for project {project}"


def bodies(messages: list[dict[str, Any]]) -> list[Any]:
    return [m["body"] for m in messages]


# -- POST -----------------------------------------------------------------------------------------


def test_post_is_201_with_location_listing_the_ids_in_order(q: Api) -> None:
    batch = [{"ttl": 300, "body": {"n": n}} for n in range(3)]
    resp = q.post("/v1/queues/q/messages", json=batch)
    assert resp.status_code == 201
    assert resp.headers["Content-Type"].startswith("application/json")
    assert set(resp.json) == {"resources", "partial"}
    assert resp.json["partial"] is False
    hrefs = resp.json["resources"]
    assert len(hrefs) == 3
    ids = [message_id(href) for href in hrefs]
    for href, mid in zip(hrefs, ids, strict=True):
        assert href == f"/v1/queues/q/messages/{mid}"
        assert ID_PATTERN.match(mid)
    assert len(set(ids)) == 3
    assert resp.headers["Location"] == f"/v1/queues/q/messages?ids={','.join(ids)}"
    # posting order is kept
    assert [q.get(href).json["body"] for href in hrefs] == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_post_location_lists_the_posted_messages(q: Api) -> None:
    resp = q.post("/v1/queues/q/messages", json=[{"ttl": 60, "body": n} for n in range(2)])
    listed = q.get(resp.headers["Location"])
    assert listed.status_code == 200
    assert sorted(bodies(listed.json)) == [0, 1]


@pytest.mark.parametrize(
    "body",
    [None, "text", 42, -1.5, True, [1, "two", None], {"nested": {"deep": [{}]}}, "中文 🎉", {}],
)
def test_message_body_can_be_any_json_value(q: Api, body: Any) -> None:
    [mid] = q.post_messages("q", bodies=[body])
    resp = q.get(f"/v1/queues/q/messages/{mid}")
    assert resp.status_code == 200
    assert resp.json["body"] == body


def test_unknown_message_fields_are_dropped(q: Api) -> None:
    resp = q.post(
        "/v1/queues/q/messages",
        json=[{"ttl": 120, "body": "b", "delay": 30, "id": "mine", "claim_id": "x"}],
    )
    assert resp.status_code == 201
    message = q.get(resp.json["resources"][0]).json
    assert set(message) == MESSAGE_KEYS
    assert message["ttl"] == 120
    # delay is not applied in v1: the message is listable immediately
    listed = q.get("/v1/queues/q/messages", client_id=OTHER_CLIENT_ID)
    assert bodies(listed.json["messages"]) == ["b"]


@pytest.mark.parametrize("project", [PROJECT, None])
def test_post_to_a_missing_queue_is_404(api: Api, project: str | None) -> None:
    resp = api.post("/v1/queues/nowhere/messages", json=[{"ttl": 60, "body": 1}], project=project)
    assert_error(resp, 404, "Not found", f"Queue nowhere does not exist for project {project}")
    assert "Location" not in resp.headers


# -- GET one --------------------------------------------------------------------------------------


def test_get_message_shape(q: Api, clock: Clock) -> None:
    [mid] = q.post_messages("q", bodies=[{"event": "created"}], ttl=300)
    clock.advance(5)
    resp = q.get(f"/v1/queues/q/messages/{mid}", client_id=None)
    assert resp.status_code == 200
    assert resp.json == {
        "href": f"/v1/queues/q/messages/{mid}",
        "ttl": 300,
        "age": 5,
        "body": {"event": "created"},
    }
    assert resp.headers["Content-Location"] == f"/v1/queues/q/messages/{mid}"


def test_get_message_content_location_keeps_the_query(q: Api) -> None:
    [mid] = q.post_messages("q")
    resp = q.get(f"/v1/queues/q/messages/{mid}?foo=bar")
    assert resp.headers["Content-Location"] == f"/v1/queues/q/messages/{mid}?foo=bar"


def test_get_claimed_message_needs_no_claim_id_and_shows_none(q: Api) -> None:
    [mid] = q.post_messages("q")
    q.claim("q")
    resp = q.get(f"/v1/queues/q/messages/{mid}")
    assert resp.status_code == 200
    assert resp.json["href"] == f"/v1/queues/q/messages/{mid}"
    assert set(resp.json) == MESSAGE_KEYS


def test_get_message_unknown_malformed_or_deleted_is_404(q: Api) -> None:
    [gone] = q.post_messages("q")
    q.delete(f"/v1/queues/q/messages/{gone}")
    for mid in [gone, "0" * 32, "malformed", "abc-def_123"]:
        resp = q.get(f"/v1/queues/q/messages/{mid}")
        assert_error(resp, 404, "Not found", not_found(mid))


def test_get_message_through_another_queue_is_404(q: Api) -> None:
    q.create_queue("other")
    [mid] = q.post_messages("q")
    resp = q.get(f"/v1/queues/other/messages/{mid}")
    assert_error(resp, 404, "Not found", not_found(mid, "other"))


def test_message_not_found_prints_a_missing_project_as_none(api: Api) -> None:
    api.create_queue("q", project=None)
    resp = api.get("/v1/queues/q/messages/abc", project=None)
    assert_error(resp, 404, "Not found", "Message abc does not exist in queue q for project None")


def test_expired_message_is_gone_everywhere(q: Api, clock: Clock) -> None:
    [short] = q.post_messages("q", ttl=60, bodies=["short"])
    [long] = q.post_messages("q", ttl=120, bodies=["long"])
    clock.advance(59)
    assert q.get(f"/v1/queues/q/messages/{short}").status_code == 200
    clock.advance(2)
    assert q.get(f"/v1/queues/q/messages/{short}").status_code == 404
    assert q.get(f"/v1/queues/q/messages/{long}").json["age"] == 61
    assert bodies(q.list_all("q")) == ["long"]
    assert bodies(q.get(f"/v1/queues/q/messages?ids={short},{long}").json) == ["long"]
    _, claimed = q.claim("q")
    assert bodies(claimed) == ["long"]
    # the claim (300 s + 60 s grace from t=61) keeps "long" alive past its own ttl
    clock.advance(200)
    assert q.get(f"/v1/queues/q/messages/{long}").json["ttl"] == 360
    clock.advance(160)
    assert q.get("/v1/queues/q/messages?echo=true&include_claimed=true").status_code == 204
    assert q.get(f"/v1/queues/q/messages/{long}").status_code == 404


# -- listing --------------------------------------------------------------------------------------


def test_listing_shape(q: Api, clock: Clock) -> None:
    ids = q.post_messages("q", 2, ttl=200)
    clock.advance(3)
    resp = q.get("/v1/queues/q/messages?echo=true")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.headers["Content-Location"] == "/v1/queues/q/messages?echo=true"
    assert set(resp.json) == {"messages", "links"}
    assert resp.json["messages"] == [
        {"href": f"/v1/queues/q/messages/{ids[0]}", "ttl": 200, "age": 3, "body": {"n": 0}},
        {"href": f"/v1/queues/q/messages/{ids[1]}", "ttl": 200, "age": 3, "body": {"n": 1}},
    ]
    [link] = resp.json["links"]
    assert set(link) == {"rel", "href"}
    assert link["rel"] == "next"
    assert link["href"].startswith("/v1/queues/q/messages?echo=true&marker=")


@pytest.mark.parametrize(
    ("query", "prefix"),
    [
        ("echo=true&limit=3", "/v1/queues/q/messages?limit=3&echo=true&marker="),
        ("limit=3&echo=true", "/v1/queues/q/messages?limit=3&echo=true&marker="),
        (
            "include_claimed=true&echo=yes&limit=3&foo=1",
            "/v1/queues/q/messages?limit=3&echo=true&include_claimed=true&marker=",
        ),
        (
            "echo=1&include_claimed=0&limit=3",
            "/v1/queues/q/messages?limit=3&echo=true&include_claimed=false&marker=",
        ),
    ],
)
def test_listing_next_link_uses_recognised_params_in_server_order(
    q: Api, query: str, prefix: str
) -> None:
    q.post_messages("q", 5)
    resp = q.get(f"/v1/queues/q/messages?{query}")
    href = resp.json["links"][0]["href"]
    assert href.startswith(prefix), href
    assert href.count("marker=") == 1
    assert len(href) > len(prefix)


def test_listing_next_link_keeps_a_sent_marker_in_place(q: Api) -> None:
    q.post_messages("q", 6)
    first = q.get("/v1/queues/q/messages?limit=2&echo=true").json["links"][0]["href"]
    marker = first.rsplit("marker=", 1)[1]
    resp = q.get(f"/v1/queues/q/messages?echo=true&limit=2&marker={marker}")
    href = resp.json["links"][0]["href"]
    assert href.startswith("/v1/queues/q/messages?marker=")
    assert href.endswith("&limit=2&echo=true")


def test_paging_is_stable_and_gap_free(q: Api) -> None:
    posted: list[str] = []
    for size in (10, 10, 5):
        start = len(posted)
        posted.extend(q.post_messages("q", bodies=[{"n": start + n} for n in range(size)]))
    seen: list[dict[str, Any]] = []
    path = "/v1/queues/q/messages?limit=7&echo=true"
    pages = []
    while True:
        resp = q.get(path)
        if resp.status_code == 204:
            break
        assert resp.status_code == 200
        page = resp.json["messages"]
        pages.append(len(page))
        seen.extend(page)
        path = resp.json["links"][0]["href"]
    assert pages == [7, 7, 7, 4]
    assert [message_id(m["href"]) for m in seen] == posted
    assert bodies(seen) == [{"n": n} for n in range(25)]


def test_paging_sees_messages_posted_after_the_last_page(q: Api) -> None:
    q.post_messages("q", 2)
    resp = q.get("/v1/queues/q/messages?echo=true")
    link = resp.json["links"][0]["href"]
    assert q.get(link).status_code == 204
    q.post_messages("q", bodies=["later"])
    assert bodies(q.get(link).json["messages"]) == ["later"]


def test_listing_defaults_to_10_messages(q: Api) -> None:
    q.post_messages("q", 12)
    assert len(q.get("/v1/queues/q/messages?echo=true").json["messages"]) == 10


def test_empty_queue_listing_is_204_with_content_location(q: Api) -> None:
    resp = q.get("/v1/queues/q/messages?limit=5")
    assert resp.status_code == 204
    assert_no_body(resp)
    assert resp.headers["Content-Location"] == "/v1/queues/q/messages?limit=5"


@pytest.mark.parametrize("marker", ["not-a-marker", "abc", "1.5", "%20", "zzzz"])
def test_malformed_marker_is_204(q: Api, marker: str) -> None:
    q.post_messages("q", 3)
    resp = q.get(f"/v1/queues/q/messages?echo=true&marker={marker}")
    assert resp.status_code == 204
    assert_no_body(resp)


@pytest.mark.parametrize("marker", ["99999999999999999999999", "9223372036854775808"])
def test_marker_beyond_any_integer_range_is_204(q: Api, marker: str) -> None:
    q.post_messages("q", 3)
    resp = q.get(f"/v1/queues/q/messages?echo=true&marker={marker}")
    assert resp.status_code == 204, resp.text
    assert_no_body(resp)


def test_marker_past_the_end_is_204(q: Api) -> None:
    q.post_messages("q", 3)
    link = q.get("/v1/queues/q/messages?echo=true").json["links"][0]["href"]
    assert q.get(link).status_code == 204


def test_markers_of_one_queue_page_another_queue_without_error(q: Api) -> None:
    q.create_queue("other")
    q.post_messages("q", 3)
    link = q.get("/v1/queues/q/messages?echo=true&limit=1").json["links"][0]["href"]
    marker = link.rsplit("marker=", 1)[1]
    resp = q.get(f"/v1/queues/other/messages?echo=true&marker={marker}")
    assert resp.status_code == 204


# -- echo -----------------------------------------------------------------------------------------


def test_own_messages_are_hidden_without_echo(q: Api) -> None:
    q.post_messages("q", 2)
    resp = q.get("/v1/queues/q/messages")
    assert resp.status_code == 204
    assert q.get("/v1/queues/q/messages?echo=false").status_code == 204
    assert len(q.get("/v1/queues/q/messages?echo=true").json["messages"]) == 2


def test_other_clients_see_messages_without_echo(q: Api) -> None:
    q.post_messages("q", bodies=["mine"])
    q.post_messages("q", bodies=["theirs"], client_id=OTHER_CLIENT_ID)
    assert bodies(q.get("/v1/queues/q/messages").json["messages"]) == ["theirs"]
    theirs = q.get("/v1/queues/q/messages", client_id=OTHER_CLIENT_ID)
    assert bodies(theirs.json["messages"]) == ["mine"]


@pytest.mark.parametrize(
    ("posting", "listing"),
    [
        (CLIENT_ID, CLIENT_ID.replace("-", "")),
        (CLIENT_ID.replace("-", ""), CLIENT_ID),
        (CLIENT_ID, CLIENT_ID.upper()),
        (CLIENT_ID, "urn:uuid:" + CLIENT_ID),
    ],
)
def test_echo_compares_client_ids_as_uuids(q: Api, posting: str, listing: str) -> None:
    q.post_messages("q", 1, client_id=posting)
    assert q.get("/v1/queues/q/messages", client_id=listing).status_code == 204
    assert q.get("/v1/queues/q/messages?echo=true", client_id=listing).status_code == 200


def test_echo_hides_own_messages_in_the_middle_of_a_page(q: Api) -> None:
    q.post_messages("q", bodies=["a"], client_id=OTHER_CLIENT_ID)
    q.post_messages("q", bodies=["mine"])
    q.post_messages("q", bodies=["b"], client_id=OTHER_CLIENT_ID)
    assert bodies(q.get("/v1/queues/q/messages").json["messages"]) == ["a", "b"]
    assert bodies(q.list_all("q", "limit=1")) == ["a", "b"]


# -- include_claimed ------------------------------------------------------------------------------


def test_claimed_messages_are_hidden_unless_include_claimed(q: Api) -> None:
    ids = q.post_messages("q", 4)
    claim_id, _ = q.claim("q", limit=2)
    visible = q.get("/v1/queues/q/messages?echo=true").json["messages"]
    assert [message_id(m["href"]) for m in visible] == ids[2:]
    resp = q.get("/v1/queues/q/messages?echo=true&include_claimed=true")
    listed = resp.json["messages"]
    assert [message_id(m["href"]) for m in listed] == ids
    for message in listed:
        assert "claim_id" not in message["href"]
        assert "?" not in message["href"]
        assert set(message) == MESSAGE_KEYS
    assert claim_id not in resp.text


def test_all_claimed_lists_as_204(q: Api) -> None:
    q.post_messages("q", 2)
    q.claim("q")
    assert q.get("/v1/queues/q/messages?echo=true").status_code == 204


def test_include_claimed_paging_reaches_every_message(q: Api) -> None:
    ids = q.post_messages("q", 5)
    q.claim("q", limit=3)
    listed = q.list_all("q", "echo=true&include_claimed=true&limit=2")
    assert [message_id(m["href"]) for m in listed] == ids


def test_messages_reappear_when_their_claim_expires(q: Api, clock: Clock) -> None:
    ids = q.post_messages("q", 2, ttl=3600)
    q.claim("q", ttl=60, grace=60, limit=1)
    assert len(q.list_all("q")) == 1
    clock.advance(59)
    assert len(q.list_all("q")) == 1
    clock.advance(2)
    assert [message_id(m["href"]) for m in q.list_all("q")] == ids


# -- get by ids -----------------------------------------------------------------------------------


def test_get_by_ids_returns_a_bare_array(q: Api, clock: Clock) -> None:
    ids = q.post_messages("q", 3, ttl=100)
    clock.advance(2)
    query = f"ids={ids[2]},{ids[0]}"
    resp = q.get(f"/v1/queues/q/messages?{query}", client_id=None)
    assert resp.status_code == 200
    assert resp.headers["Content-Location"] == f"/v1/queues/q/messages?{query}"
    assert isinstance(resp.json, list)
    by_id = {message_id(m["href"]): m for m in resp.json}
    assert set(by_id) == {ids[0], ids[2]}
    assert by_id[ids[0]] == {
        "href": f"/v1/queues/q/messages/{ids[0]}",
        "ttl": 100,
        "age": 2,
        "body": {"n": 0},
    }
    assert set(by_id[ids[2]]) == MESSAGE_KEYS


def test_get_by_ids_ignores_echo(q: Api) -> None:
    ids = q.post_messages("q", 2)
    resp = q.get(f"/v1/queues/q/messages?ids={','.join(ids)}&echo=false")
    assert len(resp.json) == 2


def test_get_by_ids_skips_unknown_malformed_and_foreign_ids(q: Api) -> None:
    q.create_queue("other")
    [foreign] = q.post_messages("other", 1)
    [mine] = q.post_messages("q", 1)
    [gone] = q.post_messages("q", 1)
    q.delete(f"/v1/queues/q/messages/{gone}")
    query = ",".join([foreign, "malformed", mine, "0" * 32, gone])
    resp = q.get(f"/v1/queues/q/messages?ids={query}")
    assert resp.status_code == 200
    assert [message_id(m["href"]) for m in resp.json] == [mine]


def test_get_by_ids_with_nothing_found_is_204(q: Api) -> None:
    resp = q.get("/v1/queues/q/messages?ids=nothing,here")
    assert resp.status_code == 204
    assert_no_body(resp)
    assert resp.headers["Content-Location"] == "/v1/queues/q/messages?ids=nothing,here"


def test_get_by_ids_includes_claimed_messages_without_claim_id(q: Api) -> None:
    ids = q.post_messages("q", 2)
    claim_id, _ = q.claim("q")
    resp = q.get(f"/v1/queues/q/messages?ids={','.join(ids)}")
    assert resp.status_code == 200
    assert sorted(m["href"] for m in resp.json) == sorted(
        f"/v1/queues/q/messages/{mid}" for mid in ids
    )
    assert claim_id not in resp.text


# -- delete by ids --------------------------------------------------------------------------------


def test_delete_by_ids_is_204_and_deletes_only_those(q: Api) -> None:
    ids = q.post_messages("q", 4)
    resp = q.delete(f"/v1/queues/q/messages?ids={ids[0]},{ids[2]}")
    assert resp.status_code == 204
    assert_no_body(resp)
    remaining = q.list_all("q")
    assert [message_id(m["href"]) for m in remaining] == [ids[1], ids[3]]


def test_delete_by_ids_ignores_claims(q: Api) -> None:
    ids = q.post_messages("q", 3)
    claim_id, _ = q.claim("q", limit=2)
    assert q.delete(f"/v1/queues/q/messages?ids={ids[0]},{ids[1]}").status_code == 204
    assert q.get(f"/v1/queues/q/messages?ids={ids[0]},{ids[1]}").status_code == 204
    assert q.get(f"/v1/queues/q/claims/{claim_id}").status_code == 404


def test_delete_by_ids_tolerates_unknown_ids_and_missing_queues(q: Api) -> None:
    [mid] = q.post_messages("q", 1)
    assert q.delete("/v1/queues/q/messages?ids=unknown,0000,malformed!").status_code == 204
    assert q.delete(f"/v1/queues/nowhere/messages?ids={mid}").status_code == 204
    assert q.get(f"/v1/queues/q/messages/{mid}").status_code == 200


def test_delete_by_ids_leaves_other_queues_alone(q: Api) -> None:
    q.create_queue("other")
    [mid] = q.post_messages("other", 1)
    assert q.delete(f"/v1/queues/q/messages?ids={mid}").status_code == 204
    assert q.get(f"/v1/queues/other/messages/{mid}").status_code == 200


# -- single DELETE: the decision table of SPEC §2.9, in order -------------------------------------


def _deleted(api: Api, mid: str) -> bool:
    return api.get(f"/v1/queues/q/messages/{mid}").status_code == 404


def test_delete_row1_malformed_message_id_is_a_noop_even_with_a_malformed_claim_id(
    q: Api,
) -> None:
    q.post_messages("q", 1)
    for path in [
        "/v1/queues/q/messages/malformed",
        "/v1/queues/q/messages/malformed?claim_id=also-malformed!",
        "/v1/queues/q/messages/malformed?claim_id=x",
    ]:
        resp = q.delete(path)
        assert resp.status_code == 204
        assert_no_body(resp)
    assert q.get("/v1/queues/q/stats").json["messages"]["total"] == 1


def test_delete_row2_malformed_claim_id_is_400_even_if_the_message_does_not_exist(
    q: Api,
) -> None:
    [gone] = q.post_messages("q", 1)
    q.delete(f"/v1/queues/q/messages/{gone}")
    resp = q.delete(f"/v1/queues/q/messages/{gone}?claim_id=not-a-claim")
    assert_error(resp, 400, UNABLE, BAD_CLAIM)


def test_delete_row2_malformed_claim_id_is_400_for_an_existing_message(q: Api) -> None:
    [mid] = q.post_messages("q", 1)
    q.claim("q")
    resp = q.delete(f"/v1/queues/q/messages/{mid}?claim_id=bogus")
    assert_error(resp, 400, UNABLE, BAD_CLAIM)
    assert not _deleted(q, mid)


def test_delete_row3_message_not_found_is_204(q: Api) -> None:
    [gone, other] = q.post_messages("q", 2)
    claim_id, _ = q.claim("q", limit=1)
    q.delete(f"/v1/queues/q/messages/{gone}?claim_id={claim_id}")
    assert q.delete(f"/v1/queues/q/messages/{gone}").status_code == 204
    assert q.delete(f"/v1/queues/q/messages/{gone}?claim_id={claim_id}").status_code == 204
    assert not _deleted(q, other)


def test_delete_row4_actively_claimed_without_claim_id_is_403(q: Api) -> None:
    [mid] = q.post_messages("q", 1)
    q.claim("q")
    resp = q.delete(f"/v1/queues/q/messages/{mid}")
    assert_error(resp, 403, UNABLE, CLAIMED)
    assert not _deleted(q, mid)


def test_delete_row5_unclaimed_without_claim_id_is_deleted(q: Api) -> None:
    [mid] = q.post_messages("q", 1)
    resp = q.delete(f"/v1/queues/q/messages/{mid}")
    assert resp.status_code == 204
    assert_no_body(resp)
    assert _deleted(q, mid)


def test_delete_row5_expired_claim_without_claim_id_is_deleted(q: Api, clock: Clock) -> None:
    [mid] = q.post_messages("q", 1, ttl=3600)
    q.claim("q", ttl=60, grace=60)
    clock.advance(61)
    assert q.delete(f"/v1/queues/q/messages/{mid}").status_code == 204
    assert _deleted(q, mid)


def test_delete_row5_released_claim_without_claim_id_is_deleted(q: Api) -> None:
    [mid] = q.post_messages("q", 1)
    claim_id, _ = q.claim("q")
    q.delete(f"/v1/queues/q/claims/{claim_id}")
    assert q.delete(f"/v1/queues/q/messages/{mid}").status_code == 204
    assert _deleted(q, mid)


def test_delete_row6_with_its_current_claim_id_is_deleted(q: Api) -> None:
    [mid, other] = q.post_messages("q", 2)
    claim_id, claimed = q.claim("q")
    href = next(m["href"] for m in claimed if message_id(m["href"]) == mid)
    assert href == f"/v1/queues/q/messages/{mid}?claim_id={claim_id}"
    resp = q.delete(href)
    assert resp.status_code == 204
    assert_no_body(resp)
    assert _deleted(q, mid)
    assert not _deleted(q, other)


def test_delete_row6_with_its_expired_claim_id_not_reclaimed_is_deleted(
    q: Api, clock: Clock
) -> None:
    [mid] = q.post_messages("q", 1, ttl=3600)
    claim_id, _ = q.claim("q", ttl=60, grace=60)
    clock.advance(120)
    assert q.delete(f"/v1/queues/q/messages/{mid}?claim_id={claim_id}").status_code == 204
    assert _deleted(q, mid)


def test_delete_row7_other_claim_id_while_actively_claimed_is_403(q: Api) -> None:
    [first, second] = q.post_messages("q", 2)
    claim_a, _ = q.claim("q", limit=1)
    claim_b, _ = q.claim("q", limit=1)
    resp = q.delete(f"/v1/queues/q/messages/{first}?claim_id={claim_b}")
    assert_error(resp, 403, UNABLE, CLAIMED)
    resp = q.delete(f"/v1/queues/q/messages/{second}?claim_id={claim_a}")
    assert_error(resp, 403, UNABLE, CLAIMED)
    assert not _deleted(q, first) and not _deleted(q, second)


def test_delete_row7_stale_claim_id_after_reclaim_is_403(q: Api, clock: Clock) -> None:
    [mid] = q.post_messages("q", 1, ttl=3600)
    old, _ = q.claim("q", ttl=60, grace=60)
    clock.advance(61)
    new, _ = q.claim("q", ttl=60, grace=60)
    assert new != old
    resp = q.delete(f"/v1/queues/q/messages/{mid}?claim_id={old}")
    assert_error(resp, 403, UNABLE, CLAIMED)
    assert not _deleted(q, mid)


def test_delete_row8_claim_id_for_a_released_message_is_400(q: Api) -> None:
    [mid] = q.post_messages("q", 1)
    claim_id, _ = q.claim("q")
    q.delete(f"/v1/queues/q/claims/{claim_id}")
    resp = q.delete(f"/v1/queues/q/messages/{mid}?claim_id={claim_id}")
    assert_error(resp, 400, UNABLE, NOT_CLAIMED)
    assert not _deleted(q, mid)


def test_delete_row8_claim_id_for_a_never_claimed_message_is_400(q: Api) -> None:
    [claimed, free] = q.post_messages("q", 2)
    claim_id, _ = q.claim("q", limit=1)
    resp = q.delete(f"/v1/queues/q/messages/{free}?claim_id={claim_id}")
    assert_error(resp, 400, UNABLE, NOT_CLAIMED)
    assert not _deleted(q, free)


def test_delete_row8_other_claim_id_after_expiry_is_400(q: Api, clock: Clock) -> None:
    [first, second] = q.post_messages("q", 2, ttl=3600)
    claim_a, _ = q.claim("q", ttl=60, grace=60, limit=1)
    claim_b, _ = q.claim("q", ttl=600, grace=60, limit=1)
    clock.advance(61)
    resp = q.delete(f"/v1/queues/q/messages/{first}?claim_id={claim_b}")
    assert_error(resp, 400, UNABLE, NOT_CLAIMED)
    assert not _deleted(q, first)


def test_delete_message_of_a_missing_queue_is_204(api: Api) -> None:
    api.create_queue("q")
    [mid] = api.post_messages("q", 1)
    assert api.delete(f"/v1/queues/nowhere/messages/{mid}").status_code == 204
    assert not _deleted(api, mid)
