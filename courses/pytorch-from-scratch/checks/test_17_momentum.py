"""Checks for 17 momentum: SGD with momentum, dampening and weight decay, step by step against torch.optim.SGD.

Each scenario runs next to the learner's code (`learner_side`): Parameters are made from arrays, their
gradients set before every step, and the values after each step come back as data. The expected ones
come from torch.optim.sgd.sgd, the update torch.optim.SGD.step() runs, with the same momentum
buffers; for the scenarios hypothesis draws (shapes, settings and gradients), the same update in float64 NumPy
(`_numpy_steps`, torch's order of operations; within 1e-15 of torch, cross-checked on 3000 random scenarios).
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


def _steps(ex, starts, grads, lr, options, loop=False):
    """Next to the learner's code: SGD(params, lr, **options) over Parameters made from `starts`; before step k each
    .grad is grads[k][i] (None: no gradient). The values after every step. `loop`: as a training loop does it,
    zero_grad() before each step's gradients, and a second SGD made on the same Parameters after the first half."""
    params = [ex.Parameter(s) for s in starts]
    optimizer = ex.SGD(params, lr=lr, **options)
    seen = []
    for k, step in enumerate(grads):
        if loop and k == len(grads) // 2:
            optimizer = ex.SGD(params, lr=lr, **options)
        if loop:
            optimizer.zero_grad()
        for p, g in zip(params, step):
            p.grad = None if g is None else np.array(g, dtype=np.float64)
        optimizer.step()
        seen.append([np.array(p.data) for p in params])
    return seen


def _torch_steps(starts, grads, lr, options):
    """torch.optim.SGD's steps, through torch.optim.sgd.sgd: the update SGD.step() runs, with a momentum buffer per
    parameter, without SGD.step()'s first-call import of torch._dynamo (seconds)."""
    params = [torch.tensor(s) for s in starts]
    buffers = [None] * len(params)
    settings_ = dict(weight_decay=0.0, momentum=0.0, dampening=0.0)
    settings_.update(options)
    seen = []
    for step in grads:
        chosen = [i for i, g in enumerate(step) if g is not None]
        mine = [buffers[i] for i in chosen]
        with torch.no_grad():
            sgd([params[i] for i in chosen], [torch.tensor(step[i]) for i in chosen], mine, lr=lr, nesterov=False,
                maximize=False, foreach=False, **settings_)
        for i, b in zip(chosen, mine):
            buffers[i] = b
        seen.append([p.numpy().copy() for p in params])
    return seen


def _numpy_steps(starts, grads, lr, options):
    """The same as `_torch_steps`, in float64 NumPy, in torch.optim.sgd's order of operations (~1 ms less a drawn
    example; cross-checked equal to torch): d = g + weight_decay * p; buf = d at a parameter's first step, else
    momentum * buf + (1 - dampening) * d; p -= lr * buf (lr * d without momentum). No gradient: skipped."""
    params = [np.array(s, dtype=np.float64) for s in starts]
    buffers = [None] * len(params)
    momentum, dampening = options.get("momentum", 0.0), options.get("dampening", 0.0)
    decay = options.get("weight_decay", 0.0)
    seen = []
    for step in grads:
        for i, g in enumerate(step):
            if g is None:
                continue
            d = np.asarray(g, dtype=np.float64)
            if decay:
                d = d + params[i] * decay
            if momentum:
                buffers[i] = d.copy() if buffers[i] is None else buffers[i] * momentum + d * (1 - dampening)
                d = buffers[i]
            params[i] = params[i] + d * -lr
        seen.append([p.copy() for p in params])
    return seen


def _describe(options, lr):
    return ", ".join([f"lr={lr:g}"] + [f"{k}={v:g}" for k, v in options.items()])


