"""Input validation: limits and validator messages (SPEC §3), body parsing (§1.4), query
parameters, queue names and project ids (§1.2 step 7). Bad input is always a JSON 4xx."""

from __future__ import annotations

import json

import pytest

from .conftest import MakeApi
from .support import Api, assert_client_error, assert_error, encode

INVALID_API = "Invalid API request"
INVALID_BODY = "Invalid request body"
INVALID_PARAM = "Invalid parameter"
UNPARSEABLE = "Request body could not be parsed."
EMPTY_BODY = "Request body can not be empty"
NOT_SUPPORTED = "Document type not supported."
TOO_LARGE_INT = "JSON contains integer that is too large."
QUEUE_LIMIT = "Limit must be at least 1 and no greater than {0}."
MESSAGE_LIMIT = "Limit must be at least 1 and may not be greater than {0}."
MESSAGE_TTL = (
    "The TTL for a message may not exceed 1209600 seconds, and must be at least 60 seconds long."
)
CLAIM_TTL = (
    "The TTL for a claim may not exceed 43200 seconds, and must be at least 60 seconds long."
)
CLAIM_GRACE = (
    "The grace for a claim may not exceed 43200 seconds, and must be at least 60 seconds long."
)
BAD_NAME = (
    "Invalid queue identification",
    "The format of the submitted queue name or project id is not valid.",
)
RESERVED = (
    'Reserved queue attributes in metadata (which names start with "_") can not be set in API v1.'
)
BIG = 10000000000000000000


def int_param(name: str) -> str:
    return f'The "{name}" parameter is invalid. The value must be an integer.'


def bool_param(name: str) -> str:
    return (
        f'The "{name}" parameter is invalid. The value of the parameter must be "true" or "false".'
    )


@pytest.fixture
def q(api: Api) -> Api:
    api.create_queue("q")
    return api


# -- queue listing limit --------------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["0", "21", "-1", "-100", "1000"])
def test_queue_list_limit_out_of_range_is_rejected(api: Api, limit: str) -> None:
    resp = api.get(f"/v1/queues?limit={limit}")
    assert_error(resp, 400, INVALID_API, QUEUE_LIMIT.format(20))


@pytest.mark.parametrize("query", ["marker=,", "limit=,,", "detailed=,"])
def test_a_parameter_of_only_commas_counts_as_absent(api: Api, query: str) -> None:
    api.create_queue("q")
    resp = api.get(f"/v1/queues?{query}")
    assert resp.status_code == 200, resp.text
    assert [queue["name"] for queue in resp.json["queues"]] == ["q"]


@pytest.mark.parametrize("limit", ["1", "20"])
def test_queue_list_limit_at_the_bounds_is_accepted(api: Api, limit: str) -> None:
    api.create_queue("q")
    assert api.get(f"/v1/queues?limit={limit}").status_code == 200


def test_queue_list_limit_bound_follows_max_queues_per_page(make_api: MakeApi) -> None:
    api = make_api(max_queues_per_page=5)
    api.create_queue("q")
    assert_error(api.get("/v1/queues?limit=6"), 400, INVALID_API, QUEUE_LIMIT.format(5))
    assert api.get("/v1/queues?limit=5").status_code == 200


@pytest.mark.parametrize("value", ["abc", "1.5", "1e3", "ten"])
def test_queue_list_limit_must_be_an_integer(api: Api, value: str) -> None:
    resp = api.get(f"/v1/queues?limit={value}")
    assert_error(resp, 400, INVALID_PARAM, int_param("limit"))


def test_queue_list_detailed_must_be_a_boolean(api: Api) -> None:
    resp = api.get("/v1/queues?detailed=maybe")
    assert_error(resp, 400, INVALID_PARAM, bool_param("detailed"))


def test_huge_queue_list_limit_is_a_client_error(api: Api) -> None:
    assert_client_error(api.get(f"/v1/queues?limit={BIG}"))
    assert_client_error(api.get(f"/v1/queues?limit=-{BIG}"))


