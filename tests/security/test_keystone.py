"""auth_strategy = keystone: tokens decide who may ask and which project they act in (§8)."""

from __future__ import annotations

import datetime
from typing import Any

import falcon
import pytest
from keystonemiddleware import fixture as keystone_fixture

import zaqar.conf
from tests.api.support import Api, assert_error
from zaqar import bootstrap
from zaqar.transport.wsgi import auth

from .conftest import IDENTITY_URI, MakeStack, keystone_overrides

UNAUTHORIZED = ("Authentication required", "The request you have made requires authentication.")
PROJECT_A = "project-a"
PROJECT_B = "project-b"


def _token(
    keystone: keystone_fixture.AuthTokenFixture,
    project: str | None = PROJECT_A,
    roles: tuple[str, ...] = ("member",),
    expires: datetime.datetime | None = None,
) -> str:
    token_id: str = keystone.add_token(_token_data(project, roles, expires))
    return token_id


def _token_data(
    project: str | None, roles: tuple[str, ...], expires: datetime.datetime | None
) -> Any:
    from keystoneauth1 import fixture as token_fixtures

    token = token_fixtures.V3Token(
        expires=expires, project_id=project, user_id="user-" + (project or "unscoped")
    )
    if project is None:
        # An unscoped token: no project in it at all.
        token.pop("project", None)
        token["token"].pop("project", None)
    for role in roles:
        token.add_role(name=role)
    return token


@pytest.fixture
def stack(make_stack: MakeStack, keystone: keystone_fixture.AuthTokenFixture) -> Api:
    return make_stack(**keystone_overrides())


def _auth(token: str | None, **headers: str) -> dict[str, str | None]:
    sent: dict[str, str | None] = {"X-Auth-Token": token}
    sent.update(headers)
    return sent


def assert_unauthorized(resp: Any) -> None:
    assert_error(resp, 401, *UNAUTHORIZED)
    assert resp.headers["WWW-Authenticate"] == f'Keystone uri="{IDENTITY_URI}"'
    assert resp.headers["x-openstack-request-id"].startswith("req-")


def test_a_valid_token_gets_through(stack: Api, keystone: Any) -> None:
    token = _token(keystone)
    resp = stack.put("/v1/queues/fizbit", headers=_auth(token))
    assert resp.status_code == 201, resp.text
    assert resp.headers["Location"] == "/v1/queues/fizbit"
    assert stack.get("/v1/queues/fizbit", headers=_auth(token)).status_code == 204


@pytest.mark.parametrize("version", ["v1.1", "v2"])
def test_under_keystone_a_later_version_takes_the_project_from_the_token(
    stack: Api, keystone: Any, version: str
) -> None:
    """Heat, Mistral and OSC sessions send a token and no X-Project-Id."""
    token = _token(keystone)
    path = f"/{version}/queues/signals/messages"
    resp = stack.post(path, json={"messages": [{"body": 1}]}, project=None, headers=_auth(token))
    assert resp.status_code == 201, resp.text
    listed = stack.get(path + "?echo=true", project=None, headers=_auth(token))
    assert [message["body"] for message in listed.json["messages"]] == [1]
    other = _token(keystone, PROJECT_B)
    elsewhere = stack.get(path + "?echo=true", project=None, headers=_auth(other))
    assert elsewhere.json["messages"] == []


def test_a_missing_token_is_401_and_changes_nothing(stack: Api, keystone: Any) -> None:
    resp = stack.put("/v1/queues/fizbit", headers=_auth(None))
    assert_unauthorized(resp)
    token = _token(keystone)
    assert stack.get("/v1/queues/fizbit", headers=_auth(token)).status_code == 404


def test_an_invalid_token_is_401(stack: Api, keystone: Any) -> None:
    _token(keystone)
    assert_unauthorized(stack.put("/v1/queues/fizbit", headers=_auth("not-a-known-token")))
    assert_unauthorized(stack.get("/v1/queues", headers=_auth("")))


def test_an_expired_token_is_401(stack: Api, keystone: Any) -> None:
    expired = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    token = _token(keystone, expires=expired.replace(tzinfo=None))
    assert_unauthorized(stack.put("/v1/queues/fizbit", headers=_auth(token)))
    assert_unauthorized(stack.get("/v1/queues", headers=_auth(token)))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/"),
        ("GET", "/v1/health"),
        ("GET", "/v1/queues"),
        ("GET", "/v1/queues/fizbit/messages?ids=abc"),
        ("POST", "/v1/queues/fizbit/claims"),
        ("DELETE", "/v1/queues/fizbit/claims/abc"),
    ],
)
def test_every_v1_route_needs_a_token(stack: Api, method: str, path: str) -> None:
    assert_unauthorized(stack.request(method, path, headers=_auth(None)))


