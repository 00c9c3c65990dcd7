"""Heat's signal flow and the OpenStack client's messaging commands, under a real keystone.

    tools/keystone_local.sh                     # keystone on :5000, this server under it on :8891
    python -m tools.keystone_flow --openstack ~/.cache/zaqar-keystone/openstack

As user ``heat`` of project ``heat-proj`` (keystone_local.sh makes them): the ``openstack
messaging`` commands for subscriptions and signed URLs, found through the catalogue; then
Heat's ZAQAR_SIGNAL flow (CLIENTS.md §3): share a queue with ``paths=["messages"]`` and
``methods=["GET","DELETE"]`` with a token, post a signal, and pop it with only the signed
headers and no token. A pop without either is 401; with a changed signature, 404. Then a
``trust+http`` subscriber on loopback: it must be told of a message with a token of the trust
made for it when subscribing. Not part of ``make test``: it needs keystone running. Exits 1
on any failure.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from typing import Any

from tools.json_http import CLIENT_ID, call, signed_headers

IDENTITY = "http://127.0.0.1:5000/v3"
USER = {
    "OS_AUTH_URL": IDENTITY,
    "OS_USERNAME": "heat",
    "OS_PASSWORD": "heatpw",
    "OS_PROJECT_NAME": "heat-proj",
    "OS_USER_DOMAIN_NAME": "Default",
    "OS_PROJECT_DOMAIN_NAME": "Default",
    "OS_IDENTITY_API_VERSION": "3",
    "OS_MESSAGE_CLIENT_ID": CLIENT_ID,
}


class Report:
    failures = 0

    def check(self, what: str, ok: bool, detail: Any = "") -> None:
        print(f"{'ok  ' if ok else 'FAIL'} {what}" + ("" if ok else f"  ({detail})"))
        self.failures += not ok


def _password_token(user: str, password: str, scope: dict[str, Any]) -> tuple[str, Any]:
    """A token of ``user`` (domain Default) with ``scope``, and its document."""
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": user, "domain": {"name": "Default"}, "password": password}
                },
            },
            "scope": scope,
        }
    }
    request = urllib.request.Request(
        IDENTITY + "/auth/tokens",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return str(answer.headers["X-Subject-Token"]), json.loads(answer.read())["token"]


def token() -> tuple[str, str, str]:
    """A token of user heat, its project and the catalogue's messaging endpoint."""
    project = {"project": {"name": "heat-proj", "domain": {"name": "Default"}}}
    subject, document = _password_token("heat", "heatpw", project)
    [messaging] = [entry for entry in document["catalog"] if entry["type"] == "messaging"]
    [public] = [e["url"] for e in messaging["endpoints"] if e["interface"] == "public"]
    return subject, document["project"]["id"], public.rstrip("/")


def _admin() -> str:
    """A system-scoped token of keystone's admin."""
    return _password_token("admin", "adminpw", {"system": {"all": True}})[0]


def openstack(command: str, *args: str) -> Any:
    done = subprocess.run(
        [command, *args, "-f", "json"],
        env={**os.environ, **USER},
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"openstack {' '.join(args)}: {done.stderr.strip()}")
    return json.loads(done.stdout) if done.stdout.strip() else None


def osc_commands(report: Report, command: str) -> None:
    queue = f"osc-{uuid.uuid4().hex[:8]}"
    openstack(command, "messaging", "queue", "create", queue)
    made = openstack(
        command, "messaging", "subscription", "create", queue, "http://127.0.0.1:9/hook", "3600"
    )
    sid = made["ID"]
    report.check("openstack messaging subscription create", made["TTL"] == 3600, made)
    listed = openstack(command, "messaging", "subscription", "list", queue)
    report.check("... subscription list", [s["ID"] for s in listed] == [sid], listed)
    openstack(
        command, "messaging", "subscription", "update", queue, sid, "--ttl", "600",
        "--subscriber", "http://127.0.0.1:9/other",
    )  # fmt: skip
    shown = openstack(command, "messaging", "subscription", "show", queue, sid)
    ok = shown["TTL"] == 600 and shown["Subscriber"] == "http://127.0.0.1:9/other"
    report.check("... subscription update and show", ok, shown)
    subprocess.run(
        [command, "messaging", "subscription", "delete", queue, sid],
        env={**os.environ, **USER},
        check=True,
        capture_output=True,
        timeout=120,
    )
    report.check(
        "... subscription delete",
        openstack(command, "messaging", "subscription", "list", queue) == [],
    )
    signed = openstack(
        command, "messaging", "queue", "signed", "url", queue, "--paths", "messages",
        "--methods", "GET,DELETE", "--ttl-seconds", "3600",
    )  # fmt: skip
    report.check(
        "openstack messaging queue signed url",
        signed["Paths"] == f"/v2/queues/{queue}/messages" and signed["Methods"] == "DELETE,GET",
        signed,
    )


