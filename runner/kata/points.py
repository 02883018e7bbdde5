"""How a course says an exercise is marked: `points`, `weights`, `all_or_nothing`, `hidden_titles`.

Read from each `[[exercise]]` table of kata.toml, every bad value a KataError with its fix. A
course that says nothing keeps the old score (each step one point: the share of steps passed);
`kata.dev.scoring` turns a verdict into points. Kept apart from course.py so the manifest's reader
stays small; pure, standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass

from kata.errors import KataError

ALL = "*"  # hidden_titles = true: every hidden step shows its title


@dataclass(frozen=True)
class Marking:
    """An exercise's marking. `points` None: one point per step (the default, today's score)."""

    points: float | None = None
    weights: tuple[tuple[str, float], ...] = ()  # step function name -> its weight (others weigh 1)
    all_or_nothing: bool = False  # the points only when every step passes
    hidden_titles: tuple[str, ...] = ()  # hidden steps whose title a student may see; (ALL,) for every one

    def weight(self, step: str) -> float:
        base = step.split("[", 1)[0]  # a parametrized step `test_x[2]` weighs what `test_x` does
        return next((w for name, w in self.weights if name == base), 1.0)

    def title_shown(self, step: str) -> bool:
        return ALL in self.hidden_titles or step.split("[", 1)[0] in self.hidden_titles


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value  # not NaN


def parse_marking(entry: dict, where: str) -> Marking:
    """The marking of one exercise's table; `where` names it in every error ("kata.toml, exercise #2 (add)")."""
    points = entry.get("points")
    if points is not None and (not _number(points) or points < 0 or points == float("inf")):
        raise KataError(f"{where}: points must be a number of 0 or more, not {points!r}.",
                        "Write e.g. `points = 10` (or leave it out: one point per step).")
    weights = entry.get("weights", {})
    if not isinstance(weights, dict) or not all(
            isinstance(k, str) and _number(v) and 0 <= v < float("inf") for k, v in weights.items()):
        raise KataError(f"{where}: weights must be a table of step names to numbers of 0 or more, not {weights!r}.",
                        'Write e.g. `weights = { test_shape = 1, test_values = 3 }` (a step left out weighs 1).')
    all_or_nothing = entry.get("all_or_nothing", False)
    if not isinstance(all_or_nothing, bool):
        raise KataError(f"{where}: all_or_nothing must be true or false, not {all_or_nothing!r}.",
                        "Write `all_or_nothing = true` to give the points only when every step passes.")
    if all_or_nothing and weights:
        raise KataError(f"{where}: weights and all_or_nothing = true cannot go together: with all or nothing, "
                        "no step earns a share of the points.", "Drop one of them.")
    shown = entry.get("hidden_titles", False)
    if isinstance(shown, bool):
        titles: tuple[str, ...] = (ALL,) if shown else ()
    elif isinstance(shown, list) and all(isinstance(s, str) for s in shown):
        titles = tuple(shown)
    else:
        raise KataError(f"{where}: hidden_titles must be true, false or a list of hidden step names, not {shown!r}.",
                        'Write e.g. `hidden_titles = ["test_large_inputs"]` (default false: a student sees only '
                        "that hidden checks exist).")
    return Marking(None if points is None else float(points),
                   tuple((k, float(v)) for k, v in weights.items()), all_or_nothing, titles)
