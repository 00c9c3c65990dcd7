"""Tenant isolation, as a property: nothing one project does is visible to, or changes,
another project using the same queue names.

Each example is a random sequence of v1 operations, each by project A or B, over the same
queue names. It runs three ways at once, over three private storages: **shared** (A and B
on one storage, as in production), **A alone** and **B alone**. Every response a project
gets in the shared run must equal the response it gets in its solo run, once ids are
replaced by symbols (``A-m3`` is A's fourth posted message, ``B-c0`` B's first claim) and
page markers are blanked. Operations may name the *other* project's message and claim ids:
in the shared run those exist, but must act exactly like ids that exist nowhere.

Project names are fresh per example and chosen to look alike (``p7`` and ``p7_%/.``), to
catch key-prefix and LIKE-pattern mistakes. Time is one test clock for all three runs.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zaqar.conf
from tests.api.support import CLIENT_ID, OTHER_CLIENT_ID, Api, claim_id_of, message_id
from tests.backends import BY_NAME
from tests.clock import Clock
from zaqar import bootstrap

BACKENDS = ["sqlite", "redis"]
QUEUES = ["q0", "q1.x"]
#: Stands in for a reference to a message or claim when its owner has none yet.
NO_SUCH_ID = "0123456789abcdef0123456789abcdef"

Op = tuple[Any, ...]


@dataclass
class Run:
    """One app and the ids each project got from it, in order."""

    api: Api
    messages: dict[str, list[str]] = field(default_factory=lambda: {"A": [], "B": []})
    claims: dict[str, list[str]] = field(default_factory=lambda: {"A": [], "B": []})

    def message(self, owner: str, index: int) -> str:
        ids = self.messages[owner]
        return ids[index % len(ids)] if ids else NO_SUCH_ID

    def claim(self, owner: str, index: int) -> str:
        ids = self.claims[owner]
        return ids[index % len(ids)] if ids else NO_SUCH_ID

    def symbols(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for owner in ("A", "B"):
            for n, ident in enumerate(self.messages[owner]):
                table[ident] = f"{owner}-m{n}"
            for n, ident in enumerate(self.claims[owner]):
                table[ident] = f"{owner}-c{n}"
        return table


# -- operations -----------------------------------------------------------------------

who = st.sampled_from(["A", "B"])
queue = st.sampled_from(QUEUES)
ref = st.tuples(who, st.integers(0, 5))  # (owner, index) of a message or claim
ttl = st.integers(60, 400)
small_json = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text("ab", max_size=3),
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.text("xyz", max_size=2), inner, max_size=2)
    ),
    max_leaves=4,
)

OPERATIONS = st.one_of(
    st.tuples(st.just("create"), who, queue),
    st.tuples(st.just("delete_queue"), who, queue),
    st.tuples(st.just("exists"), who, queue),
    st.tuples(
        st.just("set_metadata"),
        who,
        queue,
        st.dictionaries(st.text("kv", min_size=1, max_size=2), small_json, max_size=2),
    ),
    st.tuples(st.just("get_metadata"), who, queue),
    st.tuples(st.just("list_queues"), who, st.booleans()),
    st.tuples(st.just("stats"), who, queue),
    st.tuples(
        st.just("post"),
        who,
        queue,
        st.lists(st.tuples(ttl, small_json), min_size=1, max_size=3),
        st.booleans(),
    ),
    st.tuples(
        st.just("list_messages"), who, queue, st.booleans(), st.booleans(), st.integers(1, 3)
    ),
    st.tuples(st.just("get_message"), who, queue, ref),
    st.tuples(st.just("bulk_get"), who, queue, st.lists(ref, min_size=1, max_size=3)),
    st.tuples(st.just("bulk_delete"), who, queue, st.lists(ref, min_size=1, max_size=3)),
    st.tuples(st.just("delete_message"), who, queue, ref, st.none() | ref),
    st.tuples(st.just("claim"), who, queue, ttl, st.integers(60, 120), st.integers(1, 3)),
    st.tuples(st.just("get_claim"), who, queue, ref),
    st.tuples(st.just("update_claim"), who, queue, ref, ttl),
    st.tuples(st.just("release_claim"), who, queue, ref),
    st.tuples(st.just("advance"), st.sampled_from([30, 61, 200, 500])),
)


def _perform(run: Run, op: Op, project: str) -> list[Any]:  # noqa: C901 - one branch per op
    """Do ``op`` on ``run`` as ``project``; return what the client observed."""
    api = run.api
    kind, owner = op[0], op[1]
    base = f"/v1/queues/{op[2]}" if len(op) > 2 and isinstance(op[2], str) else ""
    seen: list[Any] = []

    def call(method: str, path: str, **kwargs: Any) -> Any:
        kwargs.setdefault("project", project)
        resp = api.request(method, path, **kwargs)
        seen.append(
            (
                method,
                resp.status_code,
                resp.text,
                resp.headers.get("Location"),
                resp.headers.get("Content-Location"),
            )
        )
        return resp

    if kind == "create":
        call("PUT", base)
    elif kind == "delete_queue":
        call("DELETE", base)
    elif kind == "exists":
        call("GET", base)
    elif kind == "set_metadata":
        call("PUT", base + "/metadata", json=op[3])
    elif kind == "get_metadata":
        call("GET", base + "/metadata")
    elif kind == "list_queues":
        path = f"/v1/queues?limit=1&detailed={'true' if op[2] else 'false'}"
        for _ in range(10):
            resp = call("GET", path)
            if resp.status_code != 200:
                break
            path = resp.json["links"][0]["href"]
    elif kind == "stats":
        call("GET", base + "/stats")
    elif kind == "post":
        batch = [{"ttl": t, "body": body} for t, body in op[3]]
        client = CLIENT_ID if op[4] else OTHER_CLIENT_ID
        resp = call("POST", base + "/messages", json=batch, client_id=client)
        if resp.status_code == 201:
            run.messages[owner].extend(message_id(href) for href in resp.json["resources"])
    elif kind == "list_messages":
        echo, claimed, limit = op[3], op[4], op[5]
        path = f"{base}/messages?limit={limit}&echo={str(echo).lower()}"
        path += f"&include_claimed={str(claimed).lower()}"
        for _ in range(20):
            resp = call("GET", path)
            if resp.status_code != 200:
                break
            path = resp.json["links"][0]["href"]
    elif kind == "get_message":
        call("GET", f"{base}/messages/{run.message(*op[3])}")
    elif kind in ("bulk_get", "bulk_delete"):
        ids = ",".join(run.message(*r) for r in op[3])
        call("GET" if kind == "bulk_get" else "DELETE", f"{base}/messages?ids={ids}")
    elif kind == "delete_message":
        path = f"{base}/messages/{run.message(*op[3])}"
        if op[4] is not None:
            path += f"?claim_id={run.claim(*op[4])}"
        call("DELETE", path)
    elif kind == "claim":
        resp = call("POST", f"{base}/claims?limit={op[5]}", json={"ttl": op[3], "grace": op[4]})
        if resp.status_code == 201:
            run.claims[owner].append(claim_id_of(resp.headers["Location"]))
    elif kind == "get_claim":
        call("GET", f"{base}/claims/{run.claim(*op[3])}")
    elif kind == "update_claim":
        call("PATCH", f"{base}/claims/{run.claim(*op[3])}", json={"ttl": op[4]})
    elif kind == "release_claim":
        call("DELETE", f"{base}/claims/{run.claim(*op[3])}")
    else:  # pragma: no cover
        raise AssertionError(op)
    return seen


_MARKER = re.compile(r"marker=[^&\"]*")


def _normalise(run: Run, seen: list[Any]) -> list[Any]:
    table = run.symbols()
    pattern = re.compile("|".join(map(re.escape, sorted(table, key=len, reverse=True))))

    def clean(text: str | None) -> str | None:
        if text is None:
            return None
        if table:
            text = pattern.sub(lambda m: table[m.group(0)], text)
        return _MARKER.sub("marker=*", text)

    return [
        (m, status, clean(body), clean(loc), clean(cloc)) for m, status, body, loc, cloc in seen
    ]


# -- the property -----------------------------------------------------------------------


@dataclass
class World:
    shared: Api
    solo: dict[str, Api]
    clock: Clock
    counter: Iterator[int]


def _build(backend: str, directory: Path, clock: Clock) -> tuple[Api, Any]:
    directory.mkdir()
    conf = zaqar.conf.load([], default_config_files=[])
    BY_NAME[backend].prepare(conf, directory)
    boot = bootstrap.Bootstrap(conf)
    BY_NAME[backend].set_clock(boot.storage, clock)
    return Api(boot.transport.wsgi, boot), boot


@pytest.fixture(params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    clock = Clock()
    boots = []
    apis = {}
    for name in ("shared", "A", "B"):
        api, boot = _build(request.param, tmp_path / name, clock)
        apis[name] = api
        boots.append(boot)
    yield World(apis["shared"], {"A": apis["A"], "B": apis["B"]}, clock, itertools.count())
    for boot in boots:
        boot.close()


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(OPERATIONS, min_size=1, max_size=25))
def test_no_project_sees_or_changes_another(world: World, ops: list[Op]) -> None:
    n = next(world.counter)
    projects = {"A": f"p{n}", "B": f"p{n}_%/."}
    shared = Run(world.shared)
    solo = {"A": Run(world.solo["A"]), "B": Run(world.solo["B"])}
    for step, op in enumerate(ops):
        if op[0] == "advance":
            world.clock.advance(op[1])
            continue
        owner = op[1]
        # Foreign references resolve in the other project's solo run, where they exist.
        solo_run = solo[owner]
        other = "B" if owner == "A" else "A"
        solo_run.messages[other] = solo[other].messages[other]
        solo_run.claims[other] = solo[other].claims[other]
        together = _normalise(shared, _perform(shared, op, projects[owner]))
        alone = _normalise(solo_run, _perform(solo_run, op, projects[owner]))
        assert together == alone, f"step {step}: {op}"
