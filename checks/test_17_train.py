"""Checks for 17 train: tune the weights over and over, with a progress bar and loss prints."""

import re

import torch

from kata.expect import ExpectationFailed, assert_close, assert_leaf_requiring_grad, fail, mentions, progress_bars

NAMES = ("layer_0", "layer_0_bias", "layer_1", "layer_1_bias", "layer_2", "layer_2_bias")


def _small_net(ex, sizes=(6, 16, 12, 4), bound=0.5):
    """A small ThreeLayerNeuralNet (6 -> 16 -> 12 -> 4) of leaf tensors that require grad."""
    d_in, d0, d1, d2 = sizes
    shapes = [(d0, d_in), (d0,), (d1, d0), (d1,), (d2, d1), (d2,)]
    with torch.no_grad():
        tensors = [torch.zeros(s, requires_grad=True).uniform_(-bound, bound) for s in shapes]
    return ex.ThreeLayerNeuralNet(*tensors)


def _data(n=24, d_in=6, classes=4):
    """Noisy inputs in which the feature numbered after the answer stands out."""
    answers = torch.arange(n) % classes
    inputs = torch.rand((n, d_in)) * 0.5
    inputs[torch.arange(n), answers] += 1.0
    return inputs, torch.nn.functional.one_hot(answers, classes).float()


def _params(net):
    return [getattr(net, name) for name in NAMES]


def _snapshot(net):
    return [p.detach().clone() for p in _params(net)]


def _loss(params, inputs, expected):
    w0, b0, w1, b1, w2, b2 = params
    h0 = torch.relu(inputs @ w0.T + b0)
    h1 = torch.relu(h0 @ w1.T + b1)
    out = torch.softmax(h1 @ w2.T + b2, dim=-1)
    return ((expected - out) ** 2).mean()


def _reference(start, inputs, expected, learning_rate, steps):
    """`steps` plain gradient-descent steps from the weights `start`, on the whole batch each time."""
    params = [p.clone().requires_grad_(True) for p in start]
    for _ in range(steps):
        grads = torch.autograd.grad(_loss(params, inputs, expected), params)
        with torch.no_grad():
            params = [(p - learning_rate * g).requires_grad_(True) for p, g in zip(params, grads)]
    return [p.detach() for p in params]


def _same(a, b):
    return all(torch.allclose(x, y, atol=1e-5, rtol=1e-4) for x, y in zip(a, b))


def _train(ex, net, inputs, expected, learning_rate, n):
    result = ex.train(net, inputs, expected, learning_rate, n)
    for name in NAMES:
        if not isinstance(getattr(net, name), torch.Tensor):
            fail(f"after train, net.{name} is a value of type {type(getattr(net, name)).__name__}, not a tensor.")
    return result


def test_loss_falls(exercise):
    """training a small net makes its loss fall a lot"""
    net = _small_net(exercise)
    inputs, expected = _data()
    before = float(_loss(_snapshot(net), inputs, expected))
    _train(exercise, net, inputs, expected, 3.0, 30)
    after = float(_loss(_snapshot(net), inputs, expected))
    if after != after:
        fail("after training the loss is NaN.")
    if after > 0.25 * before:
        fail(f"the loss went from {before:.4f} to only {after:.4f} after 30 iterations at learning rate 3; "
             "it should fall below a quarter of where it started. Does each iteration call tune_weights_once "
             "with the learning rate you were given?")


