"""Reading a contract dataclass back from JSON, strictly: every line between processes goes through here.

A line from another process (the worker, a check child that runs learner code) may be anything,
so a record is rebuilt field by field, each checked against its declared type (an int may stand
for a float, nothing else is converted), and a malformed one raises instead of being half-read.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any


def typed(cls: type, data: Any, nested: dict[str, Any] | None = None) -> Any:
    """`cls(**data)` keeping only known fields, each coerced to its default's type.

    Raises ValueError/TypeError on anything malformed, so a garbage line is dropped, never half-read.
    """
    if not isinstance(data, dict):
        raise ValueError(f"{cls.__name__}: not an object")
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        if nested and f.name in nested:
            value = nested[f.name](value)
        elif f.type in ("str",):
            if not isinstance(value, str):
                raise ValueError(f"{cls.__name__}.{f.name}: not a string")
        elif f.type in ("int",):
            if isinstance(value, bool) or not isinstance(value, int):  # never "3" or 3.7 read as 3
                raise ValueError(f"{cls.__name__}.{f.name}: not an integer")
        elif f.type in ("float",):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{cls.__name__}.{f.name}: not a number")
            value = float(value)
        elif f.type in ("bool",):
            if not isinstance(value, bool):  # the string "false" is not true
                raise ValueError(f"{cls.__name__}.{f.name}: not true or false")
        values[f.name] = value
    return cls(**values)
