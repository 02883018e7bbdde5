"""Pictures of a wrong tensor, through the real engine and `kata check`: for each mistake a picture
teaches (a transposed or permuted answer, a softmax over the wrong dim, an off-by-one one-hot),
the failure shows the expected and the actual tensors side by side as heat grids, in colour and in
the plain fallback, and the whole failure stays within its 15 lines.

The course is written here, in a temporary folder: its checks use `kata.expect.assert_close`.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kata import report
from kata.course import load_course
from kata.engine import CheckRequest, Engine
from kata.feedback.picture import MARK, SHADES

MAX_LINES = report.MAX_FAILURE_LINES
ANSI = re.compile(r"\x1b\[[0-9;]*m")

MANIFEST = """\
format_version = 1
name = "pictures"
title = "Pictures of wrong tensors"
{exercises}
"""
EXERCISES = {
    # name: (solution, check)
    "linear": ("""
        def linear(x, w):
            return x @ w.T
        """, """
        def test_linear(exercise):
            '''a 3x2 function on a batch of 4 gives 4x3'''
            x = torch.arange(8.0).reshape(4, 2) - 3
            w = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
            assert_close(exercise.linear(x, w), x @ w.T, what="linear(x, w)")
        """),
    "square": ("""
        def square(x, w):
            return x @ w.T
        """, """
        def test_square(exercise):
            '''a square function is applied as it is, not transposed'''
            x = torch.eye(4) + torch.arange(16.0).reshape(4, 4) / 10
            w = torch.tensor([[1.0, 0, 0, 0], [2, 1, 0, 0], [0, 3, 1, 0], [0, 0, 4, 1]])
            assert_close(exercise.square(x, w), x @ w.T, what="square(x, w)")
        """),
    "channels_last": ("""
        def channels_last(images):
            return images.permute(1, 2, 0)
        """, """
        def test_channels_last(exercise):
            '''(channels, height, width) becomes (height, width, channels)'''
            images = torch.arange(3 * 4 * 5, dtype=torch.float32).reshape(3, 4, 5)
            assert_close(exercise.channels_last(images), images.permute(1, 2, 0), what="channels_last(images)")
        """),
    "probabilities": ("""
        def probabilities(logits):
            return torch.softmax(logits, dim=-1)
        """, """
        def test_probabilities(exercise):
            '''each row of logits becomes a probability distribution'''
            logits = torch.tensor([[2.0, 0.0, -1.0, 0.5, 1.0], [0.0, 3.0, 0.0, -2.0, 1.0],
                                   [1.0, 1.0, 4.0, 0.0, -1.0], [-1.0, 0.0, 0.5, 2.5, 0.0]])
            assert_close(exercise.probabilities(logits), torch.softmax(logits, dim=-1),
                         what="probabilities(logits)", source=logits)
        """),
    "one_hot": ("""
        def one_hot(labels, classes):
            out = torch.zeros(len(labels), classes)
            out[torch.arange(len(labels)), labels] = 1.0
            return out
        """, """
        def test_one_hot(exercise):
            '''each label lights its own column'''
            labels = torch.tensor([3, 0, 2, 5, 1])
            assert_close(exercise.one_hot(labels, 6), torch.eye(6)[labels], what="one_hot(labels, 6)")
        """),
}
MISTAKES = {
    # kind: (exercise, the solution's line, the mistake's, words the picture's lines hold)
    "transposed": ("linear", "return x @ w.T", "return (x @ w.T).T",
                   ["expected (4, 3)", "actual (3, 4)", "shapes differ"]),
    "transposed, square": ("square", "return x @ w.T", "return (x @ w.T).T",
                           ["expected (4, 4)", "actual (4, 4)", "differs: 12 of 16"]),
    "permuted": ("channels_last", "images.permute(1, 2, 0)", "images.permute(2, 1, 0)",
                 ["expected (4, 5, 3) [0, :, :]", "actual (5, 4, 3) [0, :, :]", "shapes differ"]),
    "reshaped, not permuted": ("channels_last", "images.permute(1, 2, 0)", "images.reshape(4, 5, 3)",
                               ["expected (4, 5, 3) [", "actual (4, 5, 3) [", "differs"]),
    "softmax over the wrong dim": ("probabilities", "dim=-1", "dim=0",
                                   ["expected (4, 5)", "actual (4, 5)", "every cell differs"]),
    "off-by-one one-hot": ("one_hot", "labels] = 1.0", "labels - 1] = 1.0",
                           ["expected (5, 6)", "actual (5, 6)", "differs: 10 of 30"]),
}


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("pictures")
    entries = "".join(f'\n[[exercise]]\nname = "{name}"\ntitle = "{name}"\nhints = ["Look at the picture."]\n'
                      for name in EXERCISES)
    (root / "kata.toml").write_text(MANIFEST.format(exercises=entries))
    for folder in ("checks", "solutions", "exercises", "mistakes"):
        (root / folder).mkdir()
    for number, (name, (solution, check)) in enumerate(EXERCISES.items(), start=1):
        stem = f"{number:02d}_{name}"
        source = "import torch\n\n" + textwrap.dedent(solution).lstrip()
        (root / "solutions" / f"{stem}.py").write_text(source)
        (root / "exercises" / f"{stem}.py").write_text(source)
        (root / "checks" / f"test_{stem}.py").write_text(
            "import torch\n\nfrom kata.expect import assert_close\n\n" + textwrap.dedent(check).lstrip())
    for kind, (name, right, wrong, _) in MISTAKES.items():
        stem = next(p.stem for p in (root / "solutions").glob(f"*_{name}.py"))
        source = (root / "solutions" / f"{stem}.py").read_text()
        assert source.count(right) == 1, (kind, source)
        (root / "mistakes" / f"{_slug(kind)}.py").write_text(source.replace(right, wrong))
    return root


def _slug(kind: str) -> str:
    return re.sub(r"\W+", "_", kind).strip("_")


@pytest.fixture(scope="module")
def results(course):
    """Every mistake's verdict, from one warm engine."""
    loaded = load_course(course)
    found = {}
    with Engine() as engine:
        for kind, (name, *_ignored) in MISTAKES.items():
            ex = next(e for e in loaded.exercises if e.name == name)
            path = course / "mistakes" / f"{_slug(kind)}.py"
            found[kind] = engine.check(CheckRequest(ex, path, path.name))
    return found


