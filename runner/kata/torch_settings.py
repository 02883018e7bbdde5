"""torch's global settings that learner code shares with the checks: grad mode and the default dtype.

In a `kata check` child the learner's module runs in the checks' own process, so a file whose module
code calls `torch.set_grad_enabled(False)` or `torch.set_default_dtype(torch.float64)` changes every
tensor the checks make after it; judged, it would change only the learner's process. Neither route
can judge such a file fairly, so both tell it the same way: each side snapshots the settings before
the module runs, puts back what it changed, and the step says what changed (`message`). The judge's
side reads the learner's process's report of it strictly (kata.judge.remote).
"""

from __future__ import annotations

import sys
from typing import Any

DTYPES = ("float16", "bfloat16", "float32", "float64")  # what torch.set_default_dtype accepts


def snapshot() -> tuple[bool, Any]:
    """Grad mode and the default dtype now (torch's defaults, when it is not loaded yet)."""
    torch = sys.modules.get("torch")
    return (torch.is_grad_enabled(), torch.get_default_dtype()) if torch is not None else (True, None)


def put_back(before: tuple[bool, Any]) -> dict[str, Any]:
    """What changed since `before`, put back as it was: {"grad_off": True} and/or {"dtype": NAME}."""
    torch = sys.modules.get("torch")
    if torch is None:
        return {}
    grad, dtype = before[0], before[1] if before[1] is not None else torch.float32
    changed: dict[str, Any] = {}
    if grad and not torch.is_grad_enabled():
        changed["grad_off"] = True
        torch.set_grad_enabled(True)
    if torch.get_default_dtype() != dtype:
        changed["dtype"] = str(torch.get_default_dtype()).removeprefix("torch.")
        torch.set_default_dtype(dtype)
    return changed


def message(file_name: str, changed: dict[str, Any]) -> str:
    """The step's verdict on a file that changed torch's settings as it was imported."""
    told = []
    if changed.get("grad_off"):
        told.append("turns autograd off (torch.set_grad_enabled(False)), so no tensor made after it, the "
                    "checks' included, records a graph. Put only the code that must not be tracked under "
                    "`with torch.no_grad():`.")
    if "dtype" in changed:
        told.append(f"sets torch's default dtype to {changed['dtype']} (torch.set_default_dtype), so every "
                    "tensor made after it, the checks' included, gets that dtype. Give your own tensors their "
                    "dtype instead (torch.tensor(..., dtype=torch.float64)).")
    return f"{file_name} changes torch for all the code that runs after it, when it is imported: it " + \
        " It also ".join(told)
