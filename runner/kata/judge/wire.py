"""The judge's wire format: length-prefixed frames of JSON plus raw bytes, and tensors as bytes.

Both sides use it; only the judge's side must be careful, because the other
side is the learner's process. So every frame is size-capped before it is
read, JSON is the only structure ever parsed, and a tensor is rebuilt from
its raw bytes with a dtype from a fixed list: nothing is ever unpickled.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any

from kata.contract import framing
from kata.contract.typed import typed

HEAD = framing.HEAD
MAX_JSON = 32 * 1024 * 1024
MAX_BLOBS = 256 * 1024 * 1024  # 25x the first course's biggest net

# dtype name -> bytes per element. Anything else is refused.
DTYPES = {
    "float32": 4, "float64": 8, "float16": 2, "bfloat16": 2,
    "int64": 8, "int32": 4, "int16": 2, "int8": 1, "uint8": 1, "bool": 1,
}


CLOSED = framing.CLOSED  # every read that ends early says this first: the judge flags no such end


class WireError(Exception):
    """The other side sent something that is not a well-formed frame, or went away."""


@dataclass(frozen=True)
class Bytes:
    """A tensor's bytes in a frame: its dtype, shape and which blob holds them."""

    dtype: str
    shape: list[int]
    b: int


@dataclass(frozen=True)
class TensorRecord:
    """A shared tensor as the other side describes it (a value, or an update after a message),
    read strictly: `"rg": "false"` is an error, never a tensor that requires grad."""

    id: int
    dtype: str = ""
    shape: list[int] = field(default_factory=list)
    b: int | None = None  # the blob of its new bytes; None: an update that changed no values
    rg: bool = False  # requires grad
    leaf: bool = True
    param: bool = False  # an nn.Parameter
    gen: int = 0  # bumped when the learner's side rebound its storage
    deps: list[dict[str, Any]] = field(default_factory=list)  # the leaves a non-leaf came from (records)
    grad: Bytes | None = None
    keep_grad: bool = False  # its .grad did not change

    @classmethod
    def from_wire(cls, data: Any) -> "TensorRecord":
        try:
            return typed(cls, data)
        except ValueError as exc:
            raise WireError(f"a malformed tensor ({exc})") from None


def send(sock: socket.socket, header: dict, blobs: list | None = None) -> None:
    """One frame. Blobs may be bytes or memoryviews of tensors (sent without a copy)."""
    blobs = [memoryview(b).cast("B") for b in blobs or []]
    header = dict(header, blobs=[b.nbytes for b in blobs])
    sock.sendall(framing.frame_head(header, sum(b.nbytes for b in blobs)))
    for blob in blobs:
        sock.sendall(blob)


def recv(sock: socket.socket) -> tuple[dict, list]:
    """One frame: its JSON header and its blobs (memoryviews of one buffer). Raises WireError if malformed."""
    try:  # both lengths capped before anything more is read; the JSON must be an object
        header, blob_len = framing.read_frame_head(sock, MAX_JSON, MAX_BLOBS)
        sizes = header.get("blobs", [])
        if not isinstance(sizes, list) or not all(type(s) is int and s >= 0 for s in sizes) or sum(sizes) != blob_len:
            raise WireError("a frame's blob sizes do not add up")
        raw = memoryview(framing.read_exactly(sock.recv_into, blob_len)) if blob_len else memoryview(b"")
    except framing.FrameError as exc:
        raise WireError(str(exc)) from None
    blobs, at = [], 0
    for size in sizes:
        blobs.append(raw[at:at + size])
        at += size
    return header, blobs


def tensor_to_bytes(tensor: Any) -> tuple[str, list[int], Any]:
    """A tensor's dtype name, shape and contiguous bytes (CPU), as a buffer to send.

    The buffer is a view of the tensor's memory when it is contiguous, or of a copy;
    it must be sent before the tensor changes. Raises TypeError on other dtypes."""
    import torch

    plain = torch.Tensor.detach(tensor)
    if type(plain) is not torch.Tensor:
        plain = plain.as_subclass(torch.Tensor)
    name = str(plain.dtype).removeprefix("torch.")
    if name not in DTYPES:
        raise TypeError(f"tensors of dtype {plain.dtype} cannot be sent")
    flat = plain.cpu().contiguous().reshape(-1)
    data: Any = memoryview(flat.view(torch.uint8).numpy()) if flat.numel() else b""  # type: ignore[arg-type]
    return name, list(plain.shape), data


def checked_size(dtype: Any, shape: Any, data: Any) -> int:
    """The number of elements of an array of `dtype` and `shape` held in `data`, after checking that they
    fit (no torch needed: a numpy array or scalar is checked the same way). Else WireError."""
    if dtype not in DTYPES:
        raise WireError(f"unknown tensor dtype {dtype!r}")
    if not isinstance(shape, list) or len(shape) > 32 or not all(type(n) is int and n >= 0 for n in shape):
        raise WireError("a tensor's shape is not a list of sizes")
    count = 1
    for n in shape:
        count *= n
    if count * DTYPES[dtype] != memoryview(data).cast("B").nbytes:
        raise WireError("a tensor's bytes do not match its shape")
    return count


def tensor_from_bytes(dtype: Any, shape: Any, data: Any):
    """A fresh, plain torch.Tensor from `data`, after checking that dtype and shape fit it."""
    import torch

    count = checked_size(dtype, shape, data)
    data = memoryview(data).cast("B")
    torch_dtype = getattr(torch, dtype)
    if count == 0:
        return torch.empty(shape, dtype=torch_dtype)
    if data.readonly:
        data = memoryview(bytearray(data))
    return torch.frombuffer(data, dtype=torch_dtype).reshape(shape).clone()


def checksum(tensor: Any) -> int:
    """A CRC of a tensor's bytes, read in place when it is contiguous (no copy)."""
    import zlib

    import torch

    plain = torch.Tensor.detach(tensor)
    if type(plain) is not torch.Tensor:
        plain = plain.as_subclass(torch.Tensor)
    if str(plain.dtype).removeprefix("torch.") not in DTYPES or plain.device.type != "cpu":
        raise TypeError(f"tensors of dtype {plain.dtype} cannot be sent")
    if plain.numel() == 0:
        return 0
    flat = plain.contiguous().reshape(-1)
    return zlib.crc32(memoryview(flat.view(torch.uint8).numpy()))  # type: ignore[arg-type]
