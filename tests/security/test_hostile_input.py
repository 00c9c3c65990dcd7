"""Hostile input through the whole WSGI stack: each gets a clear JSON 4xx, and what was
stored before is still there, unchanged, afterwards.

Header limits belong to the HTTP server, so the 8 KiB header tests run against a real
server, under each of the servers zaqar-server can run.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.support import Api, assert_client_error, assert_error, encode
from tests.e2e.support import SERVERS, ZaqarServer, server_env, write_config
from zaqar.conf import http_limits, transport

from .conftest import MakeStack

QUEUE = "fizbit"
METADATA = {"owner": "ops", "n": 1}
POST_LIMIT = transport.max_messages_post_size.default
METADATA_LIMIT = transport.max_queue_metadata.default
BODY_LIMIT = http_limits.max_request_body_size.default
DEPTH_LIMIT = http_limits.max_json_depth.default

MESSAGES = "/v1/queues/fizbit/messages"
METADATA_PATH = "/v1/queues/fizbit/metadata"
CLAIMS = "/v1/queues/fizbit/claims"

#: (method, path) of every route that reads a JSON body.
BODY_ROUTES = [
    ("POST", MESSAGES),
    ("PUT", METADATA_PATH),
    ("POST", CLAIMS),
    ("PATCH", CLAIMS + "/abc"),
]


@pytest.fixture(params=["sqlite", "redis"])
def stack(request: pytest.FixtureRequest, make_stack: MakeStack) -> Api:
    api = make_stack(request.param)
    api.create_queue(QUEUE)
    assert api.put(METADATA_PATH, json=METADATA).status_code == 204
    api.post_messages(QUEUE, 2)
    return api


def snapshot(api: Api) -> Any:
    """Everything a client of the project can see."""
    return (
        api.get("/v1/queues?detailed=true").json,
        api.get(METADATA_PATH).json,
        [(m["body"], m["ttl"]) for m in api.list_all(QUEUE, "echo=true&include_claimed=true")],
        api.get("/v1/queues/fizbit/stats").json["messages"]["total"],
    )


@pytest.fixture
def intact(stack: Api) -> Iterator[Api]:
    """``stack``, checked after the test to hold exactly what it held before."""
    before = snapshot(stack)
    yield stack
    assert snapshot(stack) == before


def padded(document: Any, size: int) -> bytes:
    """``document`` as JSON of exactly ``size`` bytes (whitespace padding)."""
    raw = encode(document)
    assert len(raw) <= size
    return raw + b" " * (size - len(raw))


# -- deep nesting, many keys, bad bytes ---------------------------------------------------


def nested(depth: int) -> Any:
    document: Any = 1
    for _ in range(depth):
        document = [document]
    return document


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
@pytest.mark.parametrize("depth", [DEPTH_LIMIT + 1, 900, 100_000])
def test_deeply_nested_json_is_refused(intact: Api, method: str, path: str, depth: int) -> None:
    raw = b"[" * depth + b"]" * depth
    if method == "PUT":
        raw = b'{"a":' + raw + b"}"
    elif method == "POST" and path == MESSAGES:
        raw = b'[{"ttl":60,"body":' + raw + b"}]"
    resp = intact.request(method, path, body=raw)
    assert_client_error(resp)


def test_nesting_at_the_depth_limit_is_accepted(intact: Api) -> None:
    # The array of messages and the message object are two levels.
    body = nested(DEPTH_LIMIT - 2)
    resp = intact.post(MESSAGES, json=[{"ttl": 60, "body": body}])
    assert resp.status_code == 201
    assert intact.get(resp.json["resources"][0]).json["body"] == body
    intact.delete(resp.json["resources"][0])


def test_messages_nested_too_deeply_say_so(intact: Api) -> None:
    resp = intact.post(MESSAGES, json=[{"ttl": 60, "body": nested(DEPTH_LIMIT - 1)}])
    assert_error(
        resp,
        400,
        "Invalid request body",
        f"The JSON document is nested too deeply. Max depth: {DEPTH_LIMIT}",
    )


def test_huge_numbers_of_keys_are_bounded_by_the_size_limit(intact: Api) -> None:
    keys = {f"k{n}": n for n in range(200_000)}
    resp = intact.put(METADATA_PATH, json=keys)
    assert_error(
        resp,
        400,
        "Invalid API request",
        f"Queue metadata is too large. Max size: {METADATA_LIMIT}",
    )
    resp = intact.post(MESSAGES, json=[{"ttl": 60, "body": keys}])
    assert_error(
        resp,
        400,
        "Invalid API request",
        f"Message collection size is too large. Max size {POST_LIMIT}",
    )
    resp = intact.post(CLAIMS, json={"ttl": 60, "grace": 60, **keys})
    assert_error(resp, 413, "Request body too large", _too_large(BODY_LIMIT))


def test_many_keys_within_the_limit_are_stored_whole(stack: Api) -> None:
    keys = {f"k{n}": n for n in range(4000)}
    assert len(encode(keys)) < METADATA_LIMIT
    assert stack.put(METADATA_PATH, json=keys).status_code == 204
    assert stack.get(METADATA_PATH).json == keys


@pytest.mark.parametrize("method, path", BODY_ROUTES)
@pytest.mark.parametrize(
    "raw",
    [b'{"ttl": "\xff\xfe"}', b"\xc3\x28", b'[{"ttl": 60, "body": "\xed\xa0\x80"}]', b"\x00"],
)
def test_bytes_that_are_not_utf8_are_refused(
    intact: Api, method: str, path: str, raw: bytes
) -> None:
    resp = intact.request(method, path, body=raw)
    assert_error(resp, 400, "Invalid request body", "Request body could not be parsed.")


# -- Content-Length that lies ------------------------------------------------------------


@pytest.mark.parametrize("method, path", BODY_ROUTES)
def test_content_length_larger_than_the_body_is_refused(
    intact: Api, method: str, path: str
) -> None:
    raw = b'{"ttl": 60, "grace": 60}' if path != MESSAGES else b'[{"ttl":60,"body":1}]'
    resp = intact.request(method, path, body=raw, headers={"Content-Length": str(len(raw) + 10)})
    assert_error(
        resp,
        400,
        "Invalid request body",
        "The request body is shorter than its Content-Length.",
    )


@pytest.mark.parametrize("method, path", BODY_ROUTES)
def test_content_length_smaller_than_the_body_reads_no_further(
    intact: Api, method: str, path: str
) -> None:
    raw = b'{"ttl": 60, "grace": 60}' if path != MESSAGES else b'[{"ttl":60,"body":1}]'
    resp = intact.request(method, path, body=raw, headers={"Content-Length": str(len(raw) - 3)})
    assert_error(resp, 400, "Invalid request body", "Request body could not be parsed.")


@pytest.mark.parametrize(
    ("path", "limit"), [(MESSAGES, POST_LIMIT), (METADATA_PATH, METADATA_LIMIT)]
)
def test_a_small_content_length_cannot_smuggle_a_large_body(
    intact: Api, path: str, limit: int
) -> None:
    # The declared length is within the limit; the bytes sent are far beyond it.
    method = "POST" if path == MESSAGES else "PUT"
    raw = b" " * (limit * 4)
    resp = intact.request(method, path, body=raw, headers={"Content-Length": "10"})
    assert_error(resp, 400, "Invalid request body", "Request body could not be parsed.")


# -- bodies at each size limit and one byte over -------------------------------------------


def _too_large(limit: int) -> str:
    return f"The request body may not be larger than {limit} bytes."


def test_message_post_exactly_at_the_limit_is_accepted_and_one_byte_over_is_not(
    intact: Api,
) -> None:
    at_limit = padded([{"ttl": 60, "body": "x"}], POST_LIMIT)
    resp = intact.post(MESSAGES, body=at_limit)
    assert resp.status_code == 201, resp.text
    intact.delete(resp.json["resources"][0])
    resp = intact.post(MESSAGES, body=at_limit + b" ")
    assert_error(
        resp,
        400,
        "Invalid API request",
        f"Message collection size is too large. Max size {POST_LIMIT}",
    )


def test_metadata_exactly_at_the_limit_is_accepted_and_one_byte_over_is_not(
    stack: Api,
) -> None:
    at_limit = padded({"big": "y" * (METADATA_LIMIT - 20)}, METADATA_LIMIT)
    assert stack.put(METADATA_PATH, body=at_limit).status_code == 204
    stored = stack.get(METADATA_PATH).json
    resp = stack.put(METADATA_PATH, body=at_limit + b" ")
    assert_error(
        resp, 400, "Invalid API request", f"Queue metadata is too large. Max size: {METADATA_LIMIT}"
    )
    assert stack.get(METADATA_PATH).json == stored


@pytest.mark.parametrize("method, path", [("POST", CLAIMS), ("PATCH", CLAIMS + "/abc")])
def test_claim_bodies_exactly_at_the_limit_are_read_and_one_byte_over_is_413(
    intact: Api, method: str, path: str
) -> None:
    at_limit = padded({"ttl": 60, "grace": 60}, BODY_LIMIT)
    resp = intact.request(method, path, body=at_limit)
    # Read and parsed: a claim (201), or the unknown claim of the PATCH (404).
    assert resp.status_code == (201 if method == "POST" else 404), resp.text
    if method == "POST":
        intact.delete(resp.headers["Location"])
    resp = intact.request(method, path, body=at_limit + b" ")
    assert_error(resp, 413, "Request body too large", _too_large(BODY_LIMIT))


def test_the_claim_body_limit_follows_the_configuration(make_stack: MakeStack) -> None:
    api = make_stack(**{"http.max_request_body_size": 100})
    resp = api.post(CLAIMS, body=padded({"ttl": 60, "grace": 60}, 101))
    assert_error(resp, 413, "Request body too large", _too_large(100))


# -- queue names with path tricks ----------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "%2F",
        "a%2Fb",
        "%2E%2E%2Fother",
        "..%2F..%2Fv1",
        "a%00b",
        "caf%C3%A9",
        "%E2%80%AEevil",
        "fiz%20bit",
        "x" * 65,
    ],
)
def test_queue_names_with_path_tricks_are_refused(intact: Api, name: str) -> None:
    """A bad name is 400; an encoded slash is decoded before routing (as gunicorn does), so
    it makes a path no route matches: 404 with a title only (SPEC §1.3)."""
    for method in ("PUT", "GET"):
        resp = intact.request(method, f"/v1/queues/{name}/metadata", json={"a": 1})
        if "%2F" in name:
            assert_error(resp, 404, "404 Not Found")
        else:
            assert_error(
                resp,
                400,
                "Invalid queue identification",
                "The format of the submitted queue name or project id is not valid.",
            )
    resp = intact.delete(f"/v1/queues/{name}")
    assert resp.status_code in (400, 404)
    assert resp.json["title"]


@pytest.mark.parametrize("path", ["/v1/queues/../queues", "/v1/queues/fizbit/../../v1/queues"])
def test_dot_segments_never_reach_another_queue(intact: Api, path: str) -> None:
    resp = intact.delete(path)
    # A literal '..' segment is a (legal) queue name, or no route at all: never fizbit.
    assert resp.status_code in (204, 404, 405), resp.text


def test_a_queue_called_dot_dot_is_just_a_queue(stack: Api) -> None:
    assert stack.put("/v1/queues/..").status_code == 201
    names = [q["name"] for q in stack.get("/v1/queues").json["queues"]]
    assert names == ["..", QUEUE]
    assert stack.delete("/v1/queues/..").status_code == 204
    assert stack.get(METADATA_PATH).json == METADATA


def test_a_project_with_path_and_pattern_characters_is_its_own_project(stack: Api) -> None:
    for project in ("%", "_", "../480924", "480924/", "4809%"):
        assert stack.get("/v1/queues", project=project).status_code == 204
        assert stack.get(METADATA_PATH, project=project).status_code == 404


# -- headers through the HTTP server ----------------------------------------------------------


@pytest.fixture(scope="module", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ZaqarServer]:
    workdir = tmp_path_factory.mktemp("zaqar-hostile")
    config = write_config(workdir, workdir / "zaqar.sqlite")
    args = ["--config-file", str(config), "--bind", "127.0.0.1", "--workers", "1"]
    with ZaqarServer(workdir, args, env=server_env(workdir), server=request.param) as running:
        yield running


def raw_request(
    server: ZaqarServer, data: bytes, half_close: bool = False
) -> tuple[int, dict[str, str], bytes]:
    """Send ``data`` (which asks for ``Connection: close``) and read the whole answer;
    ``half_close`` shuts this side down after sending, so the server sees the end."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def request_bytes(path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@pytest.mark.e2e
