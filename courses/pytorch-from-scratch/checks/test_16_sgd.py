"""Checks for 16 sgd: SGD's step() and zero_grad(), step by step against torch.optim.SGD.

Each scenario runs next to the learner's code (`learner_side`): Parameters are made from arrays, their
gradients set, and the optimizer stepped; the values after each step come back as data and are
compared with torch.optim.SGD given the same parameters and gradients. hypothesis draws shapes,
values, learning rates and gradients.
"""

import gc
import itertools
import math
import os

import numpy as np
import torch
from hypothesis import example, given, seed, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import providers
from torch.optim.sgd import sgd

from kata.expect import fail, learner_side

# Two costs of hypothesis's first run, cut: it scans the source of every loaded module for constants to
# try (~0.3 s with torch loaded, cached in a .hypothesis/ folder in the learner's workspace), and it calls
# gc.collect(), which walks all of torch's objects unless they were frozen first.
providers._get_local_constants = lambda: providers._local_constants
gc.freeze()

# Every shape of 0 to 2 dimensions with sides 1 to 3, smallest first: what
# hypothesis.extra.numpy.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3) draws, listed once (a
# sampled_from draws in ~0.1 ms, array_shapes in ~1 ms), so that shrinking still ends on the smallest.
_ALL_SHAPES = sorted((s for d in range(0, 3) for s in itertools.product(range(1, 4), repeat=d)),
                     key=lambda s: (math.prod(s), len(s), s))
SHAPES = st.sampled_from(_ALL_SHAPES)


def _cases(n=None):
    """A property-based step: its @examples, then the random examples of conftest.py's hypothesis profile (or n),
    drawn from kata's seed (verify --seeds varies it), then the smallest failing one, found by shrinking."""

    def wrap(test):
        if n is not None:
            test = settings(max_examples=n)(test)
        return seed(int(os.environ.get("KATA_SEED", "0")))(test)

    return wrap


def _index(i):
    return "(" + ", ".join(str(int(v)) for v in i) + ("," if len(i) == 1 else "") + ")"


def _steps(ex, starts, grads, lr, as_generator):
    """Next to the learner's code: SGD over Parameters made from `starts`; before step k each .grad is grads[k][i]
    (None: no gradient). The values after every step, and whether the Parameters stayed the same leaves."""
    params = [ex.Parameter(s) for s in starts]
    optimizer = ex.SGD((p for p in params) if as_generator else params, lr=lr)
    seen = []
    for step in grads:
        for p, g in zip(params, step):
            p.grad = None if g is None else np.array(g, dtype=np.float64)
        optimizer.step()
        seen.append([np.array(p.data) for p in params])
    leaves = all(p.requires_grad and p._backward is None and not p._parents for p in params)
    return {"seen": seen, "leaves": leaves}


def _torch_steps(starts, grads, lr):
    """torch.optim.SGD's steps, through torch.optim.sgd.sgd: the update SGD.step() runs, without SGD.step()'s
    first-call import of torch._dynamo (seconds)."""
    params = [torch.tensor(s) for s in starts]
    seen = []
    for step in grads:
        with_grad = [(p, torch.tensor(g)) for p, g in zip(params, step) if g is not None]
        with torch.no_grad():
            sgd([p for p, _ in with_grad], [g for _, g in with_grad], [None] * len(with_grad), weight_decay=0.0,
                momentum=0.0, lr=lr, dampening=0.0, nesterov=False, maximize=False, foreach=False)
        seen.append([p.numpy().copy() for p in params])
    return seen


