"""Turns results into text for a terminal, or into DESIGN's JSON shape.

Pure functions returning strings: the CLI and watch decide where they go.
"""

from __future__ import annotations

import json

from kata.results import NOT_RUN_CAUSES, PASSED, SKIPPED, TIMEOUT, CheckResult, StepResult

MARKS = {PASSED: "✓", SKIPPED: "·"}
MAX_OUTPUT_LINES = 20


def mark(step: StepResult) -> str:
    return MARKS.get(step.outcome, "✗")


def status_word(result: CheckResult) -> str:
    return {
        "passed": "passed",
        "failed": "failed",
        "error": "does not run",
        "timeout": "timed out",
        "crashed": "crashed",
        "locked": "locked",
        "skipped": "skipped",
    }.get(result.status, result.status)


def render_result(result: CheckResult, color: bool = False) -> str:
    """A check's verdict: one line per step, then the first failure in full."""
    lines = [f"{result.id} {result.name}  ({result.target})  {status_word(result)} "
             f"{result.steps_passed}/{len(result.steps)} steps in {result.duration_s:.2f} s"]
    if result.status == "locked":
        lines.append(f"  {result.message}")
        return "\n".join(lines)
    for step in result.steps:
        lines.append(f"  {_paint(mark(step), step.outcome, color)} {step.title}")
    failure = result.first_failure()
    if failure is not None and failure.cause in NOT_RUN_CAUSES and result.message:
        failure = None  # no step ran: the run-level reason, in full, says more
    if failure is not None:
        lines.append("")
        lines.append(f"First failure, step {failure.index}: {failure.title}")
        lines.extend("  " + line for line in failure.message.splitlines())
        if failure.output.strip():
            lines.append("  Your code printed:")
            lines.extend("    " + line for line in _clip_lines(failure.output))
    elif result.message and not result.passed:
        lines.append("")
        lines.extend("  " + line for line in result.message.splitlines())
    return "\n".join(lines)


def _clip_lines(text: str) -> list[str]:
    lines = text.rstrip().splitlines()
    if len(lines) <= MAX_OUTPUT_LINES:
        return lines
    return lines[:MAX_OUTPUT_LINES] + [f"… {len(lines) - MAX_OUTPUT_LINES} more lines"]


def _paint(text: str, outcome: str, color: bool) -> str:
    if not color:
        return text
    code = {"passed": "32", "skipped": "90", TIMEOUT: "33"}.get(outcome, "31")
    return f"\x1b[{code}m{text}\x1b[0m"


def progress_bar(done: int, total: int, width: int = 30) -> str:
    filled = round(width * done / total) if total else width
    return f"[{'█' * filled}{'░' * (width - filled)}] {done}/{total} exercises done"


def to_json_line(result: CheckResult) -> str:
    return json.dumps(result.to_json(), ensure_ascii=False)
