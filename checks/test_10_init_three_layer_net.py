"""Checks for 10 init_three_layer_net: six random leaf tensors, 784 -> 2000 -> 400 -> 10."""

import math
import types

import pytest
import torch

from kata.expect import assert_leaf_requiring_grad, assert_shape, fail

BOUND = 1 / 20
UNIFORM_STD = BOUND / math.sqrt(3)  # the standard deviation of U(-1/20, 1/20)
SHAPES = {
    "layer_0": (2000, 784),
    "layer_0_bias": (2000,),
    "layer_1": (400, 2000),
    "layer_1_bias": (400,),
    "layer_2": (10, 400),
    "layer_2_bias": (10,),
}


_BUILT: dict[object, tuple] = {}  # the learner's file -> its first call's net and random state, or what it raised
_STATS: dict[tuple, object] = {}  # (the learner's file, tensor, what) -> its value (see _extremes, _spread)

# For the mean and the spread: a fixed random sample of each big tensor's values, chosen here (free in the
# standby child) instead of reading all of them each run. 16384 values of U(-1/20, 1/20) put the 15% and
# 0.1·bound margins 40 and 20 standard errors away; min and max (exact checks) still read every value.
SAMPLE = 16384
_SAMPLE_INDEX = {
    name: torch.randperm(math.prod(shape), generator=torch.Generator().manual_seed(10))[:SAMPLE].sort().values
    for name, shape in SHAPES.items() if math.prod(shape) > SAMPLE
}


def _local(exercise) -> bool:
    """A module imported in this process: judged mode's proxy lives only as long as its step."""
    return type(exercise) is types.ModuleType


def _first_net(request) -> tuple[object, torch.Tensor, str | None]:
    """The net of this run's first call, its random state after, and the key its statistics are
    cached under (None: not cached), for the steps that only look at it.

    Every step starts from the same seed in a fresh import of the learner's file, so each would
    build this very net again (3.2 million random numbers, ~20 ms): it is built once per run. A
    call that fails fails the same way in every step, so what it raised is raised again (with the
    learner's traceback) instead of calling it again. Once built, a step that only reads it does
    not import the learner's file again either (`exercise_file` names it without importing; ~1 ms
    a step, most of it the learner's own module code). A step that draws random numbers after it
    restores the random state that followed the build, so it sees what it would have seen building
    its own. Graded (`kata grade`), the learner's objects live only as long as their step: each
    step builds its own there.
    """
    key = str(request.getfixturevalue("exercise_file"))
    built = _BUILT.get(key)
    if built is None:
        exercise = request.getfixturevalue("exercise")
        if not _local(exercise):
            return _net(exercise), torch.get_rng_state(), None
        try:
            net = _net(exercise)
        except (Exception, pytest.fail.Exception) as exc:
            if not str(exc).startswith("Timeout"):  # a timeout skips the later steps anyway
                _BUILT[key] = ("raised", exc, exc.__traceback__)
            raise
        built = _BUILT[key] = ("built", net, torch.get_rng_state())
    if built[0] == "raised":
        raise built[1].with_traceback(built[2])
    return built[1], built[2], key


@pytest.fixture
def run_net(request, exercise_file):
    """`_first_net` for this step, to call in its body. While this run has built nothing yet, the
    learner's file is imported in the step's setup, as `exercise` does: a file that does not import
    is reported as such, never as a failure of the check's own code."""
    if str(exercise_file) not in _BUILT:
        request.getfixturevalue("exercise")
    return lambda: _first_net(request)


def _cached(key: str | None, what: tuple, compute):
    """`compute()`, once per run for the shared net: three steps look at the same numbers of the same
    million values. Graded (no key), each step computes its own (the net is its own too)."""
    if key is None:
        return compute()
    cached = (key, *what)
    if cached not in _STATS:
        _STATS[cached] = compute()
    return _STATS[cached]


def _extremes(key: str | None, net, name: str) -> tuple[float, float]:
    """The exact min and max of net.<name>, in one pass over its values (torch.aminmax)."""
    def compute():
        low, high = torch.aminmax(getattr(net, name).detach())
        return float(low), float(high)
    return _cached(key, (name, "extremes"), compute)


