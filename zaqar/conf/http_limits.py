"""[http]: protections of the HTTP front door, in the app and in the HTTP server.

The body limits of ``[transport]`` (message posts, queue metadata) keep their own options;
``max_request_body_size`` covers every other JSON body (claim create and update).
"""

from __future__ import annotations

from oslo_config import cfg

GROUP = "http"

max_request_body_size = cfg.IntOpt(
    "max_request_body_size",
    default=4096,
    min=64,
    help="Largest request body, in bytes, of a route without a limit of its own in "
    "[transport] (claim create and claim update). A larger Content-Length is answered "
    "with 413 before the body is read, and at most this many bytes are ever read.",
)

max_json_depth = cfg.IntOpt(
    "max_json_depth",
    default=64,
    min=2,
    help="Deepest nesting of arrays and objects accepted in a JSON request body, counting "
    "the top level as 1. Deeper documents are answered with 400 and never stored.",
)

request_timeout = cfg.IntOpt(
    "request_timeout",
    default=30,
    min=1,
    help="Seconds a gunicorn worker may go without reporting to its master (a request "
    "stuck that long in the app) before it is killed and restarted (gunicorn ``timeout``). "
    "granian has no such watchdog.",
)

header_timeout = cfg.FloatOpt(
    "header_timeout",
    default=10.0,
    min=0.1,
    max=60.0,
    help="Seconds a client has to send the request line and headers of a request, from the "
    "moment its connection is accepted or its previous request answered. Under gunicorn a "
    "late request gets 408 and its connection is closed; granian closes it. Either way no "
    "thread waits for it, and the server logs it.",
)

body_timeout = cfg.FloatOpt(
    "body_timeout",
    default=30.0,
    min=0.1,
    help="Seconds a client has to send a request body once its headers are in. Under "
    "gunicorn a late body gets 408 and its connection is closed, and no thread waits for "
    "it. granian hands the app the body as it arrives, so this bound does not apply there "
    "(see docs/security.rst).",
)

limit_request_line = cfg.IntOpt(
    "limit_request_line",
    default=4094,
    min=256,
    max=8190,
    help="Largest HTTP request line (method, path and query), in bytes; a longer one is "
    "answered 414 (gunicorn ``limit_request_line``; under granian, checked by the server "
    "edge).",
)

limit_request_fields = cfg.IntOpt(
    "limit_request_fields",
    default=100,
    min=10,
    max=32768,
    help="Most header fields in one request; more are answered 431 (gunicorn "
    "``limit_request_fields``; granian refuses more than 100 whatever this says).",
)

limit_request_field_size = cfg.IntOpt(
    "limit_request_field_size",
    default=8190,
    min=256,
    help="Largest single header field (name, colon and value), in bytes; a larger one is "
    "answered 431 (gunicorn ``limit_request_field_size``; under granian, checked by the "
    "server edge).",
)

ALL_OPTS = [
    max_request_body_size,
    max_json_depth,
    request_timeout,
    header_timeout,
    body_timeout,
    limit_request_line,
    limit_request_fields,
    limit_request_field_size,
]


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: list(ALL_OPTS)}
