"""Checks for 18 simple_neural_net: the first course's SimpleNeuralNet on the learner's own classes, and its training.

torch builds the same model (torch.nn.Sequential of Linear, ReLU and Softmax) with the learner's initial
weights, read back as arrays, and trains it with F.mse_loss and torch.optim.SGD's update
(torch.optim.sgd.sgd): its outputs and its loss curve, epoch by epoch, are the expected ones.
"""

import gc
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

SEED_SHAPES = [(2000, 784), (2000,), (400, 2000), (400,), (10, 400), (10,)]


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


def _structure(ex):
    """Next to the learner's code: the default SimpleNeuralNet's layers and parameter shapes, as data.

    SimpleNeuralNet() is built as written, defaults and all, with one thing made cheap: a large draw of
    np.random.uniform comes back as a writable array of zeros of the shape asked for, which takes no memory
    (one element, strides of 0). This step reads only layers and shapes, never a weight, and drawing the
    default model's 2.4 million initial weights was 20 of its 25 ms; the steps that read weights build small
    models with the real draws. Small draws, and the rest of np.random, are NumPy's own, and uniform is
    put back before the step goes on."""
    draw = np.random.uniform

    def uniform(low=0.0, high=1.0, size=None):
        if size is None or np.ndim(low) or np.ndim(high):
            return draw(low, high, size)
        try:
            shape = np.broadcast_to(0.0, size).shape
        except (TypeError, ValueError):  # a size NumPy refuses: let it say so
            return draw(low, high, size)
        if int(np.prod(shape)) <= 10_000:
            return draw(low, high, size)
        return np.lib.stride_tricks.as_strided(np.zeros(1), shape, (0,) * len(shape), writeable=True)

    np.random.uniform = uniform
    try:
        model = ex.SimpleNeuralNet()
    finally:
        np.random.uniform = draw
    implementation = getattr(model, "implementation", None)
    layers = [type(layer).__name__ for layer in implementation] if implementation is not None else None
    return {"layers": layers, "sequential": isinstance(implementation, ex.Sequential),
            "shapes": [p.data.shape for p in model.parameters()],
            "dim": getattr(implementation[-1], "dim", None) if layers else None}


def test_the_seed_model(exercise):
    """SimpleNeuralNet() is a Sequential of Linear(784, 2000), ReLU, Linear(2000, 400), ReLU, Linear(400, 10), Softmax"""
    got = learner_side(exercise, _structure)(exercise)
    want = ["Linear", "ReLU", "Linear", "ReLU", "Linear", "Softmax"]
    if got["layers"] is None or not got["sequential"]:
        fail("SimpleNeuralNet().implementation should be a Sequential of the six layers (your own Sequential, so that "
             "the model registers them).")
    if got["layers"] != want:
        fail(f"SimpleNeuralNet().implementation holds {got['layers']}; it should hold {want}, in that order.")
    if got["dim"] not in (-1, 1):
        fail(f"the Softmax at the end runs over dim={got['dim']!r}; it should run over each row's scores, dim=-1.")
    if [tuple(s) for s in got["shapes"]] != SEED_SHAPES:
        fail(f"SimpleNeuralNet().parameters() has shapes {got['shapes']}; it should have {SEED_SHAPES}: 784 inputs, "
             "2000 and 400 hidden units, 10 outputs, each Linear's weight (out_features, in_features) then its bias.")


def _train(ex, sizes, x, y, epochs, lr):
    """Next to the learner's code: a SimpleNeuralNet of `sizes`, its initial weights and first output, then
    train_model's losses."""
    model = ex.SimpleNeuralNet(*sizes)
    weights = [p.data for p in model.parameters()]
    inputs, expected = ex.Tensor(x), ex.Tensor(y)
    with ex.no_grad():
        first = model(inputs).data
    losses = ex.train_model(model, inputs, expected, epochs, lr)
    return {"weights": weights, "first": first, "losses": losses, "after": [p.data for p in model.parameters()]}


