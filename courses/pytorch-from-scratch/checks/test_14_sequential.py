"""Checks for 14 sequential: Sequential runs its layers in order, registers them, and supports len() and [i].

The layers are the learner's own Linear, ReLU and Softmax. torch.nn.Sequential, loaded with the same
weights (read back as arrays), gives the expected outputs and gradients; hypothesis draws the stack.
"""

import gc
import os

import numpy as np
import torch
from hypothesis import example, given, seed, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import providers

from kata.expect import fail, learner_side

# Two costs of hypothesis's first run, cut: it scans the source of every loaded module for constants to
# try (~0.3 s with torch loaded, cached in a .hypothesis/ folder in the learner's workspace), and it calls
# gc.collect(), which walks all of torch's objects unless they were frozen first.
providers._get_local_constants = lambda: providers._local_constants
gc.freeze()


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


def _same(got, want, what, example, hint=""):
    if got is None:
        fail(f"{what} is None.{example}")
    got = np.asarray(got, dtype=np.float64)
    if got.shape != want.shape:
        fail(f"{what} has shape {got.shape}, but it should have shape {want.shape}.{hint}{example}")
    wrong = ~np.isclose(got, want, atol=1e-9, rtol=1e-7)
    if wrong.any():
        index = tuple(int(i) for i in np.argwhere(wrong)[0])
        at = f" at index {_index(index)}, its first wrong entry" if index else ""
        fail(f"{what} is wrong{at}: expected {want[index]:.6g}, got {got[index]:.6g} "
             f"({int(wrong.sum())} of {wrong.size} entries differ).{hint}{example}")


def _run(ex, spec, x, g):
    """Next to the learner's code: Sequential of the layers in `spec` on x, then backward(g); all as data."""
    layers = []
    for kind, a, b in spec:
        layers.append(ex.Linear(a, b) if kind == "linear" else ex.ReLU() if kind == "relu" else ex.Softmax(dim=a))
    seq = ex.Sequential(*layers)
    weights = [(layer.weight.data, layer.bias.data) for layer in layers if isinstance(layer, ex.Linear)]
    params = list(seq.parameters())
    shapes = [p.data.shape for p in params]
    try:
        out = seq(ex.Tensor(x))
    except Exception as exc:  # reported as data, with what to look at
        return {"error": f"{type(exc).__name__}: {exc}", "weights": weights, "params": shapes}
    if np.shape(out.data) != np.shape(g):
        return {"out": out.data, "weights": weights, "params": shapes, "grads": []}
    out.backward(g)
    return {"out": out.data, "weights": weights, "grads": [p.grad for p in params], "params": shapes}


def _torch(spec, weights, x, g):
    """What torch.nn.Sequential of the same layers gives, written with torch.nn.functional on leaf tensors
    (building torch.nn modules for every example costs ~10 ms): the output, each parameter's gradient, in
    the order Sequential.parameters() gives them (each Linear's weight, then its bias), and their shapes."""
    params = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for w, b in weights for a in (w, b)]
    out, i = torch.tensor(x), 0
    for kind, a, b in spec:
        if kind == "linear":
            out = torch.nn.functional.linear(out, params[i], params[i + 1])
            i += 2
        else:
            out = torch.relu(out) if kind == "relu" else torch.softmax(out, dim=a)
    (out * torch.tensor(g)).sum().backward()  # out.backward(g) imports sympy on first use
    shapes = [shape for kind, a, b in spec if kind == "linear" for shape in ((b, a), (b,))]
    return out.detach().numpy(), [p.grad.numpy() for p in params], shapes


@st.composite
def _stacks(draw):
    """A stack of 1 to 4 Linear, ReLU and Softmax layers whose widths fit (1 to 4), with at least one Linear."""
    width = draw(st.integers(1, 4))
    spec = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["linear", "linear", "relu", "softmax"]))
        if kind == "linear":
            new = draw(st.integers(1, 4))
            spec.append(("linear", width, new))
            width = new
        else:
            spec.append((kind, -1, 0))
    if not any(k == "linear" for k, _, _ in spec):
        spec.insert(0, ("linear", width, width))
    return spec


STACKS = _stacks()


def _describe(spec):
    return "Sequential(" + ", ".join(f"Linear({a}, {b})" if k == "linear" else "ReLU()" if k == "relu" else
                                     f"Softmax(dim={a})" for k, a, b in spec) + ")"


def _check(ex, spec, batch, values=0, run=None, found=" (found by hypothesis)"):
    run = run or learner_side(ex, _run)
    rng = np.random.default_rng(values)
    d_in = next((a for k, a, b in spec if k == "linear"), 3)
    d_out = d_in
    for k, a, b in spec:
        d_out = b if k == "linear" else d_out
    x, g = rng.uniform(-2, 2, (batch, d_in)), rng.uniform(-1, 1, (batch, d_out))
    model = _describe(spec)
    example = f"\n  The smallest failing example{found}: {model} on x of shape {x.shape}."
    got = run(ex, [list(s) for s in spec], x, g)
    out, grads, shapes = _torch(spec, got["weights"], x, g)
    if [tuple(s) for s in got["params"]] != shapes:
        fail(f"{model}.parameters() gives parameters of shapes {got['params']}, but it should give {shapes}: every "
             f"layer's parameters, in the layers' order. Layers kept in a plain list are invisible to parameters(): "
             f"register each layer as a submodule (self.0, self.1, ...: setattr(self, str(i), layer)).{example}")
    order = " Each layer takes the previous layer's output, in the order the layers were given."
    if len(spec) > 10:
        order += (" With more than ten layers, names sorted as strings put '10' before '2': run the layers in the "
                  "order they were registered, not sorted by name.")
    if "error" in got:
        fail(f"{model}(x) failed with {got['error']}\n{order.strip()}{example}")
    _same(got["out"], out, f"{model}(x).data", example, order)
    for i, (value, want) in enumerate(zip(got["grads"], grads)):
        _same(value, want, f"the gradient of parameter {i} of {model}", example)


