"""Handles: the judge's proxies for objects that stay in the learner's process.

Functions, classes, instances and modules of the learner's never cross; a
handle stands for each, and every use of it (an attribute, a call, iteration,
`isinstance`) is a request to the learner's process, answered with data.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Protocol


class Channel(Protocol):
    """What a handle needs of `kata.judge.remote.Channel` (which imports this module)."""

    target: Path

    def request(self, op: str, **fields: Any) -> Any: ...

TRUSTED_CLASS_MODULES = ("torch",)

_classes: dict[tuple[str, str, str], type["Handle"]] = {}


def handle_class(module: str, qualname: str, kind: str) -> type["Handle"]:
    """A Handle subclass named like the learner's class, so `type(h).__name__` reads right."""
    key = (module, qualname, kind)
    if key not in _classes:
        base = RemoteModule if kind == "module" else Handle
        name = (qualname.rsplit(".", 1)[-1] or "Handle") if kind != "module" else "module"
        _classes[key] = type(name, (base,), {"__qualname__": name, "_remote_cls": (module, qualname)})
    return _classes[key]


def _trusted_class(module: str, qualname: str) -> type | None:
    """The real class for an object of a trusted library (torch.nn.Linear), if it is already loaded here.

    Only classes of objects that are behaviour, never data: modules, optimizers, datasets. A
    handle may claim any class name (the learner's process says what it likes), so one claiming
    to be a `torch.Tensor` must not pass `isinstance(x, torch.Tensor)`: tensors always cross
    as data, and a check may trust what a tensor reports.
    """
    if module.split(".")[0] not in TRUSTED_CLASS_MODULES or module not in sys.modules:
        return None
    obj: Any = sys.modules[module]
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    torch = sys.modules.get("torch")
    if not isinstance(obj, type) or torch is None:
        return None
    behaviour = (torch.nn.Module, torch.optim.Optimizer, torch.utils.data.Dataset, torch.utils.data.DataLoader)
    return obj if issubclass(obj, behaviour) and not issubclass(obj, torch.Tensor) else None


class Handle:
    """An object that lives in the learner's process. Every use is a request."""

    __slots__ = ("_ch", "_rid", "_meta")
    _remote_cls: tuple[str, str] = ("", "")

    @classmethod
    def _make(cls, channel: Channel, rid: int, meta: dict) -> "Handle":
        handle = object.__new__(cls)
        object.__setattr__(handle, "_ch", channel)
        object.__setattr__(handle, "_rid", rid)
        object.__setattr__(handle, "_meta", meta)
        return handle

    def _ask(self, op: str, **fields: Any) -> Any:
        return object.__getattribute__(self, "_ch").request(op, obj=object.__getattribute__(self, "_rid"), **fields)

    @property  # type: ignore[misc]
    def __class__(self):  # isinstance(handle, torch.nn.Linear) holds for a learner's nn.Linear
        return _trusted_class(*type(self)._remote_cls) or type(self)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__") and name not in ("__name__", "__doc__", "__dict__",
                                                                            "__module__", "__qualname__"):
            raise AttributeError(name)
        return self._ask("getattr", name=name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._ask("setattr", name=name, value=value)

    def __delattr__(self, name: str) -> None:
        self._ask("delattr", name=name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._ask("call", args=list(args), kwargs=kwargs)

    def __iter__(self):
        return iter(self._ask("iter"))

    def __len__(self) -> int:
        return int(self._ask("len"))

    def __getitem__(self, key: Any) -> Any:
        return self._ask("getitem", key=key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._ask("setitem", key=key, value=value)

    def __contains__(self, value: Any) -> bool:
        return bool(self._ask("contains", value=value))

    def __bool__(self) -> bool:
        return bool(self._ask("bool"))

    def __repr__(self) -> str:
        return str(self._ask("repr"))

    def __str__(self) -> str:
        return str(self._ask("repr", str=True))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __dir__(self) -> list[str]:
        return list(self._ask("dir"))

    def __deepcopy__(self, memo: dict) -> Any:
        return self._ask("deepcopy")

    def __copy__(self) -> Any:
        return self._ask("deepcopy")

    def __eq__(self, other: Any) -> bool:
        return self is other

    def __hash__(self) -> int:
        return hash(object.__getattribute__(self, "_rid"))

    def __kata_typechecked__(self, name: str | None) -> Any:
        return self._ask("typechecked", name=name)

    def __kata_typecheck_module__(self) -> Any:
        return self._ask("typecheck")

    def __instancecheck__(self, value: Any) -> bool:
        return bool(self._ask("isinstance", value=value))

    def __subclasscheck__(self, value: Any) -> bool:
        return bool(self._ask("isinstance", value=value, sub=True))


class RemoteModule(Handle):
    """The learner's module. `__file__` is answered here: the judge knows which file it sent."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name == "__file__":
            return str(object.__getattribute__(self, "_ch").target)
        return Handle.__getattr__(self, name)
