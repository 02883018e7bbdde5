"""Exceptions rebuilt from what the learner's process reports: data in, a trusted class out.

An exception raised by the learner's code crosses as its class's name, its
builtin bases, its message and the learner's frames. It is rebuilt here as the
same builtin or torch class where there is one (so a check's `except
ValueError` still works), else as a `RemoteError`; never as the learner's class.
"""

from __future__ import annotations

import builtins
import sys
from typing import Any

TRUSTED_EXCEPTION_MODULES = ("builtins", "torch", "jaxtyping", "beartype", "numpy", "einops", "kata")


# kata's own exceptions that are not errors and that kata raises in the learner's process
KATA_RAISES_THERE = frozenset({"kata.forbid.guard.ForbiddenModule"})


class LearnerProcessGone(Exception):
    """The learner's process died, hung or broke the protocol; no further step can use it."""


class RemoteError(Exception):
    """An exception from the learner's code whose class is the learner's own (or not a trusted one)."""


def rebuild_exception(info: Any) -> BaseException:
    """The learner's exception, as an instance of the same trusted class where there is one."""
    if not isinstance(info, dict):
        return LearnerProcessGone("the process running your code sent a malformed error")
    name, module = str(info.get("type", "Exception")), str(info.get("module", ""))
    message = str(info.get("message", ""))
    frames = info.get("frames") or []
    where = "\n".join(f'  File "{f[0]}", line {f[1]}, in {f[2]}' + (f"\n    {f[3]}" if f[3] else "")
                      for f in frames if isinstance(f, list) and len(f) == 4)
    if name == "SyntaxError" and isinstance(info.get("syntax"), list) and len(info["syntax"]) == 5:
        filename, lineno, offset, text, msg = info["syntax"]
        exc: BaseException = SyntaxError(str(msg), (str(filename), lineno, offset, text))
    else:
        cls = _trusted_exception(module, name, info.get("bases") or [])
        try:
            exc = cls(message)
        except Exception:
            exc = RemoteError(f"{name}: {message}")
    told = info.get("told")
    exc.__kata_remote__ = {"type": name, "frames": where, "code": info.get("code"),  # type: ignore[attr-defined]
                           "told": told if isinstance(told, str) else ""}
    return exc


def forged_error(info: Any) -> str:
    """Why an error report could only have been forged ("" when kata's side could have sent it):
    the learner's side never sends one that is not an object, never a learner-facing account of a
    SystemExit or KeyboardInterrupt, and never one of kata's own exceptions that are not errors."""
    if not isinstance(info, dict):
        return "sent the judge an error kata's side never sends (not an object)"
    name, module = str(info.get("type", "")), str(info.get("module", ""))
    if name in ("SystemExit", "KeyboardInterrupt") and info.get("told"):
        return f"sent the judge a {name} carrying a message kata's side never writes"
    if module.split(".")[0] == "kata" and f"{module}.{name}" not in KATA_RAISES_THERE:
        cls = getattr(sys.modules.get(module), name, None)
        if isinstance(cls, type) and issubclass(cls, BaseException) and not issubclass(cls, Exception):
            return f"sent the judge an error claiming to be kata's own {module}.{name}"
    return ""


def _trusted_exception(module: str, name: str, bases: list) -> type:
    if module.split(".")[0] in TRUSTED_EXCEPTION_MODULES and module in sys.modules:
        cls = getattr(sys.modules[module], name, None)
        if isinstance(cls, type) and issubclass(cls, BaseException):
            return cls
    for base in bases:  # the nearest builtin ancestor, so `except ValueError` still catches it
        cls = getattr(builtins, str(base), None)
        if isinstance(cls, type) and issubclass(cls, Exception) and cls is not Exception:
            return type(name, (cls, RemoteError), {})
    return type(name, (RemoteError,), {})


# -- handles ------------------------------------------------------------------------


def died_message(died: Any) -> str:
    """How the learner's process died, in words a learner can act on."""
    from kata.messages import death_verdict

    if not isinstance(died, dict):
        return "the process running your code ended unexpectedly"
    code, sig = died.get("code"), died.get("signal")
    return death_verdict((code if type(code) is int else None, sig if type(sig) is int else None))
