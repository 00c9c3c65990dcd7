"""Pre-signed URLs (SPEC §5.2): ``POST /v2/queues/{q}/share`` and requests that carry only
the signed headers, through the whole WSGI stack, with and without keystone.

A grant opens its queue's signed paths (and what lies below them) with its methods, for its
project, until it expires; every other signed request is 404 and changes nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from typing import Any

import pytest
from keystonemiddleware import fixture as keystone_fixture

from tests.api.support import Api, assert_error
from tools.json_http import signed_headers
from zaqar.core import signed_urls

from .conftest import MakeStack, keystone_overrides

KEY = "a-secret-for-tests"
PROJECT = "proj-a"
NOT_FOUND = {"title": "404 Not Found"}
POST = {"messages": [{"body": {"n": 1}, "ttl": 300}, {"body": {"n": 2}, "ttl": 300}]}


def original_signature(
    key: str, paths: list[str], methods: list[str], project: str | None, expires: str
) -> str:
    """The original's recipe (zaqar.common.urls), written out independently of ours: a raw
    format string, so each ``\\n`` is a backslash and an ``n``."""
    body = r"{paths}\n{methods}\n{project}\n{expires}".format(
        paths=",".join(sorted(paths)),
        methods=",".join(sorted(methods)),
        project=project,
        expires=expires,
    )
    return hmac.new(key.encode("utf-8"), body.encode("utf-8"), hashlib.sha256).hexdigest()


def in_an_hour() -> str:
    moment = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


@pytest.fixture
def stack(make_stack: MakeStack) -> Api:
    return make_stack(**{"signed_url.secret_key": KEY})


def share(api: Api, queue: str = "a", project: str = PROJECT, **document: Any) -> dict[str, Any]:
    resp = api.post(f"/v2/queues/{queue}/share", json=document, project=project)
    assert resp.status_code == 200, resp.text
    found: dict[str, Any] = resp.json
    return found


def signed(api: Api, method: str, path: str, grant: dict[str, Any], **changes: str | None) -> Any:
    # Only the signed headers and a Client-ID: no project header of the test client's own.
    return api.request(method, path, project=None, headers=signed_headers(grant, **changes))


# -- the recipe ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paths", "methods", "project"),
    [
        (["/v2/queues/q/messages"], ["GET"], "proj1"),
        (["/v2/queues/q/subscriptions", "/v2/queues/q/messages"], ["POST", "GET"], "p"),
        (["/v2/queues/q/claims"], ["DELETE", "PATCH", "POST"], None),
        (["/v2/queues/q/messages"], ["GET"], "projekt-ü"),
    ],
)
def test_signatures_are_the_originals(
    paths: list[str], methods: list[str], project: str | None
) -> None:
    expires = "2030-01-02T03:04:05"
    grant = signed_urls.Grant.of(paths, methods, project, signed_urls.parse_expires(expires))
    assert grant.expires_text == expires
    assert grant.signature(KEY) == original_signature(KEY, paths, methods, project, expires)


def test_a_fixed_vector() -> None:
    # Computed once by the original's recipe above; pinned so that neither side drifts.
    expires = signed_urls.parse_expires("2016-01-01T00:00:00")
    grant = signed_urls.Grant.of(["/v2/queues/q/messages"], ["GET"], "p", expires)
    assert grant.message() == rb"/v2/queues/q/messages\nGET\np\n2016-01-01T00:00:00"
    assert grant.signature("k") == original_signature(
        "k", ["/v2/queues/q/messages"], ["GET"], "p", "2016-01-01T00:00:00"
    )


def test_an_offset_in_expires_is_signed_as_utc() -> None:
    moment = signed_urls.parse_expires("2030-01-01T02:00:00+02:00")
    assert signed_urls.Grant.of(["/x"], ["GET"], "p", moment).expires_text == "2030-01-01T00:00:00"


# -- POST .../share ----------------------------------------------------------------------


def test_share_answers_a_sorted_grant_for_a_day(stack: Api) -> None:
    before = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
    found = share(stack, paths=["subscriptions", "messages"], methods=["POST", "GET"])
    assert found["paths"] == ["/v2/queues/a/messages", "/v2/queues/a/subscriptions"]
    assert found["methods"] == ["GET", "POST"]
    assert found["project"] == PROJECT
    expires = datetime.datetime.strptime(found["expires"], "%Y-%m-%dT%H:%M:%S")
    assert before + datetime.timedelta(days=1) <= expires
    assert expires <= before + datetime.timedelta(days=1, seconds=5)
    assert found["signature"] == original_signature(
        KEY, found["paths"], found["methods"], PROJECT, found["expires"]
    )


def test_share_defaults_to_reading_messages(stack: Api) -> None:
    found = share(stack)
    assert (found["paths"], found["methods"]) == (["/v2/queues/a/messages"], ["GET"])
    expires = in_an_hour()
    assert share(stack, expires=expires)["expires"] == expires


@pytest.mark.parametrize(
    ("document", "description"),
    [
        ({"foo": 1}, "Unknown keys: {'foo'}"),
        ({"paths": ["messages", "queues"]}, "Invalid paths: {'queues'}"),
        ({"paths": "messages"}, "`paths` must be a list of strings."),
        ({"paths": [{"a": 1}]}, "`paths` must be a list of strings."),
        ({"methods": "GET"}, "`methods` should be a list"),
        ({"methods": ["GET", "FETCH"]}, "Invalid methods: {'FETCH'}"),
        (
            {"expires": 1767225600},
            "`expires` should be date format, for example 2016-01-01T00:00:00, "
            "not integer value: 1767225600",
        ),
        (
            {"expires": "1767225600"},
            "`expires` should be date format, for example 2016-01-01T00:00:00, "
            "not integer value: 1767225600",
        ),
        ({"expires": "2016-01-01T00:00:00"}, "`expires` is lower than the current time"),
        ({"expires": "tomorrow"}, "Unable to parse date string 'tomorrow'"),
        (
            {"expires": ["2030-01-01T00:00:00"]},
            "`expires` should be date format, for example 2016-01-01T00:00:00, as a string",
        ),
    ],
)
def test_share_refuses_bad_documents(stack: Api, document: Any, description: str) -> None:
    assert_error(
        stack.post("/v2/queues/a/share", json=document), 400, "Invalid API request", description
    )


def test_share_needs_a_key_and_a_body(make_stack: MakeStack, stack: Api) -> None:
    keyless = make_stack()
    assert_error(
        keyless.post("/v2/queues/a/share", json={}),
        400,
        "Invalid API request",
        "The `key` can't be None",
    )
    resp = stack.post("/v2/queues/a/share")
    assert resp.status_code == 400 and resp.json["title"] == "Invalid request body"
    assert_error(
        stack.post("/v2/queues/a/share", json=[]),
        400,
        "Invalid API request",
        "The request body must be a JSON object.",
    )
    resp = stack.post("/v2/queues/a%20b/share", json={})
    assert resp.status_code == 400 and resp.json["title"] == "Invalid queue identification"


# -- using a grant -----------------------------------------------------------------------


def test_heats_signal_flow_pops_with_only_the_signed_headers(stack: Api) -> None:
    grant = share(stack, paths=["messages"], methods=["GET", "DELETE"])
    assert stack.post("/v2/queues/a/messages", json=POST, project=PROJECT).status_code == 201
    listed = signed(stack, "GET", "/v2/queues/a/messages?echo=true", grant)
    assert listed.status_code == 200, listed.text
    first = listed.json["messages"][0]
    one = signed(stack, "GET", f"/v2/queues/a/messages/{first['id']}", grant)
    assert one.status_code == 200 and one.json["body"] == {"n": 1}
    popped = signed(stack, "DELETE", "/v2/queues/a/messages?pop=1", grant)
    assert popped.status_code == 200, popped.text
    assert popped.json["messages"][0]["body"] == {"n": 1}
    left = stack.get("/v2/queues/a/messages?echo=true", project=PROJECT).json["messages"]
    assert [m["body"] for m in left] == [{"n": 2}]


def test_a_grant_opens_claims_below_its_path(stack: Api) -> None:
    grant = share(stack, paths=["claims"], methods=["POST", "DELETE"])
    assert stack.post("/v2/queues/a/messages", json=POST, project=PROJECT).status_code == 201
    claimed = signed(
        stack, "POST", "/v2/queues/a/claims", grant, **{"Content-Type": "application/json"}
    )
    # A signed POST with no body: the claim's defaults.
    assert claimed.status_code == 201, claimed.text
    claim = claimed.headers["Location"]
    assert signed(stack, "DELETE", claim, grant).status_code == 204


def _untouched(stack: Api, queue: str = "a", project: str = PROJECT) -> None:
    resp = stack.get(f"/v2/queues/{queue}/messages?echo=true", project=project)
    assert len(resp.json["messages"]) == 2, resp.text


@pytest.mark.parametrize(
    ("method", "path", "changes"),
    [
        # Another queue, and queues whose names share a prefix with the signed one.
        ("GET", "/v2/queues/b/messages", {}),
        ("GET", "/v2/queues/ab/messages", {}),
        ("GET", "/v2/queues/a_/messages", {}),
        # The signed queue's other resources, and another version's path to it.
        ("GET", "/v2/queues/a", {}),
        ("GET", "/v2/queues/a/stats", {}),
        ("GET", "/v2/queues/a/subscriptions", {}),
        ("POST", "/v2/queues/a/purge", {}),
        ("GET", "/v1.1/queues/a/messages", {}),
        ("GET", "/v2/queues/a/messagesx", {}),
        # Another method.
        ("POST", "/v2/queues/a/messages", {}),
        ("HEAD", "/v2/queues/a/messages", {}),
        # Another project, or none.
        ("GET", "/v2/queues/a/messages", {"X-Project-ID": "proj-b"}),
        ("GET", "/v2/queues/a/messages", {"X-Project-ID": None}),
        # Headers that claim more than was signed.
        ("POST", "/v2/queues/a/messages", {"URL-Methods": "DELETE,GET,POST"}),
        (
            "GET",
            "/v2/queues/b/messages",
            {"URL-Paths": "/v2/queues/a/messages,/v2/queues/b/messages"},
        ),
        ("GET", "/v2/queues/b/messages", {"URL-Paths": "/v2/queues/b/messages"}),
        ("GET", "/v2/queues/a/messages", {"URL-Expires": "2099-01-01T00:00:00"}),
        ("GET", "/v2/queues/a/messages", {"URL-Paths": "/v2/queues/.*"}),
        # A broken, absent or differently written signature.
        ("GET", "/v2/queues/a/messages", {"URL-Signature": ""}),
        ("GET", "/v2/queues/a/messages", {"URL-Signature": "0" * 64}),
        ("GET", "/v2/queues/a/messages", {"URL-Signature": "upper"}),
        ("GET", "/v2/queues/a/messages", {"URL-Signature": "é" * 64}),
        ("GET", "/v2/queues/a/messages", {"URL-Expires": None}),
        ("GET", "/v2/queues/a/messages", {"URL-Expires": "never"}),
        ("GET", "/v2/queues/a/messages", {"URL-Methods": None}),
        ("GET", "/v2/queues/a/messages", {"URL-Paths": None}),
    ],
)
def test_a_grant_opens_nothing_else(
    stack: Api, method: str, path: str, changes: dict[str, str | None]
) -> None:
    grant = share(stack, paths=["messages"], methods=["GET", "DELETE"])
    for queue, project in (("a", PROJECT), ("b", PROJECT), ("ab", PROJECT), ("a", "proj-b")):
        assert (
            stack.post(f"/v2/queues/{queue}/messages", json=POST, project=project).status_code
            == 201
        )
    if changes.get("URL-Signature") == "upper":
        changes = {"URL-Signature": grant["signature"].upper()}
    resp = signed(stack, method, path, grant, **changes)
    assert resp.status_code == 404, resp.text
    if method != "HEAD":
        assert resp.json == NOT_FOUND
    # A DELETE with the signed method but a refused grant removes nothing anywhere.
    refused_delete = signed(stack, "DELETE", "/v2/queues/a/messages?pop=2", grant, **changes)
    if changes:
        assert refused_delete.status_code == 404
    for queue, project in (("b", PROJECT), ("ab", PROJECT), ("a", "proj-b")):
        _untouched(stack, queue, project)


def test_an_expired_grant_opens_nothing(stack: Api) -> None:
    moment = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
    grant = signed_urls.Grant.of(["/v2/queues/a/messages"], ["GET"], PROJECT, moment)
    shown = {
        "paths": list(grant.paths),
        "methods": list(grant.methods),
        "project": PROJECT,
        "expires": grant.expires_text,
        "signature": grant.signature(KEY),
    }
    assert signed(stack, "GET", "/v2/queues/a/messages", shown).status_code == 404
    later = signed_urls.Grant.of(
        grant.paths, grant.methods, PROJECT, moment + datetime.timedelta(hours=1)
    )
    shown.update(expires=later.expires_text, signature=later.signature(KEY))
    assert signed(stack, "GET", "/v2/queues/a/messages", shown).status_code == 200


def test_another_key_opens_nothing(make_stack: MakeStack, stack: Api) -> None:
    grant = share(stack)
    other = make_stack(**{"signed_url.secret_key": "another-key"})
    assert signed(other, "GET", "/v2/queues/a/messages", grant).status_code == 404
    keyless = make_stack()
    assert signed(keyless, "GET", "/v2/queues/a/messages", grant).status_code == 404


def test_a_signed_request_has_no_roles(make_stack: MakeStack, tmp_path: Any) -> None:
    rules = tmp_path / "policy.yaml"
    rules.write_text('"messages:get_all": "role:reader"\n', encoding="utf-8")
    stack = make_stack(**{"signed_url.secret_key": KEY, "oslo_policy.policy_file": str(rules)})
    grant = share(stack)
    reader = stack.get("/v2/queues/a/messages", project=PROJECT, headers={"X-Roles": "reader"})
    assert reader.status_code == 200
    # The grant is the project's, but roles are not signed: X-Roles is not believed.
    resp = signed(stack, "GET", "/v2/queues/a/messages", grant, **{"X-Roles": "reader"})
    assert_error(resp, 403, "Not authorized", "You are not authorized to complete this action.")


# -- under keystone ----------------------------------------------------------------------


@pytest.fixture
def keystone_stack(make_stack: MakeStack, keystone: keystone_fixture.AuthTokenFixture) -> Api:
    return make_stack(**keystone_overrides(**{"signed_url.secret_key": KEY}))


def _token(keystone: keystone_fixture.AuthTokenFixture, project: str = PROJECT) -> str:
    from keystoneauth1 import fixture as token_fixtures

    token = token_fixtures.V3Token(project_id=project, user_id="heat")
    token.add_role(name="member")
    token_id: str = keystone.add_token(token)
    return token_id


def test_under_keystone_heats_flow_needs_no_token_to_pop(
    keystone_stack: Api, keystone: keystone_fixture.AuthTokenFixture
) -> None:
    token = {"X-Auth-Token": _token(keystone)}
    made = keystone_stack.post(
        "/v2/queues/signal/share",
        json={"paths": ["messages"], "methods": ["GET", "DELETE"]},
        project=None,
        headers=token,
    )
    assert made.status_code == 200, made.text
    grant = made.json
    # The token's project, not a header's.
    assert grant["project"] == PROJECT
    posted = keystone_stack.post(
        "/v2/queues/signal/messages", json=POST, project=None, headers=token
    )
    assert posted.status_code == 201
    popped = signed(keystone_stack, "DELETE", "/v2/queues/signal/messages?pop=1", grant)
    assert popped.status_code == 200, popped.text
    assert popped.json["messages"][0]["body"] == {"n": 1}
    # Without the grant the same request needs a token.
    assert (
        keystone_stack.delete("/v2/queues/signal/messages?pop=1", project=PROJECT).status_code
        == 401
    )


def test_under_keystone_a_bad_grant_is_404_and_never_skips_the_token_check(
    keystone_stack: Api, keystone: keystone_fixture.AuthTokenFixture
) -> None:
    token = {"X-Auth-Token": _token(keystone)}
    made = keystone_stack.post("/v2/queues/signal/share", json={}, project=None, headers=token)
    grant = made.json
    for changes in ({"URL-Signature": ""}, {"URL-Signature": "f" * 64}, {"X-Project-ID": "other"}):
        resp = signed(keystone_stack, "GET", "/v2/queues/signal/messages", grant, **changes)
        assert resp.status_code == 404 and resp.json == NOT_FOUND
    # Identity headers sent with a grant are not believed: no roles, the signed project.
    resp = signed(
        keystone_stack,
        "GET",
        "/v2/queues/signal/messages",
        grant,
        **{"X-Roles": "admin", "X-Identity-Status": "Confirmed", "X-User-Id": "root"},
    )
    assert resp.status_code == 200
