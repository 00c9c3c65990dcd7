"""Claims: create, get, renew, release, expiry and TTL extension (SPEC §2.10, §4.4, §4.5)."""

from __future__ import annotations

import pytest

from .support import ID_PATTERN, PROJECT, Api, Clock, assert_error, assert_no_body, message_id

CLAIM_KEYS = {"age", "ttl", "href", "messages"}
MESSAGE_KEYS = {"href", "ttl", "age", "body"}


@pytest.fixture
def q(api: Api) -> Api:
    api.create_queue("q")
    return api


def claim_not_found(claim_id: str, queue: str = "q", project: str | None = PROJECT) -> str:
    return f"Claim {claim_id} does not exist in queue {queue} for project {project}"


def visible(api: Api) -> list[str]:
    """Ids of the messages a listing shows (unclaimed ones), in order."""
    return [message_id(m["href"]) for m in api.list_all("q")]


# -- POST -----------------------------------------------------------------------------------------


def test_claim_is_201_with_location_and_a_bare_array(q: Api, clock: Clock) -> None:
    ids = q.post_messages("q", 3, ttl=3600)
    clock.advance(4)
    resp = q.post("/v1/queues/q/claims", json={"ttl": 300, "grace": 60})
    assert resp.status_code == 201
    assert resp.headers["Content-Type"].startswith("application/json")
    location = resp.headers["Location"]
    assert location.startswith("/v1/queues/q/claims/")
    claim_id = location.rsplit("/", 1)[1]
    assert ID_PATTERN.match(claim_id)
    assert isinstance(resp.json, list)
    assert resp.json == [
        {
            "href": f"/v1/queues/q/messages/{mid}?claim_id={claim_id}",
            "ttl": 3600,
            "age": 4,
            "body": {"n": n},
        }
        for n, mid in enumerate(ids)
    ]


def test_claim_takes_the_oldest_messages_first_up_to_limit(q: Api) -> None:
    ids = q.post_messages("q", 5)
    _, first = q.claim("q", limit=2)
    assert [message_id(m["href"]) for m in first] == ids[:2]
    _, second = q.claim("q", limit=2)
    assert [message_id(m["href"]) for m in second] == ids[2:4]
    _, third = q.claim("q", limit=2)
    assert [message_id(m["href"]) for m in third] == ids[4:]
    assert q.post("/v1/queues/q/claims", json={"ttl": 300, "grace": 60}).status_code == 204


def test_claim_limit_defaults_to_10(q: Api) -> None:
    q.post_messages("q", 12)
    _, claimed = q.claim("q")
    assert len(claimed) == 10


def test_claim_limit_20_takes_20(q: Api) -> None:
    q.post_messages("q", 25)
    _, claimed = q.claim("q", limit=20)
    assert len(claimed) == 20


def test_claims_never_share_a_message(q: Api) -> None:
    q.post_messages("q", 7)
    seen: list[str] = []
    claim_ids = set()
    for _ in range(4):
        claim_id, claimed = q.claim("q", limit=2)
        claim_ids.add(claim_id)
        seen.extend(message_id(m["href"]) for m in claimed)
    assert len(seen) == 7 == len(set(seen))
    assert len(claim_ids) == 4


@pytest.mark.parametrize("setup", ["empty", "all-claimed", "missing-queue"])
def test_nothing_to_claim_is_204_without_body_or_location(api: Api, setup: str) -> None:
    if setup != "missing-queue":
        api.create_queue("q")
    if setup == "all-claimed":
        api.post_messages("q", 2)
        api.claim("q")
    resp = api.post("/v1/queues/q/claims", json={"ttl": 300, "grace": 60})
    assert resp.status_code == 204
    assert_no_body(resp)
    assert "Location" not in resp.headers


def test_a_client_can_claim_its_own_messages(q: Api) -> None:
    q.post_messages("q", 1)
    assert q.get("/v1/queues/q/messages").status_code == 204  # echo hides them
    _, claimed = q.claim("q")
    assert len(claimed) == 1