def _check(ex, starts, grads, lr, example, as_generator=False, run=None):
    run = run or learner_side(ex, _steps)
    got = run(ex, starts, grads, lr, as_generator)
    want = _torch_steps(starts, grads, lr)
    for k, (values, wants) in enumerate(zip(got["seen"], want)):
        for i, (value, w) in enumerate(zip(values, wants)):
            value = np.asarray(value, dtype=np.float64)
            before = np.asarray(starts[i] if k == 0 else got["seen"][k - 1][i], dtype=np.float64)
            g = grads[k][i]
            if value.shape != w.shape:
                fail(f"after step {k + 1}, parameter {i} has shape {value.shape}, but it should keep its shape "
                     f"{w.shape}.{example}")
            wrong = ~np.isclose(value, w, atol=1e-12, rtol=1e-9)
            if not wrong.any():
                continue
            index = tuple(int(j) for j in np.argwhere(wrong)[0])
            at = f" at index {_index(index)}, its first wrong entry" if index else ""
            message = (f"after step {k + 1}, parameter {i} is wrong{at}: expected {w[index]:.8g}, got "
                       f"{value[index]:.8g}, having been {before[index]:.8g}")
            message += f" with gradient {np.asarray(g)[index]:.6g} and lr = {lr:g}." if g is not None else \
                " with no gradient (.grad None)."
            if np.array_equal(value, before) and g is not None:
                message += (" It did not move: step() must change each parameter's values (p.data), not rebind a "
                            "name or make a new Parameter." if k == 0 else
                            " It did not move at this step although earlier steps worked: if params was a generator "
                            "(as model.parameters() may be), it was used up by the first step; keep list(params).")
            elif g is not None and np.allclose(value, before + lr * np.asarray(g)):
                message += " It moved uphill: subtract lr times the gradient."
            elif g is not None and np.allclose(value, before - np.asarray(g)):
                message += " It moved by the whole gradient, without the learning rate."
            fail(message + example)
    if not got["leaves"]:
        fail("after step(), a parameter no longer is a leaf that requires grad (it has parents or a backward "
             "function, or requires_grad changed): the update changes only the values, p.data, and records nothing."
             + example)


def test_one_step(exercise):
    """one step moves each parameter by -lr times its gradient, as torch.optim.SGD"""
    starts = [np.array([1.0, -2.0, 3.0]), np.array([[0.5, 0.25], [-1.0, 2.0]])]
    grads = [[np.array([0.5, 1.0, -2.0]), np.array([[1.0, 0.0], [4.0, -1.0]])]]
    _check(exercise, starts, grads, 0.1, "\n  Two parameters, lr = 0.1, one step.")


def test_many_steps(exercise):
    """several steps with changing gradients follow torch.optim.SGD exactly"""
    run = learner_side(exercise, _steps)

    @_cases()
    @given(shapes=st.lists(SHAPES, min_size=1, max_size=3), steps=st.integers(1, 4),
           lr=st.sampled_from([0.1, 0.5, 1.0, 0.01]), values=st.integers(0, 2**16))
    @example(shapes=[(2,)], steps=3, lr=0.1, values=0)
    def prop(shapes, steps, lr, values):
        rng = np.random.default_rng(values)
        starts = [rng.uniform(-2, 2, s) for s in shapes]
        grads = [[rng.uniform(-1, 1, s) for s in shapes] for _ in range(steps)]
        example = (f"\n  The smallest failing example (found by hypothesis): parameters of shapes {shapes}, "
                   f"{steps} step(s) with lr = {lr}.")
        _check(exercise, starts, grads, lr, example, run=run)

    prop()


def test_parameters_without_a_gradient(exercise):
    """a parameter whose .grad is None is left as it is"""
    starts = [np.array([1.0, 2.0]), np.array([3.0])]
    grads = [[np.array([1.0, 1.0]), None], [None, np.array([2.0])]]
    try:
        _check(exercise, starts, grads, 0.5, "\n  Two parameters; at each step one of them has .grad None.")
    except TypeError as exc:
        fail(f"step() failed with TypeError: {exc}\nA parameter whose .grad is None took no part in the loss: skip "
             "it, as torch.optim.SGD does.")


def test_params_given_as_a_generator(exercise):
    """params may be a generator (model.parameters() can be one): every step updates them all"""
    starts = [np.array([1.0, 2.0]), np.array([-1.0])]
    grads = [[np.array([1.0, -1.0]), np.array([2.0])]] * 3
    _check(exercise, starts, grads, 0.1, "\n  SGD((p for p in params), lr=0.1), three steps.", as_generator=True)


