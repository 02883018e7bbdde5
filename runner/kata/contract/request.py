"""The request half of the run contract: what the client asks the warm worker for, with every default.

One `RunRequest` is one JSON line on the worker's stdin.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from typing import Any

from kata.contract.typed import typed

# --- the request ---------------------------------------------------------------------------

DEFAULT_MEMORY_MB = 3072  # all of a run's processes together
DEFAULT_MAX_PROCESSES = 64  # processes and threads of one run, where a cgroup can count them
DEFAULT_CPU_CORES = 1.0
DEFAULT_STEP_TIMEOUT_S = 10.0
DEFAULT_RUN_TIMEOUT_S = 120.0


def new_run_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class RunRequest:
    """One check run: the checks of exercise `id`/`name` (module `checks`) against the file `target`."""

    run_id: str
    id: str
    name: str
    checks: str
    target: str
    target_label: str = ""  # how results name the target; the path when empty
    rootdir: str = ""  # the course folder; the check module's folder when empty
    step_timeout: float = DEFAULT_STEP_TIMEOUT_S
    run_timeout: float = DEFAULT_RUN_TIMEOUT_S
    preload: tuple[str, ...] = ()  # heavy libraries the worker imports before forking
    seed: int = 0  # every step starts from this random seed; `kata verify` varies it
    maxfail: int = 0  # stop after this many failing steps (0: run all)
    memory_mb: int = DEFAULT_MEMORY_MB
    max_processes: int = DEFAULT_MAX_PROCESSES
    cpu_cores: float = DEFAULT_CPU_CORES
    judged: bool = False  # the checks run in a trusted process; the learner's code in the sandbox (kata grade)
    require_sandbox: bool = False  # judged: refuse to run without bubblewrap
    # Which files an exercise's `earlier("05")` imports (kata.earlier): "" the course's solutions (a check's
    # own step), "yours" the files beside the target, "yours-but:03,05" those but 03 and 05 from the solutions,
    # "none" no file at all (a one-file submission under `kata grade`: the files beside it are other students').
    earlier: str = ""

    @property
    def label(self) -> str:
        return self.target_label or self.target

    def to_wire(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(RunRequest)}
        data["preload"] = list(self.preload)
        data["op"] = "check"
        return data

    @classmethod
    def from_wire(cls, data: Any) -> "RunRequest":
        request = typed(cls, data)
        if not request.checks or not request.target:
            raise ValueError("a request names its checks and its target")
        return request
