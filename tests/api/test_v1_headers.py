"""The checks every v1 request passes, in order (SPEC §1.2), and response headers (§1.5)."""

from __future__ import annotations

import uuid

import pytest

from .support import CLIENT_ID, Api, assert_error, assert_no_body, encode

FORM = "application/x-www-form-urlencoded"
FORM_DESCRIPTION = (
    "Endpoint does not accept `application/x-www-form-urlencoded` content; currently "
    "supported media type is `application/json`; specify proper client-side media type "
    'with the "Content-Type" header.'
)
MISSING_CLIENT = ("Missing header value", 'The "Client-ID" header is required.')
WRONG_UUID = ("Wrong UUID value", "Malformed hexadecimal UUID.")
EMPTY_PROJECT = (
    "Empty project header not allowed",
    "X-PROJECT-ID cannot be an empty string. Specify the right header X-PROJECT-ID and retry.",
)
BAD_NAME = (
    "Invalid queue identification",
    "The format of the submitted queue name or project id is not valid.",
)

MESSAGE_BATCH = [{"ttl": 300, "body": {"event": "x"}}]

#: (method, path, JSON body or None) for a spread of routes.
ROUTES = [
    ("GET", "/v1/queues", None),
    ("PUT", "/v1/queues/fizbit", None),
    ("GET", "/v1/queues/fizbit", None),
    ("HEAD", "/v1/queues/fizbit", None),
    ("DELETE", "/v1/queues/fizbit", None),
    ("GET", "/v1/queues/fizbit/metadata", None),
    ("PUT", "/v1/queues/fizbit/metadata", {"a": 1}),
    ("GET", "/v1/queues/fizbit/stats", None),
    ("POST", "/v1/queues/fizbit/messages", MESSAGE_BATCH),
    ("GET", "/v1/queues/fizbit/messages", None),
    ("GET", "/v1/queues/fizbit/messages?ids=abc", None),
    ("DELETE", "/v1/queues/fizbit/messages?ids=abc", None),
    ("GET", "/v1/queues/fizbit/messages/abc", None),
    ("DELETE", "/v1/queues/fizbit/messages/abc", None),
    ("POST", "/v1/queues/fizbit/claims", {"ttl": 300, "grace": 60}),
    ("GET", "/v1/queues/fizbit/claims/abc", None),
    ("PATCH", "/v1/queues/fizbit/claims/abc", {"ttl": 300}),
    ("DELETE", "/v1/queues/fizbit/claims/abc", None),
]
ROUTE_IDS = [f"{method} {path}" for method, path, _ in ROUTES]


@pytest.fixture
def fizbit(api: Api) -> Api:
    api.create_queue("fizbit")
    return api


# -- 2. form-encoded bodies -----------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "document"), ROUTES, ids=ROUTE_IDS)
def test_form_encoded_body_is_rejected_on_every_route(
    fizbit: Api, method: str, path: str, document: object
) -> None:
    resp = fizbit.request(method, path, body=b"a=1&b=2", content_type=FORM)
    assert_error(resp, 400, "Invalid Content-Type", FORM_DESCRIPTION, method=method)


def test_form_encoded_content_type_is_matched_case_insensitively(fizbit: Api) -> None:
    resp = fizbit.post(
        "/v1/queues/fizbit/messages",
        body=encode(MESSAGE_BATCH),
        content_type="Application/X-WWW-Form-URLEncoded",
    )
    assert_error(resp, 400, "Invalid Content-Type", FORM_DESCRIPTION)


def test_form_content_type_without_a_body_is_not_rejected(fizbit: Api) -> None:
    resp = fizbit.get("/v1/queues/fizbit", headers={"Content-Type": FORM})
    assert resp.status_code == 204


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream", None])
def test_any_other_content_type_is_parsed_as_json(fizbit: Api, content_type: str | None) -> None:
    resp = fizbit.post(
        "/v1/queues/fizbit/messages", body=encode(MESSAGE_BATCH), content_type=content_type
    )
    assert resp.status_code == 201, resp.text


# -- 3. Accept ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept", [None, "*/*", "application/*", "application/json", "text/html, */*;q=0.1"]
)
def test_accept_header_that_allows_json_passes(fizbit: Api, accept: str | None) -> None:
    resp = fizbit.get("/v1/queues/fizbit/metadata", headers={"Accept": accept})
    assert resp.status_code == 200
    assert resp.json == {}


@pytest.mark.parametrize("accept", ["plain/text", "application/xml", "text/html"])
@pytest.mark.parametrize(("method", "path", "document"), ROUTES, ids=ROUTE_IDS)
def test_accept_header_without_json_is_406(
    fizbit: Api, method: str, path: str, document: object, accept: str
) -> None:
    json = document if document is not None else None
    kwargs = {"json": json} if json is not None else {}
    resp = fizbit.request(method, path, headers={"Accept": accept}, **kwargs)
    assert resp.status_code == 406, resp.text