def _zero(ex):
    """Next to the learner's code: zero_grad() after gradients were set; each .grad afterwards."""
    params = [ex.Parameter(np.ones(2)), ex.Parameter(np.ones((2, 2)))]
    optimizer = ex.SGD(params, lr=0.1)
    for p in params:
        p.grad = np.ones(p.data.shape)
    optimizer.zero_grad()
    return [p.grad for p in params]


def test_zero_grad(exercise):
    """zero_grad() sets every parameter's .grad to None"""
    grads = learner_side(exercise, _zero)(exercise)
    if any(g is not None for g in grads):
        fail(f"after zero_grad(), the parameters' .grad are {[None if g is None else np.asarray(g).tolist() for g in grads]}; "
             "they should all be None, as torch.optim.SGD.zero_grad() leaves them by default.")


def _two(ex):
    """Next to the learner's code: two optimizers over their own parameters and a parameter neither was given, every
    .grad set; after each call, every parameter's values and whether its .grad is still the array set."""
    a = [ex.Parameter(np.array([1.0, 2.0])), ex.Parameter(np.array([-1.0]))]
    b = [ex.Parameter(np.array([3.0, 3.0]))]
    c = ex.Parameter(np.array([5.0]))
    everything = a + b + [c]
    first, second = ex.SGD(a, lr=0.1), ex.SGD(b, lr=0.5)
    for p in everything:
        p.grad = np.ones(p.data.shape)
    held = [p.grad for p in everything]
    seen = {}
    for name, call in (("first.step()", first.step), ("second.step()", second.step),
                       ("first.zero_grad()", first.zero_grad)):
        call()
        seen[name] = {"data": [np.array(p.data).tolist() for p in everything],
                      "grad": [("same" if p.grad is g else None if p.grad is None else "replaced")
                               for p, g in zip(everything, held)],
                      "values": [np.array(g).tolist() for g in held]}
    return seen


def test_an_optimizer_touches_only_its_own_parameters(exercise):
    """two optimizers: each step() and zero_grad() changes only the parameters it was given, and step() leaves .grad"""
    got = learner_side(exercise, _two)(exercise)
    names = ["a0", "a1", "b0", "c"]
    setup = ("\n  first = SGD([a0, a1], lr=0.1), second = SGD([b0], lr=0.5), and c given to neither; every .grad set to "
             "ones, then first.step(), second.step(), first.zero_grad().")
    want = {"first.step()": [[0.9, 1.9], [-1.1], [3.0, 3.0], [5.0]],
            "second.step()": [[0.9, 1.9], [-1.1], [2.5, 2.5], [5.0]],
            "first.zero_grad()": [[0.9, 1.9], [-1.1], [2.5, 2.5], [5.0]]}
    grads = {"first.step()": ["same"] * 4, "second.step()": ["same"] * 4,
             "first.zero_grad()": [None, None, "same", "same"]}
    for call, state in got.items():
        for name, value, w in zip(names, state["data"], want[call]):
            if not np.allclose(value, w):
                owner = "first" if name.startswith("a") else "second" if name == "b0" else "neither optimizer"
                fail(f"after {call}, {name} is {value}, expected {w}: {name} belongs to {owner}, and an optimizer "
                     "updates only the parameters it was given (keep them in a list of its own, on self, made in "
                     f"__init__: a list shared by every SGD, like a class attribute, mixes them up).{setup}")
        for name, how, w, values in zip(names, state["grad"], grads[call], state["values"]):
            if how == w and np.array_equal(values, np.ones(len(values))):
                continue
            if "step" in call:
                fail(f"after {call}, {name}.grad " + ("is None" if how is None else "is another array" if
                     how == "replaced" else f"holds {values}") + ": step() only reads the gradients, leaving .grad "
                     f"as it was (clearing it is zero_grad()'s job, and only for the optimizer's own).{setup}")
            fail(f"after {call}, {name}.grad " + ("is None" if how is None else "is another array" if how == "replaced"
                 else f"holds {values}") + f", expected " + ("None" if w is None else "the array it held, unchanged")
                 + ": zero_grad() sets the .grad of the optimizer's own parameters to None, and no other's."
                 + setup)
