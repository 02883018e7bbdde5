"""Points: what a verdict earns under the course's marking (kata.points), the same in every output.

One rule, used by the table, JSON, CSV, JUnit XML and HTML alike, so no two outputs can disagree:

- an exercise is worth its `points`, or, when the course gives none, one point per step;
- partial credit: the points times the weight of the steps that passed over the weight of all its
  steps (each step weighs 1 unless `weights` says otherwise); with `all_or_nothing`, the points
  only when every step passed;
- an exercise's points are rounded to two places; a submission's points are the sum of those over
  the exercises graded (so every output's parts add up to its total), its `score` points over the
  maximum (0 to 1). A course that says nothing scores exactly as before: steps passed over all steps.

Hidden steps (kata.dev.hidden) count like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from kata.course import Exercise
from kata.results import CheckResult

DECIMALS = 2  # points are rounded to this many places where shown or stored


@dataclass(frozen=True)
class Points:
    earned: float
    maximum: float

    def __add__(self, other: "Points") -> "Points":
        return Points(self.earned + other.earned, self.maximum + other.maximum)

    @property
    def share(self) -> float:
        """earned / maximum, 0.0 to 1.0 (0.0 when nothing is at stake)."""
        return round(self.earned / self.maximum, 4) if self.maximum else 0.0

    def __str__(self) -> str:
        return f"{number(self.earned)}/{number(self.maximum)}"


def number(value: float) -> str:
    """Points as people write them: 3, 2.5, 3.33 (never 3.0 or 3.3333333)."""
    text = f"{round(value, DECIMALS):.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def exercise_points(ex: Exercise, result: CheckResult) -> Points:
    """What `result` (a verdict on `ex`, hidden steps merged in) earns."""
    marking = ex.marking
    steps = result.steps
    maximum = float(len(steps)) if marking.points is None else marking.points
    if not steps:
        return Points(0.0, maximum)
    if marking.all_or_nothing:
        return Points(maximum if all(s.passed for s in steps) else 0.0, maximum)
    total = sum(marking.weight(s.name) for s in steps)
    if total <= 0:  # every step weighs 0: nothing to share out, so the points go with passing everything
        return Points(maximum if all(s.passed for s in steps) else 0.0, maximum)
    passed = sum(marking.weight(s.name) for s in steps if s.passed)
    # Rounded here, where each exercise's points are made, to the places every output shows: a total is
    # then the sum of what the rows show (6.67 + 6.67 = 13.34 in the CSV, JUnit and Gradescope alike),
    # never 13.33 beside two 6.67s.
    return Points(round(maximum * passed / total, DECIMALS), maximum)


def total_points(exercises: Iterable[Exercise], results: Iterable[CheckResult]) -> Points:
    """A submission's points: its results matched to the exercises by name."""
    by_name = {ex.name: ex for ex in exercises}
    points = Points(0.0, 0.0)
    for result in results:
        ex = by_name.get(result.name)
        if ex is not None:
            points = points + exercise_points(ex, result)
    return points


def unknown_weights(ex: Exercise, steps: Iterable[str]) -> list[str]:
    """Step names the exercise's `weights` give that are not among `steps`: a typo would silently weigh 1."""
    known = {s.split("[", 1)[0] for s in steps}
    return [name for name, _ in ex.marking.weights if name not in known]
