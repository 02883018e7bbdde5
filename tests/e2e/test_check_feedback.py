"""Feedback that teaches, on the bundled course through the real `kata check --file`.

Every catalogued mistake is caught as declared and reads in at most 15 lines without noise: `kata
verify` proves both for any course (tests/e2e/test_verify_bundled_course.py runs it on this one). Here
a shape mismatch, a transposed result, a softmax over the wrong dimension and a rebound parameter each
read in at most 15 lines with the words that name the mistake.
"""

import json

import pytest

from kata.course import load_course
from kata.engine import CheckRequest, Engine
from kata.dev.mistakes.catalogue import catalogue, wrong_source

from tests.conftest import REPO

COURSE = load_course(REPO)
MISTAKES = REPO / "mistakes"
MAX_LINES = 15


def _wrong(folder, mistake: str):
    """The wrong module `mistakes/<mistake>` (a patch) stands for, written to `folder` under its name."""
    path = MISTAKES / mistake
    target = folder / f"{path.stem}.py"
    target.write_text(wrong_source(path, REPO / "solutions" / f"{path.parent.name}.py"))
    return target

READABLE = [
    # what, exercise, mistake, words the text must contain
    ("shape mismatch", "08", "08_thousand_points/flattened.mistake",
     ["should have shape (1000, 2), but it has shape (2000,)", "wrong arrangement"]),
    ("transposed result", "09", "09_linear_function/transposed_result.mistake",
     ["which is (d_output, batch) = (3, 4): it is transposed"]),
    ("softmax over the wrong dimension", "12", "12_forward/softmax_over_batch.mistake",
     ["softmax is taken over dim=0", "dim=-1"]),
    ("rebinding instead of updating in place", "15", "15_nudge_tensor_towards_minimum/rebinds_x.mistake",
     ["x was rebound instead of updated in place", "x -= ..."]),
    ("rebinding a net's tensors", "16", "16_tune_weights_once/rebinds_the_weights.mistake",
     ["net.layer_0 was rebound to a new tensor instead of updated in place"]),
    ("a jaxtyping annotation broken on the learner's line", "16", "16_tune_weights_once/loss_against_inputs.mistake",
     ["loss_function(expected_outputs=inputs, actual_outputs=outputs)",
      "`actual_outputs` should be batch × d_output, got 12 × 3 (d_output is 6 here)."]),
]


@pytest.mark.parametrize("what, ident, mistake, words", READABLE, ids=[r[0] for r in READABLE])
def test_failure_reads_in_at_most_15_lines(kata, tmp_path, what, ident, mistake, words):
    proc = kata("check", ident, "--file", str(_wrong(tmp_path, mistake)), cwd=REPO)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.rstrip().splitlines()
    assert len(lines) <= MAX_LINES, f"{what}: {len(lines)} lines\n{proc.stdout}"
    for word in words:
        assert word in proc.stdout, proc.stdout
    assert "site-packages" not in proc.stdout and "_pytest" not in proc.stdout and "kata/" not in proc.stdout


def test_a_torch_shape_error_names_the_learners_line_and_the_shapes(kata, tmp_path):
    wrong = _wrong(tmp_path, "09_linear_function/operands_swapped.mistake")
    [result] = kata.json("check", "09", "--json", "--file", str(wrong), cwd=REPO)
    message = next(s for s in result["steps"] if s["outcome"] == "failed")["message"]
    assert "operands_swapped.py:" in message and "return input_to_function @ linear_function" in message
    assert "mat1 and mat2 shapes cannot be multiplied (4x2 and 3x2)" in message
    assert "input_to_function is 4 × 2 (float32) and linear_function is 3 × 2 (float32)" in message
    assert "the last size of a must equal the first size of b, but here they are 2 and 3" in message


def test_first_failure_only_stops_the_run_there(tmp_path):
    """verify judges a mistake by its first failure, so it asks the engine to stop there (--maxfail=1)."""
    ex = COURSE.find("15")
    mistake = _wrong(tmp_path, "15_nudge_tensor_towards_minimum/uphill.mistake")
    with Engine() as engine:
        short = engine.check(CheckRequest(ex, mistake, first_failure_only=True))
        full = engine.check(CheckRequest(ex, mistake))
    outcomes = [s.outcome for s in short.steps]
    first = outcomes.index("failed")
    assert set(outcomes[first + 1:]) == {"skipped"}, outcomes
    assert [s.outcome for s in full.steps].count("failed") > 1


def test_every_exercise_has_at_least_two_mistakes():
    counts = {ex.id: len(catalogue(ex)) for ex in COURSE.exercises}
    assert all(n >= 2 for n in counts.values()), counts
    for ex in COURSE.exercises:
        for mistake in catalogue(ex):
            assert mistake.expects, f"{mistake.path} declares no `# expect:`"
