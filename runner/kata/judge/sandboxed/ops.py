"""What the judge may ask of the learner's process: one small function per operation.

Each takes the server, the request and its blobs, and returns a value for the
server to send back. Every operation is something a check could do to a
module it imported: load it, read or set an attribute, call, iterate, index,
compare types, take gradients.
"""

from __future__ import annotations

import copy
from typing import Any, Callable


def _obj(server, request: dict) -> Any:
    rid = request.get("obj")
    if rid not in server.objects:
        raise LookupError("the judge referred to an object this process does not hold")
    return server.objects[rid]


def _args(server, request: dict, blobs: list[bytes]) -> tuple[list, dict]:
    args = server.dec(request.get("args") or {"t": "list", "v": []}, blobs)
    if not isinstance(args, list):
        raise TypeError("positional arguments must come as a list")
    kwargs = server.dec(request.get("kwargs") or {"t": "dict", "k": [], "v": []}, blobs)
    if not isinstance(kwargs, dict) or not all(isinstance(k, str) for k in kwargs):
        raise TypeError("keyword arguments must be named by strings")
    return args, kwargs


def op_load(server, request: dict, blobs: list[bytes]) -> Any:
    if request.get("reset"):
        server.forget()
    return server.load(str(request["source"]), str(request["path"]), str(request["name"]), request.get("forbid"),
                       request.get("earlier"))


def op_getattr(server, request: dict, blobs: list[bytes]) -> Any:
    return getattr(_obj(server, request), str(request["name"]))


def op_setattr(server, request: dict, blobs: list[bytes]) -> Any:
    setattr(_obj(server, request), str(request["name"]), server.dec(request["value"], blobs))


def op_delattr(server, request: dict, blobs: list[bytes]) -> Any:
    delattr(_obj(server, request), str(request["name"]))


def op_call(server, request: dict, blobs: list[bytes]) -> Any:
    args, kwargs = _args(server, request, blobs)
    return _obj(server, request)(*args, **kwargs)


def op_iter(server, request: dict, blobs: list[bytes]) -> Any:
    items = []
    for item in _obj(server, request):
        items.append(item)
        if len(items) > 100_000:
            raise ValueError("the iterable yields too many items to send")
    return items


def op_len(server, request: dict, blobs: list[bytes]) -> Any:
    return len(_obj(server, request))


def op_getitem(server, request: dict, blobs: list[bytes]) -> Any:
    return _obj(server, request)[server.dec(request["key"], blobs)]


def op_setitem(server, request: dict, blobs: list[bytes]) -> Any:
    _obj(server, request)[server.dec(request["key"], blobs)] = server.dec(request["value"], blobs)


def op_contains(server, request: dict, blobs: list[bytes]) -> Any:
    return server.dec(request["value"], blobs) in _obj(server, request)


def op_bool(server, request: dict, blobs: list[bytes]) -> Any:
    return bool(_obj(server, request))


def op_repr(server, request: dict, blobs: list[bytes]) -> Any:
    text = (str if request.get("str") else repr)(_obj(server, request))
    return str.__str__(text)[:10000]


def op_dir(server, request: dict, blobs: list[bytes]) -> Any:
    return [str(name) for name in dir(_obj(server, request))]


def op_isinstance(server, request: dict, blobs: list[bytes]) -> Any:
    cls = _obj(server, request)
    value = server.dec(request["value"], blobs)
    return bool(issubclass(value, cls) if request.get("sub") else isinstance(value, cls))


def op_deepcopy(server, request: dict, blobs: list[bytes]) -> Any:
    return copy.deepcopy(_obj(server, request))


def op_typecheck(server, request: dict, blobs: list[bytes]) -> Any:
    from kata.feedback.shapecheck import typecheck_module

    typecheck_module(_obj(server, request))


def op_define(server, request: dict, blobs: list[bytes]) -> Any:
    """A check's helper (a test double, a small model) defined here, next to the learner's code."""
    namespace: dict = {"__name__": "kata_check_helpers"}
    exec(compile(str(request["imports"]), "<check imports>", "exec"), namespace)
    exec(compile(str(request["source"]), str(request.get("filename", "<check helper>")), "exec"), namespace)
    return namespace[str(request["name"])]


def op_typechecked(server, request: dict, blobs: list[bytes]) -> Any:
    from kata.feedback.shapecheck import typechecked

    name = request.get("name")
    return typechecked(_obj(server, request), name=None if name is None else str(name))


def op_backward(server, request: dict, blobs: list[bytes]) -> Any:
    """Gradients of one of our tensors with respect to the leaves it came from, for the judge's backward()."""
    import torch

    out = _obj(server, {"obj": request["out"]})
    deps = [server.objects[d] for d in request["deps"]]
    grad = server.dec(request["gradient"], blobs)
    grads = torch.autograd.grad(out, deps, grad_outputs=grad, allow_unused=True, retain_graph=True)
    return [None if g is None else g.detach().clone() for g in grads]


OPS: dict[str, Callable[[Any, dict, list[bytes]], Any]] = {
    name.removeprefix("op_"): fn for name, fn in globals().items() if name.startswith("op_")
}


def run(server, op: Any, request: dict, blobs: list[bytes]) -> Any:
    if op not in OPS:
        raise ValueError(f"unknown operation {op!r}")
    return OPS[op](server, request, blobs)
