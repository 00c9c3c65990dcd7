"""Version discovery, the v1 home document, health, routing errors and 500s (SPEC §1.1, §1.3,
§2.1, §2.11)."""

from __future__ import annotations

import json

import falcon
import pytest

from .support import Api, assert_error, assert_no_body

V1_VERSION = {
    "id": "1",
    "status": "DEPRECATED",
    "updated": "2014-9-11T17:47:05Z",
    "media-types": [
        {"base": "application/json", "type": "application/vnd.openstack.messaging-v1+json"}
    ],
    "links": [{"href": "/v1/", "rel": "self"}],
}


# -- GET / ----------------------------------------------------------------------------------------


def test_root_lists_versions_with_300_and_needs_no_headers(api: Api) -> None:
    resp = api.client.simulate_get("/")
    assert resp.status_code == 300
    assert resp.headers["Content-Type"].startswith("application/json")
    versions = resp.json["versions"]
    assert V1_VERSION in versions
    assert set(resp.json) == {"versions"}


def test_root_ignores_an_empty_project_header(api: Api) -> None:
    resp = api.client.simulate_get("/", headers={"X-Project-ID": ""})
    assert resp.status_code == 300
    assert V1_VERSION in resp.json["versions"]


# -- GET /v1/ -------------------------------------------------------------------------------------

HOME_ALLOW = {
    "rel/queues": ["GET"],
    "rel/queue": ["GET", "HEAD", "PUT", "DELETE"],
    "rel/queue-metadata": ["GET", "PUT"],
    "rel/queue-stats": ["GET"],
    "rel/messages": ["GET"],
    "rel/post-messages": ["POST"],
    "rel/claim": ["POST"],
}

HOME_TEMPLATES = {
    "rel/queues": "/v1/queues{?marker,limit,detailed}",
    "rel/queue": "/v1/queues/{queue_name}",
    "rel/queue-metadata": "/v1/queues/{queue_name}/metadata",
    "rel/queue-stats": "/v1/queues/{queue_name}/stats",
    "rel/messages": "/v1/queues/{queue_name}/messages{?marker,limit,echo,include_claimed}",
    "rel/post-messages": "/v1/queues/{queue_name}/messages",
    "rel/claim": "/v1/queues/{queue_name}/claims{?limit}",
}


def test_home_document_is_json_home_cached_for_a_day(api: Api) -> None:
    resp = api.get("/v1/", project=None, client_id=None)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/json-home"
    assert resp.headers["Cache-Control"] == "max-age=86400"
    document = json.loads(resp.text)
    assert set(document) == {"resources"}
    # pretty-printed with a 4-space indent
    assert '\n    "resources"' in resp.text


def test_home_document_lists_every_v1_resource_with_its_template_and_hints(api: Api) -> None:
    resources = json.loads(api.get("/v1/").text)["resources"]
    assert set(resources) == set(HOME_TEMPLATES)
    for rel, resource in resources.items():
        assert resource["href-template"] == HOME_TEMPLATES[rel]
        assert resource["href-template"].startswith("/v1")
        assert resource["hints"]["allow"] == HOME_ALLOW[rel]
        assert resource["hints"]["formats"] == {"application/json": {}}
        assert "href-vars" in resource
        if "{queue_name}" in resource["href-template"]:
            assert resource["href-vars"]["queue_name"] == "param/queue_name"
    assert resources["rel/queues"]["href-vars"] == {
        "marker": "param/marker",
        "limit": "param/queue_limit",
        "detailed": "param/detailed",
    }
    assert resources["rel/messages"]["href-vars"]["limit"] == "param/messages_limit"
    assert resources["rel/messages"]["href-vars"]["echo"] == "param/echo"
    assert resources["rel/messages"]["href-vars"]["include_claimed"] == "param/include_claimed"
    assert resources["rel/claim"]["href-vars"]["limit"] == "param/claim_limit"
    assert resources["rel/post-messages"]["hints"]["accept-post"] == ["application/json"]
    assert resources["rel/claim"]["hints"]["accept-post"] == ["application/json"]


