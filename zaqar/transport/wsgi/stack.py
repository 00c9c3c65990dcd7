"""The WSGI layers around the Falcon app, outermost first::

    RequestId (oslo.middleware: x-openstack-request-id on every response)
      -> RequestLogContext (the id in every log line)
        -> CORS (oslo.middleware, [cors])
          -> AuthSwitch (auth_strategy = keystone only)
            -> keystonemiddleware auth_token ([keystone_authtoken])
              -> the Falcon app

Zaqar 23 puts CORS outside RequestId (SPEC §1.1); here the request id is outermost so that
the responses CORS makes itself (preflights) carry an id too.

``AuthSwitch`` sends the public paths (``/`` and the OpenAPI document) straight to the app,
with any identity header the client sent removed, and everything else through
``auth_token``. A response ``auth_token`` makes itself (401 for a missing, invalid or expired
token, 503 when the identity service cannot be reached) is rewritten into the API's error
format, ``{"title": ..., "description": ...}``, keeping its ``WWW-Authenticate`` header.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from oslo_config import cfg
from oslo_middleware import cors, request_id

from zaqar.transport.wsgi import auth, logs

WSGIApp = logs.WSGIApp

LOG = logging.getLogger(__name__)

#: Headers a browser may send and read across origins, unless [cors] says otherwise.
CORS_ALLOW_HEADERS = [
    "Accept",
    "Client-ID",
    "Content-Type",
    "X-Auth-Token",
    "X-Project-ID",
    "X-OpenStack-Request-ID",
]
CORS_EXPOSE_HEADERS = ["Location", "Content-Location", "X-OpenStack-Request-ID"]
CORS_ALLOW_METHODS = ["GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS"]

_REACHED = "zaqar.reached_app"
_LOCATION = "zaqar.location"

#: status code -> (title, description) of the responses auth_token makes itself.
_AUTH_ERRORS = {
    401: ("Authentication required", "The request you have made requires authentication."),
    503: (
        "Service temporarily unavailable",
        "The identity service could not validate the token. Please try again in a few seconds.",
    ),
}
_AUTH_OTHER = ("Authentication failed", "The request could not be authenticated.")


def set_cors_defaults() -> None:
    """The API's own defaults for the [cors] options (also the config generator's hook)."""
    cors.set_defaults(
        allow_headers=CORS_ALLOW_HEADERS,
        expose_headers=CORS_EXPOSE_HEADERS,
        allow_methods=CORS_ALLOW_METHODS,
    )


class _MarkReached:
    """Records in the environ that a request got through auth_token to the app."""

    def __init__(self, app: WSGIApp) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ[_REACHED] = True
        return self._app(environ, start_response)


def _no_write(data: bytes) -> None:  # pragma: no cover - nothing here calls write()
    raise RuntimeError("write() is not supported")


def _auth_error(status: str, headers: list[tuple[str, str]]) -> tuple[bytes, list[tuple[str, str]]]:
    code = int(status.split(" ", 1)[0])
    title, description = _AUTH_ERRORS.get(code, _AUTH_OTHER)
    body = json.dumps({"title": title, "description": description}).encode("utf-8")
    kept = [
        (name, value)
        for name, value in headers
        if name.lower() not in ("content-type", "content-length")
    ]
    kept += [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    return body, kept


class AuthSwitch:
    """Public paths straight to the app; everything else through keystone's auth_token."""

    def __init__(self, app: WSGIApp, conf: cfg.ConfigOpts) -> None:
        from keystonemiddleware import auth_token

        self._app = app
        # auth_token registers its own options ([keystone_authtoken]) on ``conf``.
        self._protected = auth_token.AuthProtocol(_MarkReached(app), {"oslo_config_config": conf})
        self._identity_keys = [auth.environ_key(name) for name in auth.IDENTITY_HEADERS]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") in auth.PUBLIC_PATHS:
            for key in self._identity_keys:
                environ.pop(key, None)
            return self._app(environ, start_response)
        environ.pop(_REACHED, None)
        held: dict[str, Any] = {}

        def respond(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            if environ.get(_REACHED):
                result: Callable[[bytes], None] = start_response(status, headers, exc_info)
                return result
            held["status"], held["headers"] = status, headers
            return _no_write

        try:
            result = self._protected(environ, respond)
        except Exception:
            if environ.get(_REACHED):
                raise
            # A misconfigured or failing auth_token must not answer with a traceback.
            LOG.exception("auth_token failed on %s", logs.printable(environ.get("PATH_INFO", "")))
            held["status"], held["headers"], result = "503 Service Unavailable", [], []
        if environ.get(_REACHED):
            return result
        try:
            for _ in result:
                pass
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        body, headers = _auth_error(held["status"], held["headers"])
        start_response(held["status"], headers)
        return [body]


class _RecordLocation:
    """Innermost layer: remembers the Location the app set, before webob rewrites it."""

    def __init__(self, app: WSGIApp) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        def respond(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            for name, value in headers:
                if name.lower() == "location":
                    environ[_LOCATION] = value
            return start_response(status, headers, exc_info)

        return self._app(environ, respond)


class Stack:
    """The composed layers as one plain WSGI callable (``app`` is the Falcon app inside).

    webob, under the oslo.middleware layers, makes a relative ``Location`` absolute; the API
    answers root-relative paths (SPEC §1.5), so the app's own value is put back on the way
    out. A response a layer makes itself gets a Content-Type like every response of the app.
    """

    def __init__(self, app: WSGIApp, conf: cfg.ConfigOpts) -> None:
        self.app = app
        inner: WSGIApp = _RecordLocation(app)
        if auth.AuthPolicy.from_conf(conf).keystone:
            inner = AuthSwitch(inner, conf)
        set_cors_defaults()
        inner = cors.CORS(inner, conf)
        inner = logs.RequestLogContext(inner)
        self._outer: WSGIApp = request_id.RequestId(inner)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ.pop(_LOCATION, None)

        def respond(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            location = environ.get(_LOCATION)
            fixed = [
                (name, location if location and name.lower() == "location" else value)
                for name, value in headers
            ]
            bodiless = status[:3] in ("204", "304") or status.startswith("1")
            if not bodiless and not any(name.lower() == "content-type" for name, _ in fixed):
                fixed.append(("Content-Type", "application/json"))
            return start_response(status, fixed, exc_info)

        return self._outer(environ, respond)


def wrap(app: WSGIApp, conf: cfg.ConfigOpts) -> Stack:
    """``app`` inside the layers above, configured from ``conf``."""
    return Stack(app, conf)
