"""Queue metadata changes as a JSON patch (v2's ``PATCH /v2/queues/{q}``, SPEC §5.2).

A patch is a JSON array of ``{"op": "add" | "replace" | "remove", "path":
"/metadata/<key>", "value": ...}``: only top-level metadata keys can be reached, the way the
original reads them (JSON-pointer escapes ``~0`` and ``~1`` included). ``parse`` checks the
whole patch before anything is read; ``apply`` makes it on a copy of the current metadata,
and may run more than once when another change came first (``zaqar.storage.updates``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from zaqar.api.errors import BadRequestBody, Conflict

OPERATIONS = ("add", "remove", "replace")
_ADJACENT_SLASHES = re.compile(r"/\s*?/")
_BAD_ESCAPE = re.compile(r"~[^01]")


@dataclass(frozen=True)
class Change:
    op: str
    key: str
    value: Any = None


def parse(document: Any) -> list[Change]:
    """The changes of a patch document; BadRequestBody with the original's words if it is
    not one."""
    if not isinstance(document, list):
        raise BadRequestBody("Request body must be a JSON array of operation objects.")
    changes = []
    for raw in document:
        if not isinstance(raw, dict):
            raise BadRequestBody("Operations must be JSON objects.")
        op = _operation(raw)
        if "path" not in raw:
            raise BadRequestBody("Unable to find 'path' in JSON Schema change")
        path = _pointer(raw["path"])
        if len(path) != 2:
            raise BadRequestBody(
                f"Invalid JSON pointer for this resource: '/{'/'.join(path)}, e.g /metadata/key'"
            )
        if op == "remove":
            changes.append(Change(op, path[1]))
            continue
        if "value" not in raw:
            raise BadRequestBody(f'Operation "{op}" requires a member named "value".')
        if path[0].lower() != "metadata":
            raise BadRequestBody("The root of path must be metadata, e.g /metadata/key.")
        changes.append(Change(op, path[1], raw["value"]))
    return changes


def _operation(raw: dict[str, Any]) -> str:
    available = ", ".join(OPERATIONS)
    op = raw.get("op")
    if op is None:
        raise BadRequestBody(
            f"Unable to find `op` in JSON Schema change. It must be one of the following: "
            f"{available}."
        )
    if op not in OPERATIONS:
        raise BadRequestBody(
            f"Invalid operation: `{op}`. It must be one of the following: {available}."
        )
    return str(op)


def _pointer(pointer: Any) -> list[str]:
    if not isinstance(pointer, str):
        raise BadRequestBody("The path of a change must be a string.")
    if not pointer.startswith("/"):
        raise BadRequestBody(f'Pointer `{pointer}` does not start with "/".')
    if _ADJACENT_SLASHES.search(pointer[1:]):
        raise BadRequestBody(f'Pointer `{pointer}` contains adjacent "/".')
    if len(pointer) > 1 and pointer.endswith("/"):
        raise BadRequestBody(f'Pointer `{pointer}` end with "/".')
    if pointer[1:].strip() == "/":
        raise BadRequestBody(f"Pointer `{pointer}` does not contains valid token.")
    if _BAD_ESCAPE.search(pointer) or pointer.endswith("~"):
        raise BadRequestBody(
            f'Pointer `{pointer}` contains "~" not part of a recognized escape sequence.'
        )
    return [
        part.replace("~1", "/").replace("~0", "~").strip()
        for part in pointer.lstrip("/").split("/")
    ]


def apply(
    changes: list[Change], metadata: dict[str, Any], reserved: dict[str, Any]
) -> dict[str, Any]:
    """``metadata`` with ``changes`` made. A reserved setting can be replaced or removed
    though the queue has none (it has its default); any other key must be there (409)."""
    patched = dict(metadata)
    for change in changes:
        if change.op == "add":
            patched[change.key] = change.value
        elif change.op == "replace":
            if change.key not in patched and change.key not in reserved:
                raise Conflict(f"Can't replace non-existent object {change.key}.")
            patched[change.key] = change.value
        elif change.key in patched:
            del patched[change.key]
        elif change.key not in reserved:
            raise Conflict(f"Can't remove non-existent object {change.key}.")
    return patched
