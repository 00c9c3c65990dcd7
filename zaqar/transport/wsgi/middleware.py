"""Checks every request passes before its responder runs."""

from __future__ import annotations

import uuid
from typing import Any

import falcon

from zaqar.api.context import Caller
from zaqar.api.errors import InvalidQueueName
from zaqar.api.validation import Limits
from zaqar.transport.wsgi import auth, versions

_FORM = "application/x-www-form-urlencoded"

#: The caller of the public paths, which need no headers.
_ANONYMOUS = Caller()


def parse_client_id(value: str) -> str:
    """The Client-ID as 32 lowercase hex digits; dashed and undashed forms are equal."""
    try:
        return uuid.UUID(value).hex
    except ValueError as error:
        raise falcon.HTTPBadRequest(
            title="Wrong UUID value", description="Malformed hexadecimal UUID."
        ) from error


def parse_free_client_id(value: str, low: int, high: int) -> str:
    """A Client-ID under ``client_id_uuid_safe = off``: any text of ``low..high``
    characters, a UUID still being the same client in either form."""
    if not low <= len(value) <= high:
        # Title only, as the original answers.
        raise falcon.HTTPBadRequest(
            title=f"Length of client id must be at least {low} and no greater than {high}."
        )
    try:
        return uuid.UUID(value).hex
    except ValueError:
        return value


def _refuse_nul_parameters(req: falcon.Request) -> None:
    """A NUL in a query value (``?marker=%00``) reaches no store intact: PostgreSQL refuses it."""
    query = req.query_string
    if "%00" not in query and "\x00" not in query:
        return  # PERF: percent-encoding is the only way a NUL reaches a decoded value
    for name, value in req.params.items():
        values = value if isinstance(value, list) else [value]
        if any("\x00" in item for item in values):
            raise falcon.HTTPInvalidParam("The value may not contain NUL characters.", name)


class RequestChecks:
    """Header rules shared by every API route (version discovery at ``/`` is exempt).

    Under keystone the identity check comes first, as auth_token runs before the app.
    """

    def __init__(
        self,
        policy: auth.AuthPolicy | None = None,
        limits: Limits | None = None,
        secret_key: str | None = None,
    ) -> None:
        self._policy = policy or auth.AuthPolicy()
        #: The key pre-signed requests are checked with ([signed_url] secret_key).
        self._secret_key = secret_key
        #: The lengths a v1.1/v2 Client-ID may have when it need be no UUID; else None.
        self._free_client_ids: tuple[int, int] | None = None
        if limits is not None and limits.client_id_uuid_safe == "off":
            self._free_client_ids = (limits.min_length_client_id, limits.max_length_client_id)

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.caller = _ANONYMOUS
        req.context.roles = []
        req.context.auth = self._policy
        if req.path in versions.PUBLIC_PATHS:
            return
        project: str | None = None
        # Who is asking: a pre-signed grant, keystone's token, or (no auth) the headers.
        signed = req.get_header(auth.SIGNATURE_HEADER) is not None
        if signed:
            project = auth.signed_project(req, self._secret_key)
        elif self._policy.keystone:
            project, req.context.roles = auth.keystone_identity(req)
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
        _refuse_nul_parameters(req)
        version = versions.policy_of(req.path)
        client_id = req.get_header("Client-ID")
        if client_id is not None:
            if self._free_client_ids is not None and version.identity_required:
                client_id = parse_free_client_id(client_id, *self._free_client_ids)
            else:
                client_id = parse_client_id(client_id)
        trusts_headers = not signed and not self._policy.keystone
        if trusts_headers:
            project = req.get_header("X-Project-ID")
        if project and not project.isprintable():
            # NUL, control characters and lone surrogates cannot name a project in any
            # store (PostgreSQL refuses NUL, UTF-8 cannot encode a surrogate).
            raise InvalidQueueName(
                "The format of the submitted queue name or project id is not valid."
            )
        if trusts_headers:
            # What the rules of API v2 see without keystone, as in the original; a signed
            # request has no roles, whatever ``X-Roles`` says.
            req.context.roles = auth.roles_of(req)
        # The version's header rules: a missing Client-ID is reported before the project.
        user_id = token = None
        if self._policy.keystone and not signed:
            # What auth_token validated: a trust+ subscription's trust is made with them.
            user_id, token = req.get_header("X-User-Id"), req.get_header("X-Auth-Token")
        caller = version.caller(project, client_id, tuple(req.context.roles), user_id, token)
        if project == "":
            raise falcon.HTTPBadRequest(
                title="Empty project header not allowed",
                description=(
                    "X-PROJECT-ID cannot be an empty string. Specify the right header "
                    "X-PROJECT-ID and retry."
                ),
            )
        req.context.caller = caller

    def process_resource(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        resource: Any,
        params: dict[str, Any],
    ) -> None:
        # What a 503 from this responder will say it could not do.
        req.context.unavailable = getattr(resource, "unavailable", {}).get(req.method)
