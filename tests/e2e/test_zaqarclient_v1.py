"""python-zaqarclient 3.0.1's v1 client against a real zaqar-server (gunicorn, 2 workers).

One server serves the whole module (``server`` fixture); every test works on queues of its
own, so the tests do not depend on each other's data. The server runs on each e2e backend,
and once with pooling on over three pools (two SQLite files and Redis), where the same tests
must pass unchanged.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import uuid
from typing import Any

import pytest
from zaqarclient.queues.v1 import claim as claim_api  # type: ignore[import-untyped]
from zaqarclient.transport import errors  # type: ignore[import-untyped]

from .support import (
    DEFAULT_SERVER,
    POOL_NAMES,
    PROJECT,
    MakeClient,
    ZaqarServer,
    http_json,
    http_status,
)

pytestmark = pytest.mark.e2e

ID = r"[a-zA-Z0-9_-]+"
CREATED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def message_href(queue: str, message_id: str = ID) -> str:
    return f"/v1/queues/{queue}/messages/{message_id}"


def ids_of(post_result: dict[str, Any]) -> list[str]:
    """Message ids from the ``resources`` of a POST result, in posting order."""
    return [href.rsplit("/", 1)[1] for href in post_result["resources"]]


def post_numbered(queue: Any, count: int, ttl: int = 300) -> list[str]:
    """Post ``count`` messages with bodies ``{"n": 0..count-1}`` in one batch."""
    result = queue.post([{"ttl": ttl, "body": {"n": n}} for n in range(count)])
    return ids_of(result)


def bodies(messages: Any) -> list[Any]:
    return [message.body for message in messages]


def get_by_ids(queue: Any, *ids: str) -> list[Any]:
    """``GET .../messages?ids=...`` through ``queue.messages(*ids)``.

    When none of the ids is found the server answers 204 with no body (SPEC 2.7), and
    python-zaqarclient 3.0.1 then wraps ``None`` in an iterator that fails on first use;
    that case is read here as the empty list it stands for.
    """
    iterator = queue.messages(*ids)
    if iterator._listing_response is None:
        return []
    return list(iterator)


# Queues


def test_making_a_queue_object_creates_the_queue_on_the_server(
    cli: Any, make_client: MakeClient, queue_name: str
) -> None:
    cli.queue(queue_name)  # auto_create=True sends PUT /v1/queues/<name>

    observer = make_client()
    assert observer.queue(queue_name, auto_create=False).exists() is True
    # Creating it again is harmless (204) and keeps the queue.
    cli.queue(queue_name)
    assert observer.queue(queue_name, auto_create=False).exists() is True


def test_exists_is_false_for_a_queue_never_created_and_true_once_created(
    cli: Any, queue_name: str
) -> None:
    queue = cli.queue(queue_name, auto_create=False)
    assert queue.exists() is False

    queue.ensure_exists()

    assert queue.exists() is True


def test_metadata_set_through_the_client_is_read_back_by_another_client(
    cli: Any, make_client: MakeClient, queue_name: str
) -> None:
    queue = cli.queue(queue_name)
    assert queue.metadata(force_reload=True) == {}

    meta = {"color": "blue", "limits": {"depth": 3}, "@queue": ["a", "b"], "unicode": "é"}
    assert queue.metadata(new_meta=meta) == meta

    reader = make_client().queue(queue_name, auto_create=False)
    assert reader.metadata() == meta
    # PUT replaces the whole document.
    queue.metadata(new_meta={"only": 1})
    assert reader.metadata(force_reload=True) == {"only": 1}


def test_stats_count_free_and_claimed_messages_and_show_oldest_and_newest(
    cli: Any, queue_name: str
) -> None:
    queue = cli.queue(queue_name)
    assert queue.stats == {"messages": {"claimed": 0, "free": 0, "total": 0}}

    ids = post_numbered(queue, 3)
    claim = queue.claim(ttl=120, grace=60, limit=1)
    assert claim.id is not None

    messages = queue.stats["messages"]
    assert (messages["claimed"], messages["free"], messages["total"]) == (1, 2, 3)
    for end, message_id in (("oldest", ids[0]), ("newest", ids[-1])):
        assert sorted(messages[end]) == ["age", "created", "href"], end
        assert messages[end]["href"] == message_href(queue_name, message_id)
        assert CREATED.match(messages[end]["created"]), messages[end]["created"]
        assert isinstance(messages[end]["age"], int) and 0 <= messages[end]["age"] < 60


def test_queue_listing_pages_through_every_queue_of_the_project_in_name_order(
    make_client: MakeClient,
) -> None:
    # A project of its own, so the listing holds exactly these queues.
    lister = make_client(project=f"e2e-listing-{uuid.uuid4().hex[:8]}")
    names = [f"list-{n:02d}" for n in (4, 0, 3, 1, 2)]
    for name in names:
        lister.queue(name)

    first_page = list(lister.queues(limit=2))
    assert [queue.name for queue in first_page] == ["list-00", "list-01"]

    streamed = list(lister.queues(limit=2).stream())
    assert [queue.name for queue in streamed] == sorted(names)

    detailed = list(lister.queues(limit=3, detailed=True).stream())
    assert [queue.name for queue in detailed] == sorted(names)

    after = list(lister.queues(marker="list-02", limit=2).stream())
    assert [queue.name for queue in after] == ["list-03", "list-04"]

    assert list(lister.queues(marker="zzz").stream()) == []


def test_queue_delete_removes_the_queue_and_its_messages(
    cli: Any, make_client: MakeClient, queue_name: str
) -> None:
    queue = cli.queue(queue_name)
    ids = post_numbered(queue, 2)

    queue.delete()

    assert queue.exists() is False
    with pytest.raises(errors.ResourceNotFound):
        queue.stats  # noqa: B018 - the property sends GET .../stats
    # Re-creating the name gives an empty queue: the old messages are gone.
    again = make_client().queue(queue_name)
    assert get_by_ids(again, *ids) == []
    assert again.stats["messages"]["total"] == 0
    # Deleting a queue that does not exist is not an error.
    queue.delete()
    queue.delete()


# Posting and reading messages


def test_posting_one_message_returns_its_href_and_the_message_reads_back(
    cli: Any, queue_name: str
) -> None:
    queue = cli.queue(queue_name)

    result = queue.post({"ttl": 300, "body": {"event": "single", "n": 1}})

    assert result["partial"] is False
    assert len(result["resources"]) == 1
    assert re.fullmatch(message_href(queue_name), result["resources"][0])
    (message_id,) = ids_of(result)
    message = queue.message(message_id)
    assert message.body == {"event": "single", "n": 1}
    assert message.ttl == 300


def test_posting_a_batch_returns_one_href_per_message_in_posting_order(
    cli: Any, queue_name: str
) -> None:
    queue = cli.queue(queue_name)
    batch = [
        {"ttl": 60, "body": {"n": 0}},
        {"ttl": 120, "body": "a string body"},
        {"ttl": 3600, "body": [1, 2, 3]},
    ]

    result = queue.post(batch)

    assert result["partial"] is False
    assert len(result["resources"]) == 3
    for href in result["resources"]:
        assert re.fullmatch(message_href(queue_name), href)
    ids = ids_of(result)
    assert len(set(ids)) == 3
    read_back = [queue.message(message_id) for message_id in ids]
    assert [(m.ttl, m.body) for m in read_back] == [(d["ttl"], d["body"]) for d in batch]


def test_listing_messages_follows_next_links_page_by_page_in_posting_order(
    cli: Any, queue_name: str
) -> None:
    queue = cli.queue(queue_name)
    ids = post_numbered(queue, 5)

    first_page = list(queue.messages(echo=True, limit=2))
    assert bodies(first_page) == [{"n": 0}, {"n": 1}]

    streamed = list(queue.messages(echo=True, limit=2).stream())
    assert bodies(streamed) == [{"n": n} for n in range(5)]
    assert [message._id for message in streamed] == ids
    for message in streamed:
        assert message.href == message_href(queue_name, message._id)
        assert message.claim_id is None
        assert message.ttl == 300
        assert 0 <= message.age < 60


def test_listing_hides_the_callers_own_messages_unless_echo_is_true(
    cli: Any, make_client: MakeClient, queue_name: str
) -> None:
    queue = cli.queue(queue_name)
    post_numbered(queue, 3)

    assert list(queue.messages(limit=2).stream()) == []
    assert bodies(queue.messages(echo=False).stream()) == []
    # Another client (another Client-ID) of the same project sees them without echo.
    other = make_client().queue(queue_name, auto_create=False)
    assert bodies(other.messages(limit=2).stream()) == [{"n": n} for n in range(3)]


def test_get_message_by_id_returns_it_and_an_unknown_id_is_not_found(
    cli: Any, queue_name: str
) -> None:
    queue = cli.queue(queue_name)
    ids = post_numbered(queue, 2)

    message = queue.message(ids[1])

    assert message._id == ids[1]
    assert message.href == message_href(queue_name, ids[1])
    assert message.body == {"n": 1}
    assert message.ttl == 300
    assert message.claim_id is None
    with pytest.raises(errors.ResourceNotFound):
        queue.message("000000000000000000000000")


def test_get_many_by_ids_returns_the_found_messages_and_skips_unknown_ids(
    cli: Any, queue_name: str
) -> None:
    queue = cli.queue(queue_name)
    ids = post_numbered(queue, 4)

    found = get_by_ids(queue, ids[0], ids[2], "000000000000000000000000")

    assert sorted((m._id, m.body["n"]) for m in found) == sorted([(ids[0], 0), (ids[2], 2)])
    assert get_by_ids(queue, "000000000000000000000000") == []


def test_deleting_a_message_by_id_removes_only_that_message(cli: Any, queue_name: str) -> None:
    queue = cli.queue(queue_name)
    ids = post_numbered(queue, 2)

    queue.message(ids[0]).delete()

    with pytest.raises(errors.ResourceNotFound):
        queue.message(ids[0])
    assert queue.message(ids[1]).body == {"n": 1}
    assert queue.stats["messages"]["total"] == 1


def test_deleting_messages_by_ids_removes_exactly_those_messages(cli: Any, queue_name: str) -> None:
    queue = cli.queue(queue_name)
    ids = post_numbered(queue, 4)

    queue.delete_messages(ids[0], ids[2], "000000000000000000000000")

    assert sorted(m._id for m in get_by_ids(queue, *ids)) == sorted([ids[1], ids[3]])
    assert bodies(queue.messages(echo=True).stream()) == [{"n": 1}, {"n": 3}]


# Claims


def test_claim_takes_at_most_limit_oldest_free_messages(
    cli: Any, make_client: MakeClient, queue_name: str
) -> None:
    queue = cli.queue(queue_name)
    ids = post_numbered(queue, 5)

    claim = queue.claim(ttl=120, grace=60, limit=3)

    assert claim.id is not None and re.fullmatch(ID, claim.id)
    claimed = list(claim)
    assert [m._id for m in claimed] == ids[:3]
    assert bodies(claimed) == [{"n": 0}, {"n": 1}, {"n": 2}]
    for message in claimed:
        assert message.claim_id == claim.id
        assert message.href == f"{message_href(queue_name, message._id)}?claim_id={claim.id}"
    # Claimed messages are hidden from listings; the rest are still free.
    observer = make_client().queue(queue_name, auto_create=False)
    assert bodies(observer.messages().stream()) == [{"n": 3}, {"n": 4}]
    assert bodies(observer.messages(include_claimed=True).stream()) == [{"n": n} for n in range(5)]
    # A second claim gets only what is left.
    second = queue.claim(ttl=120, grace=60, limit=3)
    assert [m._id for m in second] == ids[3:]
    # Nothing left to claim: the server answers 204 and the client makes no claim.
    empty = queue.claim(ttl=120, grace=60, limit=3)
    assert empty.id is None
    assert list(empty) == []


def test_getting_a_claim_shows_its_ttl_age_and_messages(cli: Any, queue_name: str) -> None:
    queue = cli.queue(queue_name)
    ids = post_numbered(queue, 2)
    claim = queue.claim(ttl=150, grace=60, limit=5)

    fetched = claim_api.Claim(queue, id=claim.id)

    assert fetched.ttl == 150
    assert 0 <= fetched.age < 60
    assert [m._id for m in fetched] == ids
    assert all(m.claim_id == claim.id for m in claim_api.Claim(queue, id=claim.id))


def test_claim_update_sets_the_claim_ttl_and_extends_the_claimed_messages(
    cli: Any, queue_name: str
) -> None:
    queue = cli.queue(queue_name)
    ids = post_numbered(queue, 2, ttl=60)
    claim = queue.claim(ttl=60, grace=60, limit=2)
    assert [m._id for m in claim] == ids

    claim.update(ttl=300, grace=100)  # PATCH {"ttl": 300, "grace": 100}

    fetched = claim_api.Claim(queue, id=claim.id)
    assert fetched.ttl == 300
    assert 0 <= fetched.age < 60
    claimed = list(fetched)
    assert [m._id for m in claimed] == ids
    # Every message expired before the new claim expiry, so each now lives ttl + grace.
    assert [m.ttl for m in claimed] == [400, 400]
    assert [queue.message(message_id).ttl for message_id in ids] == [400, 400]


def test_a_claimed_message_is_deleted_with_the_claim_id_from_its_href(
    cli: Any, queue_name: str
) -> None:
    queue = cli.queue(queue_name)
    ids = post_numbered(queue, 2)
    claim = queue.claim(ttl=120, grace=60, limit=2)
    first, second = list(claim)

    first.delete()  # DELETE .../messages/<id>?claim_id=<claim>

    with pytest.raises(errors.ResourceNotFound):
        queue.message(ids[0])
    assert [m._id for m in claim_api.Claim(queue, id=claim.id)] == [ids[1]]
    second.delete()
    assert get_by_ids(queue, *ids) == []
    # With all its messages deleted the claim no longer exists.
    with pytest.raises(errors.ResourceNotFound):
        claim_api.Claim(queue, id=claim.id).ttl  # noqa: B018 - the property sends GET


def test_a_claimed_message_cannot_be_deleted_without_its_claim_id(
    cli: Any, queue_name: str
) -> None:
    queue = cli.queue(queue_name)
    (message_id,) = post_numbered(queue, 1)
    claim = queue.claim(ttl=120, grace=60, limit=1)
    assert claim.id is not None

    unclaimed_view = queue.message(message_id)  # GET shows no claim_id
    assert unclaimed_view.claim_id is None
    with pytest.raises(errors.ForbiddenError):
        unclaimed_view.delete()

    assert queue.message(message_id).body == {"n": 0}


def test_releasing_a_claim_frees_its_messages_for_listing_and_claiming(
    cli: Any, make_client: MakeClient, queue_name: str
) -> None:
    queue = cli.queue(queue_name)
    ids = post_numbered(queue, 3)
    claim = queue.claim(ttl=120, grace=60, limit=3)
    observer = make_client().queue(queue_name, auto_create=False)
    assert list(observer.messages().stream()) == []

    claim.delete()  # DELETE .../claims/<id>

    assert [m._id for m in observer.messages().stream()] == ids
    stats = queue.stats["messages"]
    assert (stats["claimed"], stats["free"], stats["total"]) == (0, 3, 3)
    with pytest.raises(errors.ResourceNotFound):
        claim_api.Claim(queue, id=claim.id).ttl  # noqa: B018 - the property sends GET
    again = queue.claim(ttl=120, grace=60, limit=3)
    assert [m._id for m in again] == ids
    # Releasing an unknown claim is not an error.
    claim.delete()


# Projects


def test_two_projects_do_not_see_each_others_queues_or_messages(
    make_client: MakeClient,
) -> None:
    suffix = uuid.uuid4().hex[:8]
    alice = make_client(project=f"e2e-alice-{suffix}")
    bob = make_client(project=f"e2e-bob-{suffix}")
    alices = alice.queue("shared-name")
    alice.queue("alice-only")
    ids = post_numbered(alices, 2)

    assert [q.name for q in alice.queues().stream()] == ["alice-only", "shared-name"]
    assert list(bob.queues().stream()) == []
    assert bob.queue("alice-only", auto_create=False).exists() is False
    assert bob.queue("shared-name", auto_create=False).exists() is False

    bobs = bob.queue("shared-name")  # same name, Bob's own queue
    assert [q.name for q in bob.queues().stream()] == ["shared-name"]
    assert list(bobs.messages(include_claimed=True).stream()) == []
    assert get_by_ids(bobs, *ids) == []
    with pytest.raises(errors.ResourceNotFound):
        bobs.message(ids[0])
    assert bobs.stats["messages"]["total"] == 0
    assert bobs.claim(ttl=120, grace=60, limit=5).id is None
    bobs.delete_messages(*ids)
    bobs.delete()

    # Alice's queue and messages are untouched by anything Bob did.
    assert sorted(m._id for m in get_by_ids(alices, *ids)) == sorted(ids)
    assert alices.stats["messages"]["total"] == 2
    assert [q.name for q in alice.queues().stream()] == ["alice-only", "shared-name"]
    # The default project of this suite sees none of it either.
    assert make_client(project=PROJECT).queue("alice-only", auto_create=False).exists() is False


# Pooling


# Only the pooled server ("pooled-3" of conftest's ``server``) has pools.
@pytest.mark.parametrize("server", [(DEFAULT_SERVER, "pooled-3")], indirect=True)
def test_with_pooling_queues_spread_over_every_pool_and_a_pool_in_use_stays(
    server: ZaqarServer, make_client: MakeClient
) -> None:
    """Its pools take the client's queues at random, each pool some of 30 (a pool left out
    has odds of about 3 in 100000)."""
    assert http_status(f"{server.url}/v1/pools") == 200
    project = f"e2e-spread-{uuid.uuid4().hex[:8]}"
    client = make_client(project=project)
    names = [f"spread-{n:02d}" for n in range(30)]
    for name in names:
        post_numbered(client.queue(name), 1)

    with contextlib.closing(sqlite3.connect(server.workdir / "catalogue.sqlite")) as catalogue:
        rows = catalogue.execute(
            "SELECT queue, pool FROM catalogue WHERE project = ?", (project,)
        ).fetchall()
    placed = dict(rows)
    assert sorted(placed) == names
    assert set(placed.values()) == set(POOL_NAMES)
    # Every queue reads back from wherever it went.
    for name in names:
        assert client.queue(name, auto_create=False).stats["messages"]["total"] == 1

    # A pool holding queues cannot be deleted; its queues stay whole.
    assert http_json(f"{server.url}/v1/pools/{placed[names[0]]}", "DELETE") == 409
    assert client.queue(names[0], auto_create=False).stats["messages"]["total"] == 1
    for name in names:
        client.queue(name, auto_create=False).delete()
    assert list(client.queues().stream()) == []
