"""The access line the server writes straight to its log stream is the one logging would."""

from __future__ import annotations

import io
import logging
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from zaqar.transport.wsgi import logs

ENVIRON = {
    "REQUEST_METHOD": "POST",
    "SCRIPT_NAME": "",
    "PATH_INFO": "/v2/queues/caf\xc3\xa9/messages",  # UTF-8 as WSGI hands it over
    "QUERY_STRING": "a=1",
}


@pytest.fixture
def server_handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[logging.StreamHandler[Any]]:
    """The handler ``logs.configure`` would set up (``alone`` puts it alone on the root
    logger, in the test's body: pytest adds its capturing handlers after set-up)."""
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(logging.Formatter(logs.LOG_FORMAT))
    logs.install(handler)
    monkeypatch.setattr(logs, "_SERVER_HANDLER", handler)
    logs.ACCESS_LOG.setLevel(logging.INFO)
    token = logs.CURRENT.set("req-0123")
    try:
        yield handler
    finally:
        logs.CURRENT.reset(token)
        logs.ACCESS_LOG.setLevel(logging.NOTSET)


def alone(handler: logging.Handler, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logging.root, "handlers", [handler])


def test_the_preformatted_line_is_what_the_formatter_writes(
    server_handler: logging.StreamHandler[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    alone(server_handler, monkeypatch)
    records: list[logging.LogRecord] = []
    handle = logs.ACCESS_LOG.handle
    monkeypatch.setattr(logs.ACCESS_LOG, "handle", lambda r: (records.append(r), handle(r)))
    for now in (1_790_000_000.0071, 1_790_000_000.9999, 1_790_000_001.5):
        monkeypatch.setattr(time, "time", lambda now=now: now)
        logs.access(ENVIRON, "201", 0.00214)
        assert not records, "the line went through a LogRecord"
        server_handler.addFilter(lambda record: True)  # reconfigured: logging's own path
        logs.access(ENVIRON, "201", 0.00214)
        assert len(records) == 1
        server_handler.filters.pop()
        records.clear()
    lines = server_handler.stream.getvalue().splitlines()
    assert lines[0::2] == lines[1::2]
    assert lines[0].endswith(
        " INFO zaqar.access [req-0123] POST /v2/queues/café/messages?a=1 201 2.1ms"
    )


def test_any_other_handler_gets_its_records_as_before(
    server_handler: logging.StreamHandler[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = logging.StreamHandler(io.StringIO())
    monkeypatch.setattr(logging.root, "handlers", [server_handler, extra])
    logs.access(ENVIRON, "204", 0.001)
    assert extra.stream.getvalue().startswith("POST /v2/queues/café/messages?a=1 204")
    assert server_handler.stream.getvalue().count("\n") == 1


def test_a_line_that_cannot_be_written_does_not_fail_the_request(
    server_handler: logging.StreamHandler[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    alone(server_handler, monkeypatch)
    server_handler.stream.close()  # as a closed standard error is
    monkeypatch.setattr(logging, "raiseExceptions", False)
    logs.access(ENVIRON, "201", 0.001)


def test_the_server_set_up_writes_access_lines_straight_to_standard_error() -> None:
    program = (
        "from zaqar.transport.wsgi import logs\n"
        "logs.configure()\n"
        "assert logs._SERVER_HANDLER is not None\n"
        "logs.access({'REQUEST_METHOD': 'GET', 'PATH_INFO': '/v2/queues'}, '200', 0.0005)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=60
    )
    pattern = (
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ INFO zaqar.access \[-\] GET /v2/queues 200 0.5ms"
    )
    assert re.fullmatch(pattern, done.stderr.strip()), done.stderr
