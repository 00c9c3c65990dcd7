"""Message and claim ids: the hex form of a random UUID, the same on every driver, so a
pooled deployment can judge an id without knowing which pool made it."""

from __future__ import annotations

import os
import re

_ID = re.compile(r"^[0-9a-f]{32}$")


def new_id() -> str:
    return _random_uuid().hex()


def new_uuid() -> str:
    """A random UUID in its dashed form."""
    h = _random_uuid().hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _random_uuid() -> bytearray:
    # PERF: what uuid.uuid4() makes (16 random bytes, version 4, RFC 4122 variant) without
    # building a UUID object: a third of the time, and a batch of 20 posts makes 20 of them.
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40
    raw[8] = raw[8] & 0x3F | 0x80
    return raw


def is_id(value: str) -> bool:
    return _ID.match(value) is not None
