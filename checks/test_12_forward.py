"""Checks for 12 forward: two ReLU layers, then a softmax layer, over a batch of inputs."""

import types

import torch
import torch.nn.functional as F

import kata.feedback.source  # noqa: F401  what assert_softmax_dim_named reads the file with: imported here, in the standby
from kata.expect import assert_close, assert_shape, assert_softmax_dim_named, fail, typecheck_module

NAMES = ("layer_0", "layer_0_bias", "layer_1", "layer_1_bias", "layer_2", "layer_2_bias")


def _small_net(exercise, d_input=5, d_0=7, d_1=6, d_output=3, scale=0.6):
    """A small ThreeLayerNeuralNet of leaf tensors that require grad, so the checks stay fast."""
    shapes = [(d_0, d_input), (d_0,), (d_1, d_0), (d_1,), (d_output, d_1), (d_output,)]
    tensors = [(torch.randn(shape) * scale).requires_grad_() for shape in shapes]
    return exercise.ThreeLayerNeuralNet(*tensors)


def _layers(net):
    return [getattr(net, name).detach() for name in NAMES]


def _reference(x, net, *, softmax_dim=-1, bias=True, last_bias=True, hidden_relu=True, last="softmax",
               bias_after_relu=False):
    """forward as it should be, and (with the keywords) the usual ways of getting it wrong."""
    w0, b0, w1, b1, w2, b2 = _layers(net)
    if not bias:
        b0, b1, b2 = torch.zeros_like(b0), torch.zeros_like(b1), torch.zeros_like(b2)
    if not last_bias:
        b2 = torch.zeros_like(b2)
    act = torch.relu if hidden_relu else (lambda v: v)
    if bias_after_relu:
        h0 = act(x @ w0.T) + b0
        h1 = act(h0 @ w1.T) + b1
    else:
        h0 = act(x @ w0.T + b0)
        h1 = act(h0 @ w1.T + b1)
    logits = h1 @ w2.T + b2
    if last == "relu":
        return torch.relu(logits)
    if last == "relu+softmax":
        return F.softmax(torch.relu(logits), dim=softmax_dim)
    if last == "none":
        return logits
    if last == "log_softmax":
        return F.log_softmax(logits, dim=softmax_dim)
    return F.softmax(logits, dim=softmax_dim)


MISTAKES = [
    (dict(softmax_dim=0), "the softmax is taken over dim=0, the batch; take it over each row with dim=-1"),
    (dict(last="relu"), "the last layer uses ReLU; it should use softmax instead"),
    (dict(last="none"), "the last layer has no softmax"),
    (dict(last="relu+softmax"), "the last layer applies ReLU before the softmax; use softmax alone there"),
    (dict(last="log_softmax"), "the last layer uses log_softmax; use softmax"),
    (dict(bias=False), "the biases are never added"),
    (dict(last_bias=False), "the last layer's bias (layer_2_bias) is never added"),
    (dict(bias_after_relu=True), "the biases are added after the ReLU; add them before it"),
    (dict(hidden_relu=False), "the first two layers have no ReLU"),
]


def _seed_net() -> list[torch.Tensor]:
    """The six tensors of a 784 -> 2000 -> 400 -> 10 net as `initialize_new_three_layer_net` makes them
    (uniform in ±1/20), from a fixed seed of their own: built once, at import, so the standby child
    has them ready before the save (3.2 million random numbers). Steps hand the learner copies."""
    generator = torch.Generator().manual_seed(12)
    shapes = [(2000, 784), (2000,), (400, 2000), (400,), (10, 400), (10,)]
    return [torch.empty(shape).uniform_(-1 / 20, 1 / 20, generator=generator) for shape in shapes]


SEED_NET = _seed_net()
SEED_X = torch.ones((10, 784))
SEED_EXPECTED = _reference(SEED_X, types.SimpleNamespace(**dict(zip(NAMES, SEED_NET))))
# The copies the seed step hands the learner, made here too (6 clones of 3.2 million values cost the step ~5 ms).
# Only the first seed step of a process gets them; any later one (the spawn fallback, several runs) clones again.
_FRESH_SEED_COPIES = [[tensor.clone().requires_grad_() for tensor in SEED_NET]]
_SOFTMAX_DIM_NAMED: set[str] = set()  # learner files whose softmax calls were read and name their dim


def _softmax_dim_named(exercise) -> None:
    """assert_softmax_dim_named, read once per file and run: the file does not change within a run, and
    parsing it for every call of forward cost each step a few ms."""
    key = str(getattr(exercise, "__file__", ""))
    if key not in _SOFTMAX_DIM_NAMED:
        assert_softmax_dim_named(exercise)
        _SOFTMAX_DIM_NAMED.add(key)