def _torch_curve(sizes, weights, x, y, epochs, lr):
    """torch's model of the same sizes and initial weights, trained the same way: Sequential(Linear, ReLU, Linear,
    ReLU, Linear, Softmax(dim=-1)) written with torch.nn.functional on float64 leaf tensors (what those modules
    call; building the modules for every example cost ~10 ms), MSE loss and plain SGD."""
    params = [torch.tensor(np.asarray(w, dtype=np.float64), requires_grad=True) for w in weights]

    def model(t):
        w0, b0, w1, b1, w2, b2 = params
        hidden = torch.relu(torch.nn.functional.linear(t, w0, b0))
        hidden = torch.relu(torch.nn.functional.linear(hidden, w1, b1))
        return torch.softmax(torch.nn.functional.linear(hidden, w2, b2), dim=-1)

    with torch.no_grad():
        first = model(torch.tensor(x)).numpy()
    losses = []
    inputs, expected = torch.tensor(x), torch.tensor(y)
    for _ in range(epochs):
        for p in params:
            p.grad = None
        loss = torch.nn.functional.mse_loss(model(inputs), expected)
        loss.backward()
        with torch.no_grad():  # torch.optim.SGD(params, lr).step(), without its first-call import of torch._dynamo
            sgd(params, [p.grad for p in params], [None] * len(params), weight_decay=0.0, momentum=0.0, lr=lr,
                dampening=0.0, nesterov=False, maximize=False, foreach=False)
        losses.append(loss.item())
    return first, losses, [p.detach().numpy() for p in params]


# The first linear, relu, softmax, mse_loss, backward and sgd of a process pay torch's lazy set-up (~13 ms): paid
# here, in the standby that imports this module before the save arrives, instead of in the right answer's steps.
_torch_curve((2, 3, 3, 2), [np.ones((3, 2)), np.ones(3), np.ones((3, 3)), np.ones(3), np.ones((2, 3)), np.ones(2)],
             np.ones((2, 2)), np.eye(2), 2, 0.5)


def _data(sizes, batch, values):
    rng = np.random.default_rng(values)
    x = rng.uniform(0, 1, (batch, sizes[0]))
    y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]
    return x, y


