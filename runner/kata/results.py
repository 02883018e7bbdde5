"""What a check run produces: the result half of the run contract, shared by engine, progress and report.

The dataclasses, outcomes and serializers live in `kata.contract` (one module for
everything that crosses a process boundary); this module re-exports the result part
under the names the rest of kata imports. The public JSON shape is fixed (the `--json` contract);
`CheckResult.to_json` produces exactly it.
"""

from __future__ import annotations

from kata.contract import (CHECKS_CANNOT_RUN, CRASHED, ERROR, FAILED, LOCKED, NOT_RUN_CAUSES, PASSED, SEVERITY,
                           SKIPPED, TIMEOUT, Cause, CheckResult, StepResult, overall_status, result_from_wire, result_to_json,
                           result_to_wire)

# The names this module had before the contract existed.
to_wire = result_to_wire
from_wire = result_from_wire

__all__ = [
    "PASSED", "FAILED", "ERROR", "TIMEOUT", "CRASHED", "SKIPPED", "LOCKED", "SEVERITY", "Cause",
    "CHECKS_CANNOT_RUN", "NOT_RUN_CAUSES",
    "CheckResult", "StepResult", "overall_status", "result_to_json", "to_wire", "from_wire",
]
