"""Failure messages that teach; used inside the check child.

- `failures`: an exception → the learner's frames as `file:line`, the caret of a
  syntax error, the shapes that met in a torch shape error.
- `diagnose`: names a common tensor mistake when a comparison fails (transposed,
  wrong softmax dim, off by a factor, missing bias, NaN, in place, rebound, accumulated).
- `shapecheck`: runs a learner's function under jaxtyping + beartype and says in one
  sentence which annotated shape broke.

Check authors use these through `kata.expect`.
"""
