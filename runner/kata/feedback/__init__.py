"""Failure messages that teach; used inside the check child.

- `failures`: an exception → what the learner reads, from `frames` (their frames as
  `file:line`), `operands` (the shapes that met in a torch shape error) and `pointer` (the
  part of their file a check's own failure is about); `source` reads their file with `ast`.
- `expectation`: `ExpectationFailed` and `fail`, below `kata.expect` and `shapecheck`.
- `compare`: `assert_close` and `assert_floats_close`, whose messages come from `diagnose`
  (naming common tensor mistakes: transposed, wrong softmax dim, off by a factor, missing
  bias, NaN) and `updates` (in place, rebound, accumulated), over `arrays`.
- `picture_build` and `picture`: a failed comparison drawn as heat grids, built in the child,
  rendered by the CLI; `plots` draws loss curves and digits for the demos.
- `shapecheck`: runs a learner's function under jaxtyping + beartype and says in one
  sentence which annotated shape broke.

Check authors use these through `kata.expect`.
"""
