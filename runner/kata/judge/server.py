"""The learner's side of the judge: runs the learner's module and answers the judge's requests.

Everything here runs inside the sandbox, next to untrusted code, so nothing
here is trusted by the judge: it only ever turns the learner's values into
data (JSON plus raw tensor bytes) and the judge's data back into values.

Objects that are not data (functions, classes, instances, modules) stay here
and cross as numbered handles. Tensors cross as copies that keep a shared id,
so a tensor that goes out and comes back is the same object on each side, and
a change made on either side (in place, `.data`, `.grad`) is sent to the other
with the next message. The random generators travel with every call, so the
judge and the learner draw from one stream, as if they shared a process.
"""

from __future__ import annotations

import io
import linecache
import math
import socket
import sys
import traceback
import types
import zlib
from typing import Any

from kata.judge import wire

MAX_OUT = 64 * 1024
MAX_DEPTH = 40
RUNS_CODE = {"load", "call", "iter", "backward", "getattr", "setattr", "typecheck", "typechecked", "define", "deepcopy"}


class _Capped(io.StringIO):
    """A print target that keeps at most MAX_OUT characters and counts the rest."""

    dropped = 0

    def write(self, text: str) -> int:
        room = MAX_OUT - self.tell()
        if room > 0:
            super().write(text[:room])
        self.dropped += max(len(text) - max(room, 0), 0)
        return len(text)


class Server:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.objects: dict[int, Any] = {}
        self.ids: dict[int, int] = {}  # id(obj) -> handle id
        self.prints: dict[int, tuple] = {}  # tensor handle id -> fingerprint last sent or received
        self.gens: dict[int, int] = {}  # tensor handle id -> storage generation (bumped on `.data =`)
        self.ptrs: dict[int, int] = {}
        self.next_id = 1
        self.module: types.ModuleType | None = None
        self.limit: Any = None  # applies the run's limits; called once, before any learner code runs
        self.rng_seen: tuple | None = None  # the generators' state as the judge last knows it
        self.imports: list[str] = []  # heavy libraries the learner's file imports (for the worker to preload)
        self.acked: set[int] = set()  # tensors whose contents the judge holds (sent in a delivered reply)
        self.cheap: dict[int, tuple] = {}  # tensor handle id -> _cheap() when its fingerprint was taken
        self.touched: set[int] = set()  # id()s of tensors whose memory was handed out (.data, .numpy())
        _watch_untracked_writes(self.touched)
        self.sending: set[int] = set()  # tensors sent in the reply being built

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

            return numpy.frombuffer(blobs[value["b"]], dtype=value["dtype"]).reshape(value["shape"]).copy()
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

    # -- the loop -------------------------------------------------------------
    def serve(self) -> None:
        while True:
            try:
                request, blobs = wire.recv(self.sock)
            except (wire.WireError, OSError):
                return
            reply_blobs: list[bytes] = []
            self.sending = set()
            reply = self.handle(request, blobs, reply_blobs)
            try:
                wire.send(self.sock, reply, reply_blobs)
            except OSError:
                return
            if "error" not in reply or "sync" in reply:
                self.acked |= self.sending

    def handle(self, request: dict, blobs: list[bytes], out_blobs: list[bytes]) -> dict:
        import contextlib

        from kata.judge import ops, rng

        torch = sys.modules.get("torch")

        op = request.get("op")
        if self.limit is not None:
            if op == "load":
                self.imports = preload_imports(str(request.get("source", "")))
            self.limit, limit = None, self.limit
            limit()
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err = _Capped(), _Capped()
        reply: dict = {}
        quiet = False
        try:
            self.apply_sync(request.get("sync", []), blobs)
            if "rng" in request:
                self.rng_seen = rng.restore(request["rng"], blobs)
            quiet = op == "getattr" and _plain_attribute(self.objects.get(request.get("obj")), str(request.get("name")))
            grad_mode = torch.set_grad_enabled(bool(request.get("grad", True))) if torch else contextlib.nullcontext()
            with grad_mode:
                value = ops.run(self, op, request, blobs)
            reply["value"] = self.enc(value, out_blobs)
        except BaseException as exc:  # the learner's code may raise anything, even SystemExit
            self.sending.clear()  # a value half encoded never reaches the judge
            reply = {"error": describe(exc, self.module)}
        finally:
            sys.stdout, sys.stderr = saved
        try:
            if op in RUNS_CODE and not (quiet and "error" not in reply):
                reply["sync"] = self.changes(out_blobs)
                now = rng.snapshot()
                if now != self.rng_seen:
                    reply["rng"] = rng.encode(now, out_blobs)
                    self.rng_seen = now
        except BaseException as exc:
            reply = {"error": describe(exc, self.module)}
        reply["out"], reply["err"] = _text(out), _text(err)
        if op == "load" and self.imports:
            reply["imports"] = self.imports
        return reply


