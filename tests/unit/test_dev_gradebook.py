"""`kata grade`'s pure parts: finding submissions and rendering the table in every format."""

import csv
import dataclasses
import io
import json
import xml.etree.ElementTree as ET

import pytest

from kata.course import load_course
from kata.errors import KataError
from kata.dev.grade import Gradebook, Row
from kata.dev.grade_one import missing_result
from kata.dev.submissions import find_submissions
from kata.dev.gradebook import headline, to_csv, to_json_lines, to_junit_xml, to_text
from kata.results import CheckResult, StepResult

from tests.conftest import FIXTURE_COURSE

COURSE = load_course(FIXTURE_COURSE)
ADD, DOUBLE = COURSE.find("add"), COURSE.find("double")


def test_submissions_are_files_workspaces_or_folders_of_them(tmp_path):
    (tmp_path / "class" / "ann" / "exercises").mkdir(parents=True)
    (tmp_path / "class" / "bob").mkdir()
    (tmp_path / "class" / "bob" / "01_add.py").write_text("")
    (tmp_path / "class" / "cy.py").write_text("")
    (tmp_path / "class" / "notes.txt").write_text("")
    subs = find_submissions([tmp_path / "class"], COURSE)
    assert [s.label for s in subs] == ["ann", "bob", "cy"]
    assert subs[1].file_for(ADD) == tmp_path / "class" / "bob" / "01_add.py"
    assert subs[1].file_for(DOUBLE) is None
    assert subs[2].file_for(DOUBLE) == tmp_path / "class" / "cy.py"


def test_a_renumbered_file_is_still_found(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "07_double.py").write_text("")
    (sub,) = find_submissions([tmp_path / "sub"], COURSE)
    assert sub.file_for(DOUBLE).name == "07_double.py"


def test_nothing_to_grade_says_so(tmp_path):
    with pytest.raises(KataError):
        find_submissions([tmp_path / "nope"], COURSE)
    (tmp_path / "empty").mkdir()
    with pytest.raises(KataError):
        find_submissions([tmp_path / "empty"], COURSE)


def _book(tmp_path) -> Gradebook:
    subs = find_submissions([tmp_path / "ann.py", tmp_path / "bob.py"], COURSE)
    passed = CheckResult("01", "add", "ann", "passed", [StepResult(1, "test_a", "adds", "passed", "", 0.01)], 0.1)
    failed = CheckResult("02", "double", "ann", "failed", [
        StepResult(1, "test_p", "positive", "passed"),
        StepResult(2, "test_n", "negative <&>", "failed", "/c/t.py:8 in test_n\n    assert x\nAssertionError: 6 == -6\x00"),
    ], 0.2)
    timeout = CheckResult("01", "add", "bob", "timeout", [StepResult(1, "test_a", "adds", "timeout", "ran past its limit")])
    ann, bob = Row(subs[0], [passed, failed]), Row(subs[1], [timeout, missing_result(DOUBLE, "bob")], {"double"})
    return Gradebook(COURSE, [ADD, DOUBLE], [ann, bob], 1.5, 2)


def test_text_table(tmp_path):
    for name in ("ann.py", "bob.py"):
        (tmp_path / name).write_text("")
    lines = to_text(_book(tmp_path)).splitlines()
    assert lines[0].split() == ["submission", "01", "02", "passed", "steps", "points"]
    assert lines[1].split() == ["ann", "✓", "1/2", "1/2", "2/3", "2/3"]  # no points in the course: a point a step
    assert lines[2].split() == ["bob", "timeout", "missing", "0/2", "0/4", "0/4"]


def test_csv_json_and_junit(tmp_path):
    for name in ("ann.py", "bob.py"):
        (tmp_path / name).write_text("")
    book = _book(tmp_path)
    rows = list(csv.DictReader(io.StringIO(to_csv(book))))
    assert rows[0]["double"] == "failed" and rows[0]["double_steps_passed"] == "1"
    assert rows[0]["double_steps_total"] == "2" and rows[0]["double_number"] == "2"
    assert rows[0]["score"] == "0.6667" and rows[0]["exercises_passed"] == "1"
    assert rows[1]["add"] == "timeout" and rows[1]["double"] == "missing" and rows[1]["score"] == "0.0000"
    assert rows[0]["path"] == "ann.py" and str(tmp_path) not in to_csv(book)
    objs = [json.loads(line) for line in to_json_lines(book).splitlines()]
    assert objs[1]["results"][1]["status"] == "missing" and objs[0]["exercises_passed"] == 1
    root = ET.fromstring(to_junit_xml(book).split("\n", 1)[1])
    assert root.get("tests") == "7" and root.get("failures") == "1" and root.get("errors") == "4"
    case = root.find("./testsuite[@name='ann']/testcase[@name='negative <&>']")
    assert case.get("classname") == "ann.double"
    assert {p.get("name"): p.get("value") for p in case.find("properties")} == {
        "exercise": "double", "number": "02", "step": "test_n"}
    failure = case.find("failure")
    assert failure.get("message") == "AssertionError: 6 == -6?"