def _check(ex, starts, grads, lr, options, example, run=None, oracle=_torch_steps):
    run = run or learner_side(ex, _steps)
    got = run(ex, starts, grads, lr, options)
    want = oracle(starts, grads, lr, options)
    momentum, dampening = options.get("momentum", 0.0), options.get("dampening", 0.0)
    decay = options.get("weight_decay", 0.0)
    for k, (values, wants) in enumerate(zip(got, want)):
        for i, (value, w) in enumerate(zip(values, wants)):
            value = np.asarray(value, dtype=np.float64)
            before = np.asarray(starts[i] if k == 0 else got[k - 1][i], dtype=np.float64)
            if value.shape != w.shape:
                fail(f"after step {k + 1}, parameter {i} has shape {value.shape}, but it should keep its shape "
                     f"{w.shape}. Does every parameter have its own momentum buffer?{example}")
            wrong = ~(np.abs(value - w) <= 1e-12 + 1e-9 * np.abs(w))  # np.isclose(value, w, atol=1e-12, rtol=1e-9), ~3x cheaper
            if not wrong.any():
                continue
            index = tuple(int(j) for j in np.argwhere(wrong)[0])
            at = f" at index {_index(index)}, its first wrong entry" if index else ""
            message = (f"after step {k + 1} of SGD({_describe(options, lr)}), parameter {i} is wrong{at}: expected "
                       f"{w[index]:.8g}, got {value[index]:.8g}.")
            g = grads[k][i]
            first = all(grads[j][i] is None for j in range(k))
            if g is not None and first and momentum:
                d = np.asarray(g) + decay * before
                if np.allclose(value, before - lr * (1 + momentum) * d):
                    message += (" At a parameter's first step the buffer is the gradient itself: this step moved by "
                                "lr * (1 + momentum) * gradient, so the momentum was applied before the first step.")
                elif np.allclose(value, before - lr * (1 - dampening) * d):
                    message += (" At a parameter's first step the buffer is the gradient itself, with no dampening: "
                                "starting the buffer at zeros dampens the first step.")
                elif np.allclose(value, before - lr * momentum * d):
                    message += (" At a parameter's first step the buffer is the gradient itself: this step moved by "
                                "lr * momentum * gradient, so the momentum was applied before the first step.")
                elif i > 0:
                    message += (" This is this parameter's first step, and the parameters before it were right: does "
                                "every parameter have its own momentum buffer?")
            if g is None:
                message += " It had no gradient at this step (.grad None): skip it, buffer and all."
            fail(message + example)


# The first torch.optim.sgd update of a process pays torch's lazy set-up: paid here, in the standby that imports this
# module before the save arrives, instead of in the first step.
_torch_steps([np.ones(2)], [[np.ones(2)], [np.ones(2)]], 0.1, {"momentum": 0.9, "weight_decay": 0.1})


def test_plain_sgd_by_default(exercise):
    """without momentum, dampening or weight decay, SGD steps as before"""
    starts = [np.array([1.0, -2.0]), np.array(0.5)]
    grads = [[np.array([0.5, 1.0]), np.array(2.0)], [np.array([-1.0, 1.0]), np.array(0.5)]]
    _check(exercise, starts, grads, 0.1, {}, "\n  SGD(params, lr=0.1), two steps.")


def test_first_step_with_momentum(exercise):
    """the first step with momentum moves by lr * gradient: the buffer starts as the gradient itself"""
    starts = [np.array([1.0, -2.0, 0.5])]
    grads = [[np.array([0.5, 1.0, -2.0])]]
    _check(exercise, starts, grads, 0.1, {"momentum": 0.9}, "\n  SGD(params, lr=0.1, momentum=0.9), one step.")
    _check(exercise, starts, grads, 0.1, {"momentum": 0.9, "dampening": 0.5},
           "\n  SGD(params, lr=0.1, momentum=0.9, dampening=0.5), one step.")


