"""Watch's screens as text: long lines wrap at words, and the list keeps the progress header in view."""

from kata.course import load_course
from kata.progress import DONE, Progress
from kata.watch import screen

from tests.conftest import REPO

COURSE = load_course(REPO)


def test_long_lines_wrap_at_words_and_keep_paths_whole():
    path = "/home/learner/kata-workspace/exercises/12_forward.py:74"
    line = "  " + "the softmax is taken over dim=0, the batch; take it over each row with dim=-1 " * 2 + path
    wrapped = screen.wrap(line, 60).splitlines()
    assert all(len(part) <= 60 for part in wrapped if path not in part)
    assert any(part.strip() == path for part in wrapped)  # too long for a line, but never cut
    assert wrapped[0].startswith("  the softmax") and all(part.startswith("    ") for part in wrapped[1:])
    assert " ".join(part.strip() for part in wrapped) == line.strip()
    assert screen.wrap("short", 60) == "short"


def test_the_list_fits_a_40_line_screen_under_the_progress_header():
    progress = Progress()
    progress.entry("relu").status = DONE
    progress.skip("neuron")
    for height in (40, 24, 12):
        text = screen.list_screen(COURSE, progress, current=COURSE.exercises[12], height=height, keys=True, width=100)
        lines = text.splitlines()
        assert len(lines) < height, (height, text)
        assert lines[0].endswith("1 done, 1 skipped of 21 exercises")
        assert any("13" in line and "▸" in line for line in lines)  # the current exercise stays in view
        assert lines[-1] == screen.KEYS
