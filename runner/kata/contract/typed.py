"""The one strict decoder: every message between kata's processes is read back through here.

A line or frame from another process (the worker, a daemon, a check child that runs learner
code, the judge's learner process) may be anything, so a record is rebuilt field by field, each
checked against its declared type, and a malformed one raises `ValueError` instead of being
half-read. Nothing is converted: the string "false" is not a bool, "3" and 3.7 are not ints, a
bool is not an int; the one widening is an int where a float is declared (JSON writes 2.0 as 2).
Types understood: str, int, float, bool, None, `X | None` and other unions, `list[X]`,
`tuple[X, ...]`, `dict[str, X]`, `Any`, an Enum (by value) and a dataclass (an object, unknown
keys ignored, missing ones taking their defaults). Standard library only.

Who uses it: `RunRequest.from_wire` (the worker's stdin, the daemon's socket, the spawned child's
argument), `Event.from_wire` (the events pipe, the worker's stdout, the daemon's lines),
`result_from_wire`, the daemon's hello (`engine/daemon_wire.Hello`), the standby's go message
(`engine/go.Go`), and the judge's tensor records (`judge/wire.TensorRecord`). Each message is first
cut from its pipe or socket by `kata.contract.framing`, whose `decode` calls `typed`.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import sys
import types
import typing
from typing import Any

_NONE = type(None)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(sys.modules[cls.__module__]))


def decode(tp: Any, value: Any, where: str = "value") -> Any:
    """`value` (parsed JSON) as type `tp`, or ValueError naming `where` and what it should be."""
    if tp is Any:
        return value
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(tp):
            try:
                return decode(option, value, where)
            except ValueError:
                continue
        raise ValueError(f"{where}: not {' or '.join(_name(a) for a in typing.get_args(tp))}")
    if tp is _NONE or tp is None:
        if value is not None:
            raise ValueError(f"{where}: not null")
        return None
    if tp is bool:
        if not isinstance(value, bool):  # the string "false" is not true
            raise ValueError(f"{where}: not true or false")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):  # never "3" or 3.7 read as 3
            raise ValueError(f"{where}: not an integer")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{where}: not a number")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ValueError(f"{where}: not a string")
        return value
    if origin is list or tp is list:
        if not isinstance(value, list):
            raise ValueError(f"{where}: not a list")
        (item,) = typing.get_args(tp) or (Any,)
        return [decode(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is tuple:
        if not isinstance(value, list):
            raise ValueError(f"{where}: not a list")
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
        if len(args) != len(value):
            raise ValueError(f"{where}: not {len(args)} items")
        return tuple(decode(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, value)))
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise ValueError(f"{where}: not an object")
        _key, item = typing.get_args(tp) or (str, Any)
        return {k: decode(item, v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(value)
        except (ValueError, TypeError):
            raise ValueError(f"{where}: not one of {[m.value for m in tp]}") from None
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return typed(tp, value)
    raise TypeError(f"{where}: kata cannot read a {_name(tp)} from the wire")  # a bug in kata, not bad input


def _name(tp: Any) -> str:
    return "null" if tp is _NONE else getattr(tp, "__name__", str(tp))


def typed(cls: type, data: Any) -> Any:
    """`cls(**data)`, each known field decoded strictly as its annotation says; unknown keys are
    ignored and missing ones take their defaults (a required one missing is an error).

    Raises ValueError on anything malformed, so a garbage line is dropped, never half-read.
    """
    if not isinstance(data, dict):
        raise ValueError(f"{cls.__name__}: not an object")
    hints = _hints(cls)
    values = {f.name: decode(hints[f.name], data[f.name], f"{cls.__name__}.{f.name}")
              for f in dataclasses.fields(cls) if f.name in data}
    try:
        return cls(**values)
    except TypeError as exc:  # a required field missing
        raise ValueError(f"{cls.__name__}: {exc}") from None