def _plain_attribute(obj: Any, name: str) -> bool:
    """Whether reading `obj.name` runs no Python code of the learner's (no property, no __getattr__)."""
    import inspect

    if obj is None or type(type(obj)).__getattribute__ is not type.__getattribute__:
        return False
    if type(obj).__getattribute__ not in (object.__getattribute__, types.ModuleType.__getattribute__,
                                          type.__getattribute__):
        return False
    try:
        found = inspect.getattr_static(obj, name)
    except AttributeError:
        return False
    if isinstance(found, (types.FunctionType, staticmethod, classmethod, types.BuiltinFunctionType)):
        return True
    return not hasattr(type(found), "__get__")


def _text(stream: _Capped) -> str:
    text = stream.getvalue()
    return text + (f"\n… output cut: {stream.dropped} more characters" if stream.dropped else "")


def _cheap(plain: Any) -> tuple:
    """What changes with any tracked write: storage, autograd's version counter, shape, grad."""
    grad = plain.grad if plain.is_leaf else None
    return (plain.data_ptr(), plain._version, tuple(plain.shape), plain.dtype, plain.requires_grad,
            None if grad is None else (id(grad), grad.data_ptr(), grad._version))


def _watch_untracked_writes(touched: set[int]) -> None:
    """Note tensors whose memory is handed out where writes bump no version counter.

    `x.data` and `x.numpy()` share x's memory but not its version counter, so a
    write through them (`x.data -= lr * x.grad`) is invisible to `_cheap`; such
    tensors get a full checksum at the next sync. Installed once per process.
    """
    torch = sys.modules.get("torch")
    if torch is None or getattr(torch.Tensor, "_kata_watched", False):
        return
    data = torch._C.TensorBase.data
    numpy = torch.Tensor.numpy

    def get_data(self):
        touched.add(id(self))
        base = self._base
        if base is not None:
            touched.add(id(base))
        return data.__get__(self)

    def set_data(self, value):
        data.__set__(self, value)

    def to_numpy(self, *args, **kwargs):
        touched.add(id(self))
        if self._base is not None:
            touched.add(id(self._base))
        return numpy(self, *args, **kwargs)

    torch.Tensor.data = property(get_data, set_data)
    torch.Tensor.numpy = to_numpy
    torch.Tensor._kata_watched = True


def _fingerprint(plain: Any) -> tuple:
    """(contents, requires_grad, grad): what must cross again when it changes."""
    grad = plain.grad if plain.is_leaf else None
    gsum = None
    if grad is not None:
        try:
            gsum = (tuple(grad.shape), wire.checksum(grad))
        except TypeError:
            gsum = ("?",)
    return ((plain.data_ptr(), tuple(plain.shape), str(plain.dtype), wire.checksum(plain)), plain.requires_grad, gsum)


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


def describe(exc: BaseException, module: types.ModuleType | None) -> dict:
    """An exception as data: its class's name and bases, its message and the learner's frames."""
    try:
        message = str(exc)
    except BaseException:
        message = "(its message could not be shown)"
    learner = getattr(module, "__file__", None)
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == learner]
    info = {
        "type": type(exc).__name__, "module": type(exc).__module__,
        "bases": [c.__name__ for c in type(exc).__mro__ if c.__module__ == "builtins"],
        "message": message[:20000],
        "frames": [[f.filename, f.lineno or 0, f.name, (f.line or "")[:300]] for f in frames[-20:]],
    }
    if learner and not isinstance(exc, (SystemExit, KeyboardInterrupt)):
        try:  # the same learner-facing account as local mode; it needs this process's frames and locals
            from pathlib import Path

            from kata.feedback.failures import describe_exception

            info["told"] = describe_exception(exc, [Path(learner)], learner_file=Path(learner))[:20000]
        except BaseException:
            pass
    if isinstance(exc, SyntaxError):
        info["syntax"] = [exc.filename, exc.lineno, exc.offset, exc.text, exc.msg]
    if isinstance(exc, SystemExit):
        info["code"] = repr(exc.code)[:200]
    return info


PRELOADABLE = ("numpy", "torch", "einops", "jaxtyping", "torchvision", "tqdm", "sklearn")


def preload_imports(source: str) -> list[str]:
    """Import the heavy libraries the learner's file imports, before the memory limit applies.

    Mapping torch's shared libraries takes more address space than any check needs;
    importing them first keeps the limit about the learner's own allocations.
    """
    import ast

    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found = []
    for node in tree.body:
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
        for name in names:
            top = name.split(".")[0]
            if top in PRELOADABLE:
                found.append(top)
                if top not in sys.modules:
                    try:
                        __import__(top)
                    except Exception:
                        pass
    return sorted(set(found))


def load(server: Server, source: str, path: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__file__ = path
    sys.modules[name] = module
    server.module = module
    linecache.cache[path] = (len(source), None, source.splitlines(True), path)
    exec(compile(source, path, "exec", dont_inherit=True), module.__dict__)
    return module
