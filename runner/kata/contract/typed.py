"""Reading a contract dataclass back from JSON, strictly: every line between processes goes through here.

A line from another process (the worker, a check child that runs learner code) may be anything,
so a record is rebuilt field by field, each coerced to its declared type, and a malformed one
raises instead of being half-read.
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
            value = int(value)
        elif f.type in ("float",):
            value = float(value)
        elif f.type in ("bool",):
            value = bool(value)
        values[f.name] = value
    return cls(**values)