def test_406_body_is_xml_when_the_client_prefers_xml(fizbit: Api) -> None:
    resp = fizbit.get("/v1/queues/fizbit", headers={"Accept": "application/xml"})
    assert resp.status_code == 406
    assert "xml" in resp.headers["Content-Type"]
    assert resp.text.lstrip().startswith("<?xml")


def test_accept_check_runs_on_health_too(api: Api) -> None:
    resp = api.get("/v1/health", headers={"Accept": "application/xml"})
    assert resp.status_code == 406


# -- 4. Client-ID ---------------------------------------------------------------------------------

BAD_CLIENT_IDS = [
    "",
    "None",
    "1234",
    "aa2-bb3",
    CLIENT_ID + "a",
    CLIENT_ID[:-1],
    "3381af922b9e11e3b19171861300734",  # 31 hex digits
    "not-a-uuid-at-all",
    "zzzzzzzz-2b9e-11e3-b191-71861300734c",
]
GOOD_CLIENT_IDS = [
    CLIENT_ID,
    CLIENT_ID.replace("-", ""),
    CLIENT_ID.upper(),
    "{" + CLIENT_ID + "}",
    "urn:uuid:" + CLIENT_ID,
]


@pytest.mark.parametrize("client_id", BAD_CLIENT_IDS)
@pytest.mark.parametrize(("method", "path", "document"), ROUTES, ids=ROUTE_IDS)
def test_malformed_client_id_is_400_on_every_route(
    fizbit: Api, method: str, path: str, document: object, client_id: str
) -> None:
    kwargs = {"json": document} if document is not None else {}
    resp = fizbit.request(method, path, client_id=client_id, **kwargs)
    assert_error(resp, 400, *WRONG_UUID, method=method)


@pytest.mark.parametrize("client_id", GOOD_CLIENT_IDS)
def test_any_uuid_form_is_a_valid_client_id(fizbit: Api, client_id: str) -> None:
    resp = fizbit.post("/v1/queues/fizbit/messages", json=MESSAGE_BATCH, client_id=client_id)
    assert resp.status_code == 201, resp.text
    resp = fizbit.get("/v1/queues/fizbit/messages?echo=true", client_id=client_id)
    assert resp.status_code == 200, resp.text


@pytest.mark.parametrize(
    ("method", "path", "document"),
    [
        ("POST", "/v1/queues/fizbit/messages", MESSAGE_BATCH),
        ("GET", "/v1/queues/fizbit/messages", None),
        ("GET", "/v1/queues/fizbit/messages?echo=true&limit=5", None),
    ],
)
def test_client_id_is_required_to_post_and_list_messages(
    fizbit: Api, method: str, path: str, document: object
) -> None:
    kwargs = {"json": document} if document is not None else {}
    resp = fizbit.request(method, path, client_id=None, **kwargs)
    assert_error(resp, 400, *MISSING_CLIENT)


def test_client_id_is_required_to_list_messages_of_a_missing_queue(api: Api) -> None:
    assert_error(api.get("/v1/queues/nowhere/messages", client_id=None), 400, *MISSING_CLIENT)


def test_client_id_is_optional_everywhere_else(fizbit: Api) -> None:
    ids = fizbit.post_messages("fizbit", 3)
    cid, _ = fizbit.claim("fizbit", limit=1)
    q = "/v1/queues/fizbit"
    expected = [
        ("GET", "/v1/queues", None, 200),
        ("GET", q, None, 204),
        ("HEAD", q, None, 204),
        ("PUT", q, None, 204),
        ("GET", q + "/metadata", None, 200),
        ("PUT", q + "/metadata", {"a": 1}, 204),
        ("GET", q + "/stats", None, 200),
        ("GET", f"{q}/messages?ids={ids[0]},{ids[1]}", None, 200),
        ("GET", f"{q}/messages/{ids[1]}", None, 200),
        ("GET", f"{q}/claims/{cid}", None, 200),
        ("PATCH", f"{q}/claims/{cid}", {"ttl": 300}, 204),
        ("DELETE", f"{q}/messages/{ids[0]}?claim_id={cid}", None, 204),
        ("DELETE", f"{q}/claims/{cid}", None, 204),
        ("POST", q + "/claims", {"ttl": 300, "grace": 60}, 201),
        ("DELETE", f"{q}/messages/{ids[1]}", None, 403),
        ("DELETE", f"{q}/messages?ids={ids[1]}", None, 204),
        ("GET", "/v1/health", None, 204),
        ("DELETE", q, None, 204),
    ]
    for method, path, document, status in expected:
        kwargs = {"json": document} if document is not None else {}
        resp = fizbit.request(method, path, client_id=None, **kwargs)
        assert resp.status_code == status, (method, path, resp.status, resp.text)


