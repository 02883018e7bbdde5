"""`kata grade --html`: a class's gradebook as one self-contained web page, for graders.

- a heatmap, submissions × exercises, each cell coloured by the share of its steps that passed
  (a run that never gave step verdicts, `error`, `timeout` or `crashed`, has colours of its own, so
  it never reads as 0/n), with the first failure's message on hover and on click (it opens), and
  each row's points out of the maximum (kata.dev.scoring, as in every other output);
- the steps where the class is stuck: every step, sorted by how many submissions failed it, with
  the failure most of them share, or "no one failure" when the commonest messages tie (one
  student's message is never shown as the class's). A file that does not import ran no step: all
  its steps count as "not run", step 1 included;
- submissions flagged for integrity (kata.dev.grade.Row.integrity): a ⚑ by the name and the reasons
  at the top, for the grader to look at; never a colour or a mark of their own;
- what was graded: the course, its checks' digest, the isolation (said once; a row shows it only
  where it differs from the class's), and when.

Built from a Jinja2 template (`templates/class_report.html.j2`) with autoescaping on, so every
string a submission controls (its name, its failure messages, what its code printed) is text,
never markup. No external assets: the style is inline and there is no script.
"""

from __future__ import annotations

import collections
import datetime as dt
from dataclasses import dataclass, field

from kata.dev.grade import MISSING, Gradebook, Row, checks_digest
from kata.dev.gradebook import cell, graded_folder, headline, maxima, points, relative, result_points, submission_path
from kata.dev.scoring import number
from kata.results import CRASHED, ERROR, NOT_RUN_CAUSES, PASSED, TIMEOUT, Cause, CheckResult, StepResult

TEMPLATE = "class_report.html.j2"
MAX_MESSAGE = 3000  # characters of a failure shown in a cell; the rest is cut, with a note


@dataclass
class Cell:
    exercise: str
    status: str
    text: str
    passed: int
    total: int
    color: str
    message: str  # the first failure, relative paths, cut
    title: str  # on hover: the failing step and its headline
    points: str  # "4/10"


@dataclass
class RowView:
    label: str
    path: str
    isolation: str
    cells: list[Cell]
    exercises_passed: int
    steps_passed: int
    steps_total: int
    score: float
    points: str  # "14/20"
    integrity: list[str] = field(default_factory=list)  # what it did that no honest answer does (a flag, not a verdict)


@dataclass
class StepView:
    exercise: str
    number: str
    index: int
    title: str
    failed: int = 0  # submissions whose step ran and did not pass
    not_run: int = 0  # submissions whose step did not run (its file does not import, an earlier time-out)
    graded: int = 0  # submissions with a file for the exercise
    headlines: collections.Counter = field(default_factory=collections.Counter)

    @property
    def common(self) -> tuple[str, int] | None:
        """The headline most failures share, with its count; None on a tie between the commonest (the page
        says so instead of picking one student's message)."""
        top = self.headlines.most_common(2)
        if not top or (len(top) == 2 and top[0][1] == top[1][1]):
            return None
        return top[0]

    @property
    def tie(self) -> bool:
        return bool(self.headlines) and self.common is None


# The runs that gave no step verdict on the learner's answer: never the red of "no step passed".
STATUS_COLORS = {ERROR: "#c9b8e8", TIMEOUT: "#9ec9f0", CRASHED: "#e0b0d4"}


def color(passed: int, total: int, status: str) -> str:
    """A cell's background: red (no step passed) through amber to green (all), grey when missing, a colour of its
    own for error, timeout and crashed."""
    if status == MISSING or not total:
        return "#d9d9d9"
    if status in STATUS_COLORS:
        return STATUS_COLORS[status]
    hue = round(120 * passed / total)
    return f"hsl({hue}, 70%, {78 if status == PASSED else 72}%)"


def _first_failure_text(result: CheckResult) -> tuple[StepResult | None, str]:
    failure = result.first_failure()
    if failure is not None and failure.cause in NOT_RUN_CAUSES and result.message:
        failure = None  # no step ran: the run's own reason says more
    text = failure.message if failure is not None else result.message
    return failure, text


