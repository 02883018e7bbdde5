"""What kata says to a learner, in one place, so each thing is said one way.

Every message ends in the next step the learner can take. Pure strings: the CLI, watch and
the IPython extension decide where they go. Wording here is what the e2e tests read.
"""

from __future__ import annotations

import signal

from kata.course import Exercise

ALL_FINISHED = "Every exercise is done or skipped."
LAST_EXERCISE = "That was the last exercise of the course. Congratulations! `kata list` shows any you skipped."
NOT_IN_WORKSPACE_FIX = "Start one with `kata init DIR` (then `cd DIR`), or run this inside a workspace."


def name(ex: Exercise) -> str:
    return f"{ex.id} {ex.name}"


# ---- where the learner is ----

def all_finished(next_step: str = "`kata check ID` re-checks one; `kata list` shows where you are.") -> str:
    return f"{ALL_FINISHED} {next_step}"


def unlocked(ex: Exercise, path: str) -> str:
    """`kata check`'s line when a pass unlocks the next exercise."""
    return f"Unlocked: {ex.id} {ex.title} → {path}"


def unlocked_on_screen(ex: Exercise, path: str, keys: bool) -> str:
    return f"✓ Done! Unlocked {ex.id} {ex.title} → {path}" + ("  (press n to go on)" if keys else "")


def done_on_screen(keys: bool, last: bool) -> str:
    if last:
        return f"✓ Done! {LAST_EXERCISE}"
    return "✓ Done!" + ("  (press n to go on)" if keys else "")


def locked(ex: Exercise, first: Exercise) -> str:
    return f"{name(ex)} is locked: finish {name(first)} first (or `kata skip {first.id}`)."


def finish_first(ex: Exercise) -> str:
    return f"Finish {name(ex)} first, or run `kata skip {ex.id}`."


def missing(label: str, ex: Exercise) -> str:
    return f"{label} is missing. Run `kata reset {ex.id}` to get the stub back."


# ---- skip ----

NOTHING_TO_SKIP = f"{ALL_FINISHED} There is nothing to skip."
NOTHING_TO_SKIP_FIX = "`kata list` shows where you are; `kata check ID` re-checks one."


def cannot_skip_locked(ex: Exercise, first: Exercise) -> tuple[str, str]:
    return (f"{name(ex)} is locked ({name(first)} is not finished), so it cannot be skipped yet.",
            f"Finish {first.id} first, or skip it with `kata skip {first.id}`.")


def already(ex: Exercise, status: str) -> str:
    return f"{name(ex)} is already {status}; nothing changed. `kata list` shows where you are."


def skip_brings_answer(ex: Exercise, answers: dict[Exercise, list[str]], paths: dict[Exercise, str]
                       ) -> tuple[str, str, str, str]:
    """Before a skip whose next stub holds the skipped exercise's answer: the notice, the question, and
    the refusal and its fix where there is no terminal to ask in."""
    held = "; ".join(f"{paths[into]} holds {', '.join(names[:4])}{' and more' if len(names) > 4 else ''}"
                     for into, names in answers.items())
    notice = (f"Skipping {name(ex)} writes the next exercise's stub, and it carries {ex.id}'s answer as "
              f"working code (so that it runs on its own): {held}.")
    return (notice, f"Skip {ex.id} and write it anyway?",
            f"Skipping {name(ex)} would put its answer in your workspace, so it was not skipped.",
            f"Run `kata skip {ex.id} --yes` to skip it anyway, or keep at it: `kata hint {ex.id}` gives a nudge.")


def locked_stub(ex: Exercise, first: Exercise) -> tuple[str, str]:
    """`kata reset` of a locked exercise: its stub appears when it unlocks."""
    return (f"{name(ex)} is locked, so it has no stub yet: it appears in exercises/ when {ex.id} unlocks.",
            f"Finish {name(first)} first, or skip it with `kata skip {first.id}`.")


def stub_written(path: str, ex: Exercise) -> str:
    return f"{path} is the original stub again. `kata check {ex.id}` checks it."


def skipped(ex: Exercise, following: Exercise | None, path: str, built_on: bool = False) -> str:
    """`built_on`: later exercises import this one (kata.earlier), so say what kata puts in its place."""
    substitute = (f" Later exercises build on {ex.id}: kata checks them with the reference {ex.id} in place of "
                  f"yours (running a file yourself still uses your {ex.id})." if built_on else "")
    if following is None:
        return f"Skipped {name(ex)}.{substitute} {all_finished()}"
    return f"Skipped {name(ex)}.{substitute} Next: {following.id} {following.title} → {path}"


# ---- hints and solutions ----

def no_hints(ex: Exercise) -> str:
    return f"{name(ex)} has no hints. `kata solution {ex.id}` shows the solution."


def hint(ex: Exercise, number: int) -> str:
    return f"Hint {number}/{len(ex.hints)} for {name(ex)}: {ex.hints[number - 1]}"


def hint_on_screen(ex: Exercise, number: int) -> str:
    return f"Hint {number}/{len(ex.hints)}: {ex.hints[number - 1]}"


def last_hint(ex: Exercise) -> str:
    return f"That was the last hint. `kata solution {ex.id}` shows the solution."


def solution_held(ex: Exercise) -> tuple[str, str, str]:
    """The question, and the refusal and its fix where there is no terminal to ask in."""
    return (f"{name(ex)} is not done yet. Show the solution anyway?",
            f"{name(ex)} is not done yet, so its solution is held back.",
            f"Finish it first, or run `kata solution {ex.id} --yes` to see it anyway.")


KEPT_HIDDEN = "Kept hidden. `kata hint` gives a nudge instead."
NOTHING_CHANGED = "Nothing changed. `kata list` shows where you are."


# ---- saving progress ----

def unsaved(why: str, where: object) -> str:
    return (f"warning: your progress could not be saved ({why}), so the verdicts above are not recorded. "
            f"Make {where} writable to keep your progress.")


def goodbye(unsaved_why: str | None) -> str:
    if unsaved_why is None:
        return "Bye! Your progress is saved."
    return (f"Bye! Your progress could not be saved ({unsaved_why}): the verdicts above are not recorded. "
            "Make the workspace's .kata folder writable to keep them next time.")


def cell_not_recorded(ex, path: str) -> str:
    """After a `%%kata` cell's verdict: it was the cell's code, not the saved file's."""
    return (f"Not recorded: this is your cell's verdict, not your saved {path}'s, so {ex.id} is not marked done "
            f"and nothing unlocks. Put the code in {path}, save it, and run `%kata check {ex.id}`.")


def death_verdict(status: tuple[int | None, int | None]) -> str:
    """How a child died, in words a learner can act on."""
    code, sig = status
    if sig is not None:
        if sig == signal.SIGSEGV:
            return "your code crashed Python with a segmentation fault (e.g. ctypes reading a bad address)"
        if sig == signal.SIGKILL:
            return "the check was killed by the system, most likely because your code used too much memory"
        if sig == signal.SIGXCPU:
            return "your code used more CPU time than a check allows, and was stopped"
        if sig == signal.SIGABRT:
            return "your code aborted the Python process (SIGABRT), often a failed check inside a C library"
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        return f"the check process was ended by {name}"
    if code is None:
        return "the check process disappeared"
    return (f"your code ended the check process with exit code {code} (os._exit, or a crash in C code); "
            "a check needs your function to return")