# -- message listing ------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["0", "21", "-100", "-1"])
def test_message_list_limit_out_of_range_is_rejected(q: Api, limit: str) -> None:
    resp = q.get(f"/v1/queues/q/messages?limit={limit}")
    assert_error(resp, 400, INVALID_API, MESSAGE_LIMIT.format(20))
    assert resp.headers["Content-Location"] == f"/v1/queues/q/messages?limit={limit}"


def test_message_list_limit_is_checked_even_on_a_missing_queue(api: Api) -> None:
    resp = api.get("/v1/queues/nowhere/messages?limit=21")
    assert_error(resp, 400, INVALID_API, MESSAGE_LIMIT.format(20))


@pytest.mark.parametrize("limit", ["1", "20"])
def test_message_list_limit_at_the_bounds_is_accepted(q: Api, limit: str) -> None:
    q.post_messages("q", 2)
    assert q.get(f"/v1/queues/q/messages?echo=true&limit={limit}").status_code == 200


def test_message_list_limit_bound_follows_max_messages_per_page(make_api: MakeApi) -> None:
    api = make_api(max_messages_per_page=3)
    api.create_queue("q")
    resp = api.get("/v1/queues/q/messages?limit=4")
    assert_error(resp, 400, INVALID_API, MESSAGE_LIMIT.format(3))


@pytest.mark.parametrize(
    ("query", "description"),
    [
        ("limit=abc", int_param("limit")),
        ("limit=2.5", int_param("limit")),
        ("echo=maybe", bool_param("echo")),
        ("echo=2", bool_param("echo")),
        ("include_claimed=sometimes", bool_param("include_claimed")),
    ],
)
def test_message_list_parameters_must_have_their_type(q: Api, query: str, description: str) -> None:
    resp = q.get(f"/v1/queues/q/messages?{query}")
    assert_error(resp, 400, INVALID_PARAM, description)
    assert resp.headers["Content-Location"] == f"/v1/queues/q/messages?{query}"


def test_huge_message_list_limit_is_a_client_error(q: Api) -> None:
    assert_client_error(q.get(f"/v1/queues/q/messages?limit={BIG}"))
    assert_client_error(q.get(f"/v1/queues/q/messages?limit=-{BIG}"))


@pytest.mark.parametrize("truthy", ["true", "True", "t", "yes", "y", "1", "on"])
def test_boolean_parameters_accept_every_true_spelling(q: Api, truthy: str) -> None:
    q.post_messages("q", 1)
    assert q.get(f"/v1/queues/q/messages?echo={truthy}").status_code == 200


@pytest.mark.parametrize("falsy", ["false", "False", "f", "no", "n", "0", "off"])
def test_boolean_parameters_accept_every_false_spelling(q: Api, falsy: str) -> None:
    q.post_messages("q", 1)
    assert q.get(f"/v1/queues/q/messages?echo={falsy}").status_code == 204


def test_blank_parameters_are_ignored(q: Api) -> None:
    q.post_messages("q", 12)
    resp = q.get("/v1/queues/q/messages?limit=&echo=true&marker=")
    assert resp.status_code == 200
    assert len(resp.json["messages"]) == 10
    assert q.get("/v1/queues?limit=&detailed=").status_code == 200


def test_blank_ids_on_get_means_a_plain_listing(q: Api) -> None:
    q.post_messages("q", 2)
    resp = q.get("/v1/queues/q/messages?ids=&echo=true")
    assert resp.status_code == 200
    assert len(resp.json["messages"]) == 2
    assert_error(
        q.get("/v1/queues/q/messages?ids=", client_id=None),
        400,
        "Missing header value",
        'The "Client-ID" header is required.',
    )


# -- ids ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_more_than_20_ids_are_rejected(q: Api, method: str) -> None:
    ids = ",".join(f"{n:032x}" for n in range(21))
    resp = q.request(method, f"/v1/queues/q/messages?ids={ids}")
    assert_error(resp, 400, INVALID_API, MESSAGE_LIMIT.format(20))


@pytest.mark.parametrize(("method", "status"), [("GET", 200), ("DELETE", 204)])
def test_exactly_20_ids_are_accepted(q: Api, method: str, status: int) -> None:
    ids = q.post_messages("q", 20)
    resp = q.request(method, f"/v1/queues/q/messages?ids={','.join(ids)}")
    assert resp.status_code == status


