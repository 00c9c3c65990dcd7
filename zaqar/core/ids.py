"""Message and claim ids: the hex form of a random UUID, the same on every driver, so a
pooled deployment can judge an id without knowing which pool made it."""

from __future__ import annotations

import re
import uuid

_ID = re.compile(r"^[0-9a-f]{32}$")


def new_id() -> str:
    return uuid.uuid4().hex


def is_id(value: str) -> bool:
    return _ID.match(value) is not None
