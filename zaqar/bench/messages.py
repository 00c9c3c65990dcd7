"""The messages producers post: a weighted mix of documents.

A mix file is a JSON list of ``{"weight": <number>, "doc": {"ttl": <int>, "body": <any>}}``
entries, the format of the original ``zaqar-benchmark-messages.json``; each posted message is
drawn at random with those weights. Documents are encoded once, so building a request body is
a join.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _padded(kind: str, size: int) -> dict[str, Any]:
    return {"event": kind, "seq": 0, "data": "x" * size}


#: The built-in mix when no file is given: mostly small events, a few larger documents.
DEFAULT_MIX: list[dict[str, Any]] = [
    {"weight": 0.70, "doc": {"ttl": 300, "body": _padded("small", 64)}},
    {"weight": 0.25, "doc": {"ttl": 300, "body": _padded("medium", 1024)}},
    {"weight": 0.05, "doc": {"ttl": 300, "body": _padded("large", 8192)}},
]


class MixError(ValueError):
    """A message mix that cannot be used."""


@dataclass(frozen=True)
class MessageMix:
    weights: tuple[float, ...]
    #: Each document, JSON-encoded.
    encoded: tuple[bytes, ...]

    @classmethod
    def from_entries(cls, entries: Any) -> MessageMix:
        if not isinstance(entries, list) or not entries:
            raise MixError("a message mix is a non-empty JSON list")
        weights: list[float] = []
        encoded: list[bytes] = []
        for number, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("doc"), dict):
                raise MixError(f"entry {number}: expected {{'weight': w, 'doc': {{...}}}}")
            doc = entry["doc"]
            if not isinstance(doc.get("ttl"), int) or "body" not in doc:
                raise MixError(f"entry {number}: 'doc' needs an integer 'ttl' and a 'body'")
            weight = entry.get("weight", 1)
            if not isinstance(weight, int | float) or weight < 0:
                raise MixError(f"entry {number}: 'weight' must be a number >= 0")
            weights.append(float(weight))
            encoded.append(json.dumps({"ttl": doc["ttl"], "body": doc["body"]}).encode())
        if sum(weights) <= 0:
            raise MixError("the weights add up to zero")
        return cls(tuple(weights), tuple(encoded))

    @classmethod
    def load(cls, path: str | Path | None) -> MessageMix:
        """The mix in ``path``, or the built-in one."""
        if path is None:
            return cls.from_entries(DEFAULT_MIX)
        try:
            entries = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise MixError(f"cannot read {path}: {error}") from error
        return cls.from_entries(entries)

    def post_body(self, rng: random.Random, count: int) -> bytes:
        """A POST body of ``count`` messages drawn from the mix."""
        chosen: Sequence[bytes] = rng.choices(self.encoded, weights=self.weights, k=count)
        return b"[" + b",".join(chosen) + b"]"

    def mean_size(self) -> float:
        total = sum(self.weights)
        return sum(w * len(doc) for w, doc in zip(self.weights, self.encoded, strict=True)) / total
