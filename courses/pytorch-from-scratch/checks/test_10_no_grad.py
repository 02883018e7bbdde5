"""Checks for 10 no_grad: grad mode, `with no_grad():`, Tensor._result and Tensor.detach.

A `with` block cannot run on the learner's objects from the check's side in a graded run, so each
scenario runs next to the learner's code (`learner_side`) and reports what it saw, as data.
"""

import numpy as np
import torch

from kata.expect import fail, learner_side


def _modes(ex, scenario):
    """Next to the learner's code: is_grad_enabled() at each point of a scenario, in order."""
    seen = [ex.is_grad_enabled()]
    if scenario == "plain":
        with ex.no_grad():
            seen.append(ex.is_grad_enabled())
    elif scenario == "nested":
        with ex.no_grad():
            seen.append(ex.is_grad_enabled())
            with ex.no_grad():
                seen.append(ex.is_grad_enabled())
            seen.append(ex.is_grad_enabled())
    else:
        try:
            with ex.no_grad():
                seen.append(ex.is_grad_enabled())
                raise KeyError("raised inside the block")
        except KeyError:
            seen.append("propagated")
    seen.append(ex.is_grad_enabled())
    return seen


def _seen(ex, scenario):
    try:
        return learner_side(ex, _modes)(ex, scenario)
    except UnboundLocalError as exc:
        fail(f"`with no_grad():` failed with UnboundLocalError: {exc}\nA function that assigns a module-level name "
             "makes it local to the function unless it says otherwise: a function that assigns a module-level name "
             "needs `global` (here `global _grad_enabled`).")


def test_the_flag(exercise):
    """is_grad_enabled() is True, False inside `with no_grad():`, and True again after it"""
    seen = _seen(exercise, "plain")
    if seen[0] is not True:
        fail(f"is_grad_enabled() is {seen[0]!r} outside any no_grad block: grad mode is on by default (True).")
    if seen[1] is not False:
        fail(f"is_grad_enabled() is {seen[1]!r} inside `with no_grad():`; it should be False. no_grad.__enter__ "
             "must turn the module-level flag off (a function that assigns a module-level name needs `global`).")
    if seen[2] is not True:
        fail(f"is_grad_enabled() is {seen[2]!r} after the `with no_grad():` block; it should be True again: "
             "__exit__ puts the flag back.")


def test_nested_blocks(exercise):
    """nested no_grad blocks leave grad mode off until the outer one ends"""
    seen = _seen(exercise, "nested")
    if seen[1:4] != [False, False, False]:
        fail(f"is_grad_enabled() went {seen[1:4]} in: `with no_grad():` (1) `with no_grad():` (2), after the inner "
             "block (3); it should stay False until the outer block ends. Nested blocks: __exit__ restores what the "
             "flag was when its own block began (remember it in __enter__), not simply True.")
    if seen[4] is not True:
        fail(f"is_grad_enabled() is {seen[4]!r} after nested no_grad blocks; it should be True again.")


def test_an_exception_in_the_block(exercise):
    """an exception inside the block propagates, and grad mode is on again afterwards"""
    seen = _seen(exercise, "raises")
    if seen[2] != "propagated":
        fail("an exception raised inside `with no_grad():` did not come out of the block: __exit__ must return "
             "False (or None), or it swallows the exception.")
    if seen[3] is not True:
        fail(f"is_grad_enabled() is {seen[3]!r} after a no_grad block that raised; it should be True again: "
             "__exit__ runs on exceptions too.")


def _record(ex, mode):
    """Next to the learner's code: what a result records, made inside or outside no_grad, or from constants."""
    a = ex.Tensor([1.0, 2.0], requires_grad=True)
    c = ex.Tensor([3.0, 4.0])
    if mode == "no_grad":
        with ex.no_grad():
            first = a * 2.0  # its parent requires grad: what the last step alone would hide
            out = first + c
    elif mode == "constants":
        first = c * 2.0
        out = first + c
    else:
        first = a * 2.0
        out = first + c
    return {"requires_grad": out.requires_grad, "parents": len(out._parents), "backward": out._backward is not None,
            "data": out.data, "first": {"requires_grad": first.requires_grad, "parents": len(first._parents),
                                        "backward": first._backward is not None}}


