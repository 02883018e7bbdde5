"""Tools for instructors and graders, beside the learner's loop.

- `verify/`: proves a course checks itself (stubs fail, solutions pass, flaky steps, budgets,
  every step failed by some mutant from `mutants/`, the catalogue's mistakes caught).
- `mistakes/`: the catalogue of known wrong answers (`.mistake` patches), and recording one.
- `scaffold`: `kata new`, inserting an exercise without disturbing progress.
- `grade`, `submissions` and `grade_one`: a class's submissions checked in
  parallel (over `kata.engine.pool`); `gradebook` and `report_html` render the result;
  `cluster/` grades the same way on Dask.
"""
