"""Ids are random version-4 UUIDs, whichever way they are spelt."""

from __future__ import annotations

import uuid

from zaqar.core import ids


def test_new_ids_are_random_version_4_uuids_in_hex() -> None:
    made = {ids.new_id() for _ in range(2000)}
    assert len(made) == 2000
    for value in made:
        parsed = uuid.UUID(value)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert parsed.hex == value and ids.is_id(value)


def test_new_uuids_are_dashed_version_4_uuids() -> None:
    for _ in range(500):
        value = ids.new_uuid()
        parsed = uuid.UUID(value)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert str(parsed) == value


def test_a_forked_child_makes_ids_of_its_own() -> None:
    import os

    ids.new_id()  # bytes read ahead, in the parent
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(reader)
        os.write(writer, " ".join(ids.new_id() for _ in range(300)).encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as pipe:
        theirs = set(pipe.read().split())
    os.waitpid(child, 0)
    ours = {ids.new_id() for _ in range(300)}
    assert len(theirs) == 300 and not ours & theirs