def test_home_document_queue_template_expands_to_the_queue_path(api: Api) -> None:
    resources = json.loads(api.get("/v1/").text)["resources"]
    template = resources["rel/queue"]["href-template"]
    assert template.replace("{queue_name}", "foo") == "/v1/queues/foo"


def test_v1_without_trailing_slash_is_404(api: Api) -> None:
    assert_error(api.get("/v1"), 404, "404 Not Found")


# -- health ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_health_is_204_without_body_and_needs_no_headers(api: Api, method: str) -> None:
    resp = api.request(method, "/v1/health", project=None, client_id=None)
    assert resp.status_code == 204
    assert_no_body(resp)


# -- routing errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/v3/",
        "/v1/foo",
        "/v1/queues/q/bar",
        "/v1/queues/q/messages/abc/extra",
        "/v1/queues/q/claims/abc/extra",
        "/v1/health/",
    ],
)
def test_unknown_path_is_404_with_title_only(api: Api, path: str) -> None:
    assert_error(api.get(path), 404, "404 Not Found")


ALLOWED = [
    ("/v1/", "DELETE", {"GET", "OPTIONS"}),
    ("/v1/health", "POST", {"GET", "HEAD", "OPTIONS"}),
    ("/v1/queues", "POST", {"GET", "OPTIONS"}),
    ("/v1/queues/q", "PATCH", {"DELETE", "GET", "HEAD", "PUT", "OPTIONS"}),
    ("/v1/queues/q", "POST", {"DELETE", "GET", "HEAD", "PUT", "OPTIONS"}),
    ("/v1/queues/q/metadata", "DELETE", {"GET", "PUT", "OPTIONS"}),
    ("/v1/queues/q/stats", "PUT", {"GET", "OPTIONS"}),
    ("/v1/queues/q/messages", "PUT", {"DELETE", "GET", "POST", "OPTIONS"}),
    ("/v1/queues/q/messages/abc", "PUT", {"DELETE", "GET", "OPTIONS"}),
    ("/v1/queues/q/claims", "GET", {"POST", "OPTIONS"}),
    ("/v1/queues/q/claims/abc", "POST", {"DELETE", "GET", "PATCH", "OPTIONS"}),
]


def _allow(header: str) -> set[str]:
    return {method.strip() for method in header.split(",")}


@pytest.mark.parametrize(("path", "method", "allowed"), ALLOWED)
def test_unknown_method_is_405_with_allow_header(
    api: Api, path: str, method: str, allowed: set[str]
) -> None:
    resp = api.request(method, path)
    assert_error(resp, 405, "405 Method Not Allowed")
    assert _allow(resp.headers["Allow"]) == allowed


@pytest.mark.parametrize(("path", "method", "allowed"), ALLOWED)
def test_options_is_200_with_allow_header_and_empty_body(
    api: Api, path: str, method: str, allowed: set[str]
) -> None:
    resp = api.request("OPTIONS", path)
    assert resp.status_code == 200
    # Falcon's default OPTIONS responder may or may not list OPTIONS itself.
    assert _allow(resp.headers["Allow"]) - {"OPTIONS"} == allowed - {"OPTIONS"}
    assert_no_body(resp)


# -- unexpected failures --------------------------------------------------------------------------


class _Boom:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        raise RuntimeError("kaboom in the responder")


def test_unexpected_exception_is_500_json_without_traceback(api: Api) -> None:
    api.app.add_route("/v1/boom", _Boom())
    resp = api.get("/v1/boom")
    assert resp.status_code == 500
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.json["title"] == "Internal server error"
    assert set(resp.json) <= {"title", "description"}
    assert "Traceback" not in resp.text
    assert 'File "' not in resp.text


def test_unexpected_exception_never_shows_the_exception_text(api: Api) -> None:
    # A deliberate difference from the original, which echoed the exception text: the body
    # is fixed, and the details go to the log only.
    api.app.add_route("/v1/boom", _Boom())
    resp = api.get("/v1/boom")
    assert_error(
        resp,
        500,
        "Internal server error",
        "The server met an unexpected condition; the error has been logged.",
    )
    assert "kaboom" not in resp.text
