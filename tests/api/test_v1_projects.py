"""Project namespaces are isolated both ways, on every route (SPEC §1.2 step 5, §4.1).

The owner holds queue ``shared`` with metadata, three messages and a live claim on the first
one. The intruder (another project, or the global namespace, or a project looking at the
global namespace) uses the same queue name and the owner's real ids; after each request the
owner's state must be untouched.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from .support import Api, assert_error

PAIRS = [
    pytest.param("tenant-a", "tenant-b", id="project-vs-project"),
    pytest.param("tenant-a", None, id="project-vs-global"),
    pytest.param(None, "tenant-a", id="global-vs-project"),
]

METADATA = {"owner": "yes"}


@dataclass
class Owned:
    project: str | None
    ids: list[str]
    claim_id: str


@pytest.fixture
def owned(api: Api, request: pytest.FixtureRequest) -> Owned:
    owner: str | None = request.param
    api.create_queue("shared", project=owner)
    assert api.put("/v1/queues/shared/metadata", json=METADATA, project=owner).status_code == 204
    ids = api.post_messages("shared", 3, project=owner)
    claim_id, claimed = api.claim("shared", limit=1, project=owner)
    assert len(claimed) == 1
    return Owned(owner, ids, claim_id)


def assert_owner_untouched(api: Api, owned: Owned) -> None:
    p = owned.project
    assert api.get("/v1/queues/shared", project=p).status_code == 204
    assert api.get("/v1/queues/shared/metadata", project=p).json == METADATA
    stats = api.get("/v1/queues/shared/stats", project=p).json["messages"]
    assert (stats["total"], stats["claimed"], stats["free"]) == (3, 1, 2)
    claim = api.get(f"/v1/queues/shared/claims/{owned.claim_id}", project=p)
    assert claim.status_code == 200
    assert claim.json["ttl"] == 300
    listed = api.list_all("shared", "echo=true&include_claimed=true", project=p)
    assert [m["body"] for m in listed] == [{"n": 0}, {"n": 1}, {"n": 2}]
    listing = api.get("/v1/queues", project=p).json
    assert [q["name"] for q in listing["queues"]] == ["shared"]


def _requests(owned: Owned) -> list[tuple[str, str, object, int]]:
    q = "/v1/queues/shared"
    ids = owned.ids
    cid = owned.claim_id
    return [
        ("GET", q, None, 404),
        ("HEAD", q, None, 404),
        ("GET", q + "/metadata", None, 404),
        ("PUT", q + "/metadata", {"intruder": True}, 404),
        ("GET", q + "/stats", None, 404),
        ("POST", q + "/messages", [{"ttl": 300, "body": "intruder"}], 404),
        ("GET", q + "/messages?echo=true&include_claimed=true", None, 204),
        ("GET", f"{q}/messages?ids={','.join(ids)}", None, 204),
        ("DELETE", f"{q}/messages?ids={','.join(ids)}", None, 204),
        ("GET", f"{q}/messages/{ids[1]}", None, 404),
        ("DELETE", f"{q}/messages/{ids[1]}", None, 204),
        ("DELETE", f"{q}/messages/{ids[0]}?claim_id={cid}", None, 204),
        ("POST", q + "/claims", {"ttl": 300, "grace": 60}, 204),
        ("GET", f"{q}/claims/{cid}", None, 404),
        ("PATCH", f"{q}/claims/{cid}", {"ttl": 60, "grace": 60}, 404),
        ("DELETE", f"{q}/claims/{cid}", None, 204),
        ("DELETE", q, None, 204),
        ("GET", "/v1/queues", None, 204),
        ("GET", "/v1/queues?detailed=true", None, 204),
    ]


OPERATIONS = [f"{method} {path}" for method, path, _, _ in _requests(Owned(None, ["a"] * 3, "c"))]


@pytest.mark.parametrize("operation", range(len(OPERATIONS)), ids=OPERATIONS)
@pytest.mark.parametrize(("owned", "intruder"), PAIRS, indirect=["owned"])
def test_other_namespace_can_neither_see_nor_change_the_queue(
    api: Api, owned: Owned, intruder: str | None, operation: int
) -> None:
    method, path, document, status = _requests(owned)[operation]
    kwargs = {"json": document} if document is not None else {}
    resp = api.request(method, path, project=intruder, **kwargs)
    assert resp.status_code == status, resp.text
    assert_owner_untouched(api, owned)


@pytest.mark.parametrize(("owned", "intruder"), PAIRS, indirect=["owned"])
def test_not_found_messages_name_the_requesting_project(
    api: Api, owned: Owned, intruder: str | None
) -> None:
    shown = "None" if intruder is None else intruder
    resp = api.get("/v1/queues/shared/stats", project=intruder)
    assert_error(resp, 404, "Not found", f"Queue shared does not exist for project {shown}")
    resp = api.get(f"/v1/queues/shared/messages/{owned.ids[1]}", project=intruder)
    assert_error(
        resp,
        404,
        "Not found",
        f"Message {owned.ids[1]} does not exist in queue shared for project {shown}",
    )
    resp = api.get(f"/v1/queues/shared/claims/{owned.claim_id}", project=intruder)
    assert_error(
        resp,
        404,
        "Not found",
        f"Claim {owned.claim_id} does not exist in queue shared for project {shown}",
    )


@pytest.mark.parametrize(("owned", "intruder"), PAIRS, indirect=["owned"])
def test_same_queue_name_in_two_namespaces_are_independent_queues(
    api: Api, owned: Owned, intruder: str | None
) -> None:
    api.create_queue("shared", project=intruder)
    assert api.get("/v1/queues/shared/metadata", project=intruder).json == {}
    [mine] = api.post_messages("shared", bodies=["mine"], project=intruder)
    claim_id, claimed = api.claim("shared", project=intruder)
    assert [m["body"] for m in claimed] == ["mine"]
    stats = api.get("/v1/queues/shared/stats", project=intruder).json["messages"]
    assert (stats["total"], stats["claimed"]) == (1, 1)
    assert api.delete("/v1/queues/shared", project=intruder).status_code == 204
    assert_owner_untouched(api, owned)
    assert api.get(f"/v1/queues/shared/messages/{mine}", project=owned.project).status_code == 404
