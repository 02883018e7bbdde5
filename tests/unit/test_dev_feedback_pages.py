"""The pure parts of handing back (issue 24): feedback page file names, what counts as the student's prints,
the roster's refusals. The real `kata grade` runs are in tests/e2e/test_grade_handback.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from kata.dev.feedback_pages import _PROGRESS, e, file_name
from kata.dev.roster import Student, read_roster
from kata.errors import KataError


@pytest.mark.parametrize("label, expected", [
    ("ann", "001-ann.html"),
    ("../../etc/passwd", "001-etc_passwd.html"),
    ('=HYPERLINK("x")<b>', "001-HYPERLINK_x_b.html"),
    ("...", "001-submission.html"),
    ("a" * 200, "001-" + "a" * 60 + ".html"),
])
def test_a_page_name_is_safe_whatever_the_label(label, expected):
    assert file_name(1, label) == expected


def test_escaping_covers_attributes_too():
    assert e("<a href='x'>\"&") == "&lt;a href=&#x27;x&#x27;&gt;&quot;&amp;"


def test_pytests_own_lines_are_not_the_students_prints():
    text = "hello\n..F                                [100%]\n3 failed, 1 passed in 0.50s\n== 2 passed in 1.2s ==\nbye"
    assert [line for line in _PROGRESS.sub("", text).splitlines() if line] == ["hello", "bye"]


def test_the_roster_reads_and_refuses(tmp_path: Path):
    good = tmp_path / "r.csv"
    good.write_text("\ufeffSubmission, ID ,section\nann,1,A\n\nbob,2,B\n")
    assert read_roster(good) == [Student("ann", "1", section="A"), Student("bob", "2", section="B")]
    for text, said in (("id\n1\n", "no submission column"), ("submission,id\nann,\n", "line 2"),
                       ("submission,id\nann,1\nann,2\n", "listed twice")):
        good.write_text(text)
        with pytest.raises(KataError, match=said):
            read_roster(good)