def heat_signal(report: Report) -> None:
    subject, project, endpoint = token()
    queue = f"signal-{uuid.uuid4().hex[:8]}"
    base = f"{endpoint}/v2/queues/{queue}"
    with_token = {"X-Auth-Token": subject}
    status, grant = call(
        base + "/share", "POST", with_token, {"paths": ["messages"], "methods": ["GET", "DELETE"]}
    )
    report.check("share with a token", status == 200 and grant["project"] == project, grant)
    signal = {"messages": [{"body": {"status": "SUCCESS", "data": "ok"}, "ttl": 600}]}
    status, _ = call(base + "/messages", "POST", with_token, signal)
    report.check("post the signal with a token", status == 201, status)
    signed = signed_headers(grant)
    status, _ = call(base + "/messages?pop=1", "DELETE", {"X-Project-Id": project})
    report.check("a pop with neither token nor grant is 401", status == 401, status)
    bad = {**signed, "URL-Signature": "0" * 64}
    status, _ = call(base + "/messages?pop=1", "DELETE", bad)
    report.check("a pop with a changed signature is 404", status == 404, status)
    status, popped = call(base + "/messages?pop=1", "DELETE", signed)
    ok = status == 200 and popped["messages"][0]["body"] == signal["messages"][0]["body"]
    report.check("the engine pops with only the signed headers", ok, (status, popped))
    status, _ = call(base + "/messages", "POST", signed, signal)
    report.check("the grant does not post", status == 404, status)
    status, _ = call(base, "DELETE", with_token)
    report.check("cleanup with a token", status == 204, status)


class _Receiver(http.server.BaseHTTPRequestHandler):
    """Keeps each request's headers and JSON body."""

    seen: list[tuple[dict[str, str], Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.seen.append((dict(self.headers), json.loads(body or b"null")))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def trust_subscriber(report: Report) -> None:
    """A trust+http subscriber is told of a message with a token of a trust from heat to
    the service's trustee, scoped to heat's project (the notifier must run)."""
    subject, project, endpoint = token()
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    queue = f"trust-{uuid.uuid4().hex[:8]}"
    base = f"{endpoint}/v2/queues/{queue}"
    with_token = {"X-Auth-Token": subject}
    hook = f"trust+http://127.0.0.1:{receiver.server_address[1]}/hook"
    status, made = call(base + "/subscriptions", "POST", with_token, {"subscriber": hook})
    report.check("subscribe a trust+http subscriber", status == 201, (status, made))
    status, shown = call(f"{base}/subscriptions/{made['subscription_id']}", "GET", with_token)
    trust_id = shown.get("options", {}).get("trust_id") if status == 200 else None
    report.check("... its options name the trust made for it", bool(trust_id), shown)
    message = {"messages": [{"body": {"event": "stack complete"}, "ttl": 600}]}
    status, _ = call(base + "/messages", "POST", with_token, message)
    deadline = time.monotonic() + 30
    while not _Receiver.seen and time.monotonic() < deadline:
        time.sleep(0.2)
    receiver.shutdown()
    report.check("the notifier delivered to the subscriber", bool(_Receiver.seen), "nothing came")
    if not _Receiver.seen:
        return
    headers, body = _Receiver.seen[0]
    report.check("... the message", body.get("body") == {"event": "stack complete"}, body)
    given = headers.get("X-Auth-Token", "")
    # Keystone shows a token to a reader of the whole system: the admin keystone made.
    request = urllib.request.Request(
        IDENTITY + "/auth/tokens", headers={"X-Auth-Token": _admin(), "X-Subject-Token": given}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        validated = json.loads(answer.read())["token"]
    ok = (
        validated.get("OS-TRUST:trust", {}).get("id") == trust_id
        and validated["project"]["id"] == project
        and validated["user"]["name"] == "heat"  # impersonation: the trustor acts
    )
    report.check("... with a token of that trust, as heat in heat's project", ok, validated)
    call(base, "DELETE", with_token)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--openstack", required=True, help="the openstack command to run")
    args = parser.parse_args(argv)
    report = Report()
    heat_signal(report)
    trust_subscriber(report)
    osc_commands(report, args.openstack)
    print(f"{report.failures} failure(s)")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
