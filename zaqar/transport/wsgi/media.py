"""Reading JSON request bodies and writing JSON responses."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

import falcon
import orjson

from zaqar.api.errors import BadRequestBody, BodyTooLarge
from zaqar.api.validation import INT64
from zaqar.core import documents


class _TooLarge(ValueError):
    pass


def _checked_int(text: str) -> int:
    value = int(text)
    if not INT64[0] <= value <= INT64[1]:
        raise _TooLarge(text)
    return value


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        # 1e400 parses to infinity, which JSON cannot represent on the way out.
        raise ValueError(text)
    return value


def _reject_constant(name: str) -> NoReturn:
    # NaN and Infinity are not JSON.
    raise ValueError(name)


SizeCheck = Callable[[int], None]


@dataclass(frozen=True)
class BodyRules:
    """How much JSON a route will read: bytes, then nesting depth."""

    #: Bytes of a body on a route without a limit of its own.
    max_size: int
    #: Deepest nesting of arrays and objects, the top level counting as 1.
    max_depth: int

    def size_check(self, limit: int | None) -> tuple[int, SizeCheck]:
        """The byte limit and its check: ``limit`` with its caller's check, else the default."""
        size = self.max_size if limit is None else limit

        def check(length: int) -> None:
            if length > size:
                raise BodyTooLarge(size)

        return size, check

    def read_json(
        self, req: falcon.Request, limit: int | None = None, check: SizeCheck | None = None
    ) -> Any:
        """The request body as a JSON object or array, read within ``limit`` bytes (the
        route's own limit with its own ``check``, else ``max_size``).

        ``check(length)`` raises when ``length`` is over the route's limit; it runs on the
        Content-Length before anything is read, then on the bytes actually read (never more
        than ``limit + 1``). Signed 64-bit integers only; invalid UTF-8, bare scalars, nesting
        deeper than ``max_depth`` and bodies shorter than their Content-Length are refused.
        What the document must hold is the operation's to check.
        """
        size, default_check = self.size_check(limit)
        check = check or default_check
        length = req.content_length
        if length is None:
            raise BadRequestBody("Request body can not be empty")
        check(length)
        raw = req.bounded_stream.read(size + 1)
        check(len(raw))
        if len(raw) < length:
            raise BadRequestBody("The request body is shorter than its Content-Length.")
        document = _parse(raw)
        # PERF: a document cannot nest deeper than it has opening brackets (counting those
        # inside strings too); counting bytes in C spares the walk for nearly every body.
        openers = raw.count(b"[") + raw.count(b"{")
        if openers > self.max_depth and _deeper_than(document, self.max_depth):
            raise BadRequestBody(
                f"The JSON document is nested too deeply. Max depth: {self.max_depth}"
            )
        return document

    def read_object(self, req: falcon.Request) -> dict[str, Any]:
        """The request body, which must be a JSON object, within ``max_size`` bytes."""
        document = self.read_json(req)
        if not isinstance(document, dict):
            raise BadRequestBody("Document type not supported.")
        return document


#: A run of digits as long as the widest signed 64-bit integer's, or longer.
_LONG_DIGITS = re.compile(rb"[0-9]{19}")


def _parse(raw: bytes) -> Any:
    # PERF: orjson parses a body in a quarter to a tenth of the time. It decides alone only
    # what it accepts and what cannot hold an integer out of range: anything it refuses
    # (lone surrogate escapes, invalid UTF-8, deep nesting, infinities, ...) and any body
    # with a 19-digit run goes to the standard library, whose answer is the rule.
    if _LONG_DIGITS.search(raw) is None:
        try:
            document = orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
        else:
            if not isinstance(document, dict | list):
                raise BadRequestBody("Request body could not be parsed.")
            return document
    return _parse_strictly(raw)


def _parse_strictly(raw: bytes) -> Any:
    try:
        document = json.loads(
            raw.decode("utf-8"),
            parse_int=_checked_int,
            parse_float=_finite_float,
            parse_constant=_reject_constant,
        )
    except _TooLarge as error:
        raise BadRequestBody("JSON contains integer that is too large.") from error
    except (ValueError, RecursionError) as error:
        # UnicodeDecodeError is a ValueError; nesting too deep for the parser is a
        # RecursionError, raised before the interpreter's stack is at risk.
        raise BadRequestBody("Request body could not be parsed.") from error
    if not isinstance(document, dict | list):
        raise BadRequestBody("Request body could not be parsed.")
    return document


def _deeper_than(document: Any, max_depth: int) -> bool:
    """Whether arrays and objects nest deeper than ``max_depth`` (walked without recursion)."""
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > max_depth:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def write_json(resp: falcon.Response, document: Any, status: str = falcon.HTTP_200) -> None:
    resp.status = status
    resp.content_type = falcon.MEDIA_JSON
    resp.data = documents.encode(document)
