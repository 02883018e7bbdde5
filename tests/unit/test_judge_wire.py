"""The judge's wire format: what crosses between the learner's process and the trusted judge."""

import socket
import struct

import pytest
import torch

from kata.judge import wire


def _pair():
    return socket.socketpair()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64, torch.bool, torch.bfloat16, torch.uint8])
def test_tensors_round_trip_through_bytes(dtype):
    original = (torch.arange(12).reshape(3, 4) % 3).to(dtype)
    name, shape, data = wire.tensor_to_bytes(original.t())  # not contiguous: sent as a contiguous copy
    back = wire.tensor_from_bytes(name, shape, data)
    assert type(back) is torch.Tensor and back.dtype == dtype
    assert torch.equal(back, original.t())


def test_a_tensor_subclass_arrives_as_a_plain_tensor():
    class Sneaky(torch.Tensor):
        pass

    name, shape, data = wire.tensor_to_bytes(torch.ones(2).as_subclass(Sneaky))
    assert type(wire.tensor_from_bytes(name, shape, data)) is torch.Tensor


def test_unknown_dtypes_and_mismatched_sizes_are_refused():
    with pytest.raises(wire.WireError):
        wire.tensor_from_bytes("object", [1], b"\0" * 8)
    with pytest.raises(wire.WireError):
        wire.tensor_from_bytes("float32", [3], b"\0" * 8)
    with pytest.raises(wire.WireError):
        wire.tensor_from_bytes("float32", [-1], b"")
    with pytest.raises(TypeError):
        wire.tensor_to_bytes(torch.zeros(2, dtype=torch.complex64))


def test_frames_carry_json_and_blobs():
    a, b = _pair()
    wire.send(a, {"op": "x", "n": [1, 2]}, [b"abc", memoryview(torch.arange(3, dtype=torch.int32).numpy())])
    header, blobs = wire.recv(b)
    assert header["op"] == "x" and header["n"] == [1, 2]
    assert bytes(blobs[0]) == b"abc" and len(bytes(blobs[1])) == 12


def test_oversized_and_malformed_frames_are_refused_before_reading():
    a, b = _pair()
    a.sendall(wire.HEAD.pack(wire.MAX_JSON + 1, 0))
    with pytest.raises(wire.WireError):
        wire.recv(b)
    a, b = _pair()
    a.sendall(wire.HEAD.pack(5, 0) + b"[1,2]")
    with pytest.raises(wire.WireError):
        wire.recv(b)
    a, b = _pair()
    deep = b"[" * 100_000 + b"]" * 100_000
    a.sendall(wire.HEAD.pack(len(deep), 0))
    a.sendall(deep)
    with pytest.raises(wire.WireError):
        wire.recv(b)
    a, b = _pair()
    body = b'{"blobs":[4]}'
    a.sendall(wire.HEAD.pack(len(body), 3) + body + b"abc")
    with pytest.raises(wire.WireError):
        wire.recv(b)


def test_a_closed_peer_is_a_wire_error():
    a, b = _pair()
    a.sendall(struct.pack("!I", 7))
    a.close()
    with pytest.raises(wire.WireError):
        wire.recv(b)
