"""Training you can see: the loss curve (uniplot, or the plain chart without it) and digits with
a net's guesses; and the training demos draw them only when run as a script, never at import."""

from __future__ import annotations

import ast
import sys

import pytest

from kata.feedback import plots

from tests.conftest import REPO

LOSSES = [1.0 / (1 + 0.2 * i) for i in range(40)]


def test_the_curve_is_drawn_with_uniplot_when_installed():
    pytest.importorskip("uniplot")
    text = plots.loss_curve(LOSSES, title="loss")
    lines = text.splitlines()
    assert lines[0].strip() == "loss" and lines[1].startswith("┌") and any(line.startswith("└") for line in lines)
    assert lines[-1] == "step 1: 1  →  step 40: 0.114, 11% of where it started"
    assert "\x1b[" not in text  # no colour: it reads the same in a log


def test_without_uniplot_a_plain_chart_says_the_same(monkeypatch):
    monkeypatch.setitem(sys.modules, "uniplot", None)  # `import uniplot` now raises ImportError
    text = plots.loss_curve(LOSSES, title="loss", width=40, height=8)
    lines = text.splitlines()
    assert lines[0].strip() == "loss"
    bars = lines[1:9]
    assert bars[0].startswith("1 │█") and bars[-1].startswith("0 │")
    assert all("│" in line for line in bars) and lines[9].lstrip().startswith("└" + "─" * 40)
    assert lines[-1] == "step 1: 1  →  step 40: 0.114, 11% of where it started"
    heights = [sum(plots.BARS.index(line.split("│")[1][col]) for line in bars) for col in (0, 20, 39)]
    assert heights[0] > heights[1] > heights[2]  # the curve falls


def test_a_curve_of_tensors_or_nothing():
    torch = pytest.importorskip("torch")
    assert "step 3: 0.5" in plots.loss_curve(torch.tensor([2.0, 1.0, 0.5]))
    assert "nothing to draw" in plots.loss_curve([])


def test_digits_are_drawn_side_by_side_with_label_and_guess():
    np = pytest.importorskip("numpy")
    one = np.zeros((28, 28))
    one[4:24, 13:15] = 1.0
    seven = np.zeros((28, 28))
    seven[4:6, 8:20] = 1.0
    seven[6:24, 17:19] = 1.0
    text = plots.digits_with_guesses([one, seven.reshape(784)], [1, 7], [1, 1], width=80)
    lines = text.splitlines()
    assert lines[-1] == "(label → the net's guess: 1 of 2 right)"
    assert "1 → 1 ✓" in lines[-2] and "7 → 1 ✗" in lines[-2]
    assert len(lines) == 10 + 2  # 20 rows of pixels in 10 lines of half-blocks, the captions, the count
    assert all(set(line) <= set(" ▀▄█") for line in lines[:10])
    narrow = plots.digits_with_guesses([one, seven], [1, 7], [1, 7], width=12).split("\n\n")
    assert len(narrow) == 2  # one digit a row when only one fits


@pytest.mark.parametrize("name", ["17_train", "20_mnist_training", "21_nn_module"])
@pytest.mark.parametrize("folder", ["solutions", "exercises"])
def test_the_training_demos_draw_only_under_the_main_guard(folder, name):
    tree = ast.parse((REPO / folder / f"{name}.py").read_text(encoding="utf-8"))
    guard = [node for node in tree.body if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)]
    assert len(guard) == 1
    inside = {id(node) for node in ast.walk(guard[0])}
    uses = [node for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id == "loss_curve"]
    assert uses and all(id(node) in inside for node in uses)