def _spread(key: str | None, net, name: str) -> tuple[float, float, float, int]:
    """The mean, the standard deviation and the share within ±BOUND/2 of net.<name>, and how many values
    gave them: its fixed sample of values when it is big."""
    def compute():
        values = getattr(net, name).detach()
        index = _SAMPLE_INDEX.get(name)
        if index is not None and values.numel() == math.prod(SHAPES[name]):
            values = torch.take(values, index)  # as flattened, whatever its strides
        std, mean = torch.std_mean(values)
        inner = (values.abs() < BOUND / 2).float().mean()
        return float(mean), float(std), float(inner), values.numel()
    return _cached(key, (name, "spread"), compute)


def _net(exercise):
    net = exercise.initialize_new_three_layer_net()
    if net is None:
        fail("initialize_new_three_layer_net() returned None: did you forget to `return` the net?")
    if not isinstance(net, exercise.ThreeLayerNeuralNet):
        fail(f"initialize_new_three_layer_net() should return a ThreeLayerNeuralNet, not a value of type {type(net).__name__}.")
    for name in SHAPES:
        if not isinstance(getattr(net, name), torch.Tensor):
            fail(f"net.{name} should be a torch tensor, but it is {type(getattr(net, name)).__name__}.")
    return net


def test_returns_a_three_layer_net(run_net):
    """it returns a ThreeLayerNeuralNet whose six fields are tensors"""
    run_net()


def test_seed_shapes(run_net):
    """layer_1 is (400, 2000) and layer_2 is (10, 400)"""
    net, _, _ = run_net()
    assert_shape(net.layer_1, (400, 2000), what="net.layer_1")
    assert_shape(net.layer_2, (10, 400), what="net.layer_2")
    assert tuple(net.layer_1.shape) == (400, 2000), f"Expected: (400, 2000) Actual: {tuple(net.layer_1.shape)}"
    assert tuple(net.layer_2.shape) == (10, 400), f"Expected: (10, 400) Actual: {tuple(net.layer_2.shape)}"


def test_every_shape(run_net):
    """all six shapes: weights are (d_output, d_input), biases are (d_output,)"""
    net, _, _ = run_net()
    for name, shape in SHAPES.items():
        actual = tuple(getattr(net, name).shape)
        if len(shape) == 2 and actual == shape[::-1]:
            fail(f"net.{name} has shape {actual}, which is transposed: a weight matrix is (d_output, d_input), "
                 f"so it should be {shape}.")
        assert_shape(getattr(net, name), shape, what=f"net.{name}")


def test_float32(run_net):
    """every tensor is float32"""
    net, _, _ = run_net()
    for name in SHAPES:
        dtype = getattr(net, name).dtype
        assert dtype == torch.float32, f"net.{name} has dtype {dtype}; it should be torch.float32 (the default)."


def test_leaves_that_require_grad(run_net):
    """all six are leaf tensors that require grad, so training can fill their .grad"""
    net, _, _ = run_net()
    for name in SHAPES:
        assert_leaf_requiring_grad(getattr(net, name), what=f"net.{name}")


def test_values_within_bounds(run_net):
    """every value lies within -1/20 and 1/20"""
    net, _, key = run_net()
    for name in SHAPES:
        low, high = _extremes(key, net, name)
        if low < -BOUND - 1e-7 or high > BOUND + 1e-7:
            fail(f"net.{name} has values from {low:.4f} to {high:.4f}, outside ±1/20 = ±{BOUND}. "
                 "Every weight and bias should be uniform between -initial_bound and initial_bound.")


def test_values_are_random_not_zero(run_net):
    """no tensor is all zeros or all one value: the weights start random"""
    net, _, key = run_net()
    for name in SHAPES:
        low, high = _extremes(key, net, name)
        if low == 0 and high == 0:  # as `(values == 0).all()`: a NaN makes both comparisons false
            fail(f"net.{name} is all zeros. Weights that all start at 0 can leave gradients stuck at 0; "
                 "fill it with random values between -1/20 and 1/20.")
        if low == high:  # as `std() == 0`, exactly: a NaN makes both false
            values = getattr(net, name).detach()
            fail(f"net.{name} has the same value {float(values.flatten()[0]):.4f} everywhere; it should be random.")