def test_momentum_over_steps(exercise):
    """with momentum (and dampening), every step matches torch.optim.SGD"""
    run = learner_side(exercise, _steps)

    @_cases()
    @given(shapes=st.lists(SHAPES, min_size=1, max_size=3), steps=st.integers(2, 5),
           momentum=st.sampled_from([0.9, 0.5]), dampening=st.sampled_from([0.0, 0.1, 0.5]),
           values=st.integers(0, 2**16))
    @example(shapes=[(2,)], steps=3, momentum=0.9, dampening=0.0, values=0)
    def prop(shapes, steps, momentum, dampening, values):
        rng = np.random.default_rng(values)
        starts = [rng.uniform(-2, 2, s) for s in shapes]
        grads = [[rng.uniform(-1, 1, s) for s in shapes] for _ in range(steps)]
        options = {"momentum": momentum, "dampening": dampening}
        example = (f"\n  The smallest failing example (found by hypothesis): parameters of shapes {shapes}, {steps} "
                   f"steps of SGD({_describe(options, 0.1)}).")
        _check(exercise, starts, grads, 0.1, options, example, run, _numpy_steps)

    prop()


def test_weight_decay(exercise):
    """weight decay adds weight_decay * p to the gradient, before the momentum buffer"""
    run = learner_side(exercise, _steps)

    @_cases()
    @given(shapes=st.lists(SHAPES, min_size=1, max_size=2), steps=st.integers(1, 4),
           momentum=st.sampled_from([0.0, 0.9]), decay=st.sampled_from([0.1, 0.01]), values=st.integers(0, 2**16))
    @example(shapes=[(2,)], steps=2, momentum=0.0, decay=0.1, values=0)
    @example(shapes=[(2,)], steps=3, momentum=0.9, decay=0.1, values=0)
    def prop(shapes, steps, momentum, decay, values):
        rng = np.random.default_rng(values)
        starts = [rng.uniform(-2, 2, s) for s in shapes]
        grads = [[rng.uniform(-1, 1, s) for s in shapes] for _ in range(steps)]
        options = {"momentum": momentum, "weight_decay": decay}
        example = (f"\n  The smallest failing example (found by hypothesis): parameters of shapes {shapes}, {steps} "
                   f"steps of SGD({_describe(options, 0.1)}).")
        _check(exercise, starts, grads, 0.1, options, example, run, _numpy_steps)

    prop()


def test_a_buffer_per_parameter(exercise):
    """each parameter keeps its own momentum buffer, untouched at steps where it has no gradient"""
    starts = [np.array([1.0, 2.0]), np.array([3.0, -1.0])]
    grads = [[np.array([1.0, 1.0]), np.array([-2.0, 0.5])], [None, np.array([1.0, 1.0])],
             [np.array([0.5, -0.5]), None], [np.array([1.0, 0.0]), np.array([0.0, 1.0])]]
    _check(exercise, starts, grads, 0.1, {"momentum": 0.9},
           "\n  SGD(params, lr=0.1, momentum=0.9) over two parameters, each without a gradient at one of four steps.")


def test_the_training_loop(exercise):
    """zero_grad() before every step keeps the momentum, and a new SGD on the same parameters starts its own"""
    starts = [np.array([1.0, -2.0]), np.array(0.5)]
    grads = [[np.array([1.0, 0.5]), np.array(-1.0)], [np.array([0.5, 0.5]), np.array(2.0)],
             [np.array([-1.0, 1.0]), np.array(0.5)], [np.array([1.0, 1.0]), np.array(1.0)]]
    got = learner_side(exercise, _steps)(exercise, starts, grads, 0.1, {"momentum": 0.9}, True)
    first = _numpy_steps(starts, grads[:2], 0.1, {"momentum": 0.9})
    want = first + _numpy_steps([np.asarray(v) for v in first[-1]], grads[2:], 0.1, {"momentum": 0.9})
    for k, (values, wants) in enumerate(zip(got, want)):
        if all(np.allclose(np.asarray(v, dtype=np.float64), w, rtol=1e-9, atol=1e-12) for v, w in zip(values, wants)):
            continue
        why = ("zero_grad() must clear only the gradients: the momentum buffers live on across steps, or momentum "
               "never builds up" if k < 2 else
               "a new SGD made on the same parameters must start its own momentum buffers: keep them in the "
               "optimizer, one per parameter, not on the Parameter objects")
        fail(f"after step {k + 1} of the loop (zero_grad(), gradients set, step(); a new SGD(params, lr=0.1, "
             f"momentum=0.9) after step 2), the parameters are {[np.asarray(v).tolist() for v in values]}, expected "
             f"{[w.tolist() for w in wants]}: {why}.")


