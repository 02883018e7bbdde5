"""What the learner sees in watch, as text. Pure: the loop decides when to draw."""

from __future__ import annotations

from kata import report
from kata.course import Course, Exercise
from kata.progress import Progress, state_of
from kata.results import CheckResult

CLEAR = "\x1b[2J\x1b[H"
KEYS = "n next · h hint · l list · r re-run · q quit"


def verdict_screen(course: Course, progress: Progress, ex: Exercise, result: CheckResult, path: str,
                   unlocked: Exercise | None, unlocked_path: str, color: bool, keys: bool) -> str:
    done = sum(1 for e in course.exercises if progress.is_finished(e.name))
    lines = [report.progress_bar(done, len(course.exercises)), "",
             f"{ex.id} {ex.title}  →  {path}", ""]
    lines.append(report.render_result(result, color=color))
    lines.append("")
    if result.passed:
        if unlocked is not None:
            lines.append(f"✓ Done! Unlocked {unlocked.id} {unlocked.title} → {unlocked_path}"
                         + ("  (press n to go on)" if keys else ""))
        elif ex == course.exercises[-1]:
            lines.append("✓ Done! That was the last exercise of the course. Congratulations!")
        else:
            lines.append("✓ Done!")
    else:
        shown = progress.get(ex.name).hints_shown
        for number, hint in enumerate(ex.hints[:shown], start=1):
            lines.append(f"Hint {number}/{len(ex.hints)}: {hint}")
        lines.append(f"Save {path} to check again.")
    if keys:
        lines.append(KEYS)
    return "\n".join(lines)


def list_screen(course: Course, progress: Progress) -> str:
    lines = ["Exercises:"]
    for ex in course.exercises:
        state = state_of(course, progress, ex)
        entry = progress.get(ex.name)
        shown = f"{entry.steps_passed}/{entry.steps_total} steps" if state == "started" else state
        lines.append(f"  {ex.id}  {shown:<12} {ex.title}")
    return "\n".join(lines)
