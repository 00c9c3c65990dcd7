"""The v1 pools admin API (SPEC §2.12): ``/v1/pools`` with ``admin_mode`` and ``pooling``.

Each test gets a pooled deployment of its own: the management store is a SQLite file in
``tmp_path``, pools are further SQLite files there, and the Redis pool uses the test Redis
server (``tests.backends.REDIS_URL``, db 7) under a key prefix private to the test, deleted
afterwards. Pools are created through the API itself.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

import zaqar.conf
from tests.backends import REDIS_URL
from tests.faults import free_port
from zaqar import bootstrap
from zaqar.storage.pooling import driver as pooling
from zaqar.transport.wsgi import auth

from .conftest import MakePooled, configure_pooled
from .support import PROJECT, Api, assert_error, assert_no_body

BAD_BODY = "Invalid request body"
BAD_NAME = (
    "Invalid pool name",
    "Pool names are 1 to 64 characters: ASCII letters, digits, '_' and '-'.",
)
URI_IN_USE = ("Resource conflict", "The database URI is in use by another pool.")
NO_POOL = (
    "Service temporarily unavailable",
    "No pool can take new queues. Please try again in a few seconds.",
)


@pytest.fixture
def api(make_pooled: MakePooled) -> Api:
    return make_pooled()


def sqlite_uri(tmp_path: Path, name: str) -> str:
    return f"sqlite:///{tmp_path / (name + '.sqlite')}"


def sqlite_pool(tmp_path: Path, name: str, weight: int = 1) -> dict[str, Any]:
    return {"weight": weight, "uri": sqlite_uri(tmp_path, name), "options": {"purge_interval": 0}}


def create_pool(api: Api, name: str, body: dict[str, Any]) -> None:
    resp = api.put(f"/v1/pools/{name}", json=body)
    assert resp.status_code == 201, resp.text
    assert resp.headers["Location"] == f"/v1/pools/{name}"
    assert_no_body(resp)


def pool_names(api: Api) -> list[str]:
    resp = api.get("/v1/pools?limit=20")
    assert resp.status_code == 200, resp.text
    return [pool["name"] for pool in resp.json["pools"]]


# -- where the routes exist ---------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"DEFAULT.admin_mode": False},
        {"DEFAULT.pooling": False},
        {"DEFAULT.admin_mode": False, "DEFAULT.pooling": False},
    ],
    ids=["no-admin-mode", "no-pooling", "neither"],
)
def test_the_pools_routes_are_404_without_admin_mode_and_pooling(
    make_pooled: MakePooled, tmp_path: Path, overrides: dict[str, bool]
) -> None:
    api = make_pooled(**overrides)
    for method, path, body in [
        ("GET", "/v1/pools", None),
        ("PUT", "/v1/pools/p1", sqlite_pool(tmp_path, "p1")),
        ("GET", "/v1/pools/p1", None),
        ("PATCH", "/v1/pools/p1", {"weight": 2}),
        ("DELETE", "/v1/pools/p1", None),
    ]:
        resp = api.request(method, path, json=body) if body else api.request(method, path)
        assert_error(resp, 404, "404 Not Found")
    assert not (tmp_path / "p1.sqlite").exists()


def test_under_keystone_only_a_token_with_the_admin_role_reaches_the_pools(
    tmp_path: Path,
) -> None:
    from keystoneauth1 import fixture as token_fixtures
    from keystonemiddleware import fixture as keystone_fixture
    from keystonemiddleware.auth_token import _opts

    def token(role: str) -> str:
        data = token_fixtures.V3Token(project_id="admin-project", user_id=f"user-{role}")
        data.add_role(name=role)
        token_id: str = keystone.add_token(data)
        return token_id

    keystone = keystone_fixture.AuthTokenFixture()
    keystone.setUp()
    conf = zaqar.conf.load([], default_config_files=[])
    for group, opts in _opts.list_opts():
        conf.register_opts(opts, group=group)
    configure_pooled(
        conf,
        tmp_path,
        {
            "DEFAULT.admin_mode": True,
            "DEFAULT.pooling": True,
            "DEFAULT.auth_strategy": "keystone",
            "keystone_authtoken.www_authenticate_uri": "http://127.0.0.1:9/identity/v3",
        },
    )
    boot = bootstrap.Bootstrap(conf)
    try:
        stack = Api(boot.transport.wsgi, boot)
        member, admin = token("member"), token("admin")

        assert stack.get("/v1/pools", headers={"X-Auth-Token": None}).status_code == 401
        for method, body in [("PUT", sqlite_pool(tmp_path, "p1")), ("GET", None)]:
            resp = stack.request(
                method,
                "/v1/pools/p1",
                json=body,
                headers={"X-Auth-Token": member, "X-Roles": "admin"},
            )
            assert_error(resp, 403, *auth.NOT_AUTHORIZED)
        assert not (tmp_path / "p1.sqlite").exists()

        resp = stack.put(
            "/v1/pools/p1", json=sqlite_pool(tmp_path, "p1"), headers={"X-Auth-Token": admin}
        )
        assert resp.status_code == 201, resp.text
        resp = stack.get("/v1/pools/p1", headers={"X-Auth-Token": admin})
        assert resp.status_code == 200, resp.text
        assert resp.json["name"] == "p1"
    finally:
        boot.close()
        keystone.cleanUp()


# -- create and read ------------------------------------------------------------------------


def test_put_creates_a_pool_that_get_and_the_listing_show(api: Api, tmp_path: Path) -> None:
    create_pool(api, "p1", sqlite_pool(tmp_path, "p1", weight=100))

    resp = api.get("/v1/pools/p1")
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Location"] == "/v1/pools/p1"
    assert resp.json == {
        "name": "p1",
        "uri": sqlite_uri(tmp_path, "p1"),
        "weight": 100,
        "flavor": None,
        "href": "/v1/pools/p1",
    }
    detailed = api.get("/v1/pools/p1?detailed=true")
    assert detailed.headers["Content-Location"] == "/v1/pools/p1?detailed=true"
    assert detailed.json == {**resp.json, "options": {"purge_interval": 0}}

    listing = api.get("/v1/pools")
    assert listing.status_code == 200
    assert listing.json == {
        "pools": [resp.json],
        "links": [{"rel": "next", "href": "/v1/pools?marker=p1"}],
    }


def test_put_without_options_stores_none(api: Api, tmp_path: Path) -> None:
    create_pool(api, "bare", {"weight": 0, "uri": sqlite_uri(tmp_path, "bare")})
    assert api.get("/v1/pools/bare?detailed=true").json["options"] == {}


def test_put_on_an_existing_pool_replaces_it_and_answers_201_again(
    api: Api, tmp_path: Path
) -> None:
    create_pool(api, "p1", sqlite_pool(tmp_path, "p1", weight=5))
    create_pool(api, "p1", {"weight": 7, "uri": sqlite_uri(tmp_path, "p1-moved")})

    shown = api.get("/v1/pools/p1?detailed=true").json
    assert (shown["weight"], shown["uri"], shown["options"]) == (
        7,
        sqlite_uri(tmp_path, "p1-moved"),
        {},
    )
    assert pool_names(api) == ["p1"]


def test_a_uri_in_use_by_another_pool_is_409_on_put_and_patch(api: Api, tmp_path: Path) -> None:
    create_pool(api, "p1", sqlite_pool(tmp_path, "p1"))
    create_pool(api, "p2", sqlite_pool(tmp_path, "p2"))

    resp = api.put("/v1/pools/p3", json=sqlite_pool(tmp_path, "p1"))
    assert_error(resp, 409, *URI_IN_USE)
    resp = api.patch("/v1/pools/p2", json={"uri": sqlite_uri(tmp_path, "p1")})
    assert_error(resp, 409, *URI_IN_USE)

    assert pool_names(api) == ["p1", "p2"]
    assert api.get("/v1/pools/p2").json["uri"] == sqlite_uri(tmp_path, "p2")
    # The pool that has the URI may keep it.
    create_pool(api, "p1", sqlite_pool(tmp_path, "p1", weight=3))


def test_get_of_a_missing_pool_is_404(api: Api) -> None:
    assert_error(api.get("/v1/pools/nope"), 404, "Not found", "Pool nope does not exist")


@pytest.mark.parametrize(
    ("body", "description"),
    [
        (
            {"weight": 1, "uri": "sqlite://", "flavor": "gold"},
            'Unknown field(s) in the request body: "flavor"; a pool has weight, uri, options.',
        ),
        (
            {"weight": -1, "uri": "sqlite://"},
            'The "weight" field must be at least 0 and at most 4294967295.',
        ),
        (
            {"weight": 2**32, "uri": "sqlite://"},
            'The "weight" field must be at least 0 and at most 4294967295.',
        ),
        (
            {"weight": 1.0, "uri": "sqlite://"},
            'The value of the "weight" field must be an integer.',
        ),
        (
            {"weight": True, "uri": "sqlite://"},
            'The value of the "weight" field must be an integer.',
        ),
        (
            {"weight": "1", "uri": "sqlite://"},
            'The value of the "weight" field must be an integer.',
        ),
        (
            {"weight": 1, "uri": "sqlite:///" + "x" * 246},
            'The "uri" field must be 1 to 255 characters long.',
        ),
        ({"weight": 1, "uri": ""}, 'The "uri" field must be 1 to 255 characters long.'),
        ({"weight": 1, "uri": 5}, 'The value of the "uri" field must be a string.'),
        (
            {"weight": 1, "uri": "sqlite://", "options": []},
            'The value of the "options" field must be an object.',
        ),
        (
            {"weight": 1, "uri": "sqlite://", "options": "x"},
            'The value of the "options" field must be an object.',
        ),
        (
            {"weight": 1, "uri": "sqlite://", "options": None},
            'The value of the "options" field must be an object.',
        ),
        ({"uri": "sqlite://"}, 'Missing "weight" field.'),
        ({"weight": 1}, 'Missing "uri" field.'),
        ({}, 'Missing "weight" field.'),
    ],
)
def test_put_refuses_a_body_off_the_schema(
    api: Api, body: dict[str, Any], description: str
) -> None:
    assert_error(api.put("/v1/pools/p1", json=body), 400, BAD_BODY, description)
    assert_error(api.get("/v1/pools/p1"), 404, "Not found", "Pool p1 does not exist")


def test_a_uri_of_255_characters_is_accepted(api: Api, tmp_path: Path) -> None:
    uri = sqlite_uri(tmp_path, "")
    uri += "x" * (255 - len(uri))
    assert len(uri) == 255
    create_pool(api, "long", {"weight": 0, "uri": uri})
    assert api.get("/v1/pools/long").json["uri"] == uri


def test_the_largest_weight_is_accepted(api: Api, tmp_path: Path) -> None:
    create_pool(api, "heavy", {"weight": 2**32 - 1, "uri": sqlite_uri(tmp_path, "heavy")})
    assert api.get("/v1/pools/heavy").json["weight"] == 2**32 - 1


@pytest.mark.parametrize(
    ("body", "description"),
    [
        (b'{"weight": 1, "uri": ', "Request body could not be parsed."),
        (b"not json", "Request body could not be parsed."),
        (b'"a string"', "Request body could not be parsed."),
        (b'[{"weight": 1, "uri": "sqlite://"}]', "Document type not supported."),
        (
            b'{"weight": 100000000000000000000, "uri": "x"}',
            "JSON contains integer that is too large.",
        ),
    ],
)
def test_put_refuses_a_body_that_is_no_json_object(api: Api, body: bytes, description: str) -> None:
    assert_error(api.put("/v1/pools/p1", body=body), 400, BAD_BODY, description)
    assert_error(api.put("/v1/pools/p1", body=None), 400, BAD_BODY, "Request body can not be empty")


@pytest.mark.parametrize(
    ("options", "description"),
    [
        ({"no_such_option": 1}, "the pool option 'no_such_option' is not a driver option"),
        ({"uri": "sqlite://"}, "the pool option 'uri' is not a driver option"),
    ],
)
def test_an_option_the_driver_does_not_have_is_400(
    api: Api, tmp_path: Path, options: dict[str, Any], description: str
) -> None:
    body = {"weight": 1, "uri": sqlite_uri(tmp_path, "p1"), "options": options}
    assert_error(api.put("/v1/pools/p1", json=body), 400, BAD_BODY, description)
    assert pool_names(api) == []


def test_an_option_of_the_wrong_type_is_400(api: Api, tmp_path: Path) -> None:
    body = {"weight": 1, "uri": sqlite_uri(tmp_path, "p1"), "options": {"timeout": "soon"}}
    resp = api.put("/v1/pools/p1", json=body)
    assert resp.status_code == 400, resp.text
    assert resp.json["title"] == BAD_BODY
    assert resp.json["description"].startswith("the pool option 'timeout': ")
    assert pool_names(api) == []


def test_a_uri_no_driver_serves_is_400(api: Api) -> None:
    resp = api.put("/v1/pools/p1", json={"weight": 1, "uri": "http://u:pw@example.com/"})
    assert_error(resp, 400, BAD_BODY, "no storage driver serves URI scheme 'http'")
    resp = api.put("/v1/pools/p1", json={"weight": 1, "uri": "redis://[::1"})
    assert_error(resp, 400, BAD_BODY, "cannot connect to redis://[::1")
    assert pool_names(api) == []


def test_a_store_that_does_not_answer_is_400_quickly_and_the_password_is_not_echoed(
    api: Api,
) -> None:
    port = free_port()
    uri = f"redis://:s3cret-word@127.0.0.1:{port}/0"
    body = {"weight": 1, "uri": uri, "options": {"socket_timeout": 0.2}}

    started = time.monotonic()
    resp = api.put("/v1/pools/dead", json=body)
    elapsed = time.monotonic() - started

    assert_error(resp, 400, BAD_BODY, f"cannot connect to redis://:***@127.0.0.1:{port}/0")
    assert "s3cret" not in resp.text
    assert elapsed < 5, elapsed
    assert_error(api.get("/v1/pools/dead"), 404, "Not found", "Pool dead does not exist")


def test_a_password_never_shows_in_a_pool_view(api: Api) -> None:
    # Saved straight into the management store: no test store asks for a password.
    control: Any = api.boot.control
    control.pools_controller.create("secret", 0, "redis://user:s3c:ret@127.0.0.1:1/0")

    shown = "redis://user:***@127.0.0.1:1/0"
    assert api.get("/v1/pools/secret").json["uri"] == shown
    listing = api.get("/v1/pools?detailed=true")
    assert listing.json["pools"][0]["uri"] == shown
    assert "s3c" not in listing.text


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        ("redis://:pw@host:6379/0", "redis://:***@host:6379/0"),
        ("postgresql+psycopg://me:p%40ss@db/zaqar", "postgresql+psycopg://me:***@db/zaqar"),
        ("redis+sentinel://:pw@h1:1,h2:2/master", "redis+sentinel://:***@h1:1,h2:2/master"),
        ("mongodb://me:a@b@h/?x=y", "mongodb://me:***@h/?x=y"),
        ("redis://host:6379/0", "redis://host:6379/0"),
        ("redis://user@host/0", "redis://user@host/0"),
        ("sqlite:////tmp/a@b:c.sqlite", "sqlite:////tmp/a@b:c.sqlite"),
    ],
)
def test_redaction_hides_only_the_password(uri: str, shown: str) -> None:
    from zaqar.api.pools import redacted

    assert redacted(uri) == shown


@pytest.mark.parametrize("name", ["a.b", "x" * 65, "caf%C3%A9", "sp%20ace", "new%0Aline"])
def test_a_bad_pool_name_is_400_on_every_method(api: Api, tmp_path: Path, name: str) -> None:
    path = f"/v1/pools/{name}"
    assert_error(api.put(path, json=sqlite_pool(tmp_path, "p1")), 400, *BAD_NAME)
    assert_error(api.get(path), 400, *BAD_NAME)
    assert_error(api.patch(path, json={"weight": 1}), 400, *BAD_NAME)
    assert_error(api.delete(path), 400, *BAD_NAME)
    assert pool_names(api) == []


def test_a_name_of_64_characters_is_accepted(api: Api, tmp_path: Path) -> None:
    name = "A-z_9" * 12 + "abcd"
    assert len(name) == 64
    create_pool(api, name, sqlite_pool(tmp_path, "long-name"))
    assert api.get(f"/v1/pools/{name}").json["name"] == name


# -- listing ---------------------------------------------------------------------------------


def test_the_listing_pages_through_every_pool_in_name_order_with_markers(
    api: Api, tmp_path: Path
) -> None:
    names = ["p3", "p0", "p4", "p1", "p2"]
    for name in names:
        create_pool(api, name, sqlite_pool(tmp_path, name, weight=0))

    seen: list[str] = []
    path = "/v1/pools?limit=2&detailed=true"
    pages = 0
    while True:
        resp = api.get(path)
        assert resp.status_code == 200, resp.text
        assert resp.headers["Content-Location"] == path
        (link,) = resp.json["links"]
        assert link["rel"] == "next"
        if not resp.json["pools"]:
            # v1: the link is there even on an empty page.
            assert link["href"] == path
            break
        pages += 1
        for pool in resp.json["pools"]:
            assert pool["options"] == {"purge_interval": 0}
            assert pool["href"] == f"/v1/pools/{pool['name']}"
        seen += [pool["name"] for pool in resp.json["pools"]]
        # The marker is set in place, or appended when the request had none (SPEC §1.6).
        if pages == 1:
            assert link["href"] == f"/v1/pools?limit=2&detailed=true&marker={seen[-1]}"
        else:
            assert link["href"] == f"/v1/pools?marker={seen[-1]}&limit=2&detailed=true"
        path = link["href"]
    assert seen == sorted(names)
    assert pages == 3

    resp = api.get("/v1/pools?marker=p1&limit=2")
    assert [pool["name"] for pool in resp.json["pools"]] == ["p2", "p3"]
    assert all("options" not in pool for pool in resp.json["pools"])
    assert resp.json["links"] == [{"rel": "next", "href": "/v1/pools?marker=p3&limit=2"}]
    # The default page holds 10.
    assert len(api.get("/v1/pools").json["pools"]) == 5


def test_an_empty_listing_still_has_its_link(api: Api) -> None:
    resp = api.get("/v1/pools")
    assert resp.status_code == 200
    assert resp.headers["Content-Location"] == "/v1/pools"
    assert resp.json == {"pools": [], "links": [{"rel": "next", "href": "/v1/pools"}]}


@pytest.mark.parametrize("limit", ["0", "21", "-1"])
def test_a_listing_limit_out_of_range_is_400(api: Api, limit: str) -> None:
    assert_error(
        api.get(f"/v1/pools?limit={limit}"),
        400,
        "Invalid API request",
        "Limit must be at least 1 and no greater than 20.",
    )


def test_a_listing_limit_that_is_no_integer_is_400(api: Api) -> None:
    resp = api.get("/v1/pools?limit=ten")
    assert resp.status_code == 400
    assert resp.json["title"] == "Invalid parameter"


# -- patch -----------------------------------------------------------------------------------


def test_patch_changes_the_fields_given_and_answers_200_without_a_body(
    api: Api, tmp_path: Path
) -> None:
    create_pool(api, "p1", sqlite_pool(tmp_path, "p1", weight=1))

    resp = api.patch("/v1/pools/p1", json={"weight": 9})
    assert resp.status_code == 200, resp.text
    assert_no_body(resp)
    shown = api.get("/v1/pools/p1?detailed=true").json
    assert (shown["weight"], shown["uri"], shown["options"]) == (
        9,
        sqlite_uri(tmp_path, "p1"),
        {"purge_interval": 0},
    )

    resp = api.patch("/v1/pools/p1", json={"options": {"purge_interval": 5, "timeout": 3}})
    assert resp.status_code == 200, resp.text
    assert api.get("/v1/pools/p1?detailed=true").json["options"] == {
        "purge_interval": 5,
        "timeout": 3,
    }

    resp = api.patch("/v1/pools/p1", json={"uri": sqlite_uri(tmp_path, "p1-b"), "weight": 0})
    assert resp.status_code == 200, resp.text
    shown = api.get("/v1/pools/p1").json
    assert (shown["weight"], shown["uri"]) == (0, sqlite_uri(tmp_path, "p1-b"))


@pytest.mark.parametrize(
    ("body", "description"),
    [
        ({}, "One of `uri`, `weight`, or `options` needs to be specified"),
        (
            {"flavor": "gold"},
            'Unknown field(s) in the request body: "flavor"; a pool has weight, uri, options.',
        ),
        ({"weight": -1}, 'The "weight" field must be at least 0 and at most 4294967295.'),
        ({"weight": 2**32}, 'The "weight" field must be at least 0 and at most 4294967295.'),
        ({"uri": "x" * 256}, 'The "uri" field must be 1 to 255 characters long.'),
        ({"options": [1]}, 'The value of the "options" field must be an object.'),
        ({"options": {"nope": 1}}, "the pool option 'nope' is not a driver option"),
    ],
)
def test_patch_refuses_bad_bodies_and_changes_nothing(
    api: Api, tmp_path: Path, body: dict[str, Any], description: str
) -> None:
    create_pool(api, "p1", sqlite_pool(tmp_path, "p1", weight=4))
    before = api.get("/v1/pools/p1?detailed=true").json

    assert_error(api.patch("/v1/pools/p1", json=body), 400, BAD_BODY, description)
    assert api.get("/v1/pools/p1?detailed=true").json == before


def test_patch_to_a_store_that_does_not_answer_is_400_and_changes_nothing(
    api: Api, tmp_path: Path
) -> None:
    create_pool(api, "p1", sqlite_pool(tmp_path, "p1"))
    port = free_port()
    dead = f"redis://:pw@127.0.0.1:{port}/0"

    resp = api.patch("/v1/pools/p1", json={"uri": dead, "options": {"socket_timeout": 0.2}})
    assert_error(resp, 400, BAD_BODY, f"cannot connect to redis://:***@127.0.0.1:{port}/0")
    assert api.get("/v1/pools/p1").json["uri"] == sqlite_uri(tmp_path, "p1")


def test_patch_of_a_missing_pool_is_404(api: Api, tmp_path: Path) -> None:
    for body in ({"weight": 1}, {"uri": sqlite_uri(tmp_path, "x")}):
        assert_error(
            api.patch("/v1/pools/nope", json=body), 404, "Not found", "Pool nope does not exist"
        )


def test_a_change_applies_in_this_worker_at_once(make_pooled: MakePooled, tmp_path: Path) -> None:
    # A long cache: without forgetting the pool on change, the old URI would stay in use.
    api = make_pooled(**{"pooling:catalog.cache_ttl": 3600})
    create_pool(api, "p1", sqlite_pool(tmp_path, "a"))
    api.create_queue("moving")
    api.post_messages("moving", 2)
    assert api.get("/v1/queues/moving/stats").json["messages"]["total"] == 2

    resp = api.patch("/v1/pools/p1", json={"uri": sqlite_uri(tmp_path, "b")})
    assert resp.status_code == 200, resp.text
    # The pool now is the empty store b, where the queue does not exist.
    assert api.get("/v1/queues/moving/stats").status_code == 404

    create_pool(api, "p1", sqlite_pool(tmp_path, "a"))
    assert api.get("/v1/queues/moving/stats").json["messages"]["total"] == 2


# -- delete ----------------------------------------------------------------------------------


def test_delete_removes_a_pool_and_a_missing_pool_is_no_error(api: Api, tmp_path: Path) -> None:
    create_pool(api, "p1", sqlite_pool(tmp_path, "p1"))

    resp = api.delete("/v1/pools/p1")
    assert resp.status_code == 204
    assert_no_body(resp)
    assert_error(api.get("/v1/pools/p1"), 404, "Not found", "Pool p1 does not exist")
    assert api.delete("/v1/pools/p1").status_code == 204
    # The URI is free again.
    create_pool(api, "p2", sqlite_pool(tmp_path, "p1"))


def test_a_pool_holding_queues_is_not_deleted_until_they_are(api: Api, tmp_path: Path) -> None:
    create_pool(api, "only", sqlite_pool(tmp_path, "only"))
    api.create_queue("q1")
    api.create_queue("q2", project="other")
    api.post_messages("q1", 3)

    resp = api.delete("/v1/pools/only")
    assert_error(
        resp,
        409,
        "Resource conflict",
        "Pool only still holds 2 queue(s); move or delete them before the pool",
    )
    assert api.get("/v1/queues/q1/stats").json["messages"]["total"] == 3

    assert api.delete("/v1/queues/q1").status_code == 204
    assert_error(
        api.delete("/v1/pools/only"),
        409,
        "Resource conflict",
        "Pool only still holds 1 queue(s); move or delete them before the pool",
    )
    assert api.delete("/v1/queues/q2", project="other").status_code == 204
    assert api.delete("/v1/pools/only").status_code == 204
    assert pool_names(api) == []


# -- pools and queues ------------------------------------------------------------------------


def test_without_a_pool_that_takes_queues_creating_a_queue_is_503(api: Api, tmp_path: Path) -> None:
    assert_error(api.put("/v1/queues/q1"), 503, *NO_POOL)
    create_pool(api, "closed", sqlite_pool(tmp_path, "closed", weight=0))
    assert_error(api.put("/v1/queues/q1"), 503, *NO_POOL)

    resp = api.patch("/v1/pools/closed", json={"weight": 1})
    assert resp.status_code == 200, resp.text
    api.create_queue("q1")


def test_a_queue_created_through_the_api_lands_on_a_pool_created_through_the_api(
    api: Api, tmp_path: Path
) -> None:
    create_pool(api, "home", sqlite_pool(tmp_path, "home"))
    api.create_queue("fizbit")
    ids = api.post_messages("fizbit", 2)

    storage: Any = api.boot.storage
    assert isinstance(storage, pooling.DataDriver)
    assert storage.catalogue.get(PROJECT, "fizbit") == "home"
    # The messages are in the pool's own store.
    direct = storage.pool_driver("home").message_controller.bulk_get("fizbit", ids, PROJECT)
    assert sorted(message.id for message in direct) == sorted(ids)


def test_a_redis_pool_takes_queues_once_it_is_the_only_one_open(
    api: Api, tmp_path: Path, redis_prefix: str
) -> None:
    create_pool(api, "disk", sqlite_pool(tmp_path, "disk", weight=0))
    body = {"weight": 1, "uri": REDIS_URL, "options": {"prefix": redis_prefix}}
    create_pool(api, "memory", body)
    assert api.get("/v1/pools/memory?detailed=true").json["options"] == {"prefix": redis_prefix}

    for n in range(5):
        api.create_queue(f"q{n}")
    api.post_messages("q0", 2)
    assert api.get("/v1/queues/q0/stats").json["messages"]["total"] == 2
    storage: Any = api.boot.storage
    assert {storage.catalogue.get(PROJECT, f"q{n}") for n in range(5)} == {"memory"}

    assert api.delete("/v1/pools/memory").status_code == 409
    for n in range(5):
        assert api.delete(f"/v1/queues/q{n}").status_code == 204
    assert api.delete("/v1/pools/memory").status_code == 204


# -- queues moving between pools ------------------------------------------------------------------

MOVING = (
    "Service temporarily unavailable",
    "The queue is moving to another pool. Please try again in a few seconds.",
)


def test_writes_to_a_moving_queue_are_503_and_reads_go_on(
    make_pooled: MakePooled, tmp_path: Path
) -> None:
    api = make_pooled(**{"pooling:catalog.cache_ttl": 0})
    create_pool(api, "a", sqlite_pool(tmp_path, "a"))
    create_pool(api, "b", sqlite_pool(tmp_path, "b", weight=0))
    api.create_queue("q")
    [mid] = api.post_messages("q", 1)
    catalogue = api.boot.storage.catalogue
    catalogue.begin_move(PROJECT, "q", "b")

    resp = api.post("/v1/queues/q/messages", json=[{"ttl": 60, "body": 1}])
    assert_error(resp, 503, *MOVING)
    assert_error(api.post("/v1/queues/q/claims", json={"ttl": 60, "grace": 60}), 503, *MOVING)
    assert_error(api.delete(f"/v1/queues/q/messages/{mid}"), 503, *MOVING)
    assert_error(api.delete("/v1/queues/q"), 503, *MOVING)
    assert api.get("/v1/queues/q/stats").status_code == 200
    assert api.get(f"/v1/queues/q/messages/{mid}").status_code == 200

    catalogue.end_move(PROJECT, "q", done=False)
    assert api.post("/v1/queues/q/messages", json=[{"ttl": 60, "body": 1}]).status_code == 201


def test_an_admin_moves_a_queue_onto_a_pool(make_pooled: MakePooled, tmp_path: Path) -> None:
    api = make_pooled(
        **{"pooling:catalog.cache_ttl": 0.05, "pooling:catalog.move_write_grace": 0.05}
    )
    create_pool(api, "a", sqlite_pool(tmp_path, "a"))
    create_pool(api, "b", sqlite_pool(tmp_path, "b", weight=0))
    api.create_queue("q")
    ids = api.post_messages("q", 3)
    claim_id, claimed = api.claim("q", limit=1)

    resp = api.post("/v1/pools/b/moves", json={"queue": "q", "project": PROJECT})
    assert resp.status_code == 200, resp.text
    report = resp.json
    assert report.pop("paused") >= 0
    assert report == {"queue": "q", "project": PROJECT, "from": "a", "to": "b", "messages": 3}
    assert api.boot.storage.catalogue.get(PROJECT, "q") == "b"

    # Same messages, same claim, and the queue goes on working on its new pool.
    listed = api.get("/v1/queues/q/messages?echo=true&include_claimed=true")
    assert [m["href"].rsplit("/", 1)[-1] for m in listed.json["messages"]] == ids
    assert api.get(f"/v1/queues/q/claims/{claim_id}").status_code == 200
    assert api.post_messages("q", 1)

    again = api.post("/v1/pools/b/moves", json={"queue": "q", "project": PROJECT})
    assert again.status_code == 409 and again.json["title"] == "Resource conflict"
    missing = api.post("/v1/pools/b/moves", json={"queue": "nope", "project": PROJECT})
    assert missing.status_code == 404
    for bad in (
        {"queue": "q"},
        {"queue": "q", "project": PROJECT, "x": 1},
        {"queue": 1, "project": None},
        {"queue": "bad name!", "project": None},
    ):
        assert api.post("/v1/pools/b/moves", json=bad).status_code == 400, bad
    assert (
        api.post("/v1/pools/ghost/moves", json={"queue": "q", "project": PROJECT}).status_code
        == 404
    )