def test_claim_validates_before_looking_for_the_queue(api: Api) -> None:
    resp = api.post("/v1/queues/nowhere/claims", json={"ttl": 1, "grace": 60})
    assert resp.status_code == 400


# -- TTL extension --------------------------------------------------------------------------------


def test_claim_extends_a_shorter_lived_message_to_claim_ttl_plus_grace(q: Api) -> None:
    [mid] = q.post_messages("q", ttl=100)
    _, claimed = q.claim("q", ttl=300, grace=60)
    assert claimed[0]["ttl"] == 360
    assert q.get(f"/v1/queues/q/messages/{mid}").json["ttl"] == 360


def test_claim_keeps_a_message_alive_until_claim_expiry_plus_grace(q: Api, clock: Clock) -> None:
    [mid] = q.post_messages("q", ttl=100)
    clock.advance(10)
    q.claim("q", ttl=300, grace=60)
    clock.advance(300 + 59)  # its own ttl is long past; the claim expired 59 s ago
    message = q.get(f"/v1/queues/q/messages/{mid}")
    assert message.status_code == 200
    assert message.json["age"] == 369
    assert visible(q) == [mid]
    clock.advance(1)
    assert q.get(f"/v1/queues/q/messages/{mid}").status_code == 404


@pytest.mark.parametrize("ttl", [1000, 300, 301, 320, 360])
def test_claim_leaves_a_message_that_outlives_the_claim_alone(q: Api, ttl: int) -> None:
    [mid] = q.post_messages("q", ttl=ttl)
    _, claimed = q.claim("q", ttl=300, grace=60)
    assert claimed[0]["ttl"] == ttl
    assert q.get(f"/v1/queues/q/messages/{mid}").json["ttl"] == ttl


def test_claim_extension_counts_the_message_age(q: Api, clock: Clock) -> None:
    # posted with ttl 400 at t=0, claimed at t=200 for 300 s: the message would die at 400,
    # before the claim does at 500, so it is extended to 500 + 60.
    [mid] = q.post_messages("q", ttl=400)
    clock.advance(200)
    _, claimed = q.claim("q", ttl=300, grace=60)
    assert claimed[0]["ttl"] == 360
    assert claimed[0]["age"] == 200
    clock.advance(359)
    assert q.get(f"/v1/queues/q/messages/{mid}").status_code == 200
    clock.advance(1)
    assert q.get(f"/v1/queues/q/messages/{mid}").status_code == 404


def test_released_claim_does_not_shrink_the_extended_ttl(q: Api) -> None:
    [mid] = q.post_messages("q", ttl=100)
    claim_id, _ = q.claim("q", ttl=300, grace=60)
    assert q.delete(f"/v1/queues/q/claims/{claim_id}").status_code == 204
    assert q.get(f"/v1/queues/q/messages/{mid}").json["ttl"] == 360


# -- GET ------------------------------------------------------------------------------------------


def test_get_claim_shape(q: Api, clock: Clock) -> None:
    ids = q.post_messages("q", 2, ttl=3600)
    claim_id, _ = q.claim("q", ttl=120, grace=60)
    clock.advance(5)
    resp = q.get(f"/v1/queues/q/claims/{claim_id}", client_id=None)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.headers["Content-Location"] == f"/v1/queues/q/claims/{claim_id}"
    assert set(resp.json) == CLAIM_KEYS
    assert resp.json == {
        "age": 5,
        "ttl": 120,
        "href": f"/v1/queues/q/claims/{claim_id}",
        "messages": [
            {
                "href": f"/v1/queues/q/messages/{mid}?claim_id={claim_id}",
                "ttl": 3600,
                "age": 5,
                "body": {"n": n},
            }
            for n, mid in enumerate(ids)
        ],
    }


def test_get_claim_content_location_keeps_the_query(q: Api) -> None:
    q.post_messages("q", 1)
    claim_id, _ = q.claim("q")
    resp = q.get(f"/v1/queues/q/claims/{claim_id}?x=1")
    assert resp.headers["Content-Location"] == f"/v1/queues/q/claims/{claim_id}?x=1"
    assert resp.json["href"] == f"/v1/queues/q/claims/{claim_id}"


