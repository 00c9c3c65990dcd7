"""The detailed health (admin API) of v1.1 and v2: a real round of operations on every store,
one entry per pool with pooling (SPEC §5.2)."""

from __future__ import annotations

import pytest

from tests.backends import POOLED, Backend

from .conftest import MakeApi
from .support import Api, assert_error
from .versions import V1_1, V2, Version


@pytest.fixture(params=[V1_1, V2], ids=lambda version: version.name)
def version(request: pytest.FixtureRequest) -> Version:
    return request.param  # type: ignore[no-any-return]


HEALTH_STEPS = {
    "create_queue",
    "post_messages",
    "claim_messages",
    "list_messages",
    "delete_messages",
    "delete_claim",
    "bulk_delete_messages",
    "delete_queue",
}
ADMIN = {"X-Roles": "admin"}


def test_the_health_report_runs_a_real_round_on_every_store(
    make_api: MakeApi, version: Version, backend: Backend
) -> None:
    api = make_api(admin_mode=True)
    resp = api.get(version.prefix + "/health", headers=ADMIN)
    assert resp.status_code == 200, resp.text
    report = resp.json
    if backend.driver == POOLED:
        assert report.pop("catalog_reachable") is True
        stores = list(report.values())
        assert len(stores) == 2  # one entry per pool
    else:
        stores = [report]
    for store in stores:
        assert store["storage_reachable"] is True
        steps = store["operation_status"]
        assert set(steps) == HEALTH_STEPS
        assert all(step["succeeded"] and step["ref"] is None for step in steps.values())
        assert all(0 <= step["seconds"] < 30 for step in steps.values())
    # The round leaves nothing behind in the caller's project.
    assert api.get(version.prefix + "/queues").json["queues"] == []


def test_the_health_report_needs_admin_mode(api: Api, version: Version) -> None:
    assert api.get(version.prefix + "/health", headers=ADMIN).status_code == 404


def test_v2_health_needs_the_admin_rule(make_api: MakeApi) -> None:
    api = make_api(admin_mode=True)
    resp = api.get("/v2/health")
    assert_error(resp, 403, "Not authorized", "You are not authorized to complete this action.")
    # v1.1 checks no rules, as in the original.
    assert api.get("/v1.1/health").status_code == 200
