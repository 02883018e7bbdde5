"""Checks for 21 nn_module: the same model as a torch.nn.Module, trained with torch.optim.SGD."""

import copy
import re

import torch

from kata.expect import ExpectationFailed, assert_close, assert_shape, fail, learner_side, mentions, progress_bars

LAYERS = "Linear(784, 2000), ReLU, Linear(2000, 400), ReLU, Linear(400, 10), Softmax(dim=-1)"
PARAMETER_COUNT = 784 * 2000 + 2000 + 2000 * 400 + 400 + 400 * 10 + 10


def _model(ex):
    model = ex.SimpleNeuralNet()
    implementation = getattr(model, "implementation", None)
    if implementation is None:
        fail("SimpleNeuralNet() has no `self.implementation`: set it in __init__ to a t.nn.Sequential.")
    if not isinstance(implementation, torch.nn.Sequential):
        fail(f"self.implementation should be a t.nn.Sequential, not a value of type {type(implementation).__name__}.")
    return model


def _describe(module):
    if isinstance(module, torch.nn.Linear):
        return f"Linear({module.in_features}, {module.out_features})"
    if isinstance(module, torch.nn.Softmax):
        return f"Softmax(dim={module.dim})"
    return type(module).__name__


def test_the_layers_in_order(exercise):
    """self.implementation is Linear 784->2000, ReLU, Linear 2000->400, ReLU, Linear 400->10, Softmax"""
    layers = list(_model(exercise).implementation)
    got = ", ".join(_describe(m) for m in layers)
    kinds = [torch.nn.Linear, torch.nn.ReLU, torch.nn.Linear, torch.nn.ReLU, torch.nn.Linear, torch.nn.Softmax]
    sizes = [(784, 2000), None, (2000, 400), None, (400, 10), None]
    ok = len(layers) == 6 and all(isinstance(m, k) for m, k in zip(layers, kinds))
    ok = ok and all(s is None or (m.in_features, m.out_features) == s for m, s in zip(layers, sizes))
    if not ok:
        extra = ""
        if len(layers) == 7 and isinstance(layers[5], torch.nn.ReLU):
            extra = "\nThe last Linear layer goes straight into the Softmax, with no ReLU in between."
        fail(f"self.implementation should be\n  {LAYERS}\nbut it is\n  {got or '(empty)'}{extra}")
    if layers[-1].dim == 0:
        fail("the Softmax runs over dim=0: for a batch that is over the images, so each column would sum to 1 "
             "instead of each image's 10 outputs. Use t.nn.Softmax(dim=-1), the last dimension.")
    if layers[-1].dim is None:
        fail("the Softmax has no dim: torch then picks one from each input's number of dimensions (with a "
             "warning): the outputs for a batch of flat images, but the first dimension for a 3-D input. Name "
             "it: t.nn.Softmax(dim=-1), the last dimension.")


def test_weights_are_registered_parameters(exercise):
    """the model has 6 parameter tensors, 2,374,410 numbers in all"""
    model = _model(exercise)
    params = list(model.parameters())
    total = sum(p.numel() for p in params)
    if len(params) != 6 or total != PARAMETER_COUNT:
        fail(f"model.parameters() gives {len(params)} tensors with {total:,} numbers; expected 6 tensors "
             f"(three weights, three biases) with {PARAMETER_COUNT:,}. Layers stored in a plain Python list are "
             "invisible to PyTorch: put them in the t.nn.Sequential.")
    for p in params:
        if not p.requires_grad:
            fail("a parameter of the model does not require grad, so SGD could never train it.")


def test_outputs_are_probabilities(exercise):
    """a batch of images gives (batch, 10) rows of probabilities that sum to 1"""
    model = _model(exercise)
    x = torch.rand((5, 784))
    with torch.no_grad():
        out = model(x)
    assert_shape(out, (5, 10), what="the output for a batch of 5 images")
    if (out < 0).any():
        fail("some outputs are negative: the last layer should be a Softmax, whose outputs are probabilities.")
    assert_close(out.sum(dim=-1), torch.ones(5), atol=1e-5,
                 what="each row's sum (each image's 10 probabilities should sum to 1: Softmax over dim=-1)")


def test_a_single_flat_image(exercise):
    """a single flat image of 784 pixels gives 10 probabilities"""
    model = _model(exercise)
    with torch.no_grad():
        try:
            out = model(torch.rand(784))
        except IndexError as exc:
            fail(f"the model fails on a single flat image ({exc}): softmax over dim=-1, the last dimension, "
                 "works for one image and for a batch alike.")
    assert_shape(out, (10,), what="the output for one flat image")
    assert_close(out.sum(), torch.tensor(1.0), atol=1e-5, what="the sum of the 10 probabilities")