# -- 5. X-Project-ID ------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "document"), ROUTES, ids=ROUTE_IDS)
def test_empty_project_header_is_400_on_every_route(
    fizbit: Api, method: str, path: str, document: object
) -> None:
    kwargs = {"json": document} if document is not None else {}
    resp = fizbit.request(method, path, project="", **kwargs)
    assert_error(resp, 400, *EMPTY_PROJECT, method=method)


def test_project_header_name_is_case_insensitive(api: Api) -> None:
    resp = api.put("/v1/queues/fizbit", project=None, headers={"x-project-id": "lower"})
    assert resp.status_code == 201
    assert api.get("/v1/queues/fizbit", project="lower").status_code == 204
    assert api.get("/v1/queues/fizbit", project=None).status_code == 404


def test_missing_project_header_uses_the_global_namespace(api: Api) -> None:
    assert api.put("/v1/queues/fizbit", project=None).status_code == 201
    assert api.get("/v1/queues/fizbit", project=None).status_code == 204
    assert api.get("/v1/queues/fizbit").status_code == 404
    # and creating the same name in a project is a different queue
    assert api.put("/v1/queues/fizbit").status_code == 201


# -- order of the checks --------------------------------------------------------------------------


def test_form_check_runs_before_accept_check(fizbit: Api) -> None:
    resp = fizbit.post(
        "/v1/queues/fizbit/messages",
        body=b"a=1",
        content_type=FORM,
        headers={"Accept": "application/json"},
        client_id="bad",
    )
    assert_error(resp, 400, "Invalid Content-Type", FORM_DESCRIPTION)
    resp = fizbit.post(
        "/v1/queues/fizbit/messages",
        body=b"a=1",
        content_type=FORM,
        headers={"Accept": "application/xml"},
    )
    assert resp.status_code == 400


def test_accept_check_runs_before_client_id_check(fizbit: Api) -> None:
    resp = fizbit.get("/v1/queues/fizbit", headers={"Accept": "plain/text"}, client_id="bad")
    assert resp.status_code == 406


def test_client_id_check_runs_before_project_check(fizbit: Api) -> None:
    resp = fizbit.get("/v1/queues/fizbit", client_id="bad", project="")
    assert_error(resp, 400, *WRONG_UUID)


def test_project_check_runs_before_queue_name_check(api: Api) -> None:
    resp = api.get("/v1/queues/bad!name", project="")
    assert_error(resp, 400, *EMPTY_PROJECT)


def test_queue_name_check_runs_before_the_body_is_read(api: Api) -> None:
    resp = api.post("/v1/queues/bad!name/messages", body=b"{not json")
    assert_error(resp, 400, *BAD_NAME)


def test_queue_name_check_runs_before_the_client_id_requirement(api: Api) -> None:
    resp = api.get("/v1/queues/bad!name/messages", client_id=None)
    assert_error(resp, 400, *BAD_NAME)


# -- response headers are paths only --------------------------------------------------------------


def test_location_headers_are_root_relative_paths(fizbit: Api) -> None:
    headers = []
    headers.append(fizbit.put("/v1/queues/other").headers["Location"])
    headers.append(fizbit.put("/v1/queues/fizbit/metadata", json={}).headers["Location"])
    resp = fizbit.post("/v1/queues/fizbit/messages", json=MESSAGE_BATCH)
    headers.append(resp.headers["Location"])
    resp = fizbit.post("/v1/queues/fizbit/claims", json={"ttl": 300, "grace": 60})
    headers.append(resp.headers["Location"])
    headers.append(fizbit.get("/v1/queues/fizbit").headers["Content-Location"])
    headers.append(fizbit.get("/v1/queues/fizbit/stats").headers["Content-Location"])
    for value in headers:
        assert value.startswith("/v1/queues/"), value
        assert "://" not in value and "falconframework" not in value


def test_json_responses_are_utf8_without_ascii_escapes(fizbit: Api) -> None:
    resp = fizbit.put("/v1/queues/fizbit/metadata", json={"clé": "中文"})
    assert resp.status_code == 204
    assert_no_body(resp)
    resp = fizbit.get("/v1/queues/fizbit/metadata")
    assert resp.headers["Content-Type"].startswith("application/json")
    assert "中文".encode() in resp.content
    assert "clé".encode() in resp.content
    assert resp.json == {"clé": "中文"}


def test_error_responses_vary_on_accept(api: Api) -> None:
    resp = api.get("/v1/queues/nowhere/stats")
    assert resp.status_code == 404
    assert "accept" in resp.headers.get("Vary", "").lower()


def test_random_uuid_client_ids_round_trip(fizbit: Api) -> None:
    client = str(uuid.uuid4())
    resp = fizbit.post("/v1/queues/fizbit/messages", json=MESSAGE_BATCH, client_id=client)
    assert resp.status_code == 201
    assert fizbit.get("/v1/queues/fizbit/messages", client_id=client).status_code == 204