def _failure_lines(text: str) -> list[str]:
    return ANSI.sub("", text).split("\n\nFirst failure", 1)[1].splitlines()


@pytest.mark.parametrize("kind", list(MISTAKES))
def test_the_plain_picture_shows_both_tensors_with_the_differences_marked(results, kind, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    result = results[kind]
    step = result.first_failure()
    assert step is not None and step.outcome == "failed", report.render_result(result)
    assert step.picture and "kata:picture" not in step.message  # the picture travels apart from the message
    assert "kata:picture" not in str(result.to_json())  # and the public JSON is as it was
    text = report.render_result(result, color=False)
    assert "\x1b[" not in text
    failure = _failure_lines(text)
    assert len(failure) <= MAX_LINES, f"{kind}: {len(failure)} lines\n{text}"
    words = MISTAKES[kind][3]
    picture = failure[-3 - 10:]  # the grids sit below the message, last
    for word in words:
        assert any(word in line for line in failure), f"{kind}: {word!r} not in\n{text}"
    assert any(ch in line for line in picture for ch in SHADES), text
    if "differs:" in " ".join(words):  # some cells differ, not all: those carry the marker
        assert any(MARK in line for line in failure), text


@pytest.mark.parametrize("kind", list(MISTAKES))
def test_the_coloured_picture_has_the_same_lines_in_colour(results, kind, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("COLORTERM", raising=False)
    result = results[kind]
    plain = _failure_lines(report.render_result(result, color=False))
    coloured = report.render_result(result, color=True)
    assert "\x1b[48;5;" in coloured, coloured  # cells are coloured blocks
    lines = _failure_lines(coloured)
    assert len(lines) == len(plain) <= MAX_LINES
    for word in MISTAKES[kind][3]:
        assert any(word in line for line in lines), f"{kind}: {word!r} not in\n{coloured}"
    if "differs:" in " ".join(MISTAKES[kind][3]):
        assert sum(line.count(MARK) for line in lines) == sum(line.count(MARK) for line in plain)


def test_no_color_turns_the_colour_off(results, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    text = report.render_result(results["off-by-one one-hot"], color=True)
    picture = text.split("\n\nFirst failure", 1)[1]
    assert "\x1b[48" not in picture and "··" in picture and "█×" in picture


def test_the_off_by_one_picture_reads_as_shifted_columns(results):
    """The one-hot's lit cells move one column left; label 0 wraps round to the last column."""
    lines = _failure_lines(report.render_result(results["off-by-one one-hot"]))
    grid = [line for line in lines if line.startswith("  ") and set(line.strip()) <= set(SHADES + MARK + " ")]
    assert len(grid) == 5, "\n".join(lines)
    expected = [row.split()[0] for row in grid]
    assert expected[0] == "······██····" and expected[1] == "██··········"
    actual = [row.split()[1] for row in grid]
    assert actual[0] == "····█×·×····"  # label 3 lit column 2 instead
    assert actual[1] == "·×··········"[:2] + "··········█×"[2:]  # label 0 lit the last column


def test_no_room_no_picture(results):
    """watch gives the picture the lines its screen has left; with none, the failure is the message alone."""
    result = results["softmax over the wrong dim"]
    with_room = report.render_result(result, picture_room=40)
    without = report.render_result(result, picture_room=0)
    assert "expected (4, 5)" in with_room and "expected (4, 5)" not in without
    assert without.splitlines() == with_room.splitlines()[:len(without.splitlines())]


def test_kata_check_prints_the_plain_picture_in_a_log(course, kata):
    path = course / "mistakes" / "off_by_one_one_hot.py"
    proc = kata("check", "05", "--file", str(path), "--course", str(course), cwd=course)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "\x1b[" not in proc.stdout
    failure = proc.stdout.rstrip().split("\n\nFirst failure", 1)[1].splitlines()
    assert len(failure) <= MAX_LINES, proc.stdout
    assert "expected (5, 6)" in proc.stdout and "█×" in proc.stdout and "× differs: 10 of 30" in proc.stdout
    assert "kata:picture" not in proc.stdout
    as_json = kata.json("check", "05", "--file", str(path), "--course", str(course), "--json", cwd=course)
    step = as_json[0]["steps"][0]
    assert set(step) == {"index", "name", "title", "outcome", "message", "duration_s"}
    assert "kata:picture" not in step["message"]


def test_kata_check_on_a_terminal_draws_in_colour(course):
    """Under a pseudo-terminal `kata check` colours the cells; the lines read as in the log."""
    path = course / "mistakes" / "transposed_square.py"
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(TERM="xterm-256color", COLUMNS="120")
    env.pop("COLORTERM", None)
    main, secondary = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "kata", "check", "02", "--file", str(path), "--course", str(course)],
                            cwd=course, stdin=subprocess.DEVNULL, stdout=secondary, stderr=subprocess.PIPE, env=env)
    os.close(secondary)
    chunks = []
    while True:
        ready, _, _ = select.select([main], [], [], 120)
        if not ready:
            proc.kill()
            break
        try:
            data = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    proc.wait(timeout=60)
    out = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    assert proc.returncode == 1, out + proc.stderr.read().decode()
    assert "\x1b[48;5;" in out, out
    failure = _failure_lines(out.rstrip())
    assert len(failure) <= MAX_LINES, out
    assert any("expected (4, 4)" in line and "actual (4, 4)" in line for line in failure)
    assert "× differs: 12 of 16" in ANSI.sub("", out)