def test_results_under_no_grad(exercise):
    """a result made under no_grad does not require grad and records nothing"""
    got = learner_side(exercise, _record)(exercise, "no_grad")
    _same(got["data"], np.array([5.0, 8.0]), "(a * 2.0 + c).data under no_grad")
    if got["requires_grad"]:
        fail("under `with no_grad():`, a * 2.0 + c requires grad (a requires grad): with grad mode off, a result "
             "never requires grad. Tensor._result decides it: only when is_grad_enabled() and a parent requires grad.")
    for what, seen in (("a * 2.0", got["first"]), ("a * 2.0 + c", got)):
        if seen["requires_grad"]:
            fail(f"under `with no_grad():`, {what} requires grad (a requires grad): with grad mode off, a result "
                 "never requires grad. Tensor._result decides it: only when is_grad_enabled() and a parent requires "
                 "grad.")
        if seen["parents"] or seen["backward"]:
            fail(f"under `with no_grad():`, {what} still records its parents or its backward function: with grad "
                 "mode off, Tensor._result makes a plain Tensor (no _parents, _backward None), so no graph is kept, "
                 "whatever its parents require.")


def test_results_outside_no_grad(exercise):
    """in grad mode, a result requires grad and records its graph only when a parent requires grad"""
    got = learner_side(exercise, _record)(exercise, "grad")
    _same(got["data"], np.array([5.0, 8.0]), "(a * 2.0 + c).data")
    if not got["requires_grad"] or not got["parents"] or not got["backward"]:
        fail("a * 2.0 + c, with a requiring grad and grad mode on, should require grad and record its parents and "
             "backward function (Tensor._result), so that backward() can go through it.")
    got = learner_side(exercise, _record)(exercise, "constants")
    if got["requires_grad"] or got["parents"] or got["backward"]:
        fail("c * 2.0 + c, where nothing requires grad, should not require grad nor record a graph: Tensor._result "
             "records only when some parent requires grad.")


def _detach(ex, x):
    """Next to the learner's code: y = x.detach() * x, and x's gradient after y.sum().backward()."""
    a = ex.Tensor(x, requires_grad=True)
    d = a.detach()
    info = {"same_object": d is a, "requires_grad": d.requires_grad, "parents": len(d._parents), "data": d.data}
    (d * a).sum().backward()
    info["grad"] = a.grad
    info["x_after"] = a.data
    return info


def test_detach(exercise):
    """x.detach() has x's values, as a new leaf cut off from the graph"""
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    got = learner_side(exercise, _detach)(exercise, x)
    if got["same_object"]:
        fail("x.detach() returned x itself; it makes a new Tensor with the same values.")
    _same(got["data"], x, "x.detach().data")
    if got["requires_grad"] or got["parents"]:
        fail("x.detach() requires grad or has parents: it is a new leaf outside any graph, which does not require "
             "grad.")
    t = torch.tensor(x, requires_grad=True)
    (t.detach() * t).sum().backward()
    _same(got["grad"], t.grad.numpy(), "the gradient of x in (x.detach() * x).sum()",
          " Only the second factor carries a gradient back to x: the detached one is a constant.")


def _index(i):
    return "(" + ", ".join(str(int(v)) for v in i) + ("," if len(i) == 1 else "") + ")"


def _same(got, want, what, hint=""):
    if got is None:
        fail(f"{what} is None.")
    got = np.asarray(got, dtype=np.float64)
    if got.shape != want.shape:
        fail(f"{what} has shape {got.shape}, but it should have shape {want.shape}.")
    wrong = ~np.isclose(got, want, atol=1e-9, rtol=1e-7)
    if wrong.any():
        index = tuple(int(i) for i in np.argwhere(wrong)[0])
        fail(f"{what} is wrong at index {_index(index)}, its first wrong entry: expected {want[index]:.6g}, got "
             f"{got[index]:.6g}.{hint}")