def _forward(exercise, x, net):
    """forward(x, net); when it raises, again under the stub's jaxtyping annotations.

    The annotations name the shape that went wrong in one sentence, but checking them
    costs every step ~3 ms of wrapper generation, so only a failing call pays for it.
    """
    try:
        result = exercise.forward(x, net)
    except NotImplementedError:
        raise
    except Exception:
        typecheck_module(exercise)
        exercise.forward(x, net)  # raises the annotation's complaint, or the same error again
        raise
    if result is None:
        fail("forward returned None: did you forget to `return` the last layer's output?")
    if not isinstance(result, torch.Tensor):
        fail(f"forward should return a torch tensor, but it returned a value of type {type(result).__name__}.")
    _softmax_dim_named(exercise)
    return result


def _check_against_reference(exercise, x, net, what, actual=None, expected=None):
    """forward(x, net) (or `actual`, what it gave already) against the reference (or `expected`, known
    already), naming the usual mistake when it matches one."""
    if actual is None:
        actual = _forward(exercise, x, net)
    if expected is None:
        expected = _reference(x, net)
    assert_shape(actual, expected.shape, what=what)
    if torch.allclose(actual.detach(), expected, atol=1e-5, rtol=1e-4):
        return
    for keywords, diagnosis in MISTAKES:
        wrong = _reference(x, net, **keywords)
        if wrong.shape == actual.shape and torch.allclose(actual.detach(), wrong, atol=1e-5, rtol=1e-4):
            fail(f"{what} is not right: it looks like {diagnosis}.")
    assert_close(actual, expected, atol=1e-5, rtol=1e-4, what=what)


def test_seed_example(exercise):
    """the full 784 -> 2000 -> 400 -> 10 net on a batch of 10 gives 10 rows of 10 probabilities"""
    copies = _FRESH_SEED_COPIES.pop() if _FRESH_SEED_COPIES else [t.clone().requires_grad_() for t in SEED_NET]
    net = exercise.ThreeLayerNeuralNet(*copies)
    x = SEED_X.clone()
    example_output = _forward(exercise, x, net)
    assert_shape(example_output, (10, 10), what="forward(t.ones((10, 784)), new_neural_net)")
    _check_against_reference(exercise, x, net, "forward(t.ones((10, 784)), new_neural_net)",
                             actual=example_output, expected=SEED_EXPECTED)
    assert_close(example_output.sum(dim=-1), torch.ones(10), atol=1e-5, what="the sum of each output row")


def test_matches_reference(exercise):
    """a small net: the output matches linear + bias + ReLU, twice, then linear + bias + softmax"""
    net = _small_net(exercise)
    x = torch.randn(4, 5)
    _check_against_reference(exercise, x, net, "forward of a 5 -> 7 -> 6 -> 3 net on 4 inputs")


def test_sizes_come_from_the_net(exercise):
    """nets of other sizes work too: the sizes come from the net's tensors"""
    for sizes in [(3, 4, 2, 5), (12, 16, 8, 10), (1, 1, 1, 2)]:
        net = _small_net(exercise, *sizes)
        x = torch.randn(6, sizes[0])
        _check_against_reference(exercise, x, net, f"forward of a {' -> '.join(map(str, sizes))} net on 6 inputs")


def test_rows_are_probabilities(exercise):
    """each row is a probability distribution: between 0 and 1, summing to 1"""
    net = _small_net(exercise, d_output=4)
    x = torch.randn(5, 5) * 3
    out = _forward(exercise, x, net).detach()
    assert_shape(out, (5, 4), what="forward of a 5 -> 7 -> 6 -> 4 net on 5 inputs")
    if bool((out < 0).any()) or bool((out > 1).any()):
        fail(f"forward's outputs should lie between 0 and 1, but they range from {out.min():.4g} to {out.max():.4g}. "
             "Is the softmax applied to the last layer?")
    row_sums = out.sum(dim=-1)
    if not torch.allclose(row_sums, torch.ones(5), atol=1e-5):
        if torch.allclose(out.sum(dim=0), torch.ones(4), atol=1e-5):
            fail(f"each row should sum to 1, but the rows sum to {[round(v, 4) for v in row_sums.tolist()]} while "
                 "each column sums to 1: the softmax was taken over the batch (dim=0). Take it over each row, dim=-1.")
        assert_close(row_sums, torch.ones(5), atol=1e-5, what="the sum of each output row")