def test_an_8_kib_header_is_refused_by_the_server(server: ZaqarServer) -> None:
    status, _, body = raw_request(server, request_bytes("/v1/queues", {"X-Project-ID": "p" * 8192}))
    assert status == 431, body
    # The server is still there for the next client.
    status, headers, _ = raw_request(server, request_bytes("/v1/queues", {"X-Project-ID": "p"}))
    assert status == 204
    assert headers["x-openstack-request-id"].startswith("req-")


@pytest.mark.e2e
def test_a_header_just_under_the_limit_reaches_the_app(server: ZaqarServer) -> None:
    # "X-Project-ID: " plus the value must stay within limit_request_field_size (8190).
    status, headers, body = raw_request(
        server, request_bytes("/v1/queues/fizbit", {"X-Project-ID": "p" * 8000})
    )
    # A project id longer than 256 characters cannot name a queue.
    assert status == 400, body
    assert json.loads(body)["title"] == "Invalid queue identification"


@pytest.mark.e2e
def test_a_request_line_over_the_limit_is_refused_by_the_server(server: ZaqarServer) -> None:
    status, _, _ = raw_request(server, request_bytes("/v1/queues?marker=" + "m" * 5000, {}))
    assert status == 414


@pytest.mark.e2e
def test_too_many_headers_are_refused_by_the_server(server: ZaqarServer) -> None:
    many = {f"X-Filler-{n}": "x" for n in range(150)}
    status, _, _ = raw_request(server, request_bytes("/v1/queues", many))
    assert status == 431


