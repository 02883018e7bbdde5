"""torch's autograd errors, said in words: a graph cut by `.data` or `.detach()`, a value changed in place.

torch's own wording ("element 0 of tensors does not require grad and does not have a grad_fn")
names neither the cause nor the fix. `graph_advice` reads the exception's message (wherever it was
raised: the learner's `backward()` or a check's) and returns a sentence that does, or None.
"""

from __future__ import annotations

NO_GRAPH = "does not require grad and does not have a grad_fn"
IN_PLACE = "modified by an inplace operation"


def graph_advice(message: str) -> str | None:
    if NO_GRAPH in message:
        return ("The computational graph was cut: backward() was called on a value that no tensor requiring grad "
                "led to. A value computed from `x.data` or `x.detach()` (or rebuilt from `.item()`, `.tolist()`, "
                "`.numpy()`) is cut off from x, so no gradient can flow back to it. Use the tensor itself (`x`, not "
                "`x.data` or `x.detach()`) everywhere on the way to the loss; detach only what you return or print.")
    if IN_PLACE in message:
        return ("A tensor that backward() needs was changed in place after it was used on the way to the loss (by "
                "an optimizer step, `x -= ...`, `x.data[...] = ...`, a mutating `x.detach().mul_(...)` or another "
                "method ending in `_`): backward() needs its old value. Call backward() before changing it, or "
                "compute a new tensor instead of changing that one.")
    return None
