"""JSON text for stored documents (message bodies, queue metadata) and for responses."""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(value: Any) -> str:
    """Compact JSON that any UTF-8 store accepts.

    Non-ASCII text stays as is, except that a document holding a lone surrogate (which JSON
    escapes allow but UTF-8 cannot encode) is written with ASCII escapes instead.
    """
    return encode(value).decode("utf-8")


def encode(value: Any) -> bytes:
    """``dumps`` as UTF-8 bytes."""
    try:
        # PERF: orjson writes the same compact JSON in a thirtieth of the time (numbers
        # may be spelt differently, 1e16 for 1e+16, with the same value). What it refuses,
        # a lone surrogate or an integer wider than 64 bits, the standard library writes.
        return orjson.dumps(value)
    except TypeError:
        pass
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":")).encode("ascii")


def loads(text: str | bytes) -> Any:
    """A stored document back (text ``dumps`` or an earlier version wrote)."""
    try:
        # PERF: as in ``encode``; a stored lone surrogate, escaped, is the library's to read.
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
