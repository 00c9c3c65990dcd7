"""orjson's fast paths answer exactly as the standard library's rules do."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zaqar.api.errors import BadRequestBody
from zaqar.core import documents
from zaqar.transport.wsgi import media

TRICKY = [
    b'[{"ttl": 300, "body": {"a": [1, 2.5, null, true]}}]',
    b'{"a": 1, "a": 2}',
    b"[1e400]",
    b"[-1e400]",
    b"[1e-400]",
    b"[NaN]",
    b"[Infinity]",
    b'["\\ud800"]',
    b'["\\ud83d\\ude00"]',
    b'["\xff"]',
    b'\xef\xbb\xbf["bom"]',
    b"[9223372036854775807]",
    b"[-9223372036854775808]",
    b"[9223372036854775808]",
    b"[18446744073709551616]",
    b"[1000000000000000000000.5]",
    b'["1234567890123456789012"]',
    b"[-0]",
    b"[01]",
    b'"bare string"',
    b"12",
    b"null",
    b"",
    b"[" * 1100 + b"]" * 1100,
    b'["tab\tinside"]',
    b"[1,]",
    b'{"a":1} trailing',
    b" \n[1] \n",
]


def outcome(parse: Any, raw: bytes) -> Any:
    try:
        return ("ok", parse(raw))
    except BadRequestBody as error:
        return ("refused", str(error))


@pytest.mark.parametrize("raw", TRICKY, ids=range(len(TRICKY)))
def test_the_fast_parser_answers_as_the_strict_one(raw: bytes) -> None:
    fast, strict = outcome(media._parse, raw), outcome(media._parse_strictly, raw)
    assert fast == strict
    if fast[0] == "ok":
        assert json.dumps(fast[1]) == json.dumps(strict[1])  # same types: 1 is not 1.0


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(document=st.lists(JSON, max_size=4) | st.dictionaries(st.text(), JSON, max_size=4))
def test_any_document_parses_and_is_written_as_the_standard_library_would(document: Any) -> None:
    for raw in (
        json.dumps(document).encode(),
        json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass"),
    ):
        assert outcome(media._parse, raw) == outcome(media._parse_strictly, raw)
    written = documents.encode(document)
    assert json.loads(written) == json.loads(json.dumps(document))
    assert documents.dumps(document) == written.decode("utf-8")


def test_what_utf8_cannot_hold_is_written_with_ascii_escapes() -> None:
    assert documents.encode(["\ud800", "é"]) == b'["\\ud800","\\u00e9"]'
    assert documents.encode({"big": 2**70}) == b'{"big":1180591620717411303424}'
    assert documents.encode({"é": [1, 2.5]}) == '{"é":[1,2.5]}'.encode()
