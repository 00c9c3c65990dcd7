"""Version discovery at ``/``: needs no header at all."""

from __future__ import annotations

import json

import falcon


def _version(
    ident: str, status: str, updated: str, media_suffix: str, path: str
) -> dict[str, object]:
    return {
        "id": ident,
        "status": status,
        "updated": updated,
        "media-types": [
            {
                "base": "application/json",
                "type": f"application/vnd.openstack.messaging-{media_suffix}+json",
            }
        ],
        "links": [{"href": path, "rel": "self"}],
    }


# Only the versions this server serves are listed.
VERSIONS = [_version("1", "DEPRECATED", "2014-9-11T17:47:05Z", "v1", "/v1/")]
DOCUMENT = json.dumps({"versions": VERSIONS}).encode("utf-8")


class Versions:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.status = falcon.HTTP_300
        resp.content_type = falcon.MEDIA_JSON
        resp.data = DOCUMENT