def test_forward_is_the_three_layer_net(exercise):
    """the model computes what our ThreeLayerNeuralNet's forward did, with the same weights"""
    model = _model(exercise)
    linears = [m for m in model.implementation if isinstance(m, torch.nn.Linear)]
    if len(linears) != 3:
        fail(f"expected 3 Linear layers in self.implementation, found {len(linears)}.")
    net = exercise.ThreeLayerNeuralNet(*[t for lin in linears for t in (lin.weight.detach(), lin.bias.detach())])
    x = torch.rand((4, 784))
    with torch.no_grad():
        assert_close(model(x), exercise.forward(x, net), atol=1e-5,
                     what="the model's output (compared with forward(x, ThreeLayerNeuralNet(same weights)))")


def _small_model(ex):
    """A small model of torch's own layers, made where the learner's code runs (see learner_side)."""
    return learner_side(ex, _build_small_model)()


def _build_small_model():
    return torch.nn.Sequential(
        torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4), torch.nn.Softmax(dim=-1)
    )


def _data(n=24, d_in=6, classes=4):
    answers = torch.arange(n) % classes
    inputs = torch.rand((n, d_in)) * 0.5
    inputs[torch.arange(n), answers] += 1.0
    return inputs, torch.nn.functional.one_hot(answers, classes).float()


def _loss(model, inputs, expected):
    with torch.no_grad():
        return float(torch.nn.functional.mse_loss(model(inputs), expected))


def _reference(model, inputs, expected, lr, epochs):
    """`epochs` plain gradient-descent steps on a copy of `model`, gradients reset before each backward."""
    model = copy.deepcopy(model)
    for _ in range(epochs):
        grads = torch.autograd.grad(torch.nn.functional.mse_loss(model(inputs), expected), list(model.parameters()))
        with torch.no_grad():
            for p, g in zip(model.parameters(), grads):
                p -= lr * g
    return [p.detach().clone() for p in model.parameters()]


def _params(model):
    return [p.detach().clone() for p in model.parameters()]


def _same(a, b):
    return all(torch.allclose(x, y, atol=1e-5, rtol=1e-4) for x, y in zip(a, b))


def _first_step(exercise) -> str:
    """What one epoch of train_model did, next to one step of SGD on the mean squared error: why the loss
    did not fall, in words (a step of the wrong size, in the wrong direction, or none)."""
    inputs, expected = _data(n=10)
    model = _small_model(exercise)
    start = copy.deepcopy(model)
    exercise.train_model(model, inputs, expected, 1, 2.0)
    before = torch.cat([p.flatten() for p in _params(start)])
    moved = torch.cat([p.flatten() for p in _params(model)]) - before
    want = torch.cat([p.flatten() for p in _reference(start, inputs, expected, 2.0, 1)]) - before
    if float(moved.abs().max()) == 0:
        return "One epoch changed no parameter: does every epoch call loss.backward() and then optimizer.step()?"
    ratio = float(moved.norm() / want.norm())
    if float(torch.nn.functional.cosine_similarity(moved, want, dim=0)) > 0.999:
        return (f"One epoch moved the parameters along the gradient, but {ratio:.3g} times as far as a step of "
                "t.optim.SGD at that lr on the mean squared error: is the loss the mean (mse_loss's default "
                "reduction), and is lr passed to the optimizer as it is?")
    return ("One epoch moved the parameters, but not along the gradient of the mean squared error as a step of "
            "t.optim.SGD(model.parameters(), lr=lr) does: another optimizer (Adam?), momentum, or another loss?")


def test_training_lowers_the_loss(exercise):
    """train_model makes a model's loss fall a lot"""
    model = _small_model(exercise)
    inputs, expected = _data()
    before = _loss(model, inputs, expected)
    exercise.train_model(model, inputs, expected, 30, 5.0)
    after = _loss(model, inputs, expected)
    if not after < 0.25 * before:
        fail(f"the loss went from {before:.4f} to {after:.4f} after 30 epochs at lr=5; it should fall below a "
             f"quarter of where it started.\n{_first_step(exercise)}")