def test_headline_picks_the_line_that_says_what_went_wrong():
    assert headline("/t.py:3 in test\n    assert f()\n/me.py:2 in f\n    x\nValueError: no", "x") == "ValueError: no"
    assert headline("ran past its limit\nIt was here:\n/t.py:3 in test", "x") == "ran past its limit"
    assert headline("", "missing") == "missing"


def test_csv_and_junit_keys_stay_when_an_exercise_is_inserted(tmp_path):
    """Inserting an exercise renumbers the later ones: an LMS or a CI must see the same columns and names."""
    for name in ("ann.py", "bob.py"):
        (tmp_path / name).write_text("")
    before = _book(tmp_path)
    moved = dataclasses.replace(DOUBLE, number=3)
    result = dataclasses.replace(before.rows[0].results[1], id="03")
    after = Gradebook(COURSE, [ADD, moved], [Row(before.rows[0].submission, [before.rows[0].results[0], result])],
                      1.0, 1)
    old_rows = list(csv.DictReader(io.StringIO(to_csv(before))))
    new_rows = list(csv.DictReader(io.StringIO(to_csv(after))))
    keys = [k for k in old_rows[0] if not k.endswith("_number")]
    assert [k for k in new_rows[0] if not k.endswith("_number")] == keys
    assert [new_rows[0][k] for k in keys] == [old_rows[0][k] for k in keys]
    assert (old_rows[0]["double_number"], new_rows[0]["double_number"]) == ("2", "3")
    cases = lambda book: [(c.get("classname"), c.get("name")) for c in  # noqa: E731
                          ET.fromstring(to_junit_xml(book).split("\n", 1)[1]).iter("testcase")]
    assert cases(after) == cases(before)[:3]


def test_json_and_junit_give_paths_relative_to_the_folder_graded(tmp_path):
    (tmp_path / "class").mkdir()
    for name in ("ann.py", "bob.py"):
        (tmp_path / "class" / name).write_text("")
    subs = find_submissions([tmp_path / "class"], COURSE)
    where = f"{tmp_path}/class/ann.py:3 in double\nAssertionError: no"
    failed = CheckResult("02", "double", f"ann: {tmp_path}/class/ann.py", "failed",
                         [StepResult(1, "test_n", "negative", "failed", where)])
    book = Gradebook(COURSE, [DOUBLE], [Row(subs[0], [failed])], 1.0, 1)
    text = to_json_lines(book) + to_junit_xml(book) + to_csv(book)
    assert str(tmp_path) not in text
    obj = json.loads(to_json_lines(book))
    assert obj["path"] == "ann.py" and obj["results"][0]["steps"][0]["message"].startswith("ann.py:3 in double")
    assert obj["results"][0]["number"] == 2 and obj["results"][0]["steps_total"] == 1 and obj["score"] == 0.0


@pytest.mark.parametrize("name", ["=HYPERLINK(\"evil\",\"x\")", "+cmd|' -C calc'!A0", "-2+3", "@SUM(A1)"])
def test_a_submission_named_like_a_formula_is_text_in_the_csv(tmp_path, name):
    (tmp_path / f"{name}.py").write_text("def add(a, b):\n    return a + b\n")
    subs = find_submissions([tmp_path / f"{name}.py"], COURSE)
    result = CheckResult("01", "add", name, "passed", [StepResult(1, "test_a", "adds", "passed", "", 0.01)], 0.1)
    book = Gradebook(COURSE, [ADD], [Row(subs[0], [result, missing_result(DOUBLE, name)])], 1.0, 1)
    for row in csv.reader(io.StringIO(to_csv(book))):
        for value in row:
            assert not value.startswith(("=", "+", "-", "@")), row


@pytest.mark.parametrize("name", ["z\rmallory", "z\nmallory", "z\r\nmallory"])
def test_a_line_break_in_a_submissions_name_stays_inside_its_csv_row(tmp_path, name):
    """A bare CR read as a line end split the row in three and shifted its columns: a 1/9 read back as a
    score of 1 (red team). Every field holding a line end is quoted, as RFC 4180 says."""
    (tmp_path / f"{name}.py").write_text("")
    subs = find_submissions([tmp_path / f"{name}.py"], COURSE)
    failed = CheckResult("01", "add", name, "failed", [StepResult(1, "test_a", "adds", "failed", "no", 0.01)], 0.1)
    book = Gradebook(COURSE, [ADD], [Row(subs[0], [failed, missing_result(DOUBLE, name)])], 1.0, 1)
    (row,) = csv.DictReader(io.StringIO(to_csv(book), newline=""))
    assert row["submission"] == name and row["score"] == "0.0000" and row["points"] == "0"