def test_layers_run_in_order(exercise):
    """Sequential(Linear(3, 4), ReLU(), Linear(4, 2)) runs each layer on the previous one's output"""
    _check(exercise, [("linear", 3, 4), ("relu", 0, 0), ("linear", 4, 2)], batch=5, found="")


def test_any_stack(exercise):
    """any stack of Linear, ReLU and Softmax layers matches torch.nn.Sequential, outputs and gradients"""
    run = learner_side(exercise, _run)

    @_cases()
    @given(spec=STACKS, batch=st.integers(1, 3), values=st.integers(0, 2**16))
    @example(spec=[("linear", 2, 3), ("relu", -1, 0), ("linear", 3, 3), ("softmax", -1, 0)], batch=2, values=0)
    def prop(spec, batch, values):
        _check(exercise, spec, batch, values, run)

    prop()


def _container(ex):
    """Next to the learner's code: len(), [i] and [-1] of a Sequential, as data."""
    first, relu, last = ex.Linear(2, 3), ex.ReLU(), ex.Linear(3, 1)
    seq = ex.Sequential(first, relu, last)
    return {"len": len(seq), "first": seq[0] is first, "middle": seq[1] is relu, "last": seq[-1] is last,
            "empty": ex.Sequential()(ex.Tensor(np.array([1.0, 2.0]))).data}


def test_len_and_indexing(exercise):
    """len(seq) counts the layers, seq[i] is the i-th layer (seq[-1] the last), and an empty Sequential passes x on"""
    try:
        got = learner_side(exercise, _container)(exercise)
    except (TypeError, KeyError, IndexError) as exc:
        fail(f"len(seq) or seq[i] failed with {type(exc).__name__}: {exc}\nseq[i] is the i-th layer given to "
             "Sequential (an int, negative ones counting from the end) and len(seq) how many there are.")
    if got["len"] != 3:
        fail(f"len(Sequential(Linear(2, 3), ReLU(), Linear(3, 1))) is {got['len']!r}; it should be 3, the number of "
             "layers.")
    if not (got["first"] and got["middle"] and got["last"]):
        fail("seq[0], seq[1] and seq[-1] of Sequential(first, relu, last) should be those very layers, in that order.")
    _same(got["empty"], np.array([1.0, 2.0]), "Sequential()(x)", "\n  x = [1, 2].",
          " With no layers, the input comes out as it is.")


def _zero(ex):
    """Next to the learner's code: backward through a Sequential, then zero_grad(); which grads are left."""
    seq = ex.Sequential(ex.Linear(2, 3), ex.ReLU(), ex.Sequential(ex.Linear(3, 2), ex.Sequential(ex.ReLU(), ex.Linear(2, 2))),
                        ex.Linear(2, 1))
    seq(ex.Tensor(np.ones((4, 2)))).sum().backward()
    before = [p.grad is not None for p in seq.parameters()]
    seq.zero_grad()
    return {"count": len(before), "before": before, "after": [p.grad is not None for p in seq.parameters()]}


def test_nested_and_zero_grad(exercise):
    """a Sequential inside a Sequential inside a Sequential counts too, and zero_grad() reaches every layer"""
    got = learner_side(exercise, _zero)(exercise)
    model = "Sequential(Linear(2, 3), ReLU(), Sequential(Linear(3, 2), Sequential(ReLU(), Linear(2, 2))), Linear(2, 1))"
    if got["count"] != 8:
        fail(f"{model}.parameters() gives {got['count']} parameters; it should give 8, the nested Sequentials' too, "
             "at every depth.")
    if any(got["after"]):
        fail(f"after zero_grad(), {sum(got['after'])} of the 8 parameters of {model} still have a gradient: "
             "zero_grad() must reach every layer, which it does once the layers are registered submodules.")


# Twelve layers, widths changing at every Linear: names sorted as strings ('0', '1', '10', '11', '2', ...) give
# layers whose sizes do not fit, or another function.
TWELVE = [("linear", 2, 3), ("relu", -1, 0), ("linear", 3, 4), ("relu", -1, 0), ("linear", 4, 2), ("relu", -1, 0),
          ("linear", 2, 3), ("softmax", -1, 0), ("linear", 3, 1), ("relu", -1, 0), ("linear", 1, 2),
          ("softmax", -1, 0)]


def _twelve(ex):
    """Next to the learner's code: seq[i] and len of a Sequential of twelve layers, as data."""
    layers = [ex.ReLU() for _ in range(12)]
    seq = ex.Sequential(*layers)
    return {"len": len(seq), "indexed": [next((j for j, layer in enumerate(layers) if layer is seq[i]), None)
                                         for i in range(12)]}


def test_more_than_ten_layers(exercise):
    """twelve layers run in the order given ('10' comes after '9', not after '1'), and seq[10] is the eleventh"""
    _check(exercise, TWELVE, batch=2, found="")
    got = learner_side(exercise, _twelve)(exercise)
    if got["len"] != 12:
        fail(f"len(Sequential(twelve layers)) is {got['len']!r}; it should be 12.")
    for i, j in enumerate(got["indexed"]):
        if i != j:
            fail(f"seq[{i}] of a Sequential of twelve layers is " + ("none of them" if j is None else f"layer {j}") +
                 f"; it should be layer {i} (counting from 0, in the order given). Names sorted as strings put '10' "
                 "before '2': index the layers in the order they were registered.")
