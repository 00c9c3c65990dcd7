"""Knowing when an HTTP/1.1 request has fully arrived, without a thread waiting for it.

The gunicorn worker (``gunicorn_server.py``) reads each request into a ``RequestBuffer`` from
its event loop and hands the connection to a thread only once ``feed`` says the request is
all there. The buffer never judges a request: anything it cannot frame with certainty (a
malformed length, a head over the limits) is handed over at once, and gunicorn's own parser
answers it exactly as it would have.
"""

from __future__ import annotations

import enum

HEAD_END = b"\r\n\r\n"


class Stage(enum.Enum):
    HEAD = "request headers"
    BODY = "request body"


class RequestBuffer:
    """The bytes of one request as they arrive.

    ``max_line`` and ``max_head`` bound what is buffered before the head ends (past them
    gunicorn answers 414 or 431); a body longer than ``max_body`` is handed over at the end
    of the head (every route refuses such a body by its Content-Length, unread).
    """

    __slots__ = (
        "data",
        "max_line",
        "max_head",
        "max_body",
        "stage",
        "expects_continue",
        "_head_end",
        "_body_length",
        "_chunk_at",
        "_scanned",
    )

    def __init__(self, max_line: int, max_head: int, max_body: int) -> None:
        self.data = bytearray()
        self.max_line = max_line
        self.max_head = max_head
        self.max_body = max_body
        self.stage = Stage.HEAD
        #: The client waits for "100 Continue" before it sends the body.
        self.expects_continue = False
        self._head_end = -1
        self._body_length: int | None = None  # None: chunked
        self._chunk_at = 0
        self._scanned = 0

    def feed(self, chunk: bytes) -> bool:
        """Add ``chunk``; True once the request can be handed to the parser."""
        self.data += chunk
        if self.stage is Stage.HEAD:
            found = self.data.find(HEAD_END, max(0, self._scanned - 3))
            if found < 0:
                self._scanned = len(self.data)
                return self._head_too_long()
            self._head_end = found + len(HEAD_END)
            if not self._read_head():
                return True
            self.stage = Stage.BODY
        return self._body_complete()

    def _head_too_long(self) -> bool:
        if len(self.data) > self.max_head:
            return True
        # No end of the request line yet, and already longer than one may be.
        return len(self.data) > self.max_line + 2 and b"\r\n" not in self.data

    def _read_head(self) -> bool:
        """Learn the body's framing from the head; False to hand over now."""
        # PERF: a search of the lowered head, not a parse of every field: most requests
        # carry none of these three fields, and this runs for every request.
        head = bytes(self.data[: self._head_end]).lower()
        if b"\r\nexpect:" in head:
            self.expects_continue = _field(head, b"\r\nexpect:") == b"100-continue"
        lengths = _fields(head, b"\r\ncontent-length:")
        if b"\r\ntransfer-encoding:" in head:
            encodings = _fields(head, b"\r\ntransfer-encoding:")
            if any(b"chunked" in value for value in encodings):
                if lengths:
                    return False  # both framings: the parser refuses it
                self._body_length = None
                self._chunk_at = self._head_end
                return True
        if len(set(lengths)) > 1:
            return False
        text = lengths[0] if lengths else b"0"
        if not text.isdigit() or len(text) > 18:
            return False
        self._body_length = int(text)
        return self._body_length <= self.max_body

    @property
    def wants_body(self) -> bool:
        """The head is in and a body is still to come."""
        return self.stage is Stage.BODY and not self._body_complete()

    def _body_complete(self) -> bool:
        if self._body_length is not None:
            return len(self.data) >= self._head_end + self._body_length
        return self._chunks_complete()

    def _chunks_complete(self) -> bool:
        """Walk the chunks that have arrived; True at the end of the last one (or when
        the framing cannot be read, so that the parser refuses it)."""
        data = self.data
        while True:
            if len(data) - self._head_end > self.max_body:
                return True
            line_end = data.find(b"\r\n", self._chunk_at)
            if line_end < 0:
                return False
            size_text = bytes(data[self._chunk_at : line_end]).split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                return True
            if size == 0:
                # Trailer fields, then an empty line.
                return data.find(b"\r\n\r\n", line_end) >= 0
            after = line_end + 2 + size + 2
            if len(data) < after:
                return False
            self._chunk_at = after


def _fields(head: bytes, marker: bytes) -> list[bytes]:
    """The values of every field that ``marker`` (``\\r\\nname:``) starts in ``head``."""
    values = []
    at = head.find(marker)
    while at >= 0:
        begin = at + len(marker)
        values.append(head[begin : head.find(b"\r\n", begin)].strip())
        at = head.find(marker, begin)
    return values


def _field(head: bytes, marker: bytes) -> bytes:
    values = _fields(head, marker)
    return values[0] if values else b""