def test_batch_of_one(exercise):
    """a batch of one input gives one row of probabilities, not all ones"""
    net = _small_net(exercise, d_output=4)
    x = torch.randn(1, 5)
    out = _forward(exercise, x, net)
    assert_shape(out, (1, 4), what="forward on a batch of 1")
    if torch.allclose(out.detach(), torch.ones(1, 4)):
        fail("with a batch of one input, every output is 1.0: the softmax was taken over the batch (dim=0), which "
             "has only one element. Take it over each row, dim=-1.")
    _check_against_reference(exercise, x, net, "forward on a batch of 1")


def _large_logits_net(exercise, last_bias: float):
    """A 2 -> 2 -> 2 -> 3 net whose hidden layers pass the input through and whose last layer makes logits
    in the thousands: [1000, 999, 0] and [0, 0, 1000] for the inputs (1, 0) and (0, 1), shifted by
    `last_bias` (-1000: every logit of the third row about -1000)."""
    eye = torch.eye(2)
    tensors = [eye, torch.zeros(2), eye.clone(), torch.zeros(2),
               torch.tensor([[1000.0, 0.0], [999.0, 0.0], [0.0, 1000.0]]), torch.full((3,), last_bias)]
    return exercise.ThreeLayerNeuralNet(*[tensor.clone().requires_grad_() for tensor in tensors])


LARGE_X = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.001, 0.002]])


def test_large_logits_stay_finite(exercise):
    """logits in the thousands (huge rows, very negative rows) still give finite probabilities, as torch's softmax does"""
    for last_bias in (0.0, -1000.0):
        net = _large_logits_net(exercise, last_bias)
        expected = _reference(LARGE_X, net)
        what = f"forward of a net whose last layer gives logits around {'±1000' if last_bias == 0 else '-1000'}"
        out = _forward(exercise, LARGE_X, net).detach()
        assert_shape(out, (3, 3), what=what)
        if not bool(torch.isfinite(out).all()):
            fail(f"{what} has NaN or inf in it: {out.tolist()} (torch.softmax gives {expected.tolist()}).\n"
                 "Your softmax overflows: exp(1000) is inf in float32, and exp(-1000) is 0, so inf / inf or "
                 "0 / 0 comes out as NaN. Subtract each row's largest logit before exponentiating (the result is "
                 "the same), or use torch.softmax(logits, dim=-1).")
        _check_against_reference(exercise, LARGE_X, net, what, actual=out, expected=expected)


def test_float32_out(exercise):
    """the output is float32, one row per input"""
    net = _small_net(exercise)
    out = _forward(exercise, torch.randn(8, 5), net)
    assert_shape(out, (8, 3), what="forward of a 5 -> 7 -> 6 -> 3 net on 8 inputs")
    assert out.dtype == torch.float32, f"forward's output has dtype {out.dtype}; it should stay torch.float32."


def test_gradients_reach_all_six_tensors(exercise):
    """a loss on the output fills .grad on all six tensors of the net"""
    net = _small_net(exercise)
    x = torch.randn(4, 5)
    out = _forward(exercise, x, net)
    if not out.requires_grad:
        fail("forward's output does not require grad, so no gradient can reach the net. Don't use .detach(), "
             ".item() or torch.no_grad() inside forward.")
    # a weighted sum: the plain sum of softmax rows is always 1, so its gradient would be 0
    (out * torch.randn(out.shape)).sum().backward()
    for name in NAMES:
        grad = getattr(net, name).grad
        if grad is None or bool((grad == 0).all()):
            fail(f"after backward(), net.{name}.grad is {'None' if grad is None else 'all zeros'}: "
                 f"forward's output should depend on net.{name}.")


def test_inputs_and_net_unchanged(exercise):
    """forward changes neither its input nor the net's tensors"""
    net = _small_net(exercise)
    before = [t.clone() for t in _layers(net)]
    x = torch.randn(4, 5)
    x_before = x.clone()
    _forward(exercise, x, net)
    if not torch.equal(x, x_before):
        fail("forward changed its input tensor x in place; leave it as it was.")
    if x.requires_grad or x.grad is not None:
        fail("forward turned on requires_grad for its input x (or gave it a .grad): the caller decides whether "
             "its tensors track gradients; a forward pass only reads x.")
    for name, old in zip(NAMES, before):
        tensor = getattr(net, name)
        if not torch.equal(tensor.detach(), old):
            fail(f"forward changed net.{name}; a forward pass only reads the net.")
        if not tensor.requires_grad or tensor.grad is not None:
            fail(f"forward changed net.{name}'s gradient state (requires_grad is now {tensor.requires_grad}, .grad "
                 f"is {'None' if tensor.grad is None else 'set'}): a forward pass only reads the net; backward() "
                 "and the training step deal with gradients.")