def test_ids_count_bound_follows_max_messages_per_page(make_api: MakeApi) -> None:
    api = make_api(max_messages_per_page=2)
    api.create_queue("q")
    resp = api.get("/v1/queues/q/messages?ids=a,b,c")
    assert_error(resp, 400, INVALID_API, MESSAGE_LIMIT.format(2))


def test_repeated_ids_parameters_form_one_list(q: Api) -> None:
    ids = q.post_messages("q", 2)
    resp = q.get(f"/v1/queues/q/messages?ids={ids[0]}&ids={ids[1]}")
    assert resp.status_code == 200
    assert sorted(m["body"]["n"] for m in resp.json) == [0, 1]


@pytest.mark.parametrize("query", ["", "?ids=", "?ids=&foo=bar"])
def test_bulk_delete_requires_ids(q: Api, query: str) -> None:
    resp = q.delete(f"/v1/queues/q/messages{query}")
    assert_error(resp, 400, "Missing parameter", 'The "ids" parameter is required.')


# -- claim parameters -----------------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["0", "21", "-1"])
def test_claim_limit_out_of_range_is_rejected(q: Api, limit: str) -> None:
    resp = q.post(f"/v1/queues/q/claims?limit={limit}", json={"ttl": 300, "grace": 60})
    assert_error(resp, 400, INVALID_API, MESSAGE_LIMIT.format(20))


def test_claim_limit_bound_follows_max_messages_per_claim_or_pop(make_api: MakeApi) -> None:
    api = make_api(max_messages_per_claim_or_pop=4)
    api.create_queue("q")
    resp = api.post("/v1/queues/q/claims?limit=5", json={"ttl": 300, "grace": 60})
    assert_error(resp, 400, INVALID_API, MESSAGE_LIMIT.format(4))


def test_claim_limit_must_be_an_integer(q: Api) -> None:
    resp = q.post("/v1/queues/q/claims?limit=abc", json={"ttl": 300, "grace": 60})
    assert_error(resp, 400, INVALID_PARAM, int_param("limit"))


@pytest.mark.parametrize("ttl", [59, 43201, 0, -1])
def test_claim_ttl_out_of_range_is_rejected(q: Api, ttl: int) -> None:
    resp = q.post("/v1/queues/q/claims", json={"ttl": ttl, "grace": 60})
    assert_error(resp, 400, INVALID_API, CLAIM_TTL)


@pytest.mark.parametrize("grace", [59, 43201, 0, -1])
def test_claim_grace_out_of_range_is_rejected(q: Api, grace: int) -> None:
    resp = q.post("/v1/queues/q/claims", json={"ttl": 300, "grace": grace})
    assert_error(resp, 400, INVALID_API, CLAIM_GRACE)


@pytest.mark.parametrize(("ttl", "grace"), [(60, 60), (43200, 43200), (60, 43200)])
def test_claim_ttl_and_grace_at_the_bounds_are_accepted(q: Api, ttl: int, grace: int) -> None:
    q.post_messages("q", 1)
    resp = q.post("/v1/queues/q/claims", json={"ttl": ttl, "grace": grace})
    assert resp.status_code == 201


def test_claim_limits_follow_the_configuration(make_api: MakeApi) -> None:
    api = make_api(max_claim_ttl=100, max_claim_grace=200)
    api.create_queue("q")
    resp = api.post("/v1/queues/q/claims", json={"ttl": 101, "grace": 60})
    assert_error(
        resp,
        400,
        INVALID_API,
        "The TTL for a claim may not exceed 100 seconds, and must be at least 60 seconds long.",
    )
    resp = api.post("/v1/queues/q/claims", json={"ttl": 100, "grace": 201})
    assert_error(
        resp,
        400,
        INVALID_API,
        "The grace for a claim may not exceed 200 seconds, and must be at least 60 seconds long.",
    )


def test_claim_ttl_is_checked_before_limit(q: Api) -> None:
    resp = q.post("/v1/queues/q/claims?limit=21", json={"ttl": 1, "grace": 1})
    assert_error(resp, 400, INVALID_API, CLAIM_TTL)


