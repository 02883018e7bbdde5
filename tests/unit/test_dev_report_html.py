"""The class report's view (issue 24): no-verdict runs never share the red of 0/n, the isolation is said
once, a tie between failures shows no one student's message, and a file that does not import counts as
not run at every step, the first included."""

from __future__ import annotations

from kata.course import load_course
from kata.dev.grade import Gradebook, Row
from kata.dev.report_html import STATUS_COLORS, build_view, color, to_html
from kata.dev.submissions import find_submissions
from kata.results import Cause, CheckResult, StepResult

from tests.conftest import FIXTURE_COURSE

COURSE = load_course(FIXTURE_COURSE)
ADD = COURSE.find("add")
SANDBOX = "bubblewrap sandbox, fresh for each run"


def _add(label: str, status: str, *steps: StepResult, isolation: str = SANDBOX) -> CheckResult:
    return CheckResult("01", "add", label, status, list(steps), isolation=isolation)


def _book(tmp_path, results: dict[str, CheckResult]) -> Gradebook:
    for name in results:
        (tmp_path / f"{name}.py").write_text("")
    subs = find_submissions([tmp_path / f"{name}.py" for name in results], COURSE)
    return Gradebook(COURSE, [ADD], [Row(sub, [results[sub.label]]) for sub in subs], 1.0, 1)


def test_error_timeout_and_crashed_have_colours_of_their_own():
    red = color(0, 2, "failed")
    assert {color(0, 2, status) for status in ("error", "timeout", "crashed")} == set(STATUS_COLORS.values())
    assert red not in STATUS_COLORS.values() and len(set(STATUS_COLORS.values())) == 3


def test_a_tie_shows_no_one_students_message_and_the_isolation_is_said_once(tmp_path):
    results = {
        "ann": _add("ann", "failed", StepResult(1, "test_small_numbers", "adds", "failed", "AssertionError: ann's own"),
                    StepResult(2, "test_negative_numbers", "neg", "passed")),
        "bob": _add("bob", "failed", StepResult(1, "test_small_numbers", "adds", "failed", "AssertionError: bob's own"),
                    StepResult(2, "test_negative_numbers", "neg", "failed", "AssertionError: shared"), ),
        "cyd": _add("cyd", "failed", StepResult(1, "test_small_numbers", "adds", "passed"),
                    StepResult(2, "test_negative_numbers", "neg", "failed", "AssertionError: shared")),
    }
    view = build_view(_book(tmp_path, results))
    first, second = sorted(view["steps"], key=lambda s: s.index)
    assert first.common is None and first.tie  # 1 × ann's, 1 × bob's: neither stands for the class
    assert second.common == ("AssertionError: shared", 2)
    html = to_html(_book(tmp_path, results))
    assert "ann&#39;s own" not in html.split('id="steps"')[1] and "no one failure" in html
    assert html.count(SANDBOX) == 4  # the about line, and each cell's data attribute: no column of it
    assert '<td class="isolation">' not in html


def test_a_file_that_does_not_import_is_not_run_at_every_step(tmp_path):
    broken = _add("ann", "error",
                  StepResult(1, "test_small_numbers", "adds", "error", "SyntaxError: invalid syntax",
                             cause=Cause.DOES_NOT_IMPORT.value),
                  StepResult(2, "test_negative_numbers", "neg", "error", "not run", cause=Cause.NOT_RUN.value))
    view = build_view(_book(tmp_path, {"ann": broken}))
    assert [(s.failed, s.not_run) for s in sorted(view["steps"], key=lambda s: s.index)] == [(0, 1), (0, 1)]
    cell = view["rows"][0].cells[0]
    assert cell.title.startswith("the file does not import") and cell.color == STATUS_COLORS["error"]
    assert cell.points == "0/2"


def test_rows_that_ran_otherwise_say_so_in_a_column(tmp_path):
    results = {"ann": _add("ann", "passed", StepResult(1, "test_small_numbers", "adds", "passed")),
               "bob": _add("bob", "passed", StepResult(1, "test_small_numbers", "adds", "passed")),
               "cyd": _add("cyd", "passed", StepResult(1, "test_small_numbers", "adds", "passed"),
                           isolation="none: local mode")}
    html = to_html(_book(tmp_path, results))
    assert html.count('<td class="isolation"></td>') == 2 and '<td class="isolation">none: local mode</td>' in html


def test_rows_isolated_differently_are_a_warning_in_the_page_and_the_summary(tmp_path):
    """Issue 21 item 5: a row's isolation never changes silently, between rows or within one."""
    from kata.dev.gradebook import summary

    rlimits = "separate process with rlimits (bubblewrap is not installed)"
    same = {"ann": _add("ann", "passed", StepResult(1, "test_small_numbers", "adds", "passed")),
            "bob": _add("bob", "passed", StepResult(1, "test_small_numbers", "adds", "passed"))}
    book = _book(tmp_path, same)
    assert 'id="isolation-differs"' not in to_html(book) and "warning" not in summary(book)
    differs = dict(same, cyd=_add("cyd", "passed", StepResult(1, "test_small_numbers", "adds", "passed"),
                                  isolation=rlimits))
    book = _book(tmp_path, differs)
    assert book.isolations == {SANDBOX: 2, rlimits: 1}
    page = to_html(book)
    assert 'id="isolation-differs"' in page and "2 rows: " + SANDBOX in page
    assert f"warning: the rows were not all isolated the same way (2 rows: {SANDBOX}; 1 row: {rlimits})" in summary(book)
    refused = dict(same, dee=_add("dee", "error", isolation="not run: the file was refused"))
    assert "warning" not in summary(_book(tmp_path, refused))  # a row whose code never ran differs in nothing


def test_a_row_whose_runs_were_isolated_differently_says_both(tmp_path):
    (tmp_path / "ann.py").write_text("")
    (sub,) = find_submissions([tmp_path / "ann.py"], COURSE)
    row = Row(sub, [_add("ann", "passed"), _add("ann", "passed", isolation="separate process with rlimits"),
                    _add("ann", "error", isolation="not run: judged once for all its exercises")])
    assert row.isolation == f"mixed: {SANDBOX} | separate process with rlimits"
    assert Row(sub, [_add("ann", "passed"), _add("ann", "passed")]).isolation == SANDBOX
