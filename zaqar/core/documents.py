"""JSON text for stored documents (message bodies, queue metadata)."""

from __future__ import annotations

import json
from typing import Any


def dumps(value: Any) -> str:
    """Compact JSON that any UTF-8 store accepts.

    Non-ASCII text stays as is, except that a document holding a lone surrogate (which JSON
    escapes allow but UTF-8 cannot encode) is written with ASCII escapes instead.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(value, separators=(",", ":"))
    return text


def loads(text: str) -> Any:
    return json.loads(text)
