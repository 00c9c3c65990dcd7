"""Pre-signed URLs made by one server open the other: ours and the original, with one key.

    ../shared/peer/start.sh 8889          # zaqar 23.0.1, [signed_url] secret_key set
    zaqar-server --port 8890 --config-file F   # F: [signed_url] secret_key = the same key
    python -m tools.signed_url_interop --ours http://127.0.0.1:8890 --theirs http://127.0.0.1:8889

Each server shares a queue; the grant it answers is then used, with only the signed headers
and no project of the client's own, on the other server: to post, list, get one message and
pop. The same grant with one changed character of the signature, another project or another
queue must be 404 on both. Both servers also sign the same grant (paths, methods, project,
expiry) and must answer the same signature. Not part of ``make test``: it needs the original
running. Exits 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import uuid
from typing import Any

from tools.json_http import call, signed_headers


class Report:
    def __init__(self) -> None:
        self.failures = 0

    def check(self, what: str, ok: bool, detail: Any = "") -> None:
        print(f"{'ok  ' if ok else 'FAIL'} {what}" + (f"  ({detail})" if not ok else ""))
        self.failures += not ok


def share(base: str, queue: str, project: str, document: dict[str, Any]) -> dict[str, Any]:
    url = f"{base}/v2/queues/{queue}/share"
    status, grant = call(url, "POST", {"X-Project-ID": project}, document)
    if status != 200:
        raise SystemExit(f"{base}: share answered {status}: {grant}")
    assert isinstance(grant, dict)
    return grant


def cross(report: Report, signer: str, user: str, names: tuple[str, str]) -> None:
    """A grant of ``signer`` used on ``user``."""
    project = f"interop-{uuid.uuid4().hex[:8]}"
    queue = "interop"
    label = f"{names[0]} grant on {names[1]}"
    grant = share(signer, queue, project, {"methods": ["GET", "POST", "DELETE"]})
    headers = signed_headers(grant)
    path = f"/v2/queues/{queue}/messages"
    posted = call(user + path, "POST", headers, {"messages": [{"body": {"n": 1}, "ttl": 300}]})
    report.check(f"{label}: post", posted[0] == 201, posted)
    listed = call(user + path + "?echo=true", "GET", headers)
    ok = listed[0] == 200 and [m["body"] for m in listed[1]["messages"]] == [{"n": 1}]
    report.check(f"{label}: list", ok, listed)
    if ok:
        one = call(f"{user}{path}/{listed[1]['messages'][0]['id']}", "GET", headers)
        report.check(f"{label}: get one message", one[0] == 200, one)
    flipped = grant["signature"][:-1] + ("0" if grant["signature"][-1] != "0" else "1")
    refused = {
        "a changed signature": (path, signed_headers(grant, **{"URL-Signature": flipped})),
        "another project": (path, signed_headers(grant, **{"X-Project-ID": project + "x"})),
        "another queue": (f"/v2/queues/{queue}x/messages", headers),
        "another method": (path, headers, "PATCH"),
    }
    for what, (target, sent, *method) in refused.items():
        answer = call(user + target, method[0] if method else "GET", sent)
        report.check(f"{label}: {what} is 404", answer[0] == 404, answer)
    popped = call(user + path + "?pop=1", "DELETE", headers)
    report.check(
        f"{label}: pop", popped[0] == 200 and popped[1]["messages"][0]["body"] == {"n": 1}, popped
    )


def same_signature(report: Report, ours: str, theirs: str) -> None:
    moment = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=2)
    document = {
        "paths": ["messages", "claims", "subscriptions"],
        "methods": ["POST", "GET", "DELETE", "PATCH"],
        "expires": moment.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    a = share(ours, "same", "interop-same", document)
    b = share(theirs, "same", "interop-same", document)
    report.check("both sign the same grant alike", a == b, (a, b))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ours", required=True)
    parser.add_argument("--theirs", required=True)
    args = parser.parse_args(argv)
    report = Report()
    same_signature(report, args.ours, args.theirs)
    cross(report, args.theirs, args.ours, ("the original's", "ours"))
    cross(report, args.ours, args.theirs, ("our", "the original"))
    print(f"{report.failures} failure(s)")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
