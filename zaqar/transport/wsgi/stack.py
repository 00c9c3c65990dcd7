"""The WSGI layers around the Falcon app, outermost first::

    Edge (request id, its log context, the access log, response header fix-ups)
      -> CORS (oslo.middleware, [cors]; only requests that carry an ``Origin``)
        -> AuthSwitch (auth_strategy = keystone only)
          -> keystonemiddleware auth_token ([keystone_authtoken])
            -> the Falcon app

Zaqar 23 puts CORS outside the request id (SPEC §1.1); here the request id is outermost so
that the responses CORS makes itself (preflights) carry an id too.

``Edge`` is plain WSGI: it gives each request an id (``req-<uuid4>``, in the environ under
``openstack.request_id`` as oslo.middleware's ``RequestId`` does, and in the
``x-openstack-request-id`` response header), makes it current for every log line of the
request, and writes one access log line per request. oslo.middleware's CORS layer wraps each
request in webob objects, which cost as much as a whole Redis operation; a request without an
``Origin`` header is not a cross-origin request and CORS answers it unchanged, so only
requests with one go through it.

``AuthSwitch`` sends the public paths (``/`` and the OpenAPI document) and pre-signed requests
(a ``URL-Signature`` header) straight to the app, with any identity header the client sent
removed (a signed request keeps its ``X-Project-ID``, which its signature covers and the app
checks before anything else), and everything else through ``auth_token``. A response
``auth_token`` makes itself (401 for a missing, invalid or expired token, 503 when the
identity service cannot be reached) is rewritten into the API's error format,
``{"title": ..., "description": ...}``, keeping its ``WWW-Authenticate`` header.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

import falcon
from oslo_config import cfg
from oslo_middleware import cors

from zaqar.conf import drivers_transport_wsgi
from zaqar.core import ids
from zaqar.transport.wsgi import auth, logs, versions

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
        project_key = auth.environ_key("X-Project-Id")
        self._signed_identity_keys = [key for key in self._identity_keys if key != project_key]
        self._signature_key = auth.environ_key(auth.SIGNATURE_HEADER)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") in versions.PUBLIC_PATHS:
            for key in self._identity_keys:
                environ.pop(key, None)
            return self._app(environ, start_response)
        if self._signature_key in environ:
            # The app refuses (404) any signed request whose grant does not open it.
            for key in self._signed_identity_keys:
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
    """Innermost layer under webob: remembers the Location the app set, before webob rewrites it."""

    def __init__(self, app: WSGIApp) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        def respond(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            for name, value in headers:
                if name.lower() == "location":
                    environ[_LOCATION] = value
            return start_response(status, headers, exc_info)

        return self._app(environ, respond)


def _fix_headers(
    environ: dict[str, Any], status: str, headers: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The app's own ``Location`` back (webob, under CORS or auth_token, makes it absolute;
    the API answers root-relative paths, SPEC §1.5), and a Content-Type on a response a layer
    made itself."""
    location = environ.get(_LOCATION)
    if location:
        headers = [
            (name, location if name.lower() == "location" else value) for name, value in headers
        ]
    bodiless = status[:3] in ("204", "304") or status[0] == "1"
    if not bodiless and not any(name.lower() == "content-type" for name, _ in headers):
        headers = [*headers, ("Content-Type", "application/json")]
    return headers


class Edge:
    """The outermost layer: request id, log context, access log, header fix-ups.

    ``app`` serves requests without an ``Origin`` header, ``cors_app`` (the same app inside
    the CORS layer) the others.
    """

    def __init__(self, app: WSGIApp, cors_app: WSGIApp, access_log: bool = True) -> None:
        self._app = app
        self._cors_app = cors_app
        self._access_log = access_log
        #: ``app`` is the Falcon app itself, no layer between: its Location is as set and it
        #: types every response with a body, so its headers need no fix-up.
        self._falcon_app = isinstance(app, falcon.App)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request_id = "req-" + ids.new_uuid()
        environ[logs.ENVIRON_KEY] = request_id
        token = logs.CURRENT.set(request_id)
        started = time.perf_counter()
        answered = ["500"]

        fix = True

        def respond(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answered[0] = status[:3]
            if fix:
                headers = _fix_headers(environ, status, headers)
            headers.append((logs.HEADER, request_id))
            return start_response(status, headers, exc_info)

        try:
            environ.pop(_LOCATION, None)
            if "HTTP_ORIGIN" in environ:
                inner = self._cors_app
            else:
                inner = self._app
                fix = not self._falcon_app  # PERF: a scan of every header spared
            return inner(environ, respond)
        finally:
            if self._access_log:
                # Falcon has built the whole body by now: the time is the request's.
                logs.access(environ, answered[0], time.perf_counter() - started)
            logs.CURRENT.reset(token)


def wrap(app: WSGIApp, conf: cfg.ConfigOpts) -> WSGIApp:
    """``app`` inside the layers above, configured from ``conf``."""
    set_cors_defaults()
    # Under any webob layer (CORS, auth_token) the app's Location must be recorded first.
    recorded = _RecordLocation(app)
    access_log = conf[drivers_transport_wsgi.GROUP].access_log
    if auth.AuthPolicy.from_conf(conf).keystone:
        protected = AuthSwitch(recorded, conf)
        return Edge(protected, cors.CORS(protected, conf), access_log)
    return Edge(app, cors.CORS(recorded, conf), access_log)