def test_claim_limit_is_checked_before_grace(q: Api) -> None:
    resp = q.post("/v1/queues/q/claims?limit=21", json={"ttl": 300, "grace": 1})
    assert_error(resp, 400, INVALID_API, MESSAGE_LIMIT.format(20))


@pytest.mark.parametrize(
    ("document", "description"),
    [
        ({"grace": 60}, 'Missing "ttl" field.'),
        ({"ttl": 300}, 'Missing "grace" field.'),
        ({}, 'Missing "ttl" field.'),
        ({"ttl": "300", "grace": 60}, 'The value of the "ttl" field must be a int.'),
        ({"ttl": 300.0, "grace": 60}, 'The value of the "ttl" field must be a int.'),
        ({"ttl": None, "grace": 60}, 'The value of the "ttl" field must be a int.'),
        ({"ttl": 300, "grace": "60"}, 'The value of the "grace" field must be a int.'),
        ({"ttl": 300, "grace": 60.5}, 'The value of the "grace" field must be a int.'),
    ],
)
def test_claim_body_fields_are_required_and_typed(
    q: Api, document: dict[str, object], description: str
) -> None:
    resp = q.post("/v1/queues/q/claims", json=document)
    assert_error(resp, 400, INVALID_BODY, description)


def test_claim_bool_ttl_passes_the_type_check_and_fails_the_range(q: Api) -> None:
    resp = q.post("/v1/queues/q/claims", json={"ttl": True, "grace": 60})
    assert_error(resp, 400, INVALID_API, CLAIM_TTL)


def test_claim_body_ignores_extra_fields(q: Api) -> None:
    q.post_messages("q", 1)
    resp = q.post("/v1/queues/q/claims", json={"ttl": 300, "grace": 60, "color": "red"})
    assert resp.status_code == 201


# -- message TTL and fields -----------------------------------------------------------------------


@pytest.mark.parametrize("ttl", [59, 1209601, 0, -60])
def test_message_ttl_out_of_range_is_rejected(q: Api, ttl: int) -> None:
    resp = q.post("/v1/queues/q/messages", json=[{"ttl": ttl, "body": 1}])
    assert_error(resp, 400, INVALID_API, MESSAGE_TTL)


@pytest.mark.parametrize("ttl", [60, 1209600])
def test_message_ttl_at_the_bounds_is_accepted(q: Api, ttl: int) -> None:
    resp = q.post("/v1/queues/q/messages", json=[{"ttl": ttl, "body": 1}])
    assert resp.status_code == 201


def test_message_ttl_bound_follows_max_message_ttl(make_api: MakeApi) -> None:
    api = make_api(max_message_ttl=120)
    api.create_queue("q")
    resp = api.post("/v1/queues/q/messages", json=[{"ttl": 121, "body": 1}])
    assert_error(
        resp,
        400,
        INVALID_API,
        "The TTL for a message may not exceed 120 seconds, and must be at least 60 seconds long.",
    )


def test_one_bad_ttl_rejects_the_whole_batch(q: Api) -> None:
    batch = [{"ttl": 60, "body": 1}, {"ttl": 30, "body": 2}]
    assert_error(q.post("/v1/queues/q/messages", json=batch), 400, INVALID_API, MESSAGE_TTL)
    assert q.get("/v1/queues/q/stats").json["messages"]["total"] == 0


def test_empty_message_array_is_rejected(q: Api) -> None:
    resp = q.post("/v1/queues/q/messages", json=[])
    assert_error(resp, 400, INVALID_API, "No messages to enqueu.")


@pytest.mark.parametrize(
    ("message", "description"),
    [
        ({"body": 1}, 'Missing "ttl" field.'),
        ({"ttl": 60}, 'Missing "body" field.'),
        ({}, 'Missing "ttl" field.'),
        ({"ttl": 60.0, "body": 1}, 'The value of the "ttl" field must be a int.'),
        ({"ttl": 60.5, "body": 1}, 'The value of the "ttl" field must be a int.'),
        ({"ttl": "60", "body": 1}, 'The value of the "ttl" field must be a int.'),
        ({"ttl": None, "body": 1}, 'The value of the "ttl" field must be a int.'),
        ({"ttl": [60], "body": 1}, 'The value of the "ttl" field must be a int.'),
        ({"ttl": {"v": 60}, "body": 1}, 'The value of the "ttl" field must be a int.'),
    ],
)
def test_message_fields_are_required_and_typed(
    q: Api, message: dict[str, object], description: str
) -> None:
    resp = q.post("/v1/queues/q/messages", json=[message])
    assert_error(resp, 400, INVALID_BODY, description)