def test_exactly_one_clean_step_per_epoch(exercise):
    """each epoch is one gradient step, with gradients reset first (no accumulation)"""
    inputs, expected = _data(n=10)
    for epochs in (1, 2, 5):
        model = _small_model(exercise)
        start = copy.deepcopy(model)
        exercise.train_model(model, inputs, expected, epochs, 2.0)
        actual = _params(model)
        if _same(actual, _reference(start, inputs, expected, 2.0, epochs)):
            continue
        for k in range(0, 2 * epochs + 2):
            if k != epochs and _same(actual, _reference(start, inputs, expected, 2.0, k)):
                fail(f"with epochs={epochs}, train_model made {k} steps instead of {epochs}.")
        why = ("" if epochs == 1 else
               "\nThe first epoch was right but later ones are not: gradients are adding up across epochs. "
               "Reset them every epoch before backward (optimizer.zero_grad()).")
        for i, (a, e) in enumerate(zip(actual, _reference(start, inputs, expected, 2.0, epochs))):
            try:
                assert_close(a, e, atol=1e-5, rtol=1e-4,
                             what=f"parameter {i} after {epochs} epochs at lr=2 (compared with {epochs} steps of "
                                  "SGD on the MSE loss of the whole batch)")
            except ExpectationFailed as exc:
                fail(str(exc) + why)


def test_two_calls_continue_training(exercise):
    """calling train_model twice is the same as training for both epoch counts in a row"""
    inputs, expected = _data(n=10)
    model = _small_model(exercise)
    start = copy.deepcopy(model)
    exercise.train_model(model, inputs, expected, 2, 2.0)
    exercise.train_model(model, inputs, expected, 3, 2.0)
    for i, (a, e) in enumerate(zip(_params(model), _reference(start, inputs, expected, 2.0, 5))):
        assert_close(a, e, atol=1e-5, rtol=1e-4, what=f"parameter {i} after train_model for 2 then 3 epochs")


def test_zero_epochs_change_nothing(exercise):
    """with epochs=0 the model stays exactly as it was"""
    model = _small_model(exercise)
    inputs, expected = _data()
    before = _params(model)
    exercise.train_model(model, inputs, expected, 0, 5.0)
    for i, (b, a) in enumerate(zip(before, _params(model))):
        if not torch.equal(a, b):
            fail(f"train_model(..., epochs=0) changed parameter {i}: zero epochs means no step at all.")


def test_trains_the_simple_neural_net(exercise):
    """train_model trains a SimpleNeuralNet on a few flat images"""
    model = _model(exercise)
    answers = torch.arange(20) % 10
    patterns = (torch.rand((10, 784)) < 0.2).float()
    inputs = (patterns[answers] + 0.2 * torch.rand((20, 784))).clamp(0, 1)
    expected = torch.nn.functional.one_hot(answers, 10).float()
    before = _loss(model, inputs, expected)
    exercise.train_model(model, inputs, expected, 3, 1.0)
    after = _loss(model, inputs, expected)
    if not after < before:
        fail(f"three epochs of train_model at lr=1 left the SimpleNeuralNet's loss at {after:.5f} "
             f"(it started at {before:.5f}).")


def _line_with(text, word):
    for line in re.split(r"[\r\n]", text):
        if word in line.lower():
            return line
    return None


def test_prints_and_progress_bar(exercise, capsys):
    """it prints the first and last epochs' losses and shows a tqdm progress bar"""
    model = _small_model(exercise)
    inputs, expected = _data()
    start = copy.deepcopy(model)
    exercise.train_model(model, inputs, expected, 5, 2.0)
    captured = capsys.readouterr()
    initial_loss = _loss(start, inputs, expected)
    before_last = copy.deepcopy(start)
    four_steps = _reference(start, inputs, expected, 2.0, 4)
    with torch.no_grad():
        for p, q in zip(before_last.parameters(), four_steps):
            p.copy_(q)
    last_epoch_loss, final_loss = _loss(before_last, inputs, expected), _loss(model, inputs, expected)
    initial, final = _line_with(captured.out, "initial"), _line_with(captured.out, "final")
    if initial is None or final is None:
        fail("print the first epoch's loss as 'Initial loss: ...' and the last one's as 'Final loss: ...'. "
             f"Your train_model printed:\n{captured.out[-500:] or '(nothing)'}")
    if not mentions(initial, initial_loss):
        fail(f"the loss before training was {initial_loss:.4f}, but your 'initial' line says: {initial.strip()!r}.")
    if not mentions(final, last_epoch_loss, final_loss):
        fail(f"the last epoch's loss was {last_epoch_loss:.4f} ({final_loss:.4f} after its step), but your "
             f"'final' line says: {final.strip()!r}.")
    totals = progress_bars(captured.err, captured.out)
    if 5 not in totals and None not in totals:
        fail(f"your tqdm progress bar counts to {totals[0]}, but epochs was 5: loop over `tqdm(range(epochs))`."
             if totals else "no tqdm progress bar was drawn for epochs=5: loop over `tqdm(range(epochs))`.")