def test_version_discovery_and_the_openapi_document_need_no_token(stack: Api) -> None:
    resp = stack.client.simulate_get("/")
    assert resp.status_code == 300
    assert resp.json["versions"][0]["id"] == "1"
    resp = stack.client.simulate_get("/v1/openapi.json")
    assert resp.status_code == 200
    assert resp.json["openapi"].startswith("3.1")


def test_the_project_comes_from_the_token_not_the_header(stack: Api, keystone: Any) -> None:
    token_a = _token(keystone, PROJECT_A)
    token_b = _token(keystone, PROJECT_B)
    # A client of project A claims to act for project B.
    resp = stack.put("/v1/queues/fizbit", headers=_auth(token_a, **{"X-Project-ID": PROJECT_B}))
    assert resp.status_code == 201
    posted = stack.post(
        "/v1/queues/fizbit/messages",
        json=[{"ttl": 300, "body": "secret of A"}],
        headers=_auth(token_a, **{"X-Project-ID": PROJECT_B}),
    )
    assert posted.status_code == 201
    # Project B (a real token of B) sees nothing of it...
    assert stack.get("/v1/queues/fizbit", headers=_auth(token_b)).status_code == 404
    assert stack.get("/v1/queues", headers=_auth(token_b)).status_code == 204
    href = posted.json["resources"][0]
    assert stack.get(href, headers=_auth(token_b)).status_code == 404
    # ...while A, with or without a header naming B or anyone else, sees its own queue.
    for header in (None, PROJECT_B, "someone-else"):
        listed = stack.get("/v1/queues", headers=_auth(token_a, **{"X-Project-ID": header}))
        assert [q["name"] for q in listed.json["queues"]] == ["fizbit"]
        assert (
            stack.get(href, headers=_auth(token_a, **{"X-Project-ID": header})).json["body"]
            == "secret of A"
        )


def test_identity_headers_sent_without_a_token_are_not_believed(stack: Api) -> None:
    forged = {
        "X-Identity-Status": "Confirmed",
        "X-Project-Id": PROJECT_A,
        "X-Roles": "admin",
        "X-User-Id": "someone",
    }
    assert_unauthorized(stack.put("/v1/queues/fizbit", headers=_auth(None, **forged)))


def test_a_token_without_a_project_is_403(stack: Api, keystone: Any) -> None:
    token = _token(keystone, project=None)
    resp = stack.put("/v1/queues/fizbit", headers=_auth(token, **{"X-Project-ID": PROJECT_A}))
    assert_error(
        resp,
        403,
        "Project-scoped token required",
        "The token is not scoped to a project; queues belong to projects.",
    )


def test_deferred_decisions_are_still_refused_by_the_app(
    make_stack: MakeStack, keystone: Any
) -> None:
    stack = make_stack(**keystone_overrides(**{"keystone_authtoken.delay_auth_decision": True}))
    resp = stack.put("/v1/queues/fizbit", headers=_auth("bogus", **{"X-Project-ID": PROJECT_A}))
    assert_error(resp, 401, *UNAUTHORIZED)
    token = _token(keystone)
    assert stack.put("/v1/queues/fizbit", headers=_auth(token)).status_code == 201


def test_an_unreachable_identity_service_is_503_not_500(make_stack: MakeStack) -> None:
    # No fixture: auth_token must ask the (closed) identity endpoint on loopback.
    stack = make_stack(
        **keystone_overrides(
            **{
                "keystone_authtoken.http_request_max_retries": 0,
                "keystone_authtoken.http_connect_timeout": 1,
            }
        )
    )
    resp = stack.get("/v1/queues", headers=_auth("some-token"))
    assert resp.status_code == 503, resp.text
    assert resp.json["title"] == "Service temporarily unavailable"
    assert "Traceback" not in resp.text


def test_an_unknown_auth_strategy_refuses_to_start(tmp_path: Any) -> None:
    conf = zaqar.conf.load([], default_config_files=[])
    conf.set_override("auth_strategy", "basic", group="DEFAULT")
    with pytest.raises(bootstrap.ConfigurationError, match="auth_strategy"):
        bootstrap.check_supported(conf)


# -- the admin hook ---------------------------------------------------------------------