@pytest.mark.e2e
def test_content_length_larger_than_the_body_through_the_server(server: ZaqarServer) -> None:
    data = (
        b"PUT /v1/queues/fizbit/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{}"
    )
    status, _, body = raw_request(server, data, half_close=True)
    assert 400 <= status < 500, body


def test_the_gunicorn_limits_come_from_the_http_group(tmp_path: Path) -> None:
    import zaqar.conf
    from zaqar.transport.wsgi import servers
    from zaqar.transport.wsgi.servers import gunicorn_server

    conf = zaqar.conf.load([], default_config_files=[])
    options = gunicorn_server.options(servers.settings(conf))
    assert {key: options[key] for key in ("timeout", "graceful_timeout")} == {
        "timeout": 30,
        "graceful_timeout": 30,
    }
    assert {key: options[key] for key in options if key.startswith("limit_")} == {
        "limit_request_line": 4094,
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
    }
    conf.set_override("request_timeout", 5, group="http")
    assert gunicorn_server.options(servers.settings(conf))["timeout"] == 5


# -- regressions: crashes found while writing this suite ----------------------------------


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mysql", "redis"])
@pytest.mark.parametrize("project", ["a\x00b", "\udcff", "tab\there", "\x7f"])
def test_a_project_id_with_control_characters_or_surrogates_is_400_not_500(
    make_stack: MakeStack, backend: str, project: str
) -> None:
    """These were 500s: PostgreSQL refuses NUL, and no store can encode a lone surrogate."""
    api = make_stack(backend)
    for method, path in [("PUT", "/v1/queues/q"), ("GET", "/v1/queues")]:
        resp = api.request(method, path, project=project)
        assert_error(
            resp,
            400,
            "Invalid queue identification",
            "The format of the submitted queue name or project id is not valid.",
        )


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mysql", "redis"])
@pytest.mark.parametrize(
    "path",
    [
        "/v1/queues?marker=%00",
        "/v1/queues?marker=a%00b&limit=5",
        "/v1/queues/q/messages?marker=%00",
        "/v1/queues/q/messages?ids=a,%00",
        "/v1/queues/q/messages/abc?claim_id=%00",
    ],
)
def test_a_nul_in_a_query_value_is_400_not_500(
    make_stack: MakeStack, backend: str, path: str
) -> None:
    """``GET /v1/queues?marker=%00`` was a 500 on PostgreSQL, which refuses NUL in text."""
    api = make_stack(backend)
    api.create_queue("q")
    method = "DELETE" if "claim_id" in path else "GET"
    resp = api.request(method, path)
    assert resp.status_code == 400, resp.text
    assert resp.json["title"] == "Invalid parameter"
    assert "NUL" in resp.json["description"]
