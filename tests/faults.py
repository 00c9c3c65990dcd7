"""Helpers for tests that take a backend server away while the app runs."""

from __future__ import annotations

import socket
import time
from typing import Any

HEADERS = {"Client-ID": "3381af92-2b9e-11e3-b191-71861300734c", "X-Project-ID": "faults"}
#: The longest any request may take while the server is down.
BOUND = 5.0
#: The longest a request may take, with the default timeouts, while the server is stopped
#: (it refuses connections).
DEFAULT_BOUND = 1.5
#: A one-message POST body.
POST = {"json": [{"ttl": 300, "body": 1}]}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def timed(api: Any, method: str, path: str, **kwargs: Any) -> tuple[int, float, Any]:
    """Status, seconds taken and JSON body of one request through ``api``'s test client."""
    started = time.monotonic()
    resp = api.client.simulate_request(method, path, headers=HEADERS, **kwargs)
    return resp.status_code, time.monotonic() - started, resp.json if resp.text else None


def served(
    api: Any, method: str, path: str, within: float = BOUND, **kwargs: Any
) -> tuple[int, Any]:
    """Status and JSON body of the first answer that is not a 503, asking again for up to
    ``within`` seconds: once the server is back, the store's circuit breaker still holds
    requests off until its open period is over."""
    deadline = time.monotonic() + within
    while True:
        status, _, body = timed(api, method, path, **kwargs)
        if status != 503 or time.monotonic() > deadline:
            return status, body
        time.sleep(0.05)


def assert_outage(api: Any) -> None:
    """With the backend down: quick 503s naming each operation, and health says 503."""
    for method, path, kwargs, what in [
        ("PUT", "/v1/queues/q2", {}, "Queue could not be created."),
        ("POST", "/v1/queues/q/messages", POST, "Messages could not be enqueued."),
        ("GET", "/v1/queues/q/stats", {}, "Queue stats could not be read."),
    ]:
        status, elapsed, body = timed(api, method, path, **kwargs)
        assert status == 503, (method, path, body)
        assert body == {
            "title": "Service temporarily unavailable",
            "description": f"{what} Please try again in a few seconds.",
        }
        assert elapsed < BOUND, f"{method} {path} took {elapsed:.1f}s"
    status, elapsed, _ = timed(api, "GET", "/v1/health")
    assert status == 503 and elapsed < BOUND


#: One of each kind of request a stopped store must answer quickly.
REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("PUT", "/v1/queues/q2", {}),
    ("POST", "/v1/queues/q/messages", POST),
    ("GET", "/v1/queues/q/messages?echo=true", {}),
    ("POST", "/v1/queues/q/claims", {"json": {"ttl": 60, "grace": 60}}),
    ("GET", "/v1/queues/q/stats", {}),
    ("PUT", "/v1/queues/q/metadata", {"json": {"a": 1}}),
    ("DELETE", "/v1/queues/q", {}),
]


def assert_quick_outage(api: Any) -> None:
    """With the default timeouts and the backend stopped: the first request finds it away
    and opens the breaker, the next ones are held off, and after the open period a probe
    goes to the backend again and is refused again. Each answers 503 within DEFAULT_BOUND."""
    for _ in range(2):
        for method, path, kwargs in REQUESTS:
            status, elapsed, body = timed(api, method, path, **kwargs)
            assert status == 503, (method, path, body)
            assert elapsed < DEFAULT_BOUND, f"{method} {path} took {elapsed:.2f}s"
        time.sleep(1.1)
    status, elapsed, _ = timed(api, "GET", "/v1/health")
    assert status == 503 and elapsed < DEFAULT_BOUND
