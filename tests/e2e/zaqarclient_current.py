"""What today's python-zaqarclient (4.x, v2 only) does against a server, run as its own
process: ``python zaqarclient_current.py URL PROJECT`` (queues, messages, claims, subscriptions), or
``python zaqarclient_current.py URL PROJECT admin POOL_URI`` against a pooled server in
``admin_mode`` (pools, flavors, health), with the 4.x client first on the path.

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

    # Subscriptions: what Heat's OS::Zaqar::Subscription does (its ttl included).
    hook = "http://hooks.example.com/stack"
    made = cli.subscription(name, subscriber=hook, ttl=220367260800, options={"a": 1})
    assert made.id and made.confirmed is False and made.options == {"a": 1}
    again = cli.subscription(name, subscriber=hook, ttl=3600)
    assert again.id == made.id  # unconfirmed: the same one
    made.update({"subscriber": hook + "/2", "ttl": 600, "options": {"b": 2}})
    [listed_sub] = list(queue.subscriptions())
    assert (listed_sub.id, listed_sub.subscriber, listed_sub.ttl) == (made.id, hook + "/2", 600)
    assert listed_sub.options == {"b": 2} and listed_sub.age is not None
    read = cli.subscription(name, id=made.id)
    assert read.subscriber == hook + "/2" and read.ttl == 600
    cli.subscription(name, subscriber="mailto:ops@example.com")
    queue.purge(resource_types=["subscriptions"])
    assert list(queue.subscriptions()) == []
    made = cli.subscription(name, subscriber=hook)
    made.delete()
    assert list(queue.subscriptions()) == []

    # Heat's signal flow: share the queue, then pop with only the signed headers.
    signal = cli.queue(name + "-signal")
    share = signal.signed_url(paths=["messages"], ttl_seconds=3600, methods=["GET", "DELETE"])
    assert share["paths"] == [f"/v2/queues/{signal.name}/messages"], share
    assert share["methods"] == ["DELETE", "GET"] and share["project"] == project
    signal.post([{"body": {"signal": "done"}, "ttl": 300}])
    signed_conf = {
        "auth_opts": {
            "backend": "signed-url",
            "options": {**share, "os_project_id": project},
        }
    }
    signed = client.Client(url, version=2, conf=signed_conf)
    signed_queue = signed.queue(signal.name, auto_create=False)
    assert [m.body for m in signed_queue.messages(echo=True)] == [{"signal": "done"}]
    assert [m.body for m in signed_queue.pop(count=1)] == [{"signal": "done"}]
    try:
        signed_queue.post({"body": "not signed for POST"})
    except Exception as error:  # the client raises its own error for the 404
        assert "404" in str(error) or "Not Found" in str(error), error
    else:
        raise AssertionError("a grant for GET and DELETE let a POST through")
    signal.delete()

    queue.purge()
    assert queue.stats["messages"]["total"] == 0
    queue.delete()
    print("ok")


def admin(url: str, project: str, pool_uri: str) -> None:
    """Pools, flavors and the detailed health, in ``admin_mode`` (a policy that lets the
    client's noauth session, which sends no roles, use them)."""
    conf = {"auth_opts": {"backend": "noauth", "options": {"os_project_id": project}}}
    cli = client.Client(url, version=2, conf=conf)
    name = f"pool-{uuid.uuid4().hex[:8]}"
    pool = cli.pool(name, weight=10, uri=pool_uri, options={"purge_interval": 0})
    shown = pool.get()
    assert shown["name"] == name and shown["weight"] == 10, shown
    pool.update({"weight": 20})
    assert pool.get()["weight"] == 20
    assert name in [listed.name for listed in cli.pools()]

    flavor = cli.flavor("gold", pool_list=[name])
    got = flavor.get()
    assert got["pool_list"] == [name] and "CLAIMS" in got["capabilities"], got
    assert "gold" in [listed.name for listed in cli.flavors()]
    assert pool.get()["flavor"] == "gold"
    flavor.delete()
    assert pool.get()["flavor"] is None
    pool.delete()
    assert name not in [listed.name for listed in cli.pools()]

    health = cli.health()
    stores = [value for key, value in health.items() if key != "catalog_reachable"]
    assert health["catalog_reachable"] is True and stores, health
    assert all(store["storage_reachable"] for store in stores), health
    print("ok")


if __name__ == "__main__":
    if sys.argv[3:4] == ["admin"]:
        admin(sys.argv[1], sys.argv[2], sys.argv[4])
    else:
        main(sys.argv[1], sys.argv[2])
