"""The API versions this server serves, and what is derived from their list.

Each version is its policy (how ``zaqar.api`` reads its requests), its route table and how
version discovery at ``/`` shows it. The list gives the discovery document, the routes of
the app and the public paths, so adding a version is one entry here and one module.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import falcon

from zaqar.api.context import Policy
from zaqar.api.service import Service
from zaqar.transport.wsgi import media, openapi, v1, v1_1, v2

Routes = Callable[[Service, media.BodyRules], list[tuple[str, Any]]]


@dataclass(frozen=True)
class Version:
    policy: Policy
    #: Discovery's ``id``, ``status`` and ``updated``, and the suffix of its media type.
    ident: str
    status: str
    updated: str
    media_suffix: str
    routes: Routes
    #: Mounted with ``admin_mode`` only.
    admin_routes: Routes
    #: The OpenAPI document it serves at ``<prefix>/openapi.json``.
    openapi: openapi.Document | None = None

    @property
    def prefix(self) -> str:
        return "/" + self.policy.version

    def discovery(self) -> dict[str, object]:
        return {
            "id": self.ident,
            "status": self.status,
            "updated": self.updated,
            "media-types": [
                {
                    "base": "application/json",
                    "type": f"application/vnd.openstack.messaging-{self.media_suffix}+json",
                }
            ],
            "links": [{"href": self.prefix + "/", "rel": "self"}],
        }


VERSIONS: tuple[Version, ...] = (
    Version(
        v1.POLICY,
        ident="1",
        status="DEPRECATED",
        updated="2014-9-11T17:47:05Z",
        media_suffix="v1",
        routes=v1.routes,
        admin_routes=v1.admin_routes,
        openapi=openapi.V1,
    ),
    Version(
        v1_1.POLICY,
        ident="1.1",
        status="DEPRECATED",
        updated="2016-7-29T02:22:47Z",
        media_suffix="v1_1",
        routes=v1_1.routes,
        admin_routes=v1_1.admin_routes,
        openapi=openapi.V1_1,
    ),
    Version(
        v2.POLICY,
        ident="2",
        status="CURRENT",
        updated="2014-9-24T04:06:47Z",
        media_suffix="v2",
        routes=v2.routes,
        admin_routes=v2.admin_routes,
        openapi=openapi.V2,
    ),
)

#: The rules of a path outside every version (answered 404): v1's, which ask for nothing.
_UNVERSIONED = v1.POLICY


def policy_of(path: str) -> Policy:
    """The policy of the version a request path is in."""
    for version in VERSIONS:
        prefix = version.prefix
        if path.startswith(prefix) and path[len(prefix) : len(prefix) + 1] in ("/", ""):
            return version.policy
    return _UNVERSIONED


#: Served to anyone, without a token or headers: version discovery (SPEC §8) and the OpenAPI
#: documents, which are static and hold no project's data.
PUBLIC_PATHS = frozenset(
    {
        "/",
        *(version.prefix + "/openapi.json" for version in VERSIONS if version.openapi is not None),
    }
)

# Only the versions this server serves are listed.
DOCUMENT = json.dumps({"versions": [version.discovery() for version in VERSIONS]}).encode()


class Discovery:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.status = falcon.HTTP_300
        resp.content_type = falcon.MEDIA_JSON
        resp.data = DOCUMENT


def routes(service: Service, body: media.BodyRules, admin_mode: bool) -> list[tuple[str, Any]]:
    """Every route of the app: discovery, then each version's."""
    table: list[tuple[str, Any]] = [("/", Discovery())]
    for version in VERSIONS:
        if version.openapi is not None:
            table.append(
                (version.prefix + "/openapi.json", openapi.OpenAPI(version.openapi, service.limits))
            )
        table.extend(version.routes(service, body))
        if admin_mode:
            table.extend(version.admin_routes(service, body))
    return table