def _check(ex, sizes, batch, epochs, lr, values, example, run=None):
    run = run or learner_side(ex, _train)
    x, y = _data(sizes, batch, values)
    got = run(ex, list(sizes), x, y, epochs, lr)
    shapes = [np.shape(w) for w in got["weights"]]
    d_in, h0, h1, d_out = sizes
    want_shapes = [(h0, d_in), (h0,), (h1, h0), (h1,), (d_out, h1), (d_out,)]
    if shapes != want_shapes:
        fail(f"SimpleNeuralNet({', '.join(map(str, sizes))}).parameters() has shapes {shapes}; it should have "
             f"{want_shapes}.{example}")
    first, losses, after = _torch_curve(sizes, got["weights"], x, y, epochs, lr)
    out = np.asarray(got["first"], dtype=np.float64)
    if out.shape != first.shape:
        fail(f"model(x) has shape {out.shape}; it should be (batch, d_output) = {first.shape}.{example}")
    wrong = ~np.isclose(out, first, atol=1e-12, rtol=1e-9)
    if wrong.any():
        index = tuple(int(i) for i in np.argwhere(wrong)[0])
        hint = ""
        if not np.allclose(out.sum(axis=-1), 1.0):
            hint = " Each row of a softmax's output sums to 1; these rows do not: is the Softmax(dim=-1) there?"
        elif np.allclose(out.sum(axis=0), 1.0) and out.shape[0] > 1:
            hint = " Each column sums to 1: the softmax ran over dim=0, the batch; it runs over each row, dim=-1."
        fail(f"model(x) is wrong at index {_index(index)}, its first wrong entry: expected {first[index]:.8g}, got "
             f"{out[index]:.8g}, with the same weights as torch's model.{hint}{example}")
    got_losses = got["losses"]
    if not isinstance(got_losses, (list, tuple)) or len(got_losses) != epochs:
        fail(f"train_model(model, inputs, expected_outputs, epochs={epochs}, lr={lr}) returned {got_losses!r:.100}; "
             f"it should return a list of {epochs} losses, one per epoch.{example}")
    if not all(isinstance(v, float) for v in got_losses):
        fail(f"train_model's losses should be plain floats (loss.item()), but they are "
             f"{sorted({type(v).__name__ for v in got_losses})}.{example}")
    for epoch, (value, want) in enumerate(zip(got_losses, losses)):
        if np.isclose(value, want, atol=1e-12, rtol=1e-9):
            continue
        message = (f"train_model's loss at epoch {epoch + 1} is {value:.10g}; PyTorch's is {want:.10g} (its curve: "
                   f"{[round(v, 8) for v in losses]}; yours: {[round(v, 8) for v in got_losses]}).")
        if epoch == 0 and epochs > 1 and np.isclose(value, losses[1], rtol=1e-9):
            message += " Yours is PyTorch's next loss: each epoch's loss is the one its step's gradients came from, " \
                       "measured before the step."
        elif epoch > 0 and np.allclose(got_losses, got_losses[0]):
            message += (" The loss never changes: the parameters never move. Call backward() on the loss, then step(), "
                        "and clear the gradients before backward(), not between backward() and step().")
        elif epoch > 0:
            message += (" The first epochs match and then they part: are the gradients cleared (zero_grad) at every "
                        "epoch, before backward()? Otherwise they accumulate.")
        fail(message + example)
    for i, (value, want) in enumerate(zip(got["after"], after)):
        if not np.allclose(value, want, atol=1e-12, rtol=1e-9):
            fail(f"after train_model, parameter {i} differs from PyTorch's, although the losses matched: the last "
                 f"epoch's step must be taken too.{example}")


def test_forward_and_loss_curve(exercise):
    """a small SimpleNeuralNet gives torch's outputs, and train_model follows torch's loss curve step by step"""
    _check(exercise, (6, 8, 5, 3), 10, 5, 2.0, 0, "\n  SimpleNeuralNet(6, 8, 5, 3) on 10 inputs, 5 epochs, lr = 2.0.")


def test_any_small_size(exercise):
    """for other sizes, batches and learning rates, the loss curve is torch's"""
    run = learner_side(exercise, _train)

    @_cases()
    @given(sizes=st.tuples(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6), st.integers(2, 4)),
           batch=st.integers(1, 8), epochs=st.integers(1, 4), lr=st.sampled_from([0.5, 5.0]),
           values=st.integers(0, 2**16))
    @example(sizes=(4, 5, 3, 2), batch=6, epochs=3, lr=5.0, values=0)
    def prop(sizes, batch, epochs, lr, values):
        example = (f"\n  The smallest failing example (found by hypothesis): SimpleNeuralNet{sizes} on {batch} "
                   f"inputs, {epochs} epochs, lr = {lr}.")
        _check(exercise, sizes, batch, epochs, lr, values, example, run)

    prop()


def test_zero_epochs(exercise):
    """train_model with 0 epochs returns [] and leaves the model as it was"""
    x, y = _data((3, 4, 4, 2), 5, 1)
    got = learner_side(exercise, _train)(exercise, [3, 4, 4, 2], x, y, 0, 1.0)
    if list(got["losses"] or []) != []:
        fail(f"train_model(..., epochs=0, ...) returned {got['losses']!r:.80}; with no epochs there are no losses: [].")
    for before, after in zip(got["weights"], got["after"]):
        if not np.array_equal(before, after):
            fail("train_model(..., epochs=0, ...) changed the model's parameters; with no epochs nothing is trained.")