def test_get_claim_lists_only_its_undeleted_messages(q: Api) -> None:
    ids = q.post_messages("q", 4)
    claim_id, _ = q.claim("q", limit=3)
    q.delete(f"/v1/queues/q/messages/{ids[1]}?claim_id={claim_id}")
    messages = q.get(f"/v1/queues/q/claims/{claim_id}").json["messages"]
    assert [message_id(m["href"]) for m in messages] == [ids[0], ids[2]]
    for message in messages:
        assert set(message) == MESSAGE_KEYS


def test_claim_age_resets_when_patched(q: Api, clock: Clock) -> None:
    q.post_messages("q", 1, ttl=3600)
    claim_id, _ = q.claim("q", ttl=300, grace=60)
    path = f"/v1/queues/q/claims/{claim_id}"
    clock.advance(10)
    assert q.get(path).json["age"] == 10
    assert q.patch(path, json={"ttl": 200, "grace": 60}).status_code == 204
    claim = q.get(path).json
    assert (claim["age"], claim["ttl"]) == (0, 200)
    clock.advance(3)
    assert q.get(path).json["age"] == 3


@pytest.mark.parametrize("project", [PROJECT, None])
def test_get_claim_after_all_its_messages_are_deleted_is_404(api: Api, project: str | None) -> None:
    api.create_queue("q", project=project)
    ids = api.post_messages("q", 2, project=project)
    claim_id, _ = api.claim("q", project=project)
    for mid in ids:
        resp = api.delete(f"/v1/queues/q/messages/{mid}?claim_id={claim_id}", project=project)
        assert resp.status_code == 204
    resp = api.get(f"/v1/queues/q/claims/{claim_id}", project=project)
    shown = "None" if project is None else project
    assert_error(
        resp, 404, "Not found", f"Claim {claim_id} does not exist in queue q for project {shown}"
    )


@pytest.mark.parametrize("claim_id", ["malformed", "0" * 32, "abc-def_123", "0" * 24])
def test_get_unknown_or_malformed_claim_is_404(q: Api, claim_id: str) -> None:
    q.post_messages("q", 1)
    q.claim("q")
    resp = q.get(f"/v1/queues/q/claims/{claim_id}")
    assert_error(resp, 404, "Not found", claim_not_found(claim_id))


def test_get_claim_through_another_queue_is_404(q: Api) -> None:
    q.create_queue("other")
    q.post_messages("q", 1)
    claim_id, _ = q.claim("q")
    resp = q.get(f"/v1/queues/other/claims/{claim_id}")
    assert_error(resp, 404, "Not found", claim_not_found(claim_id, "other"))


# -- PATCH ----------------------------------------------------------------------------------------


def test_patch_is_204_and_renews_the_claim(q: Api, clock: Clock) -> None:
    ids = q.post_messages("q", 2, ttl=3600)
    claim_id, _ = q.claim("q", ttl=60, grace=60, limit=1)
    path = f"/v1/queues/q/claims/{claim_id}"
    clock.advance(50)
    resp = q.patch(path, json={"ttl": 120, "grace": 60})
    assert resp.status_code == 204
    assert_no_body(resp)
    clock.advance(100)  # past the original expiry (60), within the renewed one (170)
    claim = q.get(path)
    assert claim.status_code == 200
    assert claim.json["ttl"] == 120
    assert visible(q) == [ids[1]]
    clock.advance(21)
    assert q.get(path).status_code == 404
    assert visible(q) == ids


def test_patch_extends_short_lived_messages_with_its_grace(q: Api) -> None:
    [mid] = q.post_messages("q", ttl=60)
    claim_id, claimed = q.claim("q", ttl=120, grace=60)
    assert claimed[0]["ttl"] == 180
    q.patch(f"/v1/queues/q/claims/{claim_id}", json={"ttl": 300, "grace": 100})
    assert q.get(f"/v1/queues/q/messages/{mid}").json["ttl"] == 400
    messages = q.get(f"/v1/queues/q/claims/{claim_id}").json["messages"]
    assert messages[0]["ttl"] == 400


