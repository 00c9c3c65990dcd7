"""Checks every request passes before its responder runs, and the access log."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import falcon

from zaqar.api import validation

LOG = logging.getLogger("zaqar.access")

_FORM = "application/x-www-form-urlencoded"


def parse_client_id(value: str) -> str:
    """The Client-ID as 32 lowercase hex digits; dashed and undashed forms are equal."""
    try:
        return uuid.UUID(value).hex
    except ValueError as error:
        raise falcon.HTTPBadRequest(
            title="Wrong UUID value", description="Malformed hexadecimal UUID."
        ) from error


class RequestChecks:
    """Header rules shared by every API route (version discovery at ``/`` is exempt)."""

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.client_id = None
        req.context.project = None
        if req.path == "/":
            return
        content_type = req.content_type or ""
        if req.content_length is not None and content_type.lower().startswith(_FORM):
            raise falcon.HTTPBadRequest(
                title="Invalid Content-Type",
                description=(
                    "Endpoint does not accept `application/x-www-form-urlencoded` content; "
                    "currently supported media type is `application/json`; specify proper "
                    'client-side media type with the "Content-Type" header.'
                ),
            )
        if not req.client_accepts_json:
            raise falcon.HTTPNotAcceptable(
                description=(
                    "Endpoint only serves `application/json`; specify client-side media "
                    'type support with the "Accept" header.'
                ),
                href="http://www.w3.org/Protocols/rfc2616/rfc2616-sec14.html",
                href_text="14.1 Accept, Hypertext Transfer Protocol -- HTTP/1.1",
            )
        client_id = req.get_header("Client-ID")
        if client_id is not None:
            req.context.client_id = parse_client_id(client_id)
        project = req.get_header("X-Project-ID")
        if project == "":
            raise falcon.HTTPBadRequest(
                title="Empty project header not allowed",
                description=(
                    "X-PROJECT-ID cannot be an empty string. Specify the right header "
                    "X-PROJECT-ID and retry."
                ),
            )
        req.context.project = project

    def process_resource(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        resource: Any,
        params: dict[str, Any],
    ) -> None:
        # What a 503 from this responder will say it could not do.
        req.context.unavailable = getattr(resource, "unavailable", {}).get(req.method)
        name = params.get("queue_name")
        if name is not None:
            validation.queue_identification(name, req.context.project)


class AccessLog:
    """One line per request: method, path, status and duration."""

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.started = time.perf_counter()

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, succeeded: bool
    ) -> None:
        started = getattr(req.context, "started", None)
        elapsed = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        LOG.info("%s %s %s %.1fms", req.method, req.relative_uri, resp.status_code, elapsed)
