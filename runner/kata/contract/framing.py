"""The one framing of every pipe and socket between kata's processes: how one message is written and read.

Two framings, both here and nowhere else:

- **A line**: one JSON object on a line of its own. It is written with a newline before it as well
  as after (`line`), so a half line someone else left in the pipe (learner code writing to an
  inherited fd, a stray print) ends there and can never glue onto it; blank lines are skipped.
  Used by the worker's stdin and stdout, the daemon's socket, the events pipe and the standby's go
  pipe (one line, then end of file).
- **A frame**: a header of two lengths, JSON then raw bytes (`HEAD`), then the JSON object, then
  the bytes. Used by the judge (`kata.judge.wire` adds its blobs), whose other end runs learner code.

Every read is size-capped before the bytes are kept, and fails with `FrameError` naming why: the
other end closed mid-message (torn), or at its start (`CLOSED`, end of file), the message is over
its cap (oversized), is not JSON or not an object (invalid), or, read as a record, a field has the
wrong type (`decode`, through the strict decoder `kata.contract.typed`: never a coercion).
Standard library only.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import time
from typing import Any, Callable, TypeVar

from kata.contract.typed import typed

T = TypeVar("T")

HEAD = struct.Struct("!II")  # a frame's JSON length, then its raw bytes' length
CLOSED = "the other side closed the connection"


class FrameError(ValueError):
    """A message that could not be read: torn, oversized, not a JSON object, of the wrong type, or EOF."""


class Closed(FrameError):
    """End of file where a message would start: the other side is gone (nothing was torn)."""

    def __init__(self, message: str = CLOSED) -> None:
        super().__init__(message)


# --- one message -------------------------------------------------------------------------------

def line(message: dict[str, Any]) -> bytes:
    """`message` as a line: a newline, its JSON, a newline (the first ends any half line before it)."""
    return b"\n" + json.dumps(message, separators=(",", ":")).encode() + b"\n"


def parse(data: bytes | bytearray | str) -> dict[str, Any]:
    """One message's JSON: an object, or FrameError."""
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise FrameError(f"a message that is not JSON ({exc.__class__.__name__})") from None
    if not isinstance(value, dict):
        raise FrameError("a message that is not a JSON object")
    return value


def decode(cls: type[T], data: Any) -> T:
    """Parsed JSON as the dataclass `cls`, strictly (kata.contract.typed); FrameError if a field is wrong."""
    try:
        return typed(cls, data)
    except ValueError as exc:
        raise FrameError(f"a malformed {cls.__name__} ({exc})") from None


def read_line(data: bytes | bytearray | str, cls: type[T]) -> T:
    """One line's message as `cls`."""
    return decode(cls, parse(data))


# --- lines from a stream -------------------------------------------------------------------------

class LineSplitter:
    """Splits a stream fed in chunks into its non-empty lines, none over `cap` bytes.

    `drop_oversized`: an over-long line is dropped up to its end and the stream goes on (the events
    pipe: a child must not fill the worker's memory, nor end the run by it); otherwise FrameError."""

    def __init__(self, cap: int, drop_oversized: bool = False) -> None:
        self.cap = cap
        self.drop_oversized = drop_oversized
        self.pending = bytearray()
        self.skipping = False  # inside an over-long line: drop up to its end

    def feed(self, data: bytes) -> list[bytes]:
        """The lines `data` completes (blank ones left out). Each byte is scanned once."""
        lines = []
        at = 0
        while (end := data.find(b"\n", at)) >= 0:
            piece, at = data[at:end], end + 1
            if self.skipping:  # the end of a dropped line
                self.skipping = False
                continue
            self.pending += piece
            one = bytes(self.pending)
            self.pending.clear()
            if len(one) > self.cap:
                self._oversized()
            elif one.strip():
                lines.append(one)
        if not self.skipping:
            self.pending += data[at:]
            if len(self.pending) > self.cap:
                self.pending.clear()
                self._oversized()
                self.skipping = True
        return lines

    def _oversized(self) -> None:
        if not self.drop_oversized:
            raise FrameError(f"a line over {self.cap} bytes")

    @property
    def torn(self) -> bool:
        """Whether a line was begun and not ended (at end of file: a torn message)."""
        return self.skipping or bool(self.pending.strip())


class SocketLines:
    """Lines from a socket, each read bounded by a deadline on the monotonic clock and a size cap."""

    def __init__(self, sock: socket.socket, cap: int) -> None:
        self.sock = sock
        self.splitter = LineSplitter(cap)
        self.ready: list[bytes] = []

    def read(self, deadline: float) -> dict[str, Any]:
        """The next non-empty line, parsed; FrameError on end of file (Closed), a torn line, a
        timeout, an overlong line or garbage."""
        while not self.ready:
            left = deadline - time.monotonic()
            if left <= 0:
                raise FrameError("no answer in time")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(1 << 16)
            except socket.timeout:
                raise FrameError("no answer in time") from None
            except OSError as exc:
                raise FrameError(f"the connection broke: {exc}") from None
            if not chunk:
                if self.splitter.torn:
                    raise FrameError("the other side closed the connection in the middle of a message")
                raise Closed()
            self.ready = self.splitter.feed(chunk)
        return parse(self.ready.pop(0))


def read_to_eof(fd: int, cap: int) -> bytes:
    """Everything a pipe holds until its writer closes it (one message), at most `cap` bytes."""
    data = bytearray()
    while chunk := os.read(fd, 65536):
        data += chunk
        if len(data) > cap:
            raise FrameError(f"a message over {cap} bytes")
    return bytes(data)


# --- frames (length-prefixed) -------------------------------------------------------------------

def frame_head(header: dict[str, Any], blob_bytes: int = 0) -> bytes:
    """A frame's lengths and JSON; its `blob_bytes` raw bytes are sent after."""
    data = json.dumps(header, separators=(",", ":")).encode()
    return HEAD.pack(len(data), blob_bytes) + data


def read_exactly(recv_into: Callable[[memoryview, int], int], size: int, started: bool = True) -> bytearray:
    """`size` bytes from a socket's `recv_into`; FrameError if it ends first (Closed when nothing of
    the message had come yet, `started=False`)."""
    buf = bytearray(size)
    view = memoryview(buf)
    got = 0
    while got < size:
        n = recv_into(view[got:], size - got)
        if n == 0:
            if got == 0 and not started:
                raise Closed()
            raise FrameError("the other side closed the connection in the middle of a frame")
        got += n
    return buf


def read_frame_head(sock: socket.socket, max_json: int, max_blobs: int) -> tuple[dict[str, Any], int]:
    """A frame's JSON object and how many raw bytes follow it; FrameError if either is over its cap
    (checked before anything more is read), the JSON is invalid, or the frame is torn."""
    json_len, blob_len = HEAD.unpack(read_exactly(sock.recv_into, HEAD.size, started=False))
    if json_len > max_json or blob_len > max_blobs:
        raise FrameError(f"a frame of {json_len + blob_len} bytes is over the limit")
    return parse(read_exactly(sock.recv_into, json_len)), blob_len