def test_uniform_over_the_whole_range(run_net):
    """values spread over both signs of ±1/20, with the spread of a uniform distribution"""
    net, _, key = run_net()
    for name in SHAPES:
        if getattr(net, name).numel() < 400:
            continue  # too few values to judge the spread (layer_2_bias)
        low, high = _extremes(key, net, name)
        mean, std, inner, count = _spread(key, net, name)
        if low > -0.9 * BOUND or high < 0.9 * BOUND:
            fail(f"net.{name} only covers {low:.4f} to {high:.4f}; uniform values in ±1/20 should reach "
                 f"close to both -{BOUND} and +{BOUND}. Did you use the right bounds, on both sides of 0?")
        if abs(std - UNIFORM_STD) > 0.15 * UNIFORM_STD:
            fail(f"net.{name} has standard deviation {std:.5f}, but values uniform in ±1/20 have about "
                 f"{UNIFORM_STD:.5f}. Are they drawn uniformly (uniform_), not from a normal distribution?")
        if abs(mean) > 0.1 * BOUND:
            fail(f"net.{name} has mean {mean:.4f}; values uniform in ±1/20 should average close to 0.")
        # The shape, not only the spread: uniform values fall within ±1/40 half the time; a normal cut off at ±1/20
        # (trunc_normal_, std 1/20) does so 56% of the time, with a spread only 7% short. Six standard errors
        # (0.023 for 16384 values) fail an honest draw about once in 500 million.
        if abs(inner - 0.5) > 6 * 0.5 / math.sqrt(count):
            fail(f"{inner:.1%} of net.{name}'s values lie within ±1/40, where values uniform in ±1/20 put half of "
                 "them: they are not uniform (a normal distribution cut to ±1/20, perhaps). Draw them with uniform_.")


def test_small_tensors_spread_over_both_signs(run_net, exercise):
    """layer_2_bias too: its values from two nets take both signs and reach past half of ±1/20"""
    first, after_first, _ = run_net()
    torch.set_rng_state(after_first)  # the second net is drawn as right after a first
    second = _net(exercise)
    for name in SHAPES:
        if getattr(first, name).numel() >= 400:
            continue  # test_uniform_over_the_whole_range judges these from their own values
        # 20 values of U(-1/20, 1/20) are all of one sign (2⁻¹⁹) or all within ±1/40 (2⁻²⁰): once in 300,000 seeds
        values = torch.cat([getattr(net, name).detach().flatten() for net in (first, second)])
        if bool((values >= 0).all()) or bool((values <= 0).all()):
            sign = "positive" if bool((values >= 0).all()) else "negative"
            fail(f"net.{name} is {sign} in two nets out of two ({values.numel()} values from "
                 f"{float(values.min()):.4f} to {float(values.max()):.4f}); uniform values in ±1/20 fall on "
                 "both sides of 0. Did you use the right bounds, on both sides of 0?")
        if float(values.abs().max()) < BOUND / 2:
            fail(f"net.{name} stays within ±{float(values.abs().max()):.4f} in two nets; uniform values in "
                 f"±1/20 reach close to ±{BOUND}. Is its bound 1/20, like the weights'?")


def test_two_calls_give_different_nets(run_net, exercise):
    """two calls give two different random nets, not the same tensors"""
    first, after_first, _ = run_net()
    torch.set_rng_state(after_first)  # the second call draws what it would right after a first
    second = _net(exercise)
    for name in SHAPES:
        a, b = getattr(first, name), getattr(second, name)
        if a is b or a.data_ptr() == b.data_ptr():
            fail(f"both calls returned the same net.{name} tensor; each call should create new tensors.")
        if torch.equal(a.detach(), b.detach()) and float(a.detach().std()) > 0:
            fail(f"both calls gave identical values for net.{name}. Each new net should be freshly random "
                 "(don't reset the random seed inside the function).")


def test_gradients_reach_every_tensor(run_net):
    """a loss computed from the net fills .grad on all six tensors"""
    net, after_build, _ = run_net()  # the last step: its backward() may fill the shared net's .grad
    torch.set_rng_state(after_build)
    x = torch.rand(2, 784)
    hidden_0 = torch.relu(x @ net.layer_0.T + net.layer_0_bias)
    hidden_1 = torch.relu(hidden_0 @ net.layer_1.T + net.layer_1_bias)
    out = hidden_1 @ net.layer_2.T + net.layer_2_bias
    (out ** 2).sum().backward()
    for name in SHAPES:
        grad = getattr(net, name).grad
        if grad is None:
            fail(f"after backward(), net.{name}.grad is still None: it must be a leaf tensor that requires grad.")
        if int(torch.count_nonzero(grad)) == 0:  # as `(grad == 0).all()`, without a million booleans
            fail(f"after backward(), net.{name}.grad is all zeros.")