def test_patch_grace_defaults_to_zero(q: Api, clock: Clock) -> None:
    [mid] = q.post_messages("q", ttl=60)
    claim_id, _ = q.claim("q", ttl=60, grace=60)
    assert q.patch(f"/v1/queues/q/claims/{claim_id}", json={"ttl": 300}).status_code == 204
    assert q.get(f"/v1/queues/q/messages/{mid}").json["ttl"] == 300
    clock.advance(299)
    assert q.get(f"/v1/queues/q/messages/{mid}").status_code == 200
    clock.advance(1)
    assert q.get(f"/v1/queues/q/messages/{mid}").status_code == 404


@pytest.mark.parametrize("grace", [0, 10, 59, 43201, 100000, -5])
def test_patch_grace_is_not_range_checked(q: Api, grace: int) -> None:
    q.post_messages("q", 1, ttl=3600)
    claim_id, _ = q.claim("q")
    resp = q.patch(f"/v1/queues/q/claims/{claim_id}", json={"ttl": 300, "grace": grace})
    assert resp.status_code == 204


@pytest.mark.parametrize("grace", [2**63 - 1, -(2**63)])
def test_patch_with_an_extreme_grace_is_never_a_server_error(q: Api, grace: int) -> None:
    # The message dies before the renewed claim does, so the grace is applied to it.
    [mid] = q.post_messages("q", 1, ttl=60)
    claim_id, _ = q.claim("q", ttl=60, grace=60)
    resp = q.patch(f"/v1/queues/q/claims/{claim_id}", json={"ttl": 1000, "grace": grace})
    assert resp.status_code == 204 or 400 <= resp.status_code < 500, resp.text
    if resp.status_code != 204:
        assert set(resp.json) == {"title", "description"}
    assert q.get(f"/v1/queues/q/messages/{mid}").status_code in (200, 404)


@pytest.mark.parametrize("ttl", [59, 43201, 0])
def test_patch_ttl_out_of_range_is_rejected(q: Api, ttl: int) -> None:
    q.post_messages("q", 1)
    claim_id, _ = q.claim("q")
    resp = q.patch(f"/v1/queues/q/claims/{claim_id}", json={"ttl": ttl})
    assert_error(
        resp,
        400,
        "Invalid API request",
        "The TTL for a claim may not exceed 43200 seconds, and must be at least 60 seconds long.",
    )


@pytest.mark.parametrize(
    ("document", "description"),
    [
        ({}, 'Missing "ttl" field.'),
        ({"grace": 60}, 'Missing "ttl" field.'),
        ({"ttl": "300"}, 'The value of the "ttl" field must be a int.'),
        ({"ttl": 300.0}, 'The value of the "ttl" field must be a int.'),
    ],
)
def test_patch_body_needs_an_integer_ttl(
    q: Api, document: dict[str, object], description: str
) -> None:
    q.post_messages("q", 1)
    claim_id, _ = q.claim("q")
    resp = q.patch(f"/v1/queues/q/claims/{claim_id}", json=document)
    assert_error(resp, 400, "Invalid request body", description)


@pytest.mark.parametrize("claim_id", ["malformed", "0" * 32])
def test_patch_unknown_claim_is_404(q: Api, claim_id: str) -> None:
    q.post_messages("q", 1)
    q.claim("q")
    resp = q.patch(f"/v1/queues/q/claims/{claim_id}", json={"ttl": 300, "grace": 60})
    assert_error(resp, 404, "Not found", claim_not_found(claim_id))


def test_patch_expired_claim_is_404_and_does_not_reclaim(q: Api, clock: Clock) -> None:
    [mid] = q.post_messages("q", 1, ttl=3600)
    claim_id, _ = q.claim("q", ttl=60, grace=60)
    clock.advance(61)
    resp = q.patch(f"/v1/queues/q/claims/{claim_id}", json={"ttl": 300, "grace": 60})
    assert_error(resp, 404, "Not found", claim_not_found(claim_id))
    assert visible(q) == [mid]


