"""kata.contract.framing: the one framing of every pipe and socket, on torn, oversized, invalid and
wrongly typed messages and at end of file."""

from __future__ import annotations

import dataclasses
import os
import socket
import time

import pytest

from kata.contract import framing
from kata.contract.framing import Closed, FrameError


@dataclasses.dataclass(frozen=True)
class Ping:
    n: int
    ok: bool = False


def test_a_line_round_trips_through_the_strict_decoder():
    data = framing.line({"n": 3, "ok": True})
    assert data.startswith(b"\n") and data.endswith(b"\n")
    assert framing.read_line(data.strip(), Ping) == Ping(3, True)


@pytest.mark.parametrize("data, why", [
    (b'{"n": "3"}', "Ping"), (b'{"n": 3, "ok": "false"}', "Ping"), (b'{"ok": true}', "Ping"),
    (b"[1, 2]", "not a JSON object"), (b'{"n": 3', "not JSON"), (b"\xff\xfe", "not JSON"),
    (b"[" * 100000, "not JSON"),
])
def test_a_wrong_type_or_invalid_json_is_an_error_never_a_coercion(data, why):
    with pytest.raises(FrameError, match=why):
        framing.read_line(data, Ping)


def test_the_splitter_ends_half_lines_skips_blank_ones_and_caps_lines():
    splitter = framing.LineSplitter(cap=16)
    assert splitter.feed(b'garbage-half') == []
    assert splitter.torn
    assert splitter.feed(framing.line({"n": 1})) == [b"garbage-half", b'{"n":1}']
    assert not splitter.torn
    with pytest.raises(FrameError, match="over 16 bytes"):
        splitter.feed(b"x" * 17)
    dropping = framing.LineSplitter(cap=16, drop_oversized=True)
    assert dropping.feed(b"y" * 40) == []
    assert dropping.feed(b"y" * 40 + b'\n{"n":2}\n') == [b'{"n":2}']
    assert dropping.feed(b"z" * 20 + b'\n{"n":3}\n') == [b'{"n":3}']


def _pair():
    a, b = socket.socketpair()
    return a, b


def test_socket_lines_eof_torn_oversized_and_timeout():
    a, b = _pair()
    lines = framing.SocketLines(b, cap=64)
    a.sendall(framing.line({"n": 1}) + framing.line({"n": 2}))
    assert lines.read(time.monotonic() + 5) == {"n": 1}
    assert lines.read(time.monotonic() + 5) == {"n": 2}
    with pytest.raises(FrameError, match="no answer in time"):
        lines.read(time.monotonic() + 0.05)
    a.sendall(b'{"n": 3')
    a.close()
    with pytest.raises(FrameError, match="middle of a message") as torn:
        lines.read(time.monotonic() + 5)
    assert not isinstance(torn.value, Closed)
    b.close()

    a, b = _pair()
    a.close()
    with pytest.raises(Closed):
        framing.SocketLines(b, cap=64).read(time.monotonic() + 5)
    b.close()

    a, b = _pair()
    a.sendall(b"x" * 100)
    with pytest.raises(FrameError, match="over 64 bytes"):
        framing.SocketLines(b, cap=64).read(time.monotonic() + 5)
    a.close(), b.close()


def test_read_to_eof_is_capped():
    r, w = os.pipe()
    os.write(w, b"x" * 100)
    os.close(w)
    with pytest.raises(FrameError, match="over 50 bytes"):
        framing.read_to_eof(r, 50)
    os.close(r)
    r, w = os.pipe()
    os.write(w, framing.line({"n": 1}))
    os.close(w)
    assert framing.read_line(framing.read_to_eof(r, 50), Ping) == Ping(1)
    os.close(r)


def test_frames_eof_torn_oversized_and_invalid():
    a, b = _pair()
    a.sendall(framing.frame_head({"op": "x"}))
    assert framing.read_frame_head(b, 100, 0) == ({"op": "x"}, 0)
    a.sendall(framing.HEAD.pack(1000, 0))
    with pytest.raises(FrameError, match="over the limit"):
        framing.read_frame_head(b, 100, 0)
    a.sendall(framing.HEAD.pack(0, 10**6))
    with pytest.raises(FrameError, match="over the limit"):
        framing.read_frame_head(b, 100, 100)
    a.sendall(framing.HEAD.pack(3, 0) + b"[1]")
    with pytest.raises(FrameError, match="not a JSON object"):
        framing.read_frame_head(b, 100, 0)
    a.sendall(framing.HEAD.pack(10, 0) + b'{"op"')
    a.close()
    with pytest.raises(FrameError, match="middle of a frame") as torn:
        framing.read_frame_head(b, 100, 0)
    assert not isinstance(torn.value, Closed)
    assert str(torn.value).startswith(framing.CLOSED)  # the judge flags no closed connection as forgery
    b.close()

    a, b = _pair()
    a.sendall(b"\x00\x00")  # half a header
    a.close()
    with pytest.raises(FrameError, match="middle of a frame"):
        framing.read_frame_head(b, 100, 0)
    b.close()

    a, b = _pair()
    a.close()
    with pytest.raises(Closed):
        framing.read_frame_head(b, 100, 0)
    b.close()
