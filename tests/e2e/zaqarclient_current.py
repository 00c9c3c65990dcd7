"""What today's python-zaqarclient (4.x, v2 only) does against a server, run as its own
process: ``python zaqarclient_current.py URL PROJECT``, with the 4.x client first on the path.

Exits 0 when every step got what the client expects; an AssertionError otherwise. Kept free
of the test suite's imports: the suite's process holds python-zaqarclient 3.0.1.
"""

from __future__ import annotations

import sys
import uuid

from zaqarclient.queues import client  # type: ignore[import-untyped]


def main(url: str, project: str) -> None:
    import zaqarclient  # type: ignore[import-untyped]

    assert "zaqarclient-current" in zaqarclient.__file__, zaqarclient.__file__
    conf = {"auth_opts": {"backend": "noauth", "options": {"os_project_id": project}}}
    cli = client.Client(url, version=2, conf=conf)
    assert cli.ping() is True
    name = f"current-{uuid.uuid4().hex[:12]}"
    queue = cli.queue(name)  # creates nothing: the post does

    posted = queue.post([{"body": {"n": 1}}, {"body": 2, "ttl": 120}])
    assert len(posted["resources"]) == 2
    listed = list(queue.messages(echo=True))
    assert [(m.body, m.ttl) for m in listed] == [({"n": 1}, 3600), (2, 120)]

    claim = queue.claim(ttl=60, grace=60, limit=1)
    claimed = list(claim)
    assert claim.id and [m.body for m in claimed] == [{"n": 1}]
    claimed[0].delete()  # with the claim id the client read from the href
    assert [m.body for m in queue.pop(count=5)] == [2]

    queue.metadata(new_meta={"owner": "heat", "_default_message_ttl": 300})
    metadata = queue.metadata(force_reload=True)
    assert metadata["owner"] == "heat" and metadata["_default_message_ttl"] == 300
    queue.post({"body": "after"})
    assert [m.ttl for m in queue.messages(echo=True)] == [300]

    queues, count = cli.queues(with_count=True)
    assert name in [q.name for q in queues] and count >= 1
    queue.purge()
    assert queue.stats["messages"]["total"] == 0
    queue.delete()
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