def test_patch_released_claim_is_404(q: Api) -> None:
    q.post_messages("q", 1)
    claim_id, _ = q.claim("q")
    q.delete(f"/v1/queues/q/claims/{claim_id}")
    resp = q.patch(f"/v1/queues/q/claims/{claim_id}", json={"ttl": 300})
    assert_error(resp, 404, "Not found", claim_not_found(claim_id))


# -- DELETE (release) -----------------------------------------------------------------------------


def test_release_is_204_and_frees_the_messages(q: Api) -> None:
    ids = q.post_messages("q", 3)
    claim_id, _ = q.claim("q", limit=2)
    assert visible(q) == [ids[2]]
    resp = q.delete(f"/v1/queues/q/claims/{claim_id}")
    assert resp.status_code == 204
    assert_no_body(resp)
    assert visible(q) == ids
    assert q.get(f"/v1/queues/q/claims/{claim_id}").status_code == 404
    stats = q.get("/v1/queues/q/stats").json["messages"]
    assert (stats["claimed"], stats["free"]) == (0, 3)
    # and they can be claimed again, under a new id
    new_id, claimed = q.claim("q")
    assert new_id != claim_id
    assert [message_id(m["href"]) for m in claimed] == ids


def test_release_leaves_other_claims_alone(q: Api) -> None:
    q.post_messages("q", 2)
    first, _ = q.claim("q", limit=1)
    second, _ = q.claim("q", limit=1)
    q.delete(f"/v1/queues/q/claims/{first}")
    assert q.get(f"/v1/queues/q/claims/{second}").status_code == 200


@pytest.mark.parametrize("claim_id", ["malformed", "0" * 32, "abc-def_123"])
def test_release_of_an_unknown_claim_is_204(q: Api, claim_id: str) -> None:
    q.post_messages("q", 1)
    live, _ = q.claim("q")
    resp = q.delete(f"/v1/queues/q/claims/{claim_id}")
    assert resp.status_code == 204
    assert_no_body(resp)
    assert q.get(f"/v1/queues/q/claims/{live}").status_code == 200


def test_release_twice_is_204(q: Api) -> None:
    q.post_messages("q", 1)
    claim_id, _ = q.claim("q")
    assert q.delete(f"/v1/queues/q/claims/{claim_id}").status_code == 204
    assert q.delete(f"/v1/queues/q/claims/{claim_id}").status_code == 204


# -- expiry ---------------------------------------------------------------------------------------


def test_expired_claim_frees_its_messages_automatically(q: Api, clock: Clock) -> None:
    ids = q.post_messages("q", 2, ttl=3600)
    claim_id, _ = q.claim("q", ttl=60, grace=60)
    path = f"/v1/queues/q/claims/{claim_id}"
    clock.advance(59)
    assert q.get(path).status_code == 200
    assert q.post("/v1/queues/q/claims", json={"ttl": 60, "grace": 60}).status_code == 204
    clock.advance(1)
    assert_error(q.get(path), 404, "Not found", claim_not_found(claim_id))
    assert visible(q) == ids
    stats = q.get("/v1/queues/q/stats").json["messages"]
    assert (stats["claimed"], stats["free"], stats["total"]) == (0, 2, 2)
    new_id, claimed = q.claim("q")
    assert new_id != claim_id
    assert [message_id(m["href"]) for m in claimed] == ids
    assert all(f"claim_id={new_id}" in m["href"] for m in claimed)


def test_claim_count_is_not_visible_in_v1(q: Api, clock: Clock) -> None:
    q.post_messages("q", 1, ttl=3600)
    q.claim("q", ttl=60, grace=60)
    clock.advance(61)
    claim_id, claimed = q.claim("q")
    assert set(claimed[0]) == MESSAGE_KEYS
    assert set(q.get(f"/v1/queues/q/claims/{claim_id}").json) == CLAIM_KEYS