@falcon.before(auth.require_admin)
class _AdminOnly:
    """Stands in for the pools API, which does not exist yet (see auth.require_admin)."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"project": req.context.caller.project}


def _with_admin_route(api: Api) -> Api:
    api.boot.transport.app.add_route("/v1/test-admin-only", _AdminOnly())
    return api


@pytest.mark.parametrize(("roles", "status"), [(("admin",), 200), (("member", "reader"), 403)])
def test_admin_routes_need_the_admin_role_under_keystone(
    make_stack: MakeStack, keystone: Any, roles: tuple[str, ...], status: int
) -> None:
    stack = _with_admin_route(make_stack(**keystone_overrides(**{"DEFAULT.admin_mode": True})))
    token = _token(keystone, roles=roles)
    resp = stack.get("/v1/test-admin-only", headers=_auth(token, **{"X-Roles": "admin"}))
    if status == 403:
        assert_error(resp, 403, *auth.NOT_AUTHORIZED)
    else:
        assert resp.status_code == 200
        assert resp.json == {"project": PROJECT_A}


def test_admin_routes_need_a_token_under_keystone(make_stack: MakeStack, keystone: Any) -> None:
    stack = _with_admin_route(make_stack(**keystone_overrides(**{"DEFAULT.admin_mode": True})))
    assert_unauthorized(stack.get("/v1/test-admin-only", headers=_auth(None)))


def test_admin_routes_are_404_without_admin_mode_even_for_admins(
    make_stack: MakeStack, keystone: Any
) -> None:
    stack = _with_admin_route(make_stack(**keystone_overrides()))
    token = _token(keystone, roles=("admin",))
    assert stack.get("/v1/test-admin-only", headers=_auth(token)).status_code == 404


@pytest.mark.parametrize(("admin_mode", "status"), [(True, 200), (False, 404)])
def test_without_auth_admin_mode_alone_gates_admin_routes(
    make_stack: MakeStack, admin_mode: bool, status: int
) -> None:
    stack = _with_admin_route(make_stack(**{"DEFAULT.admin_mode": admin_mode}))
    assert stack.get("/v1/test-admin-only").status_code == status


def test_admin_mode_adds_only_the_health_routes_without_pooling(make_stack: MakeStack) -> None:
    """v1's admin routes (pools) also need pooling; v1.1 and v2 add their detailed health."""
    plain = make_stack()
    admin = make_stack(**{"DEFAULT.admin_mode": True})
    assert _served(admin) - _served(plain) == {"/v1.1/health", "/v2/health"}
    assert _served(plain) <= _served(admin)


@pytest.mark.parametrize(("roles", "status"), [(("admin",), 200), (("member",), 403)])
def test_the_detailed_health_needs_the_admin_role_under_keystone(
    make_stack: MakeStack, keystone: Any, roles: tuple[str, ...], status: int
) -> None:
    stack = make_stack(**keystone_overrides(**{"DEFAULT.admin_mode": True}))
    token = _token(keystone, roles=roles)
    for path in ("/v1.1/health", "/v2/health"):
        resp = stack.get(path, headers=_auth(token))
        assert resp.status_code == status, (path, resp.text)


def _served(api: Api) -> set[str]:
    from tests.security.support import served_routes

    return {path for path, _ in served_routes(api.boot.transport.app)}


TRUST_HOOK = {"subscriber": "trust+http://127.0.0.1:9/hook"}
#: The zaqar service user, at an identity service nothing answers for.
UNREACHABLE_TRUSTEE = {
    "trustee.auth_type": "password",
    "trustee.auth_url": "http://127.0.0.1:9/identity/v3",
    "trustee.username": "zaqar",
    "trustee.password": "secret",
    "trustee.user_domain_name": "Default",
}


def test_a_trust_subscriber_needs_a_trustee(make_stack: MakeStack, keystone: Any) -> None:
    """The trust itself is checked against a real keystone by tools/keystone_flow.py."""
    stack = make_stack(**keystone_overrides())
    resp = stack.post(
        "/v2/queues/q/subscriptions", json=TRUST_HOOK, headers=_auth(_token(keystone))
    )
    assert_error(
        resp,
        400,
        "Invalid API request",
        "trust+ subscribers need keystone trusts, which this server is not set up to use "
        "([trustee]).",
    )


def test_a_trust_subscriber_is_503_and_not_made_while_keystone_is_down(
    make_stack: MakeStack, keystone: Any
) -> None:
    stack = make_stack(**keystone_overrides(**UNREACHABLE_TRUSTEE))
    headers = _auth(_token(keystone))
    resp = stack.post("/v2/queues/q/subscriptions", json=TRUST_HOOK, headers=headers)
    assert_error(
        resp,
        503,
        "Service temporarily unavailable",
        "Subscription could not be created. Please try again in a few seconds.",
    )
    listed = stack.get("/v2/queues/q/subscriptions", headers=headers)
    assert listed.json["subscriptions"] == []
    # A plain webhook needs no trust.
    plain = {"subscriber": "http://127.0.0.1:9/hook"}
    made = stack.post("/v2/queues/q/subscriptions", json=plain, headers=headers)
    assert made.status_code == 201, made.text
