"""Request ids (response header and log lines), CORS, and Location through the layers."""

from __future__ import annotations

import logging
import re

import pytest

from tests.api.support import Api
from zaqar.transport.wsgi import logs

from .conftest import MakeStack

REQUEST_ID = re.compile(r"^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ORIGIN = "https://dashboard.example.org"


@pytest.fixture
def stack(make_stack: MakeStack) -> Api:
    return make_stack(**{"cors.allowed_origin": [ORIGIN]})


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 300),
        ("GET", "/v1/", 200),
        ("GET", "/v1/queues", 204),
        ("PUT", "/v1/queues/fizbit", 201),
        ("GET", "/v1/queues/nope/stats", 404),
        ("GET", "/v1/queues/bad%20name", 400),
        ("GET", "/no/such/route", 404),
        ("POST", "/v1/queues", 405),
        ("OPTIONS", "/v1/queues", 200),
    ],
)
def test_every_response_carries_a_request_id(
    stack: Api, method: str, path: str, status: int
) -> None:
    resp = stack.request(method, path)
    assert resp.status_code == status, resp.text
    assert REQUEST_ID.match(resp.headers["x-openstack-request-id"])


def test_request_ids_are_fresh_and_cannot_be_chosen_by_the_client(stack: Api) -> None:
    chosen = "req-11111111-2222-3333-4444-555555555555"
    ids = {
        stack.get("/v1/queues", headers={"X-OpenStack-Request-ID": chosen}).headers[
            "x-openstack-request-id"
        ]
        for _ in range(5)
    }
    assert len(ids) == 5
    assert chosen not in ids


def test_the_request_id_is_in_every_log_line_of_the_request(
    stack: Api, caplog: pytest.LogCaptureFixture
) -> None:
    logs.install(caplog.handler)
    with caplog.at_level(logging.DEBUG):
        resp = stack.put("/v1/queues/fizbit")
    request_id = resp.headers["x-openstack-request-id"]
    during = [r for r in caplog.records if r.name.startswith(("zaqar", "keystonemiddleware"))]
    assert any(r.name == "zaqar.access" for r in during)
    assert {getattr(r, "request_id", None) for r in during} == {request_id}
    # Outside a request the field is still there, as "-".
    logging.getLogger("zaqar.test").warning("between requests")
    assert caplog.records[-1].request_id == logs.NO_REQUEST


def test_the_server_log_format_names_the_request_id() -> None:
    assert "%(request_id)s" in logs.LOG_FORMAT
    record = logging.LogRecord("zaqar.x", logging.INFO, __file__, 1, "hello", None, None)
    logs.RequestIdFilter().filter(record)
    line = logging.Formatter(logs.LOG_FORMAT).format(record)
    assert "[-] hello" in line


def test_control_characters_in_paths_cannot_forge_log_lines() -> None:
    assert logs.printable("/v1/queues/a\nFAKE 200") == "/v1/queues/a\\nFAKE 200"
    assert logs.printable("/v1/queues/plain") == "/v1/queues/plain"


def test_cors_allows_the_configured_origin(stack: Api) -> None:
    resp = stack.get("/v1/queues", headers={"Origin": ORIGIN})
    assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN
    exposed = resp.headers["Access-Control-Expose-Headers"].lower()
    assert "x-openstack-request-id" in exposed and "location" in exposed


def test_cors_preflight_allows_the_api_headers(stack: Api) -> None:
    resp = stack.request(
        "OPTIONS",
        "/v1/queues/fizbit/messages",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Client-ID, X-Project-ID, X-Auth-Token",
        },
    )
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in resp.headers["Access-Control-Allow-Methods"]
    allowed = resp.headers["Access-Control-Allow-Headers"].lower()
    assert {"client-id", "x-project-id", "x-auth-token"} <= {h.strip() for h in allowed.split(",")}


def test_the_access_log_can_be_turned_off(
    make_stack: MakeStack, caplog: pytest.LogCaptureFixture
) -> None:
    quiet = make_stack(**{"drivers:transport:wsgi.access_log": False})
    with caplog.at_level(logging.INFO):
        assert quiet.put("/v1/queues/fizbit").status_code == 201
    assert not [r for r in caplog.records if r.name == "zaqar.access"]
    assert "x-openstack-request-id" in quiet.get("/v1/queues").headers


def test_cors_says_nothing_to_other_origins(stack: Api) -> None:
    resp = stack.get("/v1/queues", headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in resp.headers


def test_cors_is_off_without_allowed_origins(make_stack: MakeStack) -> None:
    resp = make_stack().get("/v1/queues", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in resp.headers


def test_locations_stay_root_relative_through_the_layers(stack: Api) -> None:
    resp = stack.put("/v1/queues/fizbit")
    assert resp.headers["Location"] == "/v1/queues/fizbit"
    resp = stack.post("/v1/queues/fizbit/messages", json=[{"ttl": 60, "body": 1}])
    assert resp.headers["Location"].startswith("/v1/queues/fizbit/messages?ids=")
