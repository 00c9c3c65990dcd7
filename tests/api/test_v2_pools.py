"""v2's pools admin API (SPEC §5.2): ``/v2/pools`` with ``admin_mode`` and ``pooling``.

The pools operations are v1's (``tests/api/test_v1_pools.py`` carries their rules); these
tests check what v2 says differently: its rules (admin only by default), a PATCH that answers
with the pool, no link on an empty listing, and a pool's ``flavor``; and v2's flavors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.backends import REDIS_URL

from .conftest import MakePooled
from .support import PROJECT, assert_error, assert_no_body
from .test_v1_pools import sqlite_pool

ADMIN = {"X-Roles": "admin"}


def test_v2_pools_go_through_the_admin_rules(make_pooled: MakePooled, tmp_path: Path) -> None:
    api = make_pooled()
    resp = api.put("/v2/pools/one", json=sqlite_pool(tmp_path, "one"))
    assert_error(resp, 403, "Not authorized", "You are not authorized to complete this action.")
    assert api.get("/v2/pools").status_code == 403
    resp = api.put("/v2/pools/one", json=sqlite_pool(tmp_path, "one"), headers=ADMIN)
    assert resp.status_code == 201, resp.text
    assert resp.headers["Location"] == "/v2/pools/one"
    assert_no_body(resp)


def test_a_v2_pool_is_shown_patched_listed_and_deleted(
    make_pooled: MakePooled, tmp_path: Path
) -> None:
    api = make_pooled()
    assert api.get("/v2/pools", headers=ADMIN).json == {"pools": [], "links": []}
    api.put("/v2/pools/one", json=sqlite_pool(tmp_path, "one"), headers=ADMIN)
    shown = api.get("/v2/pools/one", headers=ADMIN).json
    assert shown == {
        "name": "one",
        "uri": sqlite_pool(tmp_path, "one")["uri"],
        "weight": 1,
        "flavor": None,
        "href": "/v2/pools/one",
    }
    resp = api.patch("/v2/pools/one", json={"weight": 5}, headers=ADMIN)
    assert resp.status_code == 200
    assert resp.json == {**shown, "weight": 5, "options": {"purge_interval": 0}}
    listed: Any = api.get("/v2/pools?detailed=true", headers=ADMIN).json
    assert [pool["weight"] for pool in listed["pools"]] == [5]
    assert listed["pools"][0]["options"] == {"purge_interval": 0}
    assert "/v2/pools?" in listed["links"][0]["href"]
    assert api.delete("/v2/pools/one", headers=ADMIN).status_code == 204
    assert api.get("/v2/pools/one", headers=ADMIN).status_code == 404


def test_a_pool_may_name_an_existing_flavor_only(make_pooled: MakePooled, tmp_path: Path) -> None:
    api = make_pooled()
    body = {**sqlite_pool(tmp_path, "one"), "flavor": "gold"}
    resp = api.put("/v2/pools/one", json=body, headers=ADMIN)
    assert_error(resp, 400, "Invalid request body", "Flavor gold does not exist.")
    assert api.get("/v2/pools", headers=ADMIN).json["pools"] == []
    # A null flavor is no flavor.
    body["flavor"] = None
    assert api.put("/v2/pools/one", json=body, headers=ADMIN).status_code == 201
    # v1 knows no such field.
    resp = api.put("/v1/pools/two", json={**sqlite_pool(tmp_path, "two"), "flavor": None})
    assert resp.status_code == 400


def test_v1_pools_check_no_rules(make_pooled: MakePooled, tmp_path: Path) -> None:
    api = make_pooled()
    assert api.put("/v1/pools/one", json=sqlite_pool(tmp_path, "one")).status_code == 201
    assert api.get("/v2/pools/one", headers=ADMIN).json["name"] == "one"


# -- flavors


def make_flavored(make_pooled: MakePooled, tmp_path: Path) -> Any:
    api = make_pooled()
    for name in ("one", "two", "three"):
        resp = api.put(f"/v2/pools/{name}", json=sqlite_pool(tmp_path, name), headers=ADMIN)
        assert resp.status_code == 201, resp.text
    return api


CAPABILITIES = ["AOD", "CLAIMS", "DURABILITY", "FIFO"]


def test_a_flavor_joins_its_pools_and_shows_their_capabilities(
    make_pooled: MakePooled, tmp_path: Path
) -> None:
    api = make_flavored(make_pooled, tmp_path)
    resp = api.put("/v2/flavors/gold", json={"pool_list": ["one", "two"]}, headers=ADMIN)
    assert resp.status_code == 201, resp.text
    assert resp.headers["Location"] == "/v2/flavors/gold"
    shown = api.get("/v2/flavors/gold", headers=ADMIN).json
    assert shown == {
        "name": "gold",
        "project": PROJECT,
        "pool_list": ["one", "two"],
        "capabilities": CAPABILITIES,
        "href": "/v2/flavors/gold",
    }
    assert api.get("/v2/pools/one", headers=ADMIN).json["flavor"] == "gold"
    assert api.get("/v2/pools/three", headers=ADMIN).json["flavor"] is None
    # Reading needs no admin role (the original's defaults).
    assert api.get("/v2/flavors/gold").status_code == 200
    listed = api.get("/v2/flavors").json
    assert [flavor["name"] for flavor in listed["flavors"]] == ["gold"]
    assert "capabilities" not in listed["flavors"][0]
    assert "/v2/flavors?" in listed["links"][0]["href"]


def test_a_queue_of_a_flavor_lands_on_its_pools_and_other_queues_elsewhere(
    make_pooled: MakePooled, tmp_path: Path
) -> None:
    api = make_flavored(make_pooled, tmp_path)
    api.put("/v2/flavors/gold", json={"pool_list": ["two"]}, headers=ADMIN)
    catalogue = api.boot.control.catalogue_controller
    for n in range(6):
        assert api.put(f"/v2/queues/gold-{n}", json={"_flavor": "gold"}).status_code == 201
        assert api.put(f"/v2/queues/plain-{n}", json={}).status_code == 201
        assert catalogue.get(PROJECT, f"gold-{n}") == "two"
        assert catalogue.get(PROJECT, f"plain-{n}") in {"one", "three"}
    # Posting to a queue of the flavor goes there too.
    resp = api.post("/v2/queues/gold-0/messages", json={"messages": [{"body": 1}]})
    assert resp.status_code == 201


def test_patching_a_flavor_changes_its_pools_and_deleting_it_frees_them(
    make_pooled: MakePooled, tmp_path: Path
) -> None:
    api = make_flavored(make_pooled, tmp_path)
    api.put("/v2/flavors/gold", json={"pool_list": ["one", "two"]}, headers=ADMIN)
    resp = api.patch("/v2/flavors/gold", json={"pool_list": ["three"]}, headers=ADMIN)
    assert resp.status_code == 200
    assert resp.json["pool_list"] == ["three"]
    flavors = {p["name"]: p["flavor"] for p in api.get("/v2/pools", headers=ADMIN).json["pools"]}
    assert flavors == {"one": None, "two": None, "three": "gold"}
    # A pool of a flavor cannot go.
    resp = api.delete("/v2/pools/three", headers=ADMIN)
    assert_error(resp, 403, "Forbidden", "This pool is used by flavors gold; It cannot be deleted.")
    assert api.delete("/v2/flavors/gold", headers=ADMIN).status_code == 204
    assert api.get("/v2/flavors/gold", headers=ADMIN).status_code == 404
    assert api.get("/v2/pools/three", headers=ADMIN).json["flavor"] is None
    assert api.delete("/v2/pools/three", headers=ADMIN).status_code == 204


@pytest.mark.parametrize(
    ("body", "description"),
    [
        ({}, 'The "pool_list" field must name at least one pool.'),
        ({"pool_list": []}, 'The "pool_list" field must name at least one pool.'),
        ({"pool_list": "one"}, 'The "pool_list" field must name at least one pool.'),
        (
            {"pool_list": ["nowhere"]},
            "Flavor gold could not be created: pool nowhere does not exist.",
        ),
        ({"pool_list": ["one"], "colour": 1}, 'Unknown field(s) in the request body: "colour".'),
    ],
)
def test_a_flavor_body_off_the_rules_is_refused_and_changes_nothing(
    make_pooled: MakePooled, tmp_path: Path, body: dict[str, Any], description: str
) -> None:
    api = make_flavored(make_pooled, tmp_path)
    resp = api.put("/v2/flavors/gold", json=body, headers=ADMIN)
    assert_error(resp, 400, "Invalid request body", description)
    assert api.get("/v2/flavors/gold", headers=ADMIN).status_code == 404
    assert all(p["flavor"] is None for p in api.get("/v2/pools", headers=ADMIN).json["pools"])


def test_changing_flavors_needs_the_admin_rule(make_pooled: MakePooled, tmp_path: Path) -> None:
    api = make_flavored(make_pooled, tmp_path)
    resp = api.put("/v2/flavors/gold", json={"pool_list": ["one"]})
    assert resp.status_code == 403
    assert api.delete("/v2/flavors/gold").status_code == 403


def test_the_pools_of_a_flavor_must_offer_the_same_capabilities(
    make_pooled: MakePooled, tmp_path: Path, redis_prefix: str
) -> None:
    api = make_flavored(make_pooled, tmp_path)
    memory = {"weight": 1, "uri": REDIS_URL, "options": {"prefix": redis_prefix}}
    assert api.put("/v2/pools/memory", json=memory, headers=ADMIN).status_code == 201
    resp = api.put("/v2/flavors/mixed", json={"pool_list": ["one", "memory"]}, headers=ADMIN)
    assert_error(
        resp,
        400,
        "Invalid request body",
        "Flavor mixed could not be created: its pools must offer the same capabilities.",
    )
    resp = api.put("/v2/flavors/fast", json={"pool_list": ["memory"]}, headers=ADMIN)
    assert resp.status_code == 201
    shown = api.get("/v2/flavors/fast", headers=ADMIN).json
    assert shown["capabilities"] == ["AOD", "CLAIMS", "FIFO", "HIGH_THROUGHPUT"]
