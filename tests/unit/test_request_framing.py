"""When a buffered HTTP/1.1 request is all there (``servers.framing``), fed byte by byte."""

from __future__ import annotations

import pytest

from zaqar.transport.wsgi.servers.framing import RequestBuffer, Stage

HEAD = b"POST /v1/queues/q/messages HTTP/1.1\r\nHost: x\r\n"


def buffer() -> RequestBuffer:
    return RequestBuffer(max_line=4094, max_head=16384, max_body=1024)


def complete_at(data: bytes) -> int | None:
    """How many bytes of ``data``, fed one at a time, make the request complete."""
    request = buffer()
    for count in range(1, len(data) + 1):
        if request.feed(data[count - 1 : count]):
            return count
    return None


def test_a_request_without_a_body_is_complete_at_the_end_of_its_head() -> None:
    data = b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"
    assert complete_at(data) == len(data)


def test_a_body_with_a_length_is_complete_at_its_last_byte() -> None:
    data = HEAD + b"Content-Length: 11\r\n\r\n" + b"[1, 2, 3.5]"
    assert complete_at(data) == len(data)


def test_the_stage_moves_to_the_body_when_the_head_ends() -> None:
    request = buffer()
    assert not request.feed(HEAD + b"Content-Length: 5\r\n")
    assert request.stage is Stage.HEAD
    assert not request.feed(b"\r\n12")
    assert request.stage is Stage.BODY and request.wants_body
    assert request.feed(b"345")


def test_a_chunked_body_is_complete_after_its_last_chunk_and_trailers() -> None:
    body = b"4\r\nabcd\r\nA;ext=1\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n"
    data = HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + body
    assert complete_at(data) == len(data)
    # "0\r\n" inside chunk data is not the end.
    tricky = b"5\r\n0\r\n\r\n\r\n0\r\n\r\n"
    data = HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + tricky
    assert complete_at(data) == len(data)


def test_expect_100_continue_is_noticed() -> None:
    request = buffer()
    request.feed(HEAD + b"Expect: 100-continue\r\nContent-Length: 3\r\n\r\n")
    assert request.expects_continue and request.wants_body


@pytest.mark.parametrize(
    "head",
    [
        b"Content-Length: 5\r\nContent-Length: 6\r\n",  # two lengths
        b"Content-Length: -1\r\n",
        b"Content-Length: 0x10\r\n",
        b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",  # two framings
        b"Content-Length: 999999\r\n",  # more than any route takes
    ],
)
def test_framing_it_cannot_trust_is_handed_over_at_the_end_of_the_head(head: bytes) -> None:
    data = HEAD + head + b"\r\n"
    assert complete_at(data) == len(data)


def test_a_malformed_chunk_size_is_handed_over_at_once() -> None:
    request = buffer()
    assert request.feed(HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n")


def test_a_head_over_the_limits_is_handed_over_for_the_parser_to_refuse() -> None:
    request = buffer()
    assert request.feed(b"GET /" + b"m" * 5000)  # no end of line within limit_request_line
    request = buffer()
    assert not request.feed(HEAD)
    assert request.feed(b"X-Filler: " + b"x" * 17000)
