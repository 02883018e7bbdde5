"""The run-time half of `forbid`: what the learner's calls and imports go through, and the verdict.

Why calls, checked on the object: the process that runs the learner's code already has torch
loaded (the worker preloads it, the checks use it as the oracle), so no import-line scan can tell
whether the learner used it: `sys.modules["torch"]`, `importlib`, a module that re-exports it or
a function captured in a default argument all reach it without an `import torch`. But every use
that computes something is a call, so `kata.forbid.rewrite` compiles the learner's file with each
call's callee (and the callables and modules passed as arguments, the decorators and the bases of
its classes) handed to `Guard.check` first, which asks where the object was defined. The checks'
own code is not rewritten: their torch stays allowed, and the cost stays inside the learner's code
(a Python call per call it makes) instead of a profile hook on every call of the step.

A refused use raises `ForbiddenModule`, a BaseException, so the learner's `except Exception`
does not hide it; it is also kept on the guard (`violation`), and the runner raises it after the
step (`raise_swallowed`) if the learner's code caught it anyway.
"""

from __future__ import annotations

import builtins
import functools
import importlib
import itertools
import sys
import types
from typing import Any

from kata.forbid.rewrite import CHECK, guarded_builtin
from kata.forbid.rules import Rule


class ForbiddenModule(BaseException):
    """The learner's code used a module its exercise forbids (the message says which, and where)."""


_current: list["Guard"] = []  # the guard of the module the running step loaded (local mode)


def install(namespace: dict, rule: Rule) -> "Guard":
    """Guard a fresh module's namespace before its code runs: its imports and its rewritten calls."""
    guard = Guard(rule, namespace)
    guarded = dict(builtins.__dict__)
    guarded["__import__"] = guard.import_
    guarded[CHECK] = namespace[CHECK] = guard.make_check()
    namespace["__builtins__"] = guarded
    _current[:] = [guard]
    return guard


def _higher_order() -> list[Any]:
    """The builtins (and loaded libraries' functions) that call a function they are given."""
    found: list[Any] = [map, filter, sorted, min, max, iter, functools.reduce, itertools.starmap,
                        itertools.accumulate, itertools.filterfalse, itertools.takewhile, itertools.dropwhile,
                        itertools.groupby]
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        found += [getattr(numpy, name) for name in ("vectorize", "frompyfunc", "apply_along_axis", "apply_over_axes",
                                                    "piecewise", "fromfunction") if hasattr(numpy, name)]
    return found


def _lazy_guarded_builtin(real: Any, guard: "Guard") -> Any:
    def guarded(*args: Any, **kwargs: Any) -> Any:
        return guarded_builtin(real, guard, sys._getframe(1))(*args, **kwargs)

    return guarded


def raise_swallowed() -> None:
    """After a step: raise the forbidden use the learner's code caught, if any; forget the guard either way."""
    guard = _current.pop() if _current else None
    if guard is not None and guard.violation is not None:
        raise guard.violation


_MODULE_OF: dict[type, Any] = {  # where an object of each kind was defined, fast: this runs on every call
    types.FunctionType: lambda f: f.__globals__.get("__name__"),
    types.MethodType: lambda m: module_of(m.__func__),
    types.BuiltinFunctionType: lambda f: _builtin_owner(f).__module__ if _builtin_owner(f) is not None else f.__module__,
    types.MethodDescriptorType: lambda d: d.__objclass__.__module__,
    types.WrapperDescriptorType: lambda d: d.__objclass__.__module__,
    types.ClassMethodDescriptorType: lambda d: d.__objclass__.__module__,
    types.MethodWrapperType: lambda m: type(m.__self__).__module__,
    types.ModuleType: lambda m: m.__name__,
    functools.partial: lambda p: module_of(p.func),
}
_ARG_KINDS = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType,
              types.MethodDescriptorType, types.WrapperDescriptorType, type)


def module_of(obj: Any) -> str | None:
    """The module that defined `obj` (a function, a method, a class, a module; else its class)."""
    how = _MODULE_OF.get(type(obj))
    if how is not None:
        return how(obj)
    return obj.__module__ if isinstance(obj, type) else type(obj).__module__


def _builtin_owner(f: Any) -> type | None:
    """The class a builtin method is bound to (`x.exp`: torch.Tensor); None for a module's function."""
    owner = f.__self__
    if owner is None or isinstance(owner, types.ModuleType):
        return None
    return owner if isinstance(owner, type) else type(owner)


def name_of(obj: Any) -> str:
    """How a verdict names `obj`: `torch.exp`, `torch.Tensor.exp`, `torch.autograd.grad`, `torch`."""
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    if isinstance(obj, (types.MethodType, functools.partial)):
        return name_of(obj.__func__ if isinstance(obj, types.MethodType) else obj.func)
    if isinstance(obj, types.BuiltinFunctionType):
        owner = _builtin_owner(obj)
        return _member(owner, obj.__name__) if owner is not None else f"{obj.__module__}.{obj.__name__}"
    objclass = getattr(obj, "__objclass__", None)
    if isinstance(objclass, type):
        return _member(objclass, getattr(obj, "__name__", "?"))
    if isinstance(obj, types.MethodWrapperType):
        return _member(type(obj.__self__), obj.__name__)
    if isinstance(obj, (types.FunctionType, type)):
        return f"{obj.__module__}.{obj.__qualname__}"
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def _member(cls: type, name: str) -> str:
    public = cls
    for klass in cls.__mro__:  # torch.Tensor, not torch._C.TensorBase: the name a learner wrote
        if not klass.__qualname__.startswith("_") and not klass.__module__.split(".")[-1].startswith("_"):
            public = klass
            break
    return f"{public.__module__}.{public.__qualname__}.{name}"


