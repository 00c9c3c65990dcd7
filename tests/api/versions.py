"""What the HTTP suites need to know of each API version to test one behaviour on all.

A behaviour the versions share is tested once, parametrised by ``Version``; the few places
where the versions say it differently (the shape of a batch, of a claim, of an empty page)
are answered here, so the tests themselves read the same for every version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import falcon.testing
import pytest

from .support import DEFAULT, Api, claim_id_of, message_id


@dataclass(frozen=True)
class Version:
    name: str
    #: ``{"messages": [...]}`` bodies and answers, ids on messages, 200 for empty lists.
    enveloped: bool

    @property
    def prefix(self) -> str:
        return f"/{self.name}"

    def queue(self, name: str) -> str:
        return f"{self.prefix}/queues/{name}"

    def batch(self, messages: list[dict[str, Any]]) -> Any:
        return {"messages": messages} if self.enveloped else messages

    def claimed(self, resp: falcon.testing.Result) -> list[dict[str, Any]]:
        """The messages of a 201 claim."""
        return list(resp.json["messages"] if self.enveloped else resp.json)

    def listed(self, resp: falcon.testing.Result) -> list[dict[str, Any]]:
        """The messages of a listing page (none: 204 in v1, an empty page after)."""
        if not self.enveloped and resp.status_code == 204:
            return []
        assert resp.status_code == 200, resp.text
        return list(resp.json["messages"])

    # -- conveniences that assert success ------------------------------------------------

    def post(
        self,
        api: Api,
        queue: str,
        bodies: list[Any],
        ttl: int = 300,
        *,
        project: str | None = DEFAULT,
        client_id: str | None = DEFAULT,
    ) -> list[str]:
        if not self.enveloped:
            api.put(self.queue(queue), project=project)  # v1 queues are made first
        resp = api.post(
            self.queue(queue) + "/messages",
            json=self.batch([{"ttl": ttl, "body": body} for body in bodies]),
            project=project,
            client_id=client_id,
        )
        assert resp.status_code == 201, resp.text
        return [message_id(href) for href in resp.json["resources"]]

    def claim(
        self, api: Api, queue: str, limit: int = 10, *, project: str | None = DEFAULT
    ) -> tuple[str | None, list[dict[str, Any]]]:
        """``(claim id, messages)``, or ``(None, [])`` when nothing was claimed."""
        resp = api.post(
            f"{self.queue(queue)}/claims?limit={limit}",
            json={"ttl": 300, "grace": 60},
            project=project,
        )
        if resp.status_code == 204:
            return None, []
        assert resp.status_code == 201, resp.text
        return claim_id_of(resp.headers["Location"]), self.claimed(resp)

    def bodies(self, api: Api, queue: str, *, project: str | None = DEFAULT) -> list[Any]:
        """The bodies of every message a feed reader (echo on, claimed too) sees."""
        found: list[Any] = []
        path = f"{self.queue(queue)}/messages?echo=true&include_claimed=true"
        for _ in range(100):
            resp = api.get(path, project=project)
            page = self.listed(resp)
            if not page:
                return found
            found.extend(message["body"] for message in page)
            path = resp.json["links"][0]["href"]
        raise AssertionError("listing never ended")


V1 = Version("v1", enveloped=False)
V1_1 = Version("v1.1", enveloped=True)
V2 = Version("v2", enveloped=True)
ALL = (V1, V1_1, V2)
#: The versions with v1.1's rules (identity headers, lazy queues, pop, defaults).
LATER = (V1_1, V2)

#: The backends the version suites run on: the storage conformance suite carries every
#: driver, so HTTP behaviour is checked on one SQL store, Redis and a pooled deployment.
BACKENDS = ("sqlite", "redis", "pooled-sqlite-redis")


def by_version(versions: tuple[Version, ...]) -> Any:
    return pytest.mark.parametrize("version", versions, ids=[v.name for v in versions])
