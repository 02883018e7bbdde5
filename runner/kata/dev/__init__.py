"""Tools for instructors and graders, beside the learner's loop.

- `verify`: proves a course checks itself (stubs fail, solutions pass, flaky steps, budgets).
- `mistakes`: the catalogue of known wrong answers, and proof that each is caught.
- `scaffold`: `kata new`, inserting an exercise without disturbing progress.
- `grade` and `gradebook`: a class's submissions checked in parallel, as tables.
- `pool`: one warm engine per core, for the batch work above.
"""