def test_exactly_number_of_iterations_updates(exercise):
    """it tunes the weights exactly number_of_iterations times, on the whole batch"""
    inputs, expected = _data(n=10)
    for n in (1, 3, 6):
        net = _small_net(exercise)
        start = _snapshot(net)
        _train(exercise, net, inputs, expected, 2.5, n)
        actual = _snapshot(net)
        if _same(actual, _reference(start, inputs, expected, 2.5, n)):
            continue
        for k in range(0, 2 * n + 3):
            if k != n and _same(actual, _reference(start, inputs, expected, 2.5, k)):
                fail(f"with number_of_iterations={n} your train tuned the weights {k} times instead of {n}. "
                     "Loop exactly number_of_iterations times, e.g. over range(number_of_iterations).")
        why = ("" if n == 1 else
               "\nThe first update was right but later ones are not: are gradients from earlier iterations "
               "adding up? Each iteration must start from zeroed gradients (tune_weights_once, as given, "
               "zeroes them before its backward) and tune the weights once.")
        for name, a, e in zip(NAMES, actual, _reference(start, inputs, expected, 2.5, n)):
            try:
                assert_close(a, e, atol=1e-5, rtol=1e-4,
                             what=f"net.{name} after {n} iterations at learning rate 2.5 (compared with "
                                  f"{n} calls of tune_weights_once on the whole batch)")
            except ExpectationFailed as exc:
                fail(str(exc) + why)


def test_zero_iterations_change_nothing(exercise):
    """with number_of_iterations=0 the weights stay exactly as they were"""
    net = _small_net(exercise)
    inputs, expected = _data()
    start = _snapshot(net)
    _train(exercise, net, inputs, expected, 3.0, 0)
    for name, before, after in zip(NAMES, start, _snapshot(net)):
        if not torch.equal(before, after):
            fail(f"train(..., number_of_iterations=0) changed net.{name}. Zero iterations means no update at all.")


def test_trains_the_net_in_place(exercise):
    """the net's own tensors are updated in place and stay leaves that require grad"""
    net = _small_net(exercise)
    inputs, expected = _data()
    ids = [id(p) for p in _params(net)]
    start = _snapshot(net)
    result = _train(exercise, net, inputs, expected, 3.0, 3)
    if result is not None:
        fail(f"train should return None (it changes the net in place), but it returned {type(result).__name__}.")
    for name, old_id, p, before in zip(NAMES, ids, _params(net), start):
        if id(p) != old_id:
            fail(f"net.{name} is a new tensor after train: something rebound it (`net.{name} = ...`). "
                 "tune_weights_once already updates each tensor in place; just call it.")
        assert_leaf_requiring_grad(p, what=f"net.{name} after train")
        if torch.equal(before, p.detach()):
            fail(f"net.{name} did not change after 3 iterations: is tune_weights_once called on this net?")


def _line_with(text, word):
    for line in re.split(r"[\r\n]", text):
        if word in line.lower():
            return line
    return None


def test_prints_initial_and_final_loss(exercise, capsys):
    """it prints the initial loss before training and the final loss after"""
    net = _small_net(exercise)
    inputs, expected = _data()
    before = float(_loss(_snapshot(net), inputs, expected))
    _train(exercise, net, inputs, expected, 3.0, 5)
    after = float(_loss(_snapshot(net), inputs, expected))
    out = capsys.readouterr().out
    initial, final = _line_with(out, "initial"), _line_with(out, "final")
    if initial is None or final is None:
        fail("print the loss before training as 'Initial loss was ...' and after training as "
             f"'Final loss was ...'. Your train printed:\n{out[-500:] or '(nothing)'}")
    if not mentions(initial, before):
        fail(f"the initial loss was {before:.4f}, but your 'initial' line says: {initial.strip()!r}. "
             "Compute it with loss_function on forward(...) before the first update.")
    if not mentions(final, after):
        fail(f"the final loss was {after:.4f}, but your 'final' line says: {final.strip()!r}. "
             "Compute it with loss_function on forward(...) after the last update.")


def test_shows_a_progress_bar(exercise, capsys):
    """a tqdm progress bar counts the iterations"""
    net = _small_net(exercise)
    inputs, expected = _data()
    _train(exercise, net, inputs, expected, 3.0, 7)
    captured = capsys.readouterr()
    totals = progress_bars(captured.err, captured.out)
    if 7 in totals or None in totals:
        return
    if totals:
        fail(f"your tqdm progress bar counts to {totals[0]}, but number_of_iterations was 7: wrap exactly "
             "`range(number_of_iterations)` in tqdm.")
    fail("no tqdm progress bar was drawn for number_of_iterations=7. Wrap the loop's range in tqdm: "
         "`for _ in tqdm(range(number_of_iterations)):`.")
