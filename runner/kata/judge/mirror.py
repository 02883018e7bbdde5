"""The judge's half of the shared values: turning check values into data and data into values.

Tensors keep a shared id across the boundary, so the same learner tensor is
always the same object here; the judge's tensors that the learner's code saw
are synced back in place (or rebound, when the learner's side rebound them).
A learner tensor computed with autograd arrives as the output of
`remote_function()`, whose backward asks the learner's process for gradients.

torch is imported only when a tensor, dtype or device crosses: a course whose checks and
learners never touch torch grades without it (~1 CPU-s a grade saves). A check
that passes a tensor has loaded torch itself, so `enc` looks in `sys.modules`.
"""

from __future__ import annotations

import functools
import math
import sys
from typing import TYPE_CHECKING, Any, Protocol

from kata.judge import wire
from kata.judge.handles import Handle, handle_class

if TYPE_CHECKING:
    import torch


class Channel(Protocol):
    """What remote autograd needs of `kata.judge.remote.Channel` (which imports this module)."""

    def backward(self, rid: int, deps: list[torch.Tensor], grad: torch.Tensor) -> list[torch.Tensor | None]: ...


class JudgeValues:
    """Value tables and conversions of one channel (see `kata.judge.remote.Channel`)."""

    def __init__(self) -> None:
        self.tensors: dict[int, torch.Tensor] = {}  # shared id -> the tensor on this side
        self.prints: dict[int, tuple] = {}
        self.gens: dict[int, int] = {}
        self.ids: dict[int, int] = {}  # id(tensor) -> shared id, for tensors made here
        self.handles: dict[int, Handle] = {}
        self.next_id = -1

    # -- values out --------------------------------------------------------------
    def enc(self, value: Any, blobs: list[bytes], depth: int = 0) -> Any:
        if depth > 40:
            raise ValueError("a value nested this deeply cannot be passed to the learner's code")
        if isinstance(value, Handle):
            return {"t": "ref", "id": object.__getattribute__(value, "_rid")}
        if value is None or type(value) in (bool, int, str):
            return value
        if isinstance(value, float):
            number = float(value)
            return number if math.isfinite(number) else {"t": "float", "v": repr(number)}
        if isinstance(value, int):
            return int(value)
        torch = sys.modules.get("torch")  # a value of torch's exists only once torch is loaded
        if torch is not None and isinstance(value, torch.Tensor):
            return self._enc_tensor(value, blobs)
        if isinstance(value, (list, tuple, set, frozenset)):
            tag = "list" if isinstance(value, list) else "tuple" if isinstance(value, tuple) else "set"
            return {"t": tag, "v": [self.enc(v, blobs, depth + 1) for v in value]}
        if isinstance(value, dict):
            return {"t": "dict", "k": [self.enc(k, blobs, depth + 1) for k in value],
                    "v": [self.enc(v, blobs, depth + 1) for v in value.values()]}
        if torch is not None and isinstance(value, torch.dtype):
            return {"t": "dtype", "v": str(value).removeprefix("torch.")}
        if torch is not None and isinstance(value, torch.device):
            return {"t": "device", "v": str(value)}
        if isinstance(value, (bytes, bytearray)):
            blobs.append(bytes(value))
            return {"t": "bytes", "b": len(blobs) - 1}
        numpy = sys.modules.get("numpy")
        if numpy is not None and isinstance(value, numpy.ndarray) and value.dtype.name in wire.DTYPES:
            blobs.append(numpy.ascontiguousarray(value).tobytes())
            return {"t": "nd", "dtype": value.dtype.name, "shape": list(value.shape), "b": len(blobs) - 1}
        if numpy is not None and isinstance(value, numpy.generic):
            if value.dtype.name in wire.DTYPES:  # stays a numpy scalar, as locally (np.float32 is no float)
                blobs.append(value.tobytes())
                return {"t": "nd", "dtype": value.dtype.name, "shape": [], "b": len(blobs) - 1, "scalar": True}
            return self.enc(value.item(), blobs, depth + 1)
        raise TypeError(f"a check cannot pass a {type(value).__name__} to the learner's code in a graded run: "
                        "pass data (tensors, numbers, strings, lists, dicts) or the learner's own objects")

    def _enc_tensor(self, tensor: torch.Tensor, blobs: list[bytes]) -> dict:
        rid = self.ids.get(id(tensor))
        if rid is not None and self.tensors.get(rid) is tensor:
            return {"t": "ref", "id": rid}
        rid, self.next_id = self.next_id, self.next_id - 1
        self.tensors[rid] = tensor
        self.ids[id(tensor)] = rid
        state = self._state(tensor, blobs)
        self.prints[rid] = _fingerprint(tensor)
        import torch  # loaded: the check made this tensor

        return dict(state, t="tensor", id=rid, param=isinstance(tensor, torch.nn.Parameter))

    def _state(self, tensor: torch.Tensor, blobs: list[bytes], before: tuple | None = None) -> dict:
        """A tensor's contents, requires_grad and .grad, each only if changed since `before`."""
        now = _fingerprint(tensor)
        out: dict = {"rg": tensor.requires_grad}
        if before is None or before[0] != now[0]:
            dtype, shape, data = wire.tensor_to_bytes(tensor)
            blobs.append(data)
            out.update(dtype=dtype, shape=shape, b=len(blobs) - 1)
        if before is not None and before[2] == now[2]:
            out["keep_grad"] = True
        else:
            out["grad"] = None
            if tensor.is_leaf and tensor.grad is not None:
                gdtype, gshape, gdata = wire.tensor_to_bytes(tensor.grad)
                blobs.append(gdata)
                out["grad"] = {"dtype": gdtype, "shape": gshape, "b": len(blobs) - 1}
        return out

    def _dirty(self, blobs: list[bytes]) -> list[dict]:
        """Shared tensors that the check changed since they last crossed."""
        updates = []
        for rid, tensor in self.tensors.items():
            now = _fingerprint(tensor)
            before = self.prints.get(rid)
            if now != before:
                rebind = before is not None and now[0][0] != before[0][0]
                updates.append(dict(self._state(tensor, blobs, before), id=rid, rebind=rebind))
                self.prints[rid] = now
        return updates

    # -- values in -------------------------------------------------------------
    def dec(self, value: Any, blobs: list[bytes], depth: int = 0) -> Any:
        if depth > 60:
            raise ValueError("nested too deeply")
        if value is None or type(value) in (bool, int, float, str):
            return value
        if not isinstance(value, dict):
            raise ValueError("an unknown value")
        tag = value["t"]
        if tag in ("list", "tuple", "set"):
            items = [self.dec(v, blobs, depth + 1) for v in value["v"]]
            return items if tag == "list" else tuple(items) if tag == "tuple" else set(items)
        if tag == "dict":
            return {self.dec(k, blobs, depth + 1): self.dec(v, blobs, depth + 1) for k, v in zip(value["k"], value["v"])}
        if tag == "float":
            return float(str(value["v"]))
        if tag == "tensor":
            return self._dec_tensor(value, blobs)
        if tag == "h":
            return self._handle(value)
        if tag == "dtype":
            import torch  # first use here, maybe (see the module's docstring)

            dtype = getattr(torch, str(value["v"]), None)
            if not isinstance(dtype, torch.dtype):
                raise ValueError("an unknown dtype")
            return dtype
        if tag == "device":
            import torch

            return torch.device(str(value["v"]))
        if tag == "bytes":
            return bytes(blobs[value["b"]])
        if tag == "nd":
            import numpy

            if value["dtype"] not in wire.DTYPES:
                raise ValueError("an unknown array dtype")
            wire.checked_size(value["dtype"], value["shape"], blobs[value["b"]])  # numpy only: torch may not be loaded
            if value["dtype"] == "bfloat16":
                raise ValueError("numpy has no bfloat16")
            array = numpy.frombuffer(blobs[value["b"]], dtype=value["dtype"]).reshape(tuple(value["shape"])).copy()
            if "scalar" in value:
                if value["scalar"] is not True or array.shape != ():
                    raise ValueError("a malformed numpy scalar")
                return array[()]
            return array
        raise ValueError(f"an unknown value tag {tag!r}")

    def _dec_tensor(self, value: dict, blobs: list[bytes]) -> torch.Tensor:
        record = wire.TensorRecord.from_wire(value)
        rid = record.id
        if rid in self.tensors:
            self._apply([value], blobs)
            return self.tensors[rid]
        if record.b is None:
            raise ValueError("a new tensor without its bytes")
        import torch  # first use here, maybe (see the module's docstring)

        data = wire.tensor_from_bytes(record.dtype, record.shape, blobs[record.b])
        deps = [self._dec_tensor(d, blobs) for d in record.deps]
        if record.rg and deps and not record.leaf:
            with torch.enable_grad():
                tensor = remote_function().apply(self, rid, [d for d in deps], data, *deps)
        elif record.param:
            tensor = torch.nn.Parameter(data, requires_grad=record.rg)
        else:
            tensor = data.requires_grad_(record.rg and data.is_floating_point())
        self.tensors[rid] = tensor
        self.gens[rid] = record.gen
        self._set_grad(tensor, record.grad, blobs)
        self.prints[rid] = _fingerprint(tensor)
        return tensor

    def _apply(self, updates: Any, blobs: list[bytes]) -> None:
        """The learner's code changed shared tensors: make ours match."""
        if not isinstance(updates, list):
            raise ValueError("sync is not a list")
        for update in map(wire.TensorRecord.from_wire, updates):
            rid = update.id
            tensor = self.tensors.get(rid)
            if tensor is None:
                continue
            import torch  # loaded: a shared tensor exists

            gen = update.gen
            if update.b is not None:
                new = wire.tensor_from_bytes(update.dtype, update.shape, blobs[update.b])
                with torch.no_grad():
                    if gen != self.gens.get(rid, 0) or new.shape != tensor.shape or new.dtype != tensor.dtype:
                        tensor.data = new
                    elif not torch.equal(tensor, new):
                        tensor.copy_(new)
            self.gens[rid] = gen
            if tensor.is_leaf and tensor.requires_grad != update.rg and tensor.is_floating_point():
                tensor.requires_grad_(update.rg)
            if not update.keep_grad:
                self._set_grad(tensor, update.grad, blobs)
            self.prints[rid] = _fingerprint(tensor)

    def _set_grad(self, tensor: torch.Tensor, grad: wire.Bytes | None, blobs: list[bytes]) -> None:
        if not tensor.is_leaf:
            return
        if grad is None:
            if tensor.grad is not None:
                tensor.grad = None
            return
        new = wire.tensor_from_bytes(grad.dtype, grad.shape, blobs[grad.b])
        if not tensor.is_leaf:
            return
        import torch

        with torch.no_grad():
            if tensor.grad is not None and tensor.grad.shape == new.shape and tensor.grad.dtype == new.dtype:
                tensor.grad.copy_(new)
            else:
                tensor.grad = new

    def _handle(self, value: dict) -> Handle:
        rid = value["id"]
        if type(rid) is not int:
            raise ValueError("a handle id is not a number")
        handle = self.handles.get(rid)
        if handle is None:
            module, qualname = (str(part) for part in value.get("cls", ["", ""]))
            handle = handle_class(module, qualname, str(value.get("kind", "object")))._make(self, rid, value)  # type: ignore[arg-type]  # always a Channel
            self.handles[rid] = handle
        return handle


