"""`kata grade --html`: a mixed class graded for real, and the page it writes read back, by
html.parser and, where Debian's chromium is installed, by the real browser (headless)."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kata.course import load_course
from kata.dev.grade import checks_digest

from tests.conftest import FIXTURE_COURSE

SCRIPT = "<script>document.body.setAttribute('data-pwned', 'yes')</script>"
RIGHT = "".join((FIXTURE_COURSE / "solutions" / f).read_text() + "\n" for f in ("01_add.py", "02_double.py"))
WRONG = "def add(a, b):\n    return a - b\n\ndef double(x):\n    return abs(x) * 2\n"
HOSTILE = RIGHT.replace("    return a + b", f"    raise ValueError({SCRIPT!r} + ' & <b>bold</b>')")
EXPECTED = {  # submission -> (status, steps passed) per exercise: add (2 steps), double (3 steps)
    "ann": [("passed", 2), ("passed", 3)],
    "bob": [("failed", 0), ("failed", 2)],
    "<b>mal": [("failed", 0), ("passed", 3)],
    "dee": [("passed", 2), ("missing", 0)],
}


class Page(HTMLParser):
    """The parts of the page the tests read: cells, step rows, tags, and all the text."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[dict] = []
        self.steps: list[dict] = []
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.row = ""
        self.body: dict = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "body":
            self.body = attrs
        if tag == "tr" and "data-submission" in attrs:
            self.row = attrs["data-submission"]
        if tag == "tr" and "data-step" in attrs:
            self.steps.append(attrs)
        if tag == "td" and "cell" in attrs.get("class", "").split():
            self.cells.append({"submission": self.row, **attrs})

    def handle_data(self, data):
        self.text.append(data)


def _parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    return page


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from tests.conftest import Kata

    root = tmp_path_factory.mktemp("grade-html")
    subs = root / "class"
    subs.mkdir()
    (subs / "ann.py").write_text(RIGHT)
    (subs / "bob.py").write_text(WRONG)
    (subs / "<b>mal.py").write_text(HOSTILE)
    (subs / "dee").mkdir()
    shutil.copy(FIXTURE_COURSE / "solutions" / "01_add.py", subs / "dee" / "01_add.py")
    proc = Kata(root)("grade", str(subs), "--course", str(FIXTURE_COURSE), "-e", "01", "-e", "02",
                      "--html", str(root / "report.html"), "--csv", str(root / "out.csv"), timeout=300)
    return root, proc


def test_the_page_is_written_beside_the_table(graded):
    root, proc = graded
    assert proc.returncode == 1, proc.stdout + proc.stderr  # not everyone passed
    assert proc.stdout.splitlines()[0].split() == ["submission", "01", "02", "passed", "steps", "points"]
    assert (root / "report.html").is_file() and (root / "out.csv").is_file()


def test_each_cell_is_coloured_by_steps_passed_and_names_its_first_failure(graded):
    root, _ = graded
    page = _parse((root / "report.html").read_text(encoding="utf-8"))
    cells = {}
    for c in page.cells:
        cells.setdefault(c["submission"], []).append(c)
    assert set(cells) == set(EXPECTED)
    for name, expected in EXPECTED.items():
        got = [(c["data-status"], int(c["data-passed"])) for c in cells[name]]
        assert got == expected, name
        assert [c["data-exercise"] for c in cells[name]] == ["add", "double"]
    for c in page.cells:
        assert c["style"].startswith("background: ")
        if c["data-status"] == "passed":
            assert "hsl(120," in c["style"] and "title" not in c
        elif c["data-status"] == "missing":
            assert "#d9d9d9" in c["style"]
        else:
            assert "hsl(" in c["style"] and c["title"].startswith("step ")
    bob_double = next(c for c in cells["bob"] if c["data-exercise"] == "double")
    assert bob_double["style"] == "background: hsl(80, 70%, 72%)"  # 2 of 3 steps: between red and green
    assert "doubles a negative number" in bob_double["title"] and "assert 6 == -6" in bob_double["title"]


def test_a_script_in_a_message_or_a_name_is_text_not_markup(graded):
    root, _ = graded
    html = (root / "report.html").read_text(encoding="utf-8")
    page = _parse(html)
    assert not [tag for tag, _ in page.tags if tag in ("script", "b", "iframe", "object")]
    text = "".join(page.text)
    assert SCRIPT in text and "& <b>bold</b>" in text  # shown as the learner wrote it
    assert "<b>mal" in text
    mal = next(c for c in page.cells if c["submission"] == "<b>mal" and c["data-exercise"] == "add")
    assert SCRIPT in mal["title"]
    assert "&lt;script&gt;" in html and "<script" not in html


def test_the_page_is_self_contained(graded):
    root, _ = graded
    page = _parse((root / "report.html").read_text(encoding="utf-8"))
    for tag, attrs in page.tags:
        assert tag not in ("link", "img", "iframe"), tag
        assert "src" not in attrs and "http" not in attrs.get("href", ""), (tag, attrs)


def test_the_steps_are_sorted_by_how_many_submissions_failed_them(graded):
    root, _ = graded
    page = _parse((root / "report.html").read_text(encoding="utf-8"))
    failed = [int(s["data-failed"]) for s in page.steps]
    assert failed == sorted(failed, reverse=True) and len(failed) == 5
    first = page.steps[0]
    assert (first["data-exercise"], first["data-step"], first["data-failed"]) == ("add", "1", "2")


def test_the_page_says_what_was_graded_and_how(graded):
    root, _ = graded
    html = (root / "report.html").read_text(encoding="utf-8")
    page = _parse(html)
    course = load_course(FIXTURE_COURSE)
    digest = checks_digest([course.find("01"), course.find("02")])
    assert '<code id="digest"' in html and digest in html
    text = " ".join("".join(page.text).split())
    assert "Fixture course" in text and "fixture" in text
    isolation = [c["data-isolation"] for c in page.cells]
    assert len(set(isolation)) == 1 and isolation[0] in text and "Isolation" in text
    times = [attrs for tag, attrs in page.tags if tag == "time"]
    assert [t["id"] for t in times] == ["started", "finished"] and all(t["datetime"][:2] == "20" for t in times)
    assert str(root) not in html  # paths are relative to the folder graded


CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium): "
                                             "the page was not opened in a real browser")
def test_the_page_in_headless_chromium(graded, tmp_path):
    root, _ = graded
    proc = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                           (root / "report.html").as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    page = _parse(proc.stdout)
    assert "data-pwned" not in page.body  # the learner's <script> never ran
    assert len(page.cells) == 8
    got = {(c["submission"], c["data-exercise"]): (c["data-status"], int(c["data-passed"]), int(c["data-total"]))
           for c in page.cells}
    assert got[("bob", "double")] == ("failed", 2, 3) and got[("dee", "double")][0] == "missing"
    assert got[("<b>mal", "add")] == ("failed", 0, 2)
    assert all("background" in c["style"] for c in page.cells)
    assert SCRIPT in "".join(page.text)