def test_an_integrity_flag_shows_in_every_grader_output_and_on_no_student_page(tmp_path):
    """docs/grading.md, "Integrity": a flag beside the marks, which it leaves as they are."""
    from kata.dev.feedback_pages import page
    from kata.dev.report_html import to_html

    for name in ("ann.py", "bob.py"):
        (tmp_path / name).write_text("")
    book = _book(tmp_path)
    before = [json.loads(line)["points"] for line in to_json_lines(book).splitlines()]
    book.rows[1].results[0].integrity = ["sent signal 9 to every process it could reach (kill(-1))"]
    reason = "01 add: sent signal 9 to every process it could reach (kill(-1))"
    assert book.rows[1].integrity == [reason] and book.rows[0].integrity == []
    rows = [json.loads(line) for line in to_json_lines(book).splitlines()]
    assert [r["integrity"] for r in rows] == [[], [reason]]
    assert [r["points"] for r in rows] == before
    table = list(csv.DictReader(io.StringIO(to_csv(book))))
    assert [r["integrity"] for r in table] == ["", reason]
    text = to_text(book)
    assert text.splitlines()[0].split()[-1] == "integrity" and "⚑" in text.splitlines()[2] and reason in text
    suites = ET.fromstring(to_junit_xml(book)).findall("testsuite")
    assert [p.get("value") for p in suites[1].iter("property") if p.get("name") == "integrity"] == [reason]
    html = to_html(book)
    assert 'id="integrity"' in html and "kill(-1)" in html and "⚑" in html
    assert "kill(-1)" not in page(book, book.rows[1])  # the student's page: for the instructor only


def test_no_flag_no_integrity_column(tmp_path):
    for name in ("ann.py", "bob.py"):
        (tmp_path / name).write_text("")
    book = _book(tmp_path)
    assert "integrity" not in to_text(book) and 'id="integrity"' not in __import__(
        "kata.dev.report_html", fromlist=["to_html"]).to_html(book)


def test_a_reason_seen_in_several_exercises_is_told_once_with_them(tmp_path):
    for name in ("ann.py", "bob.py"):
        (tmp_path / name).write_text("")
    book = _book(tmp_path)
    ann = book.rows[0]
    for result in ann.results:
        result.integrity = ["reached through ctypes for ptrace (another process's memory)"]
    ann.results[1].integrity.append("sent signal 9 to a process group (kill(0))")
    assert ann.integrity == ["01 add, 02 double: reached through ctypes for ptrace (another process's memory)",
                             "02 double: sent signal 9 to a process group (kill(0))"]


def test_a_students_escape_codes_reach_the_table_as_text(tmp_path):
    """A submission's name and its integrity notices are the student's: the table shows escape codes,
    carriage returns and bidi overrides as text, never as moves of the grader's cursor."""
    for name in ("ann.py", "bob\x1b[2K\r.py"):
        (tmp_path / name).write_text("")
    subs = find_submissions([tmp_path / "ann.py", tmp_path / "bob\x1b[2K\r.py"], COURSE)
    book = Gradebook(COURSE, [ADD], [Row(sub, [missing_result(ADD, sub.label)]) for sub in subs])
    book.rows[1].results[0].integrity = ["sent \x1b[4A\x1b[2Kann 9/9\u202e"]
    text = to_text(book)
    assert "\x1b" not in text and "\r" not in text and "\u202e" not in text
    assert "bob\\x1b[2K\\x0d" in text and "\\x1b[4A\\x1b[2Kann 9/9\\u202e" in text
    head, _, bob = text.splitlines()[:3]
    assert bob.index("⚑") == head.index("integrity")  # the columns still line up


def test_a_folder_of_exercise_files_beside_other_modules_is_refused(tmp_path):
    """One student's file named after an exercise must not turn a class of one-file submissions into one
    submission: such a folder is refused with both ways out, and its files named one by one are graded."""
    (tmp_path / "class").mkdir()
    for name in ("ann.py", "bob.py", "add.py"):
        (tmp_path / "class" / name).write_text("")
    with pytest.raises(KataError) as refused:
        find_submissions([tmp_path / "class"], COURSE)
    assert "add.py" in str(refused.value) and "ann.py" in str(refused.value)
    assert "kata grade" in refused.value.fix
    subs = find_submissions(sorted((tmp_path / "class").glob("*.py")), COURSE)
    assert [s.label for s in subs] == ["add", "ann", "bob"] and all(s.is_file for s in subs)
    (tmp_path / "ws").mkdir()  # a folder of exercise files alone is still one submission
    (tmp_path / "ws" / "01_add.py").write_text("")
    (tmp_path / "ws" / "02_double.ipynb").write_text("{}")
    assert [s.label for s in find_submissions([tmp_path / "ws"], COURSE)] == ["ws"]


def test_a_submission_with_no_file_was_not_isolated_at_all(tmp_path):
    """An empty submission ran nothing: its isolation says so, and it does not count as a way of isolating
    (it once read 'none: local mode' and made a judged grade warn that rows were isolated differently)."""
    from kata.dev.submissions import Submission

    (tmp_path / "empty").mkdir()
    row = Row(Submission("empty", tmp_path / "empty"), [missing_result(ADD, "empty")], {"add"})
    book = Gradebook(COURSE, [ADD], [row])
    assert row.isolation.startswith("not run") and book.isolations == {}