@pytest.mark.parametrize("flag", [True, False])
def test_bool_message_ttl_passes_as_int_then_fails_the_range(q: Api, flag: bool) -> None:
    resp = q.post("/v1/queues/q/messages", json=[{"ttl": flag, "body": 1}])
    assert_error(resp, 400, INVALID_API, MESSAGE_TTL)


@pytest.mark.parametrize("element", [1, "text", None, [{"ttl": 60, "body": 1}]])
def test_message_array_elements_must_be_objects(q: Api, element: object) -> None:
    assert_client_error(q.post("/v1/queues/q/messages", json=[element]))


# -- integers beyond signed 64 bits ---------------------------------------------------------------

HUGE_BODIES = [
    pytest.param("POST", "/v1/queues/q/messages", [{"ttl": BIG, "body": 1}], id="message-ttl"),
    pytest.param("POST", "/v1/queues/q/messages", [{"ttl": -BIG, "body": 1}], id="message-neg"),
    pytest.param("POST", "/v1/queues/q/messages", [{"ttl": 60, "body": BIG}], id="message-body"),
    pytest.param("POST", "/v1/queues/q/claims", {"ttl": BIG, "grace": 60}, id="claim-ttl"),
    pytest.param("POST", "/v1/queues/q/claims", {"ttl": -BIG, "grace": 60}, id="claim-neg-ttl"),
    pytest.param("POST", "/v1/queues/q/claims", {"ttl": 300, "grace": BIG}, id="claim-grace"),
    pytest.param("POST", "/v1/queues/q/claims", {"ttl": 300, "grace": -BIG}, id="claim-neg"),
    pytest.param(
        "POST", "/v1/queues/q/claims", {"ttl": 300, "grace": 60, "limit": BIG}, id="claim-limit"
    ),
    pytest.param(
        "POST",
        "/v1/queues/q/claims",
        {"ttl": 300, "grace": 60, "limit": -BIG},
        id="claim-neg-limit",
    ),
    pytest.param("PATCH", "/v1/queues/q/claims/abc", {"ttl": BIG}, id="patch-ttl"),
    pytest.param("PATCH", "/v1/queues/q/claims/abc", {"ttl": 60, "grace": -BIG}, id="patch-grace"),
    pytest.param("PUT", "/v1/queues/q/metadata", {"size": BIG}, id="metadata"),
    pytest.param("PUT", "/v1/queues/q/metadata", {"a": [1, -2 * BIG]}, id="metadata-nested"),
]


@pytest.mark.parametrize(("method", "path", "document"), HUGE_BODIES)
def test_integers_outside_signed_64_bit_are_rejected(
    q: Api, method: str, path: str, document: object
) -> None:
    resp = q.request(method, path, json=document)
    assert_error(resp, 400, INVALID_BODY, TOO_LARGE_INT)


@pytest.mark.parametrize("value", [2**63 - 1, -(2**63)])
def test_integers_at_the_signed_64_bit_edges_parse_then_fail_the_range(q: Api, value: int) -> None:
    resp = q.post("/v1/queues/q/messages", json=[{"ttl": value, "body": 1}])
    assert_error(resp, 400, INVALID_API, MESSAGE_TTL)
    resp = q.post("/v1/queues/q/claims", json={"ttl": value, "grace": 60})
    assert_error(resp, 400, INVALID_API, CLAIM_TTL)


def test_integer_just_past_signed_64_bit_is_too_large(q: Api) -> None:
    resp = q.post("/v1/queues/q/messages", json=[{"ttl": 2**63, "body": 1}])
    assert_error(resp, 400, INVALID_BODY, TOO_LARGE_INT)
    resp = q.post("/v1/queues/q/messages", json=[{"ttl": -(2**63) - 1, "body": 1}])
    assert_error(resp, 400, INVALID_BODY, TOO_LARGE_INT)


# -- body parsing ---------------------------------------------------------------------------------