def key_of(tensors: dict[int, torch.Tensor], tensor: torch.Tensor) -> int:
    for rid, known in tensors.items():
        if known is tensor:
            return rid
    raise LookupError("a tensor that never crossed to the learner's process")


def _fingerprint(tensor: torch.Tensor) -> tuple:
    """(contents, requires_grad, grad), cheaply: check code changes tensors through ops that bump `_version`."""
    grad = tensor.grad if tensor.is_leaf else None
    return ((tensor.data_ptr(), tensor._version, tuple(tensor.shape), tensor.dtype), tensor.requires_grad,
            None if grad is None else (id(grad), grad._version, grad.data_ptr()))


@functools.cache
def remote_function() -> Any:
    """The autograd function whose output is a learner's tensor computed with autograd: its backward
    is computed in the learner's process. Made on first use, since it subclasses a torch class."""
    import torch

    class RemoteFunction(torch.autograd.Function):
        @staticmethod
        def forward(ctx, channel: Channel, rid: int, deps: list, data: torch.Tensor, *inputs: torch.Tensor):
            ctx.channel, ctx.rid, ctx.deps = channel, rid, deps
            return data.clone()

        @staticmethod
        def backward(ctx, grad: torch.Tensor):
            grads = ctx.channel.backward(ctx.rid, ctx.deps, grad)
            return (None, None, None, None, *grads)

    return RemoteFunction
