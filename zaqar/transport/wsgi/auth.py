"""Who is asking: the project and roles of a request, and the admin hook.

Without an auth strategy the project is whatever ``X-Project-ID`` the client sent (SPEC §8);
nothing is verified. With ``auth_strategy = keystone`` every request except the public paths
and pre-signed requests has passed keystonemiddleware's ``auth_token`` (see ``stack.py``),
which removes any identity header the client sent and writes its own from the validated
token; this module reads only those, and only when ``auth_token`` marked the token
``Confirmed``.

A pre-signed request (one with a ``URL-Signature`` header, under any strategy) is its
grant's project with no roles, and only when the signature verifies, the grant is unexpired
and it opens the request's method and path; any other is 404, as in the original. Unlike
the original, a request whose ``URL-Signature`` is empty is refused too (the original lets
it past keystone unchecked).
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from typing import Any

import falcon
from oslo_config import cfg

from zaqar.conf import default
from zaqar.core import signed_urls

KEYSTONE = "keystone"

#: The keystone role that may use admin routes.
ADMIN_ROLE = "admin"

#: Identity headers auth_token writes; a client's own copies never reach the app.
IDENTITY_HEADERS = (
    "X-Identity-Status",
    "X-Service-Identity-Status",
    "X-Project-Id",
    "X-Project-Name",
    "X-Project-Domain-Id",
    "X-Project-Domain-Name",
    "X-User-Id",
    "X-User-Name",
    "X-User-Domain-Id",
    "X-User-Domain-Name",
    "X-Domain-Id",
    "X-Domain-Name",
    "X-Roles",
    "X-Service-Roles",
    "X-Is-Admin-Project",
    "X-Tenant-Id",
    "X-Tenant-Name",
    "X-Tenant",
    "X-User",
    "X-Role",
)

#: The header that makes a request a pre-signed one.
SIGNATURE_HEADER = "URL-Signature"

NOT_AUTHORIZED = ("Not authorized", "You are not authorized to complete this action.")


@dataclass(frozen=True)
class AuthPolicy:
    strategy: str = ""
    admin_mode: bool = False

    @property
    def keystone(self) -> bool:
        return self.strategy == KEYSTONE

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> AuthPolicy:
        group = conf[default.GROUP]
        return cls(strategy=group.auth_strategy or "", admin_mode=bool(group.admin_mode))


def environ_key(header: str) -> str:
    return "HTTP_" + header.upper().replace("-", "_")


def unauthorized() -> falcon.HTTPError:
    return falcon.HTTPUnauthorized(
        title="Authentication required",
        description="The request you have made requires authentication.",
    )


def roles_of(req: falcon.Request) -> list[str]:
    """The roles ``X-Roles`` lists (comma separated): auth_token's under keystone."""
    return [role.strip() for role in (req.get_header("X-Roles") or "").split(",") if role.strip()]


def keystone_identity(req: falcon.Request) -> tuple[str, list[str]]:
    """The project and roles of a token auth_token validated (401/403 otherwise)."""
    if req.get_header("X-Identity-Status") != "Confirmed":
        # Only reachable when auth_token defers its decision (delay_auth_decision).
        raise unauthorized()
    project = req.get_header("X-Project-Id")
    if not project:
        raise falcon.HTTPForbidden(
            title="Project-scoped token required",
            description="The token is not scoped to a project; queues belong to projects.",
        )
    return project, roles_of(req)


def signed_project(req: falcon.Request, key: str | None, now: float | None = None) -> str | None:
    """The project of a pre-signed request whose grant opens it (404 otherwise)."""
    signature = req.get_header(SIGNATURE_HEADER) or ""
    grant = signed_urls.from_headers(
        req.get_header("URL-Paths"),
        req.get_header("URL-Methods"),
        req.get_header("X-Project-ID"),
        req.get_header("URL-Expires"),
    )
    moment = datetime.datetime.fromtimestamp(
        time.time() if now is None else now, tz=signed_urls.UTC
    )
    if (
        key is None
        or grant is None
        or not grant.verified(key, signature, moment)
        or not grant.opens(req.method, req.path)
    ):
        raise falcon.HTTPNotFound()
    return grant.project


def require_admin(
    req: falcon.Request, resp: falcon.Response, resource: Any, params: dict[str, Any]
) -> None:
    """A ``falcon.before`` hook for admin routes (the pools API and the like).

    Admin routes exist only with ``admin_mode``: without it they are 404, as if unmounted.
    Under keystone the token must also carry the admin role (403 otherwise). Without
    authentication ``admin_mode`` is the only gate, so such a deployment must keep its
    admin endpoint private.
    """
    policy: AuthPolicy = req.context.auth
    if not policy.admin_mode:
        raise falcon.HTTPNotFound()
    if policy.keystone and ADMIN_ROLE not in req.context.roles:
        title, description = NOT_AUTHORIZED
        raise falcon.HTTPForbidden(title=title, description=description)