BODY_ROUTES = [
    pytest.param("POST", "/v1/queues/q/messages", id="post-messages"),
    pytest.param("PUT", "/v1/queues/q/metadata", id="put-metadata"),
    pytest.param("POST", "/v1/queues/q/claims", id="post-claim"),
    pytest.param("PATCH", "/v1/queues/q/claims/abc", id="patch-claim"),
]

MALFORMED = [
    pytest.param(b"{", id="open-brace"),
    pytest.param(b"[{", id="open-array"),
    pytest.param(b"not json", id="words"),
    pytest.param(b"{'ttl': 60}", id="single-quotes"),
    pytest.param(b'[{"ttl": 60, "body": 1},]', id="trailing-comma"),
    pytest.param(b'{"a": NaN}', id="nan"),
    pytest.param(b'{"a": Infinity}', id="infinity"),
    pytest.param(b'["\xff\xfe"]', id="invalid-utf8-array"),
    pytest.param(b'{"k": "\xc3"}', id="invalid-utf8-object"),
    pytest.param(b"\xff", id="invalid-utf8-byte"),
    pytest.param(b'"hello"', id="bare-string"),
    pytest.param(b"42", id="bare-number"),
    pytest.param(b"null", id="bare-null"),
    pytest.param(b"true", id="bare-true"),
    pytest.param(b"   ", id="whitespace"),
]


@pytest.mark.parametrize("raw", MALFORMED)
@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_malformed_body_cannot_be_parsed(q: Api, method: str, path: str, raw: bytes) -> None:
    resp = q.request(method, path, body=raw)
    assert_error(resp, 400, INVALID_BODY, UNPARSEABLE)


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_no_body_at_all_is_empty(q: Api, method: str, path: str) -> None:
    resp = q.request(method, path)
    assert_error(resp, 400, INVALID_BODY, EMPTY_BODY)


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_zero_content_length_cannot_be_parsed(q: Api, method: str, path: str) -> None:
    resp = q.request(method, path, headers={"Content-Length": "0"})
    assert_error(resp, 400, INVALID_BODY, UNPARSEABLE)


@pytest.mark.parametrize(
    ("method", "path", "document"),
    [
        pytest.param("POST", "/v1/queues/q/messages", {"ttl": 60, "body": 1}, id="messages-obj"),
        pytest.param("PUT", "/v1/queues/q/metadata", [1, 2], id="metadata-array"),
        pytest.param("PUT", "/v1/queues/q/metadata", [], id="metadata-empty-array"),
        pytest.param("POST", "/v1/queues/q/claims", [{"ttl": 300, "grace": 60}], id="claim-arr"),
        pytest.param("PATCH", "/v1/queues/q/claims/abc", [{"ttl": 300}], id="patch-array"),
    ],
)
def test_wrong_top_level_type_is_not_supported(
    q: Api, method: str, path: str, document: object
) -> None:
    resp = q.request(method, path, json=document)
    assert_error(resp, 400, INVALID_BODY, NOT_SUPPORTED)


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_absurdly_deep_nesting_is_a_client_error(q: Api, method: str, path: str) -> None:
    depth = 100_000
    raw = b'{"a": ' * depth + b"1" + b"}" * depth
    resp = q.request(method, path, body=raw)
    assert_client_error(resp)


def test_duplicate_keys_last_one_wins(q: Api) -> None:
    raw = b'[{"ttl": 30, "ttl": 120, "body": 1}]'
    resp = q.post("/v1/queues/q/messages", body=raw)
    assert resp.status_code == 201
    href = resp.json["resources"][0]
    assert q.get(href).json["ttl"] == 120


# -- metadata -------------------------------------------------------------------------------------


def _document_of_size(size: int, key: str = "k") -> bytes:
    """A JSON object of exactly ``size`` bytes."""
    overhead = len(encode({key: ""}))
    raw = encode({key: "x" * (size - overhead)})
    assert len(raw) == size
    return raw


@pytest.mark.parametrize("limit", [None, 100])
def test_metadata_exactly_at_the_size_limit_is_accepted(
    make_api: MakeApi, limit: int | None
) -> None:
    api = make_api() if limit is None else make_api(max_queue_metadata=limit)
    api.create_queue("q")
    raw = _document_of_size(limit or 65536)
    assert api.put("/v1/queues/q/metadata", body=raw).status_code == 204
    assert api.get("/v1/queues/q/metadata").json == json.loads(raw)


