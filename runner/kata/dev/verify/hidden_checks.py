"""Hidden checks under `kata verify`: the solution passes them, the stub fails them, and the manifest's
marking names real steps (kata.dev.hidden.hidden_problems). A hidden check that fails the right answer
would cost every student its points in `kata grade`, where nobody sees why; verify is where it shows.
"""

from __future__ import annotations

from kata.dev.hidden import hidden_exercise, hidden_problems
from kata.dev.verify.verdicts import step_label
from kata.engine import CheckRequest, Engine
from kata.engine.supervisor import checks_could_not_run
from kata.course import Exercise
from kata.results import PASSED


def hidden_check_problems(engine: Engine, ex: Exercise, judged: bool = False) -> list[str]:
    """The hidden checks' problems for `ex` (none when it has no hidden module but its weights are right)."""
    problems = hidden_problems(ex)
    hidden = hidden_exercise(ex)
    if hidden is None:
        return problems
    where = ex.hidden.relative_to(ex.root)
    for mode in (False, True) if judged else (False,):
        said = " (judged, as kata grade runs them)" if mode else ""
        solution = engine.check(CheckRequest(hidden, ex.solution, f"solutions/{ex.filename} (hidden checks)",
                                             judged=mode))
        if checks_could_not_run(solution):
            return problems + [f"{where} cannot run{said}: {solution.message}"]
        problems += [f"hidden {step_label(step)} fails on the solution{said}, so no student could earn it: "
                     f"{(step.message or step.outcome).strip().splitlines()[-1]}"
                     for step in solution.steps if step.outcome != PASSED]
    stub = engine.check(CheckRequest(hidden, ex.stub, f"exercises/{ex.filename} (hidden checks)"))
    problems += [f"hidden {step_label(step)} passes on the stub, so it gives points for writing nothing: make it "
                 f"test the learner's work, or, if that is deliberate, add `stub_may_pass = [\"{step.name}\"]`."
                 for step in stub.steps if step.outcome == PASSED and step.name not in ex.stub_may_pass]
    return problems
