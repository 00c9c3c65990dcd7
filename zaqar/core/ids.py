"""Message and claim ids: the hex form of a random UUID, the same on every driver, so a
pooled deployment can judge an id without knowing which pool made it."""

from __future__ import annotations

import os
import re
import threading

_ID = re.compile(r"^[0-9a-f]{32}$")


def new_id() -> str:
    return _random_uuid().hex()


def new_uuid() -> str:
    """A random UUID in its dashed form."""
    h = _random_uuid().hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


#: Random bytes read ahead from the system, taken 16 at a time (``_random_bytes``).
_AHEAD = 4096
_random = bytearray()
_random_lock = threading.Lock()


def _random_bytes() -> bytearray:
    """16 bytes of ``os.urandom``; PERF: read 4 KiB at a time, one system call per 256 ids."""
    with _random_lock:
        if not _random:
            _random.extend(os.urandom(_AHEAD))
        taken = _random[-16:]
        del _random[-16:]
    return taken


def _forget_random() -> None:
    # A forked child must not make the ids its parent will make from the same bytes.
    _random.clear()


os.register_at_fork(after_in_child=_forget_random)


def _random_uuid() -> bytearray:
    # PERF: what uuid.uuid4() makes (16 random bytes, version 4, RFC 4122 variant) without
    # building a UUID object: a third of the time, and a batch of 20 posts makes 20 of them.
    raw = _random_bytes()
    raw[6] = raw[6] & 0x0F | 0x40
    raw[8] = raw[8] & 0x3F | 0x80
    return raw


def is_id(value: str) -> bool:
    return _ID.match(value) is not None
