"""Send the same API v2 requests to two servers and show where their answers differ.

    python -m tools.differential --ours http://127.0.0.1:8888 --theirs http://127.0.0.1:8889

``--theirs`` is the original Zaqar (``../shared/peer/start.sh`` runs 23.0.1). Each step is
one request; the ids a step's answer hands out (messages, claims) are kept per server, so
later steps name each server's own. Answers are compared on the status, the headers that
matter (Content-Type, Location, Content-Location) and the JSON body, with ids, ages and
times replaced by placeholders. Every difference is printed; ``docs/compatibility.rst`` says
which ones are deliberate. Not part of ``make test``: it needs the original running.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

CLIENT_ID = "3381af92-2b9e-11e3-b191-71861300734c"
PATCH_TYPE = "application/openstack-messaging-v2.0-json-patch"

#: Ids of every driver (hex UUIDs, MongoDB ObjectIds, dashed UUIDs) and request ids.
_IDS = re.compile(r"\b(?:[0-9a-f]{32}|[0-9a-f]{24}|[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12})\b")
_MARKER = re.compile(r"marker=[^&]+")
#: Values that differ from run to run whatever the server.
_VOLATILE = {"age", "seconds", "created", "expires", "signature"}
#: Headers whose values are compared.
_HEADERS = ("Content-Type", "Location", "Content-Location")


@dataclass
class Step:
    name: str
    method: str
    path: str
    body: Any = None
    headers: dict[str, str | None] = field(default_factory=dict)
    #: What to remember from the answer: name -> a function of the parsed body.
    keep: dict[str, Any] = field(default_factory=dict)
    content_type: str = "application/json"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any


def normalised(value: Any, queue_prefix: str) -> Any:
    if isinstance(value, dict):
        return {
            key: "<volatile>" if key in _VOLATILE else normalised(item, queue_prefix)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [normalised(item, queue_prefix) for item in value]
    if isinstance(value, str):
        # Markers are opaque: each server makes its own.
        value = _MARKER.sub("marker=<marker>", value.replace(queue_prefix, "<q>"))
        return _IDS.sub("<id>", value)
    return value


class Server:
    def __init__(self, url: str, project: str) -> None:
        self.url = url.rstrip("/")
        self.project = project
        self.kept: dict[str, str] = {}

    def send(self, step: Step, queue_prefix: str) -> Answer:
        path = step.path.format(q=queue_prefix, **self.kept)
        headers: dict[str, str | None] = {
            "Client-ID": CLIENT_ID,
            "X-Project-ID": self.project,
            "Accept": "application/json",
        }
        data = None
        if step.body is not None:
            data = json.dumps(step.body).encode("utf-8")
            headers["Content-Type"] = step.content_type
        headers.update(step.headers)
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=step.method,
            headers={key: value for key, value in headers.items() if value is not None},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answer = Answer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            answer = Answer(error.code, dict(error.headers), error.read())
        try:
            answer.body = json.loads(answer.body) if answer.body else None
        except ValueError:
            answer.body = answer.body.decode("utf-8", "replace")
        for name, pick in step.keep.items():
            try:
                self.kept[name] = pick(answer.body, answer.headers)
            except (KeyError, IndexError, TypeError):
                self.kept[name] = "missing"
        return answer


def _last(href: str) -> str:
    return href.split("?", 1)[0].rsplit("/", 1)[1]


def steps() -> list[Step]:
    """The sequence: SPEC §5.2's queue, message and claim routes and their error cases,
    delayed and dead-letter queues, in an order that builds on itself (names are relative
    to a queue prefix of the run's own). Not yet: subscriptions and pre-signed URLs (the
    notifications issue), and the admin routes."""
    q = "/v2/queues/{q}"
    messages = q + "-m/messages"
    return [
        Step("versions", "GET", "/"),
        Step("home", "GET", "/v2/"),
        Step("ping", "GET", "/v2/ping"),
        Step("ping head", "HEAD", "/v2/ping"),
        Step("no client id", "GET", "/v2/queues", headers={"Client-ID": None}),
        Step("no project", "GET", "/v2/queues", headers={"X-Project-ID": None}),
        Step("bad client id", "GET", "/v2/queues", headers={"Client-ID": "nope"}),
        Step("bad queue name", "PUT", "/v2/queues/bad%20name"),
        Step("create queue", "PUT", q + "-a", body={"colour": "blue"}),
        Step("create it again", "PUT", q + "-a", body={"colour": "red"}),
        Step("read queue", "GET", q + "-a"),
        Step("read missing queue", "GET", q + "-missing"),
        Step("bad setting", "PUT", q + "-b", body={"_default_message_ttl": 5}),
        Step("patch wrong type", "PATCH", q + "-a", body=[]),
        Step(
            "patch add",
            "PATCH",
            q + "-a",
            body=[{"op": "add", "path": "/metadata/size", "value": 3}],
            content_type=PATCH_TYPE,
        ),
        Step(
            "patch replace missing",
            "PATCH",
            q + "-a",
            body=[{"op": "replace", "path": "/metadata/none", "value": 1}],
            content_type=PATCH_TYPE,
        ),
        Step("patch empty", "PATCH", q + "-a", body=[], content_type=PATCH_TYPE),
        Step("list queues", "GET", "/v2/queues?name={q}-a&with_count=true&detailed=true"),
        Step("list limit 0", "GET", "/v2/queues?limit=0"),
        Step(
            "post lazily",
            "POST",
            messages,
            body={"messages": [{"body": {"n": 1}}, {"body": 2, "ttl": 120}]},
            keep={
                "m1": lambda body, _: _last(body["resources"][0]),
                "m2": lambda body, _: _last(body["resources"][1]),
            },
        ),
        Step("post no messages", "POST", messages, body={"messages": []}),
        Step("post bad ttl", "POST", messages, body={"messages": [{"body": 1, "ttl": 1}]}),
        Step("post no envelope", "POST", messages, body=[{"body": 1}]),
        Step("list messages", "GET", messages + "?echo=true"),
        Step("list messages, not echoed", "GET", messages),
        Step("list limit 21", "GET", messages + "?limit=21"),
        Step("get by ids", "GET", messages + "?ids={m1},{m2}"),
        Step("get by unknown ids", "GET", messages + "?ids=" + "0" * 24),
        Step("get one", "GET", messages + "/{m1}"),
        Step("get unknown", "GET", messages + "/" + "0" * 24),
        Step(
            "claim",
            "POST",
            q + "-m/claims?limit=1",
            body={"ttl": 60, "grace": 60},
            keep={"claim": lambda _, headers: _last(headers["Location"])},
        ),
        Step("claim without body", "POST", q + "-m/claims?limit=1"),
        Step("claim bad ttl", "POST", q + "-m/claims", body={"ttl": 1}),
        Step("claim limit 0", "POST", q + "-m/claims?limit=0", body={}),
        Step("claim missing queue", "POST", q + "-missing/claims", body={}),
        Step("read claim", "GET", q + "-m/claims/{claim}"),
        Step("renew claim", "PATCH", q + "-m/claims/{claim}", body={"ttl": 120}),
        Step("read unknown claim", "GET", q + "-m/claims/" + "0" * 24),
        Step("delete claimed without claim", "DELETE", messages + "/{m1}"),
        Step("delete claimed with claim", "DELETE", messages + "/{m1}?claim_id={claim}"),
        Step("release claim", "DELETE", q + "-m/claims/{claim}"),
        Step("stats", "GET", q + "-m/stats"),
        Step("stats missing queue", "GET", q + "-missing/stats"),
        Step("delete neither ids nor pop", "DELETE", messages),
        Step("delete ids and pop", "DELETE", messages + "?ids={m2}&pop=1"),
        Step("pop 0", "DELETE", messages + "?pop=0"),
        Step("pop", "DELETE", messages + "?pop=5"),
        Step("pop empty", "DELETE", messages + "?pop=5"),
        Step("delete by ids", "DELETE", messages + "?ids={m2}"),
        Step("purge bad types", "POST", q + "-m/purge", body={"resource_types": ["x"]}),
        Step("purge", "POST", q + "-m/purge", body={"resource_types": ["messages"]}),
        Step("delayed queue", "PUT", q + "-d", body={"_default_message_delay": 30}),
        Step("post delayed", "POST", q + "-d/messages", body={"messages": [{"body": 1}]}),
        Step("list delayed", "GET", q + "-d/messages?echo=true"),
        Step("list including delayed", "GET", q + "-d/messages?echo=true&include_delayed=true"),
        Step(
            "post bad delay",
            "POST",
            q + "-d/messages",
            body={"messages": [{"body": 1, "delay": 901}]},
        ),
        Step(
            "dead-letter queue",
            "PUT",
            q + "-l",
            body={"_max_claim_count": 0, "_dead_letter_queue": "{q}-dead"},
        ),
        Step("post to it", "POST", q + "-l/messages", body={"messages": [{"body": "x"}]}),
        Step("claim it", "POST", q + "-l/claims", body={}),
        Step("read the dead letters", "GET", q + "-dead/messages?echo=true"),
        Step("delete queue", "DELETE", q + "-a"),
        Step("delete missing queue", "DELETE", q + "-missing"),
    ]


def compare(ours: Server, theirs: Server, queue_prefix: str) -> int:
    differences = 0
    for step in steps():
        if isinstance(step.body, dict):
            # Settings that name a queue name it for this run.
            step.body = json.loads(json.dumps(step.body).replace("{q}", queue_prefix))
        answers = [server.send(step, queue_prefix) for server in (ours, theirs)]
        shown = [
            {
                "status": answer.status,
                **{h: answer.headers.get(h) for h in _HEADERS if answer.headers.get(h)},
                "body": answer.body,
            }
            for answer in answers
        ]
        a, b = (normalised(view, queue_prefix) for view in shown)
        if a == b:
            print(f"same    {step.method} {step.name}")
            continue
        differences += 1
        print(f"DIFFERS {step.method} {step.name}")
        print(f"  ours:   {json.dumps(a, sort_keys=True)[:600]}")
        print(f"  theirs: {json.dumps(b, sort_keys=True)[:600]}")
    return differences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--ours", required=True)
    parser.add_argument("--theirs", required=True)
    parser.add_argument("--project", help="the project to work in (default: a new one)")
    args = parser.parse_args()
    queue_prefix = f"diff-{uuid.uuid4().hex[:8]}"
    # A project of the run's own: listings see only what this run made, on both servers.
    project = args.project or f"differential-{queue_prefix}"
    differences = compare(Server(args.ours, project), Server(args.theirs, project), queue_prefix)
    print(f"{len(steps())} steps, {differences} with different answers")
    sys.exit(0)


if __name__ == "__main__":
    main()