@pytest.mark.parametrize("limit", [None, 100])
def test_metadata_one_byte_over_the_size_limit_is_rejected(
    make_api: MakeApi, limit: int | None
) -> None:
    api = make_api() if limit is None else make_api(max_queue_metadata=limit)
    api.create_queue("q")
    raw = _document_of_size((limit or 65536) + 1)
    resp = api.put("/v1/queues/q/metadata", body=raw)
    assert_error(resp, 400, INVALID_API, f"Queue metadata is too large. Max size: {limit or 65536}")
    assert api.get("/v1/queues/q/metadata").json == {}


def test_metadata_size_is_checked_before_parsing(make_api: MakeApi) -> None:
    api = make_api(max_queue_metadata=10)
    api.create_queue("q")
    resp = api.put("/v1/queues/q/metadata", body=b"{ this is not json at all")
    assert_error(resp, 400, INVALID_API, "Queue metadata is too large. Max size: 10")


def test_metadata_size_is_checked_before_the_queue_lookup(make_api: MakeApi) -> None:
    api = make_api(max_queue_metadata=10)
    resp = api.put("/v1/queues/nowhere/metadata", body=_document_of_size(11))
    assert_error(resp, 400, INVALID_API, "Queue metadata is too large. Max size: 10")


@pytest.mark.parametrize(
    "document",
    [{"_default_message_ttl": 60}, {"_max_claim_count": 1, "ok": 2}, {"_": 1}, {"_x": {}}],
)
def test_reserved_metadata_keys_are_rejected_in_v1(q: Api, document: dict[str, object]) -> None:
    resp = q.put("/v1/queues/q/metadata", json=document)
    assert_error(resp, 400, INVALID_API, RESERVED)
    assert q.get("/v1/queues/q/metadata").json == {}


def test_underscore_keys_below_the_top_level_are_allowed(q: Api) -> None:
    document = {"nested": {"_private": 1}, "x_": 2}
    assert q.put("/v1/queues/q/metadata", json=document).status_code == 204
    assert q.get("/v1/queues/q/metadata").json == document


# -- post size ------------------------------------------------------------------------------------


def _batch_of_size(size: int) -> bytes:
    """A message batch of exactly ``size`` bytes."""
    overhead = len(encode([{"ttl": 60, "body": ""}]))
    raw = encode([{"ttl": 60, "body": "x" * (size - overhead)}])
    assert len(raw) == size
    return raw


@pytest.mark.parametrize("limit", [None, 200])
def test_post_exactly_at_the_size_limit_is_accepted(make_api: MakeApi, limit: int | None) -> None:
    api = make_api() if limit is None else make_api(max_messages_post_size=limit)
    api.create_queue("q")
    resp = api.post("/v1/queues/q/messages", body=_batch_of_size(limit or 262144))
    assert resp.status_code == 201, resp.text


@pytest.mark.parametrize("limit", [None, 200])
def test_post_one_byte_over_the_size_limit_is_rejected(
    make_api: MakeApi, limit: int | None
) -> None:
    api = make_api() if limit is None else make_api(max_messages_post_size=limit)
    api.create_queue("q")
    resp = api.post("/v1/queues/q/messages", body=_batch_of_size((limit or 262144) + 1))
    expected = f"Message collection size is too large. Max size {limit or 262144}"
    assert_error(resp, 400, INVALID_API, expected)
    assert api.get("/v1/queues/q/stats").json["messages"]["total"] == 0


def test_post_size_is_checked_before_parsing(make_api: MakeApi) -> None:
    api = make_api(max_messages_post_size=10)
    api.create_queue("q")
    resp = api.post("/v1/queues/q/messages", body=b"[ definitely not json ]")
    assert_error(resp, 400, INVALID_API, "Message collection size is too large. Max size 10")


def test_many_small_messages_within_the_size_limit_are_accepted(q: Api) -> None:
    resp = q.post("/v1/queues/q/messages", json=[{"ttl": 60, "body": n} for n in range(200)])
    assert resp.status_code == 201
    assert len(resp.json["resources"]) == 200


