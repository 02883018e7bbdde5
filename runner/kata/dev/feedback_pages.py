"""`kata grade --feedback DIR`: one self-contained web page per student, to hand back.

Why a page of its own and not the class report: a student may see only their own row, and only
what the course lets them see of hidden checks. So each page is built from one Row, seen through
`kata.dev.hidden.student_view` (a hidden step keeps its outcome; its title only where the course's
`hidden_titles` allows; never its message, picture or printed output, which carry the check's data):

- their score, with points out of the maximum where the course gives points (kata.dev.scoring,
  the rule every output uses, so the page agrees with the CSV);
- each exercise's steps (✓ passed, ✗ did not pass, · not run), the first visible failure's message
  with its picture (kata.feedback.picture, drawn as text), and what their code printed during the
  visible steps, capped at MAX_OUTPUT characters per exercise.

Every string a submission controls (its name, messages, prints) goes through `html.escape`; the
style is inline, there is no script and no external asset. File names come from the submission's
label made safe (the label is the student's to choose), numbered so two never collide.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from kata.course import Exercise
from kata.dev.grade import MISSING, Gradebook, Row
from kata.dev.gradebook import points, relative
from kata.dev.hidden import is_hidden, student_view
from kata.dev.scoring import exercise_points, number
from kata.results import NOT_RUN_CAUSES, SKIPPED, Cause, CheckResult, StepResult

MAX_OUTPUT = 8000  # characters of printed output shown per exercise
MAX_MESSAGE = 4000  # characters of a failure message
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# pytest's own lines in a run's output (progress, the summary), not the learner's prints
_PROGRESS = re.compile(r"^(?:[.FEsxX]+ *\[ *\d+%\]|=* ?\d+ (?:passed|failed|errors?|skipped)\b.* in [\d.]+s ?=*)$",
                       re.MULTILINE)

STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
.score{font-size:1.25rem}.ok{color:#1a7f37}.bad{color:#b42318}.skip{color:#777}
ul.steps{list-style:none;padding-left:0}ul.steps li{margin:.2rem 0}
pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;white-space:pre-wrap;word-break:break-word}
.note{color:#555;font-size:.9rem}
"""


def e(text: object) -> str:
    """Escaped for HTML text and attribute values alike."""
    return html.escape(str(text), quote=True)


def file_name(index: int, label: str) -> str:
    """`03-ann.html`: the label made safe for any file system, numbered so two labels never collide."""
    safe = _UNSAFE.sub("_", label).strip("._-")[:60] or "submission"
    return f"{index:03d}-{safe}.html"


def mark(step: StepResult) -> tuple[str, str]:
    if step.passed:
        return "✓", "ok"
    if step.outcome == SKIPPED or step.cause in NOT_RUN_CAUSES:
        return "·", "skip"
    return "✗", "bad"


def _picture(step: StepResult) -> str:
    """The failure's picture as text (the terminal's drawing without colour), or ""."""
    if not step.picture:
        return ""
    from kata.feedback.picture import render

    return "\n".join(render(step.picture, color=None))  # render checks the data; malformed draws nothing


def cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit} more characters not shown)"


def printed(ex: Exercise, result: CheckResult) -> str:
    """What the learner's code printed during the visible steps; never during hidden ones (their inputs would
    show). The run's own output (outside any step) may come from the hidden run when the visible one printed
    nothing there, so with hidden checks it is left out."""
    parts = [s.output for s in result.steps if s.output and not is_hidden(ex, s)]
    has_hidden = any(is_hidden(ex, s) for s in result.steps)
    outside = _PROGRESS.sub("", result.output).strip("\n")
    if outside and not has_hidden:
        parts.insert(0, outside)
    return "".join(p if p.endswith("\n") else p + "\n" for p in parts)


def first_failure(ex: Exercise, graded: CheckResult, shown: CheckResult) -> tuple[StepResult | None, str]:
    """The first step that did not pass (as the student may see it) and the message to show for it."""
    failure = shown.first_failure()
    if failure is None:
        return None, "" if graded.passed else (graded.message if not has_hidden(ex, graded) else "")
    if failure.cause in NOT_RUN_CAUSES and graded.message and not has_hidden(ex, graded):
        # no step ran: the run's own reason says more (with hidden checks it may be the hidden run's: not shown)
        return failure, graded.message
    return failure, failure.message


def has_hidden(ex: Exercise, result: CheckResult) -> bool:
    return any(is_hidden(ex, s) for s in result.steps)


def _exercise(book: Gradebook, row: Row, ex: Exercise, graded: CheckResult, with_points: bool) -> str:
    shown = student_view(ex, graded)
    status = row.status_of(graded)
    earned = exercise_points(ex, graded)
    head = f"{e(ex.id)} {e(ex.title or ex.name)}"
    tail = f"{number(earned.earned)}/{number(earned.maximum)} points" if with_points else \
        f"{graded.steps_passed}/{len(graded.steps)} steps"
    parts = [f"<h2>{head} <span class='note'>({e(tail)})</span></h2>"]
    if status == MISSING:
        return "".join(parts) + "<p class='bad'>No file was handed in for this exercise.</p>"
    items = []
    for step in shown.steps:
        sign, css = mark(step)
        items.append(f"<li><span class='{css}'>{sign}</span> {e(step.title or step.name)}</li>")
    parts.append("<ul class='steps'>" + "".join(items) + "</ul>")
    if has_hidden(ex, graded):
        parts.append("<p class='note'>Some checks are hidden: only whether they passed is shown.</p>")
    failure, message = first_failure(ex, graded, shown)
    if message:
        where = "The file does not import" if failure is not None and failure.cause == Cause.DOES_NOT_IMPORT \
            else f"First failure, step {failure.index}: {failure.title or failure.name}" if failure is not None \
            else f"The run ended: {status}"
        parts.append(f"<p><strong>{e(where)}</strong></p><pre>{e(cap(relative(book, message), MAX_MESSAGE))}</pre>")
        drawing = _picture(failure) if failure is not None else ""
        if drawing:
            parts.append(f"<pre class='picture'>{e(drawing)}</pre>")
    shown_output = printed(ex, graded)
    if shown_output:
        parts.append(f"<p><strong>What your code printed</strong></p><pre>{e(cap(shown_output, MAX_OUTPUT))}</pre>")
    return "".join(parts)


def page(book: Gradebook, row: Row) -> str:
    """One student's page: their score, then each exercise graded."""
    total = points(book, row)
    with_points = any(ex.marking.points is not None for ex in book.exercises)
    score = f"Score: {round(100 * total.share, 1):g}%"
    if with_points:
        score += f" ({number(total.earned)}/{number(total.maximum)} points)"
    else:
        score += f" ({row.steps_passed}/{row.steps_total} steps passed)"
    by_name = {ex.name: ex for ex in book.exercises}
    body = [f"<h1>{e(book.course.title or book.course.name)}: {e(row.submission.label)}</h1>",
            f"<p class='score'>{e(score)}</p>",
            f"<p class='note'>{e(row.exercises_passed)} of {len(book.exercises)} exercises passed every check.</p>"]
    body += [_exercise(book, row, by_name[r.name], r, with_points) for r in row.results if r.name in by_name]
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{e(row.submission.label)}"
            f"</title><style>{STYLE}</style></head><body>{''.join(body)}</body></html>\n")


def write_feedback(book: Gradebook, folder: Path) -> list[Path]:
    """A page per submission in `folder` (made if needed), in submission order; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for index, row in enumerate(book.rows, start=1):
        path = folder / file_name(index, row.submission.label)
        path.write_text(page(book, row), encoding="utf-8")
        written.append(path)
    return written