def _zero(ex):
    """Next to the learner's code: zero_grad() after gradients were set; each .grad afterwards."""
    params = [ex.Parameter(np.ones(2)), ex.Parameter(np.ones((2, 2)))]
    optimizer = ex.SGD(params, lr=0.1, momentum=0.9)
    for p in params:
        p.grad = np.ones(p.data.shape)
    optimizer.step()
    optimizer.zero_grad()
    return [p.grad for p in params]


def test_zero_grad(exercise):
    """zero_grad() sets every parameter's .grad to None"""
    grads = learner_side(exercise, _zero)(exercise)
    if any(g is not None for g in grads):
        fail("after zero_grad(), some parameters still have a .grad; they should all be None, as "
             "torch.optim.SGD.zero_grad() leaves them by default.")


def _kept(ex, starts, grads, lr, options, steps):
    """Next to the learner's code: each .grad set once, to an array the caller keeps, then `steps` steps without new
    gradients (as when step() is called again before the next backward); the values and the .grads after each."""
    params = [ex.Parameter(s) for s in starts]
    optimizer = ex.SGD(params, lr=lr, **options)
    for p, g in zip(params, grads):
        p.grad = np.array(g, dtype=np.float64)
    held = [p.grad for p in params]
    seen = []
    for _ in range(steps):
        optimizer.step()
        seen.append({"data": [np.array(p.data) for p in params], "grad": [np.array(g) for g in held],
                     "same": all(p.grad is g for p, g in zip(params, held))})
    return seen


def test_gradients_kept_across_steps(exercise):
    """three steps on the same .grad arrays: step() never writes into a gradient, and matches torch at every step"""
    run = learner_side(exercise, _kept)
    starts = [np.array([1.0, -2.0]), np.array([[0.5], [3.0]])]
    grads = [np.array([0.5, -1.0]), np.array([[2.0], [-0.25]])]
    for options in ({"momentum": 0.9}, {"momentum": 0.5, "dampening": 0.2},
                    {"momentum": 0.9, "weight_decay": 0.1}, {"weight_decay": 0.1}):
        example = (f"\n  SGD(params, {_describe(options, 0.1)}) over two parameters whose .grad arrays are set once, "
                   "then step() three times.")
        got = run(exercise, starts, grads, 0.1, options, 3)
        want = _numpy_steps(starts, [grads] * 3, 0.1, options)
        for k, (step, wants) in enumerate(zip(got, want)):
            for i, (held, g) in enumerate(zip(step["grad"], grads)):
                if not np.array_equal(held, g):
                    fail(f"after step {k + 1}, parameter {i}'s .grad changed from {g.tolist()} to {held.tolist()}: "
                         "step() must never write into a gradient, which is not the optimizer's. Keep the momentum "
                         "buffer as a copy of the gradient (np.array(g)), not the gradient's own array, and compute "
                         f"g = g + weight_decay * p.data as a new array, not with +=.{example}")
            if not step["same"]:
                fail(f"after step {k + 1}, some parameter's .grad is another object than the array it held: step() "
                     f"leaves .grad as it is (clearing it is zero_grad()'s job).{example}")
            for i, (value, w) in enumerate(zip(step["data"], wants)):
                if value.shape != w.shape or not np.allclose(value, w, atol=1e-12, rtol=1e-9):
                    fail(f"after step {k + 1} of SGD({_describe(options, 0.1)}), parameter {i} is {value.tolist()}, "
                         f"expected {w.tolist()}: each step on the same gradient must match torch.optim.SGD's, the "
                         f"second and third as well as the first.{example}")
