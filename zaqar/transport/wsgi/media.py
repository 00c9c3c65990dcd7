"""Reading JSON request bodies and writing JSON responses."""

from __future__ import annotations

import json
import math
from typing import Any, NoReturn

import falcon

from zaqar.api.errors import BadRequestBody
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


def read_json(req: falcon.Request) -> Any:
    """The request body as a JSON object or array.

    Signed 64-bit integers only; invalid UTF-8, bare scalars and nesting too deep for the
    parser all count as unparseable.
    """
    if req.content_length is None:
        raise BadRequestBody("Request body can not be empty")
    raw = req.bounded_stream.read()
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
        raise BadRequestBody("Request body could not be parsed.") from error
    if not isinstance(document, dict | list):
        raise BadRequestBody("Request body could not be parsed.")
    return document


def read_object(req: falcon.Request) -> dict[str, Any]:
    document = read_json(req)
    if not isinstance(document, dict):
        raise BadRequestBody("Document type not supported.")
    return document


def read_array(req: falcon.Request) -> list[Any]:
    document = read_json(req)
    if not isinstance(document, list):
        raise BadRequestBody("Document type not supported.")
    return document


def write_json(resp: falcon.Response, document: Any, status: str = falcon.HTTP_200) -> None:
    resp.status = status
    resp.content_type = falcon.MEDIA_JSON
    resp.data = documents.dumps(document).encode("utf-8")
