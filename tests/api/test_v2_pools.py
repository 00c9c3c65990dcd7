"""v2's pools admin API (SPEC §5.2): ``/v2/pools`` with ``admin_mode`` and ``pooling``.

The pools operations are v1's (``tests/api/test_v1_pools.py`` carries their rules); these
tests check what v2 says differently: its rules (admin only by default), a PATCH that answers
with the pool, no link on an empty listing, and a pool's ``flavor``, which waits for flavors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .conftest import MakePooled
from .support import assert_error, assert_no_body
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


def test_a_pool_of_a_flavor_is_refused_until_flavors_are_carried_out(
    make_pooled: MakePooled, tmp_path: Path
) -> None:
    api = make_pooled()
    body = {**sqlite_pool(tmp_path, "one"), "flavor": "gold"}
    resp = api.put("/v2/pools/one", json=body, headers=ADMIN)
    assert resp.status_code == 501
    assert resp.json["title"] == "Not implemented"
    assert api.get("/v2/pools", headers=ADMIN).json["pools"] == []
    # A null flavor is no flavor.
    body["flavor"] = None
    assert api.put("/v2/pools/one", json=body, headers=ADMIN).status_code == 201


def test_v1_pools_check_no_rules(make_pooled: MakePooled, tmp_path: Path) -> None:
    api = make_pooled()
    assert api.put("/v1/pools/one", json=sqlite_pool(tmp_path, "one")).status_code == 201
    assert api.get("/v2/pools/one", headers=ADMIN).json["name"] == "one"
