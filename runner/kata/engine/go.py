"""The standby child's go pipe: the one message the worker sends a child forked ahead, to start its run.

The child reads it strictly (`kata.contract.typed`): a malformed message ends the standby
before any of the run's code, never a run under guessed limits.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from kata.contract import RunRequest, framing
from kata.engine.rlimits import Limits


@dataclasses.dataclass(frozen=True)
class Go:
    request: dict[str, Any]  # a RunRequest's wire form, read by RunRequest.from_wire
    limits: Limits  # the run's limits, applied by the child before the run
    address_space_mb: int  # the child's RLIMIT_AS

    @classmethod
    def from_wire(cls, data: Any) -> "Go":
        return framing.decode(cls, data)


MAX_GO = 64 * 1024 * 1024  # the one message is read to its end: a request, with its source, fits many times


def go_message(request: RunRequest, limits: Limits, address_space_mb: int) -> bytes:
    """What the worker sends a standby child to start its run (see `kata.engine.child.standby`)."""
    return framing.line({"request": request.to_wire(), "limits": dataclasses.asdict(limits),
                         "address_space_mb": address_space_mb})