# -- queue names and project ids ------------------------------------------------------------------

BAD_NAMES = [
    pytest.param("a" * 65, id="65-chars"),
    pytest.param("q!", id="bang"),
    pytest.param("q@x", id="at"),
    pytest.param("q$", id="dollar"),
    pytest.param("q:1", id="colon"),
    pytest.param("q+1", id="plus"),
    pytest.param("a%20b", id="percent-space"),
    pytest.param("caf%C3%A9", id="percent-non-ascii"),
    pytest.param("café", id="non-ascii"),
    pytest.param("中文", id="cjk"),
    pytest.param("q~", id="tilde"),
    # "$" would match before a final newline: the whole name must match.
    pytest.param("q%0A", id="trailing-newline"),
]

NAME_ROUTES = [
    pytest.param("PUT", "", None, id="put-queue"),
    pytest.param("GET", "", None, id="get-queue"),
    pytest.param("HEAD", "", None, id="head-queue"),
    pytest.param("DELETE", "", None, id="delete-queue"),
    pytest.param("GET", "/metadata", None, id="get-metadata"),
    pytest.param("PUT", "/metadata", {"a": 1}, id="put-metadata"),
    pytest.param("GET", "/stats", None, id="stats"),
    pytest.param("POST", "/messages", [{"ttl": 60, "body": 1}], id="post-messages"),
    pytest.param("GET", "/messages", None, id="list-messages"),
    pytest.param("DELETE", "/messages?ids=a", None, id="bulk-delete"),
    pytest.param("GET", "/messages/abc", None, id="get-message"),
    pytest.param("DELETE", "/messages/abc", None, id="delete-message"),
    pytest.param("POST", "/claims", {"ttl": 300, "grace": 60}, id="post-claim"),
    pytest.param("GET", "/claims/abc", None, id="get-claim"),
    pytest.param("PATCH", "/claims/abc", {"ttl": 300}, id="patch-claim"),
    pytest.param("DELETE", "/claims/abc", None, id="delete-claim"),
]


@pytest.mark.parametrize("name", BAD_NAMES)
@pytest.mark.parametrize(("method", "suffix", "document"), NAME_ROUTES)
def test_invalid_queue_name_is_rejected_on_every_route(
    api: Api, method: str, suffix: str, document: object, name: str
) -> None:
    kwargs = {"json": document} if document is not None else {}
    resp = api.request(method, f"/v1/queues/{name}{suffix}", **kwargs)
    assert_error(resp, 400, *BAD_NAME, method=method)


def test_queue_list_with_trailing_slash_is_an_empty_queue_name(api: Api) -> None:
    assert_error(api.get("/v1/queues/"), 400, *BAD_NAME)


@pytest.mark.parametrize(
    "name", ["a" * 64, "a", "Q-1_x.y", "...", "-", "_", "0123456789", "MiXeD.Case-_"]
)
def test_valid_queue_names_are_accepted(api: Api, name: str) -> None:
    resp = api.put(f"/v1/queues/{name}")
    assert resp.status_code == 201
    assert resp.headers["Location"] == f"/v1/queues/{name}"
    assert api.get(f"/v1/queues/{name}").status_code == 204


@pytest.mark.parametrize(("method", "suffix", "document"), NAME_ROUTES)
def test_project_id_over_256_chars_is_rejected(
    api: Api, method: str, suffix: str, document: object
) -> None:
    kwargs = {"json": document} if document is not None else {}
    resp = api.request(method, f"/v1/queues/q{suffix}", project="p" * 257, **kwargs)
    assert_error(resp, 400, *BAD_NAME, method=method)


def test_project_id_of_256_chars_with_any_characters_is_accepted(api: Api) -> None:
    project = ("ü%$ #" * 52)[:256]
    assert len(project) == 256
    assert api.put("/v1/queues/q", project=project).status_code == 201
    api.post_messages("q", 2, project=project)
    stats = api.get("/v1/queues/q/stats", project=project).json
    assert stats["messages"]["total"] == 2
    assert [q["name"] for q in api.get("/v1/queues", project=project).json["queues"]] == ["q"]
