"""Feedback that teaches, on the bundled course through the real `kata check --file`.

The catalogue of known mistakes is caught as declared for every exercise, each failure reads in at
most 15 lines without progress bars or library warnings (one run of the catalogue serves both), and
a shape mismatch, a transposed result, a softmax over the wrong dimension and a rebound parameter
each read in at most 15 lines with the words that name the mistake.
"""

import json
import re

import pytest

from kata import report
from kata.course import load_course
from kata.engine import CheckRequest, Engine
from kata.dev.mistakes.catalogue import catalogue, judge, run_mistakes, wrong_source

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


@pytest.fixture(scope="module")
def mistake_runs():
    """Every catalogued mistake of the course through one warm engine, once, each stopped at its first
    failure (`run_mistakes`, as `kata verify` runs them): both tests below read these runs."""
    with Engine() as engine:
        return {ex.id: run_mistakes(engine, ex) for ex in COURSE.exercises}


@pytest.mark.timeout(600)  # the fixture's runs, under the first test that asks for them
def test_every_catalogued_mistake_is_caught_as_declared(mistake_runs):
    problems = {ident: [problem for mistake, result in runs if (problem := judge(mistake, result))]
                for ident, runs in mistake_runs.items()}
    assert not any(problems.values()), json.dumps({k: v for k, v in problems.items() if v}, indent=1)


@pytest.mark.timeout(600)
def test_every_catalogued_mistake_fails_in_at_most_15_lines_without_noise(mistake_runs):
    """What learners reported: a failure that scrolled off the screen, progress bars and library warnings in it."""
    too_long, noisy = [], []
    for runs in mistake_runs.values():
        for mistake, result in runs:
            assert result is not None, judge(mistake, result)  # a patch that no longer applies: no run to read
            text = report.render_result(result)
            failure = text.split("\n\nFirst failure", 1)[-1].splitlines()
            if len(failure) > MAX_LINES:
                too_long.append(f"{mistake.path.name}: {len(failure)} lines\n{text}")
            warnings = re.findall(r"^\s*(\S+):\d+: \w+Warning: (.*)$", text, flags=re.M)
            # a warning stays only when it is about the learner's own line, and then in one short line
            if (re.search(r"it/s\]|\d+/\d+ \[\d\d:|site-packages", text)
                    or any(where != str(mistake.file) or len(what) > 160 for where, what in warnings)):
                noisy.append(f"{mistake.path.name}:\n{text}")
    assert not too_long, "\n\n".join(too_long)
    assert not noisy, "\n\n".join(noisy)
