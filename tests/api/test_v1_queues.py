"""Queues, their metadata and stats (SPEC §2.2-§2.4), and operations on missing queues (§4.9)."""

from __future__ import annotations

import re
import time

import pytest

from .support import EPOCH, PROJECT, Api, Clock, assert_error, assert_no_body

CREATED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def utc(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


# -- PUT / GET / HEAD / DELETE --------------------------------------------------------------------


def test_put_creates_a_queue_with_201_and_location(api: Api) -> None:
    resp = api.put("/v1/queues/fizbit")
    assert resp.status_code == 201
    assert resp.headers["Location"] == "/v1/queues/fizbit"
    assert_no_body(resp)


def test_put_on_an_existing_queue_is_204_with_location(api: Api) -> None:
    api.create_queue("fizbit")
    resp = api.put("/v1/queues/fizbit")
    assert resp.status_code == 204
    assert resp.headers["Location"] == "/v1/queues/fizbit"
    assert_no_body(resp)


def test_put_error_has_no_location(api: Api) -> None:
    resp = api.put("/v1/queues/bad!name")
    assert resp.status_code == 400
    assert "Location" not in resp.headers
    resp = api.put("/v1/queues/fizbit", project="")
    assert resp.status_code == 400
    assert "Location" not in resp.headers


@pytest.mark.parametrize(
    "body", [b'{"some": "metadata"}', b"[1, 2]", b"this is not json", b'{"_reserved": 1}']
)
def test_put_ignores_the_body(api: Api, body: bytes) -> None:
    resp = api.put("/v1/queues/fizbit", body=body)
    assert resp.status_code == 201
    assert api.get("/v1/queues/fizbit/metadata").json == {}


def test_put_on_an_existing_queue_keeps_its_metadata(api: Api) -> None:
    api.create_queue("fizbit")
    api.put("/v1/queues/fizbit/metadata", json={"keep": 1})
    assert api.put("/v1/queues/fizbit", json={"other": 2}).status_code == 204
    assert api.get("/v1/queues/fizbit/metadata").json == {"keep": 1}


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_existing_queue_is_204_with_content_location(api: Api, method: str) -> None:
    api.create_queue("fizbit")
    resp = api.request(method, "/v1/queues/fizbit")
    assert resp.status_code == 204
    assert resp.headers["Content-Location"] == "/v1/queues/fizbit"
    assert_no_body(resp)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_missing_queue_is_404_without_body(api: Api, method: str) -> None:
    resp = api.request(method, "/v1/queues/fizbit")
    assert resp.status_code == 404
    assert resp.headers["Content-Location"] == "/v1/queues/fizbit"
    assert_no_body(resp)


def test_delete_queue_is_204_and_the_queue_is_gone(api: Api) -> None:
    api.create_queue("fizbit")
    resp = api.delete("/v1/queues/fizbit")
    assert resp.status_code == 204
    assert_no_body(resp)
    assert api.get("/v1/queues/fizbit").status_code == 404
    assert api.get("/v1/queues").status_code == 204


def test_delete_missing_queue_is_204(api: Api) -> None:
    assert api.delete("/v1/queues/fizbit").status_code == 204
    assert api.delete("/v1/queues/fizbit").status_code == 204


def test_delete_queue_purges_its_messages_and_claims(api: Api) -> None:
    api.create_queue("fizbit")
    ids = api.post_messages("fizbit", 3)
    claim_id, _ = api.claim("fizbit", limit=1)
    api.put("/v1/queues/fizbit/metadata", json={"a": 1})
    assert api.delete("/v1/queues/fizbit").status_code == 204
    api.create_queue("fizbit")
    assert api.get("/v1/queues/fizbit/metadata").json == {}
    stats = api.get("/v1/queues/fizbit/stats").json
    assert stats == {"messages": {"claimed": 0, "free": 0, "total": 0}}
    assert api.get("/v1/queues/fizbit/messages?echo=true&include_claimed=true").status_code == 204
    assert api.get(f"/v1/queues/fizbit/messages?ids={','.join(ids)}").status_code == 204
    for message_id in ids:
        assert api.get(f"/v1/queues/fizbit/messages/{message_id}").status_code == 404
    assert api.get(f"/v1/queues/fizbit/claims/{claim_id}").status_code == 404


# -- listing --------------------------------------------------------------------------------------


def test_empty_queue_listing_is_204_without_body(api: Api) -> None:
    resp = api.get("/v1/queues")
    assert resp.status_code == 204
    assert_no_body(resp)


def test_queue_listing_is_sorted_by_name_in_byte_order(api: Api) -> None:
    names = ["beta", "Alpha", "alpha", "_under", "1first", "Zed", "a.b", "a-b", "a_b"]
    for name in names:
        api.create_queue(name)
    resp = api.get("/v1/queues?limit=20")
    assert resp.status_code == 200
    assert [q["name"] for q in resp.json["queues"]] == sorted(names)


def test_queue_listing_shape(api: Api) -> None:
    api.create_queue("q1")
    api.create_queue("q2")
    resp = api.get("/v1/queues")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.headers["Content-Location"] == "/v1/queues"
    assert resp.json == {
        "queues": [
            {"name": "q1", "href": "/v1/queues/q1"},
            {"name": "q2", "href": "/v1/queues/q2"},
        ],
        "links": [{"rel": "next", "href": "/v1/queues?marker=q2"}],
    }
    assert list(resp.json["queues"][0]) == ["name", "href"]


def test_detailed_queue_listing_includes_metadata(api: Api) -> None:
    api.create_queue("q1")
    api.create_queue("q2")
    api.put("/v1/queues/q1/metadata", json={"color": "red", "n": [1, 2]})
    resp = api.get("/v1/queues?detailed=true")
    assert resp.status_code == 200
    assert resp.json["queues"] == [
        {"name": "q1", "metadata": {"color": "red", "n": [1, 2]}, "href": "/v1/queues/q1"},
        {"name": "q2", "metadata": {}, "href": "/v1/queues/q2"},
    ]
    assert list(resp.json["queues"][0]) == ["name", "metadata", "href"]
    assert resp.json["links"] == [{"rel": "next", "href": "/v1/queues?detailed=true&marker=q2"}]
    plain = api.get("/v1/queues?detailed=false").json["queues"]
    assert all(set(q) == {"name", "href"} for q in plain)


def test_queue_listing_content_location_keeps_the_raw_query(api: Api) -> None:
    api.create_queue("q1")
    resp = api.get("/v1/queues?detailed=true&limit=5&foo=bar")
    assert resp.headers["Content-Location"] == "/v1/queues?detailed=true&limit=5&foo=bar"


@pytest.mark.parametrize(
    ("query", "link"),
    [
        ("limit=2&detailed=true", "/v1/queues?limit=2&detailed=true&marker=q2"),
        ("detailed=true&limit=2", "/v1/queues?limit=2&detailed=true&marker=q2"),
        ("limit=2", "/v1/queues?limit=2&marker=q2"),
        ("foo=bar&limit=2&echo=true", "/v1/queues?limit=2&marker=q2"),
        ("limit=2&detailed=True", "/v1/queues?limit=2&detailed=true&marker=q2"),
        ("limit=2&detailed=no", "/v1/queues?limit=2&detailed=false&marker=q2"),
        ("marker=q0&limit=2", "/v1/queues?marker=q2&limit=2"),
        ("limit=2&marker=q0&detailed=true", "/v1/queues?marker=q2&limit=2&detailed=true"),
    ],
)
def test_queue_listing_next_link_uses_recognised_params_in_server_order(
    api: Api, query: str, link: str
) -> None:
    for name in ["q1", "q2", "q3", "q4"]:
        api.create_queue(name)
    resp = api.get(f"/v1/queues?{query}")
    assert resp.status_code == 200
    assert resp.json["links"] == [{"rel": "next", "href": link}]


def test_following_queue_links_reaches_every_queue_once(api: Api) -> None:
    names = [f"queue-{n:02d}" for n in range(11)]
    for name in reversed(names):
        api.create_queue(name)
    seen: list[str] = []
    path = "/v1/queues?limit=3"
    pages = 0
    while True:
        resp = api.get(path)
        if resp.status_code == 204:
            break
        assert resp.status_code == 200
        pages += 1
        page = [q["name"] for q in resp.json["queues"]]
        assert len(page) <= 3
        seen.extend(page)
        path = resp.json["links"][0]["href"]
        # marker is read first, so once sent it stays in front
        expected = "/v1/queues?limit=3&marker=" if pages == 1 else "/v1/queues?marker="
        assert path.startswith(expected), path
        assert path.endswith(f"marker={page[-1]}") or path.endswith(f"={page[-1]}&limit=3")
    assert seen == names
    assert pages == 4


def test_last_page_still_has_a_next_link(api: Api) -> None:
    api.create_queue("only")
    resp = api.get("/v1/queues?limit=5")
    assert resp.json["links"] == [{"rel": "next", "href": "/v1/queues?limit=5&marker=only"}]
    assert api.get(resp.json["links"][0]["href"]).status_code == 204


def test_queue_listing_defaults_to_10_per_page(api: Api) -> None:
    for n in range(12):
        api.create_queue(f"q{n:02d}")
    assert len(api.get("/v1/queues").json["queues"]) == 10


@pytest.mark.parametrize("marker", ["zzz", "q3", "~"])
def test_queue_listing_marker_past_the_end_is_204(api: Api, marker: str) -> None:
    for name in ["q1", "q2", "q3"]:
        api.create_queue(name)
    resp = api.get(f"/v1/queues?marker={marker}")
    assert resp.status_code == 204
    assert_no_body(resp)


def test_queue_listing_marker_starts_after_a_name_that_need_not_exist(api: Api) -> None:
    for name in ["a", "c", "e"]:
        api.create_queue(name)
    assert [q["name"] for q in api.get("/v1/queues?marker=b").json["queues"]] == ["c", "e"]


# -- metadata -------------------------------------------------------------------------------------


def test_new_queue_metadata_is_an_empty_object(api: Api) -> None:
    api.create_queue("fizbit")
    resp = api.get("/v1/queues/fizbit/metadata")
    assert resp.status_code == 200
    assert resp.json == {}
    assert resp.headers["Content-Location"] == "/v1/queues/fizbit/metadata"
    assert resp.headers["Content-Type"].startswith("application/json")


def test_put_metadata_is_204_with_location(api: Api) -> None:
    api.create_queue("fizbit")
    resp = api.put("/v1/queues/fizbit/metadata", json={"a": 1})
    assert resp.status_code == 204
    assert resp.headers["Location"] == "/v1/queues/fizbit/metadata"
    assert_no_body(resp)


def test_put_metadata_replaces_rather_than_merges(api: Api) -> None:
    api.create_queue("fizbit")
    api.put("/v1/queues/fizbit/metadata", json={"a": 1, "b": 2})
    api.put("/v1/queues/fizbit/metadata", json={"c": 3})
    assert api.get("/v1/queues/fizbit/metadata").json == {"c": 3}
    api.put("/v1/queues/fizbit/metadata", json={})
    assert api.get("/v1/queues/fizbit/metadata").json == {}


def test_metadata_accepts_arbitrary_keys_and_values(api: Api) -> None:
    api.create_queue("fizbit")
    document = {
        "@queue": "at sign",
        "ключ": "значение",
        "中文": ["列表", {"嵌套": True}],
        "emoji 🎉": None,
        "long": "v" * 10000,
        "numbers": [0, -1, 1.5, 2**62],
        "": "empty key",
    }
    assert api.put("/v1/queues/fizbit/metadata", json=document).status_code == 204
    assert api.get("/v1/queues/fizbit/metadata").json == document


@pytest.mark.parametrize("method", ["GET", "PUT"])
@pytest.mark.parametrize("project", [PROJECT, None])
def test_metadata_of_a_missing_queue_is_404(api: Api, method: str, project: str | None) -> None:
    kwargs = {"json": {"a": 1}} if method == "PUT" else {}
    resp = api.request(method, "/v1/queues/fizbit/metadata", project=project, **kwargs)
    shown = "None" if project is None else project
    assert_error(resp, 404, "Not found", f"Queue fizbit does not exist for project {shown}")
    assert api.get("/v1/queues/fizbit", project=project).status_code == 404


# -- stats ----------------------------------------------------------------------------------------


def test_stats_of_an_empty_queue(api: Api) -> None:
    api.create_queue("fizbit")
    resp = api.get("/v1/queues/fizbit/stats")
    assert resp.status_code == 200
    assert resp.json == {"messages": {"claimed": 0, "free": 0, "total": 0}}
    assert resp.headers["Content-Location"] == "/v1/queues/fizbit/stats"


def test_stats_count_claimed_and_free_messages(api: Api, clock: Clock) -> None:
    api.create_queue("fizbit")
    first = api.post_messages("fizbit", 2)
    clock.advance(5)
    rest = api.post_messages("fizbit", 3)
    clock.advance(7)
    api.claim("fizbit", limit=2)
    resp = api.get("/v1/queues/fizbit/stats")
    assert resp.status_code == 200
    messages = resp.json["messages"]
    assert set(messages) == {"claimed", "free", "total", "oldest", "newest"}
    assert (messages["claimed"], messages["free"], messages["total"]) == (2, 3, 5)
    # oldest and newest include claimed messages
    assert messages["oldest"] == {
        "age": 12,
        "created": utc(EPOCH),
        "href": f"/v1/queues/fizbit/messages/{first[0]}",
    }
    assert messages["newest"] == {
        "age": 7,
        "created": utc(EPOCH + 5),
        "href": f"/v1/queues/fizbit/messages/{rest[-1]}",
    }
    assert sorted(messages["oldest"]) == ["age", "created", "href"]
    assert CREATED.match(messages["newest"]["created"])


def test_stats_follow_deletes_and_released_claims(api: Api) -> None:
    api.create_queue("fizbit")
    ids = api.post_messages("fizbit", 4)
    claim_id, _ = api.claim("fizbit", limit=3)
    api.delete(f"/v1/queues/fizbit/messages/{ids[0]}?claim_id={claim_id}")
    messages = api.get("/v1/queues/fizbit/stats").json["messages"]
    assert (messages["claimed"], messages["free"], messages["total"]) == (2, 1, 3)
    assert messages["oldest"]["href"] == f"/v1/queues/fizbit/messages/{ids[1]}"
    api.delete(f"/v1/queues/fizbit/claims/{claim_id}")
    messages = api.get("/v1/queues/fizbit/stats").json["messages"]
    assert (messages["claimed"], messages["free"], messages["total"]) == (0, 3, 3)


def test_stats_count_an_expired_claim_as_free(api: Api, clock: Clock) -> None:
    api.create_queue("fizbit")
    api.post_messages("fizbit", 2, ttl=3600)
    api.claim("fizbit", ttl=60, grace=60, limit=1)
    clock.advance(61)
    messages = api.get("/v1/queues/fizbit/stats").json["messages"]
    assert (messages["claimed"], messages["free"], messages["total"]) == (0, 2, 2)


def test_stats_with_one_message_have_the_same_oldest_and_newest(api: Api) -> None:
    api.create_queue("fizbit")
    [only] = api.post_messages("fizbit", 1)
    messages = api.get("/v1/queues/fizbit/stats").json["messages"]
    assert messages["oldest"] == messages["newest"]
    assert messages["oldest"]["href"] == f"/v1/queues/fizbit/messages/{only}"
    assert "?" not in messages["oldest"]["href"]


@pytest.mark.parametrize("project", [PROJECT, None])
def test_stats_of_a_missing_queue_is_404(api: Api, project: str | None) -> None:
    resp = api.get("/v1/queues/fizbit/stats", project=project)
    shown = "None" if project is None else project
    assert_error(resp, 404, "Not found", f"Queue fizbit does not exist for project {shown}")


# -- operations on a missing queue (SPEC §4.9) ----------------------------------------------------

MISSING_QUEUE_TABLE = [
    ("GET", "", None, 404),
    ("HEAD", "", None, 404),
    ("GET", "/metadata", None, 404),
    ("PUT", "/metadata", {"a": 1}, 404),
    ("GET", "/stats", None, 404),
    ("POST", "/messages", [{"ttl": 300, "body": 1}], 404),
    ("GET", "/messages", None, 204),
    ("GET", "/messages?echo=true&include_claimed=true", None, 204),
    ("GET", "/messages?ids={mid}", None, 204),
    ("DELETE", "/messages?ids={mid}", None, 204),
    ("GET", "/messages/{mid}", None, 404),
    ("DELETE", "/messages/{mid}", None, 204),
    ("DELETE", "/messages/{mid}?claim_id={cid}", None, 204),
    ("POST", "/claims", {"ttl": 300, "grace": 60}, 204),
    ("GET", "/claims/{cid}", None, 404),
    ("PATCH", "/claims/{cid}", {"ttl": 300, "grace": 60}, 404),
    ("DELETE", "/claims/{cid}", None, 204),
    ("DELETE", "", None, 204),
]


@pytest.mark.parametrize(
    ("method", "suffix", "document", "status"),
    MISSING_QUEUE_TABLE,
    ids=[f"{m} {s or '/'}" for m, s, _, _ in MISSING_QUEUE_TABLE],
)
def test_operation_on_a_missing_queue(
    api: Api, method: str, suffix: str, document: object, status: int
) -> None:
    # Real, well-formed ids from another queue of the same project.
    api.create_queue("elsewhere")
    [mid] = api.post_messages("elsewhere", 1)
    cid, _ = api.claim("elsewhere")
    path = "/v1/queues/missing" + suffix.format(mid=mid, cid=cid)
    kwargs = {"json": document} if document is not None else {}
    resp = api.request(method, path, **kwargs)
    assert resp.status_code == status, resp.text
    if status == 204 or method == "HEAD":
        assert_no_body(resp)
    elif method in ("PUT", "POST") or suffix.startswith(("/metadata", "/stats")):
        assert_error(resp, 404, "Not found", f"Queue missing does not exist for project {PROJECT}")
    # nothing was created, and the other queue is untouched
    assert api.get("/v1/queues/missing").status_code == 404
    assert api.get(f"/v1/queues/elsewhere/claims/{cid}").status_code == 200
    assert api.get(f"/v1/queues/elsewhere/messages/{mid}").status_code == 200
