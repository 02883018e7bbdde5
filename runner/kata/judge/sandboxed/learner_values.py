"""The learner's half of the shared values: learner values into data, the judge's data into values.

Runs next to untrusted code, so nothing here is trusted by the judge. Objects
that are not data stay here as numbered handles; tensors cross as copies that
keep a shared id, and a change on either side (in place, `.data`, `.grad`) is
sent to the other with the next message.
"""

from __future__ import annotations

import math
import sys
import types
from typing import Any

from kata.judge import wire
from kata.judge.sandboxed.tensor_prints import _cheap, _fingerprint, _watch_untracked_writes

MAX_DEPTH = 40


class LearnerValues:
    """Handle and tensor tables of one learner process, and the conversions both ways."""

    def __init__(self) -> None:
        self.objects: dict[int, Any] = {}
        self.ids: dict[int, int] = {}  # id(obj) -> handle id
        self.prints: dict[int, tuple] = {}  # tensor handle id -> fingerprint last sent or received
        self.gens: dict[int, int] = {}  # tensor handle id -> storage generation (bumped on `.data =`)
        self.ptrs: dict[int, int] = {}
        self.next_id = 1
        self.acked: set[int] = set()  # tensors whose contents the judge holds (sent in a delivered reply)
        self.cheap: dict[int, tuple] = {}  # tensor handle id -> _cheap() when its fingerprint was taken
        self.touched: set[int] = set()  # id()s of tensors whose memory was handed out (.data, .numpy())
        _watch_untracked_writes(self.touched)
        self.sending: set[int] = set()  # tensors sent in the reply being built

    def forget(self) -> None:
        """A new step loads the module afresh: nothing of the last one is shared any more."""
        for table in (self.objects, self.ids, self.prints, self.gens, self.ptrs, self.cheap):
            table.clear()
        for seen in (self.acked, self.touched):
            seen.clear()

    # -- ids ---------------------------------------------------------------
    def _register(self, obj: Any, rid: int | None = None) -> int:
        key = id(obj)
        if key in self.ids:
            return self.ids[key]
        if rid is None:
            rid, self.next_id = self.next_id, self.next_id + 1
        self.objects[rid] = obj
        self.ids[key] = rid
        return rid

    # -- learner values -> data ---------------------------------------------
    def enc(self, value: Any, blobs: list[bytes], depth: int = 0) -> Any:
        torch = sys.modules.get("torch")  # never imported here for a course that does not use it
        if depth > MAX_DEPTH:
            raise ValueError("the value is nested too deeply to send")
        kind = type(value)
        if value is None or kind in (bool, str):
            return value
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, int):
            return int.__int__(value)
        if isinstance(value, float):
            number = float.__float__(value)
            return number if math.isfinite(number) else {"t": "float", "v": repr(number)}
        if isinstance(value, str):
            return str.__str__(value)
        if torch is not None and isinstance(value, torch.Tensor):
            return self.enc_tensor(value, blobs)
        if isinstance(value, (list, tuple, set, frozenset)):
            tag = "list" if isinstance(value, list) else "tuple" if isinstance(value, tuple) else "set"
            items = list(value)
            if len(items) > 100_000:
                raise ValueError("the list is too long to send")
            return {"t": tag, "v": [self.enc(v, blobs, depth + 1) for v in items]}
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
        return self.enc_handle(value)

    def enc_handle(self, value: Any) -> dict:
        cls = type(value)
        kind = ("module" if isinstance(value, types.ModuleType) else "class" if isinstance(value, type)
                else "function" if callable(value) else "object")
        return {"t": "h", "id": self._register(value), "kind": kind,
                "cls": [getattr(cls, "__module__", "") or "", getattr(cls, "__qualname__", "") or ""],
                "name": str(getattr(value, "__name__", "")) if kind != "object" else ""}

    def enc_tensor(self, tensor: Any, blobs: list[bytes], with_deps: bool = True) -> dict:
        import torch

        rid = self._register(tensor)
        known = rid in self.acked
        plain = tensor if type(tensor) is torch.Tensor else torch.Tensor.as_subclass(tensor, torch.Tensor)
        out = self._state(rid, plain, blobs, self.prints.get(rid) if known else None)
        out.update(t="tensor", id=rid, param=isinstance(tensor, torch.nn.Parameter), leaf=plain.is_leaf)
        if with_deps and plain.requires_grad and not plain.is_leaf:
            out["deps"] = [self.enc_tensor(leaf, blobs, with_deps=False) for leaf in _leaves(plain)]
        return out

    def _state(self, rid: int, plain: Any, blobs: list[bytes], before: tuple | None = None) -> dict:
        """A tensor's contents, requires_grad and .grad (each only if changed since `before`); remembered as sent."""
        now = _fingerprint(plain)
        self.cheap[rid] = _cheap(plain)
        ptr = plain.data_ptr()
        if rid in self.ptrs and self.ptrs[rid] != ptr:
            self.gens[rid] = self.gens.get(rid, 0) + 1
        self.ptrs[rid] = ptr
        self.prints[rid] = now
        self.sending.add(rid)
        out: dict = {"rg": plain.requires_grad, "gen": self.gens.get(rid, 0)}
        if before is None or before[0] != now[0]:
            dtype, shape, data = wire.tensor_to_bytes(plain)
            blobs.append(data)
            out.update(dtype=dtype, shape=shape, b=len(blobs) - 1)
        if before is not None and before[2] == now[2]:
            out["keep_grad"] = True
        else:
            grad = plain.grad if plain.is_leaf else None
            out["grad"] = None
            if grad is not None:
                gdtype, gshape, gdata = wire.tensor_to_bytes(grad)
                blobs.append(gdata)
                out["grad"] = {"dtype": gdtype, "shape": gshape, "b": len(blobs) - 1}
        return out

    def changes(self, blobs: list[bytes]) -> list[dict]:
        """Every shared tensor that the learner's code changed since it was last sent or received."""
        if not self.prints:
            return []
        import torch

        out = []
        for rid, before in list(self.prints.items()):
            tensor = self.objects.get(rid)
            if tensor is None:
                continue
            plain = tensor if type(tensor) is torch.Tensor else torch.Tensor.as_subclass(tensor, torch.Tensor)
            cheap = _cheap(plain)
            if cheap == self.cheap.get(rid) and not self.touched.intersection((id(tensor), id(plain), id(plain.grad))):
                continue  # no in-place op (those bump _version), no rebinding, no memory handed out
            try:
                now = _fingerprint(plain)
            except (TypeError, RuntimeError):
                continue
            self.cheap[rid] = cheap
            if now != before:
                out.append(dict(self._state(rid, plain, blobs, before), id=rid))
        self.touched.clear()
        return out

    # -- judge data -> values -----------------------------------------------
    def dec(self, value: Any, blobs: list[bytes]) -> Any:
        if not isinstance(value, dict):
            return value
        tag = value["t"]
        if tag in ("dtype", "device", "tensor"):
            import torch
        if tag in ("list", "tuple", "set"):
            items = [self.dec(v, blobs) for v in value["v"]]
            return items if tag == "list" else tuple(items) if tag == "tuple" else set(items)
        if tag == "dict":
            return {self.dec(k, blobs): self.dec(v, blobs) for k, v in zip(value["k"], value["v"])}
        if tag == "ref":
            return self.objects[value["id"]]
        if tag == "float":
            return float(value["v"])
        if tag == "dtype":
            return getattr(torch, value["v"])
        if tag == "device":
            return torch.device(value["v"])
        if tag == "bytes":
            return bytes(blobs[value["b"]])
        if tag == "nd":
            import numpy

            array = numpy.frombuffer(blobs[value["b"]], dtype=value["dtype"]).reshape(value["shape"]).copy()
            return array[()] if value.get("scalar") is True else array
        if tag == "tensor":
            tensor = wire.tensor_from_bytes(value["dtype"], value["shape"], blobs[value["b"]])
            if value.get("param"):
                tensor = torch.nn.Parameter(tensor, requires_grad=bool(value["rg"]))
            elif value["rg"]:
                tensor.requires_grad_(True)
            self._register(tensor, value["id"])
            self._apply_grad(tensor, value.get("grad"), blobs)
            self._remember(value["id"], tensor)
            return tensor
        raise ValueError(f"unknown value tag {tag!r}")

    def _apply_grad(self, tensor: Any, grad: dict | None, blobs: list[bytes]) -> None:
        import torch

        with torch.no_grad():
            tensor.grad = None if grad is None else wire.tensor_from_bytes(grad["dtype"], grad["shape"], blobs[grad["b"]])

    def _remember(self, rid: int, tensor: Any) -> None:
        import torch

        plain = tensor if type(tensor) is torch.Tensor else torch.Tensor.as_subclass(tensor, torch.Tensor)
        self.ptrs[rid] = plain.data_ptr()
        self.prints[rid] = _fingerprint(plain)
        self.cheap[rid] = _cheap(plain)

    def apply_sync(self, updates: list[dict], blobs: list[bytes]) -> None:
        """The judge changed shared tensors: make ours match, in place where the storage is the same."""
        if not updates:
            return
        import torch

        for update in updates:
            tensor = self.objects.get(update["id"])
            if not isinstance(tensor, torch.Tensor):
                continue
            if "b" in update:
                new = wire.tensor_from_bytes(update["dtype"], update["shape"], blobs[update["b"]])
                with torch.no_grad():
                    if update.get("rebind") or new.shape != tensor.shape or new.dtype != tensor.dtype:
                        tensor.data = new
                    else:
                        tensor.copy_(new)
            if tensor.is_leaf and tensor.requires_grad != bool(update["rg"]) and tensor.is_floating_point():
                tensor.requires_grad_(bool(update["rg"]))
            if not update.get("keep_grad") and tensor.is_leaf:
                self._apply_grad(tensor, update.get("grad"), blobs)
            self._remember(update["id"], tensor)


def _leaves(tensor: Any) -> list:
    """The leaf tensors that `tensor`'s autograd graph reaches, each once, in a fixed order."""
    seen, found, stack = set(), [], [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        variable = getattr(node, "variable", None)
        if variable is not None:
            found.append(variable)
            continue
        stack.extend(fn for fn, _ in reversed(node.next_functions))
    return found