class Guard:
    """One load of the learner's module: its rule, its globals, and the first forbidden use it made."""

    def __init__(self, rule: Rule, namespace: dict) -> None:
        self.rule = rule
        self.namespace = namespace
        self.violation: ForbiddenModule | None = None
        self.allowed: dict[str | None, bool] = {None: True}  # module name -> allowed, cached
        self.real_import = builtins.__import__
        swaps: dict[Any, Any] = {builtins.__import__: self.import_, importlib.__import__: self.import_,
                                 importlib.import_module: self.import_module}
        for real in (exec, eval, compile):
            swaps[real] = _lazy_guarded_builtin(real, self)
        for real in _higher_order():
            swaps[real] = self.calling_args(real)
        self.swaps = {id(real): (real, guarded) for real, guarded in swaps.items()}

    # -- what the rewritten code calls ------------------------------------------------------
    def make_check(self) -> Any:
        """The callee check, as a closure over locals: it runs on every call the learner's code makes,
        so the common kinds (functions, methods, builtins, classes) are told apart inline."""
        swaps, allowed, refuse, forbids = self.swaps, self.allowed, self.refuse, self.rule.forbids
        function, method, builtin = types.FunctionType, types.MethodType, types.BuiltinFunctionType
        module_type, module_of_kind = types.ModuleType, _MODULE_OF.get

        seen: dict[int, Any] = {}  # id -> an allowed function, class or module-level builtin (kept alive)
        instances: set[type] = set()  # classes whose called instances are allowed
        swapped = {type(real) for real, _ in swaps.values()}
        numpy = sys.modules.get("numpy")  # its ufuncs and functions are module-level objects, as functions are
        stable = (function, type, builtin) + ((type(numpy.exp), type(numpy.sum)) if numpy is not None else ())

        def check(obj: Any) -> Any:
            kind = type(obj)
            key = obj.__func__ if kind is method else obj  # a bound method is new at each call; its function is not
            if seen.get(id(key)) is key or kind in instances:
                return obj
            if kind is method:
                module = key.__globals__.get("__name__") if type(key) is function else module_of(key)
            elif kind is function:
                module = obj.__globals__.get("__name__")
            elif kind is builtin:
                owner = obj.__self__
                module = obj.__module__ if owner is None or type(owner) is module_type else \
                    (owner if isinstance(owner, type) else type(owner)).__module__
            else:
                how = module_of_kind(kind)
                module = how(obj) if how is not None else \
                    obj.__module__ if isinstance(obj, type) else kind.__module__
                if how is None and not isinstance(obj, type) and kind not in swapped and not forbids(module or ""):
                    instances.add(kind)  # a called instance (a layer): its class decides, for every instance
            ok = allowed.get(module)
            if ok is None:
                ok = allowed[module] = not forbids(module or "")
            if not ok:
                refuse(name_of(obj))
            if id(obj) in swaps:  # __import__, import_module, exec, eval, compile, map, ...: guarded ones
                real, guarded = swaps[id(obj)]
                if real is obj:
                    return guarded
            if len(seen) < 4096 and (isinstance(key, stable) and (kind is not builtin or obj.__self__ is None or
                                                                   type(obj.__self__) is module_type)):
                seen[id(key)] = key  # the same object next time: allowed without looking again
            return obj

        return check

    def calling_args(self, real: Any) -> Any:
        """`real` (`map`, `sorted`, `functools.reduce`, `np.vectorize`, ...), which calls functions it is given
        from C, out of sight of the callee check: a forbidden function, class or module among its arguments
        is refused; any other value (a tensor a check gave) passes."""

        def guarded(*args: Any, **kwargs: Any) -> Any:
            for value in (*args, *kwargs.values()):
                if isinstance(value, _ARG_KINDS) and self.rule.forbids(module_of(value) or ""):
                    self.refuse(name_of(value))
            return real(*args, **kwargs)

        return guarded

    # -- imports ---------------------------------------------------------------------------
    def import_(self, name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
        if not level and self.rule.forbids(str(name)):
            self.refuse(str(name), imported=True)
        module = self.real_import(name, globals, locals, fromlist, level)
        for attribute in fromlist or ():  # `from kata.x import torch`: a forbidden module, re-exported
            value = getattr(module, str(attribute), None)
            if isinstance(value, types.ModuleType) and self.rule.forbids(value.__name__):
                self.refuse(value.__name__, imported=True)
        return module

    def import_module(self, name: str, package: str | None = None) -> Any:
        if self.rule.forbids(str(name)):
            self.refuse(str(name), imported=True)
        return importlib.import_module(name, package)

    # -- the verdict ---------------------------------------------------------------------------
    def refuse(self, name: str, imported: bool = False) -> None:
        error = ForbiddenModule(self.rule.message(name, self.line()).replace(
            " used ", " imported " if imported else " used ", 1))
        if self.violation is None:
            self.violation = error
        raise error

    def line(self) -> int | None:
        """The learner's line that made the forbidden use: the nearest frame running in its module."""
        file, first = self.namespace.get("__file__"), None
        frame: types.FrameType | None = sys._getframe(1)
        while frame is not None:
            if frame.f_globals is self.namespace:
                if frame.f_code.co_filename == file:
                    return frame.f_lineno
                first = first or frame  # code the learner's code exec'd: its line, if no frame of the file
            frame = frame.f_back
        return first.f_lineno if first is not None else None