def _cut(text: str) -> str:
    if len(text) <= MAX_MESSAGE:
        return text
    return text[:MAX_MESSAGE] + f"\n… ({len(text) - MAX_MESSAGE} more characters)"


def build_view(book: Gradebook, now: dt.datetime | None = None) -> dict:
    """Everything the template shows, as plain values (strings still raw: the template escapes)."""
    base = graded_folder(book)
    finished = (now or dt.datetime.now(dt.timezone.utc)).astimezone()
    started = finished - dt.timedelta(seconds=book.duration_s)
    steps: dict[tuple[str, int], StepView] = {}
    for ex in book.exercises:
        for row in book.rows:
            result = _result_for(row, ex.name)
            if result is None:
                continue
            for step in result.steps:
                steps.setdefault((ex.name, step.index), StepView(ex.name, ex.id, step.index, step.title or step.name))
    rows = []
    for row in book.rows:
        cells = []
        for result in row.results:
            status = row.status_of(result)
            failure, text = _first_failure_text(result)
            message = _cut(relative(book, text, base)) if status != PASSED else ""
            where = ("the file does not import" if failure is not None and failure.cause == Cause.DOES_NOT_IMPORT
                     else f"step {failure.index}: {failure.title}" if failure is not None else status)
            title = "" if status == PASSED else f"{where}\n{headline(message, status)}" if message else where
            cells.append(Cell(result.name, status, cell(row, result), result.steps_passed, len(result.steps),
                              color(result.steps_passed, len(result.steps), status), message, title,
                              str(result_points(book, result))))
            if status == MISSING:
                continue
            for step in result.steps:
                view = steps.get((result.name, step.index))
                if view is None:
                    continue
                view.graded += 1
                if step.outcome == PASSED:
                    continue
                if step.cause in NOT_RUN_CAUSES or step.cause == Cause.DOES_NOT_IMPORT:
                    view.not_run += 1
                    continue
                view.failed += 1
                view.headlines[headline(relative(book, step.message, base), step.outcome)] += 1
        total = points(book, row)
        rows.append(RowView(row.submission.label, submission_path(book, row, base), row.isolation, cells,
                            row.exercises_passed, row.steps_passed, row.steps_total, total.share, str(total),
                            row.integrity))
    order = {ex.name: i for i, ex in enumerate(book.exercises)}
    stuck = sorted(steps.values(), key=lambda s: (-s.failed, -s.not_run, order[s.exercise], s.index))
    digest = checks_digest(book.exercises)
    usual = collections.Counter(row.isolation for row in rows).most_common(1)
    return {
        "usual_isolation": usual[0][0] if usual else "",
        "exercise_points": {ex.name: number(p.maximum) for ex, p in maxima(book)},
        "points_max": number(points(book, book.rows[0]).maximum) if book.rows else "0",
        "course": book.course,
        "exercises": book.exercises,
        "rows": rows,
        "flagged": [row for row in rows if row.integrity],
        "isolations": book.isolations,
        "steps": stuck,
        "digest": digest,
        "isolation": sorted({row.isolation for row in rows}),
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "duration_s": book.duration_s,
        "where": f"{book.jobs} Dask worker{'s' if book.jobs != 1 else ''} ({book.scheduler})" if book.scheduler
        else f"{book.jobs} engine{'s' if book.jobs != 1 else ''}",
        "checks_changed": book.checks_changed,
        "cancelled": book.cancelled,
        "full_marks": sum(1 for row in book.rows if row.exercises_passed == len(book.exercises)),
    }


def _result_for(row: Row, name: str) -> CheckResult | None:
    return next((r for r in row.results if r.name == name), None)


def environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("kata.dev", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def to_html(book: Gradebook, now: dt.datetime | None = None) -> str:
    """The page, as one string of HTML with its style inline."""
    return environment().get_template(TEMPLATE).render(**build_view(book, now))
