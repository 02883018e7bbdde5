"""Checks for 15 nudge_tensor_towards_minimum: one gradient-descent step, in place, under no_grad."""

import torch

from kata.expect import assert_close, attribute_assignments, fail, learner_line

SEED_MESSAGE = ("It doesn't appear that nudge_tensor_towards_minimum actually modifies your tensor! "
                "Make sure that you are using -= and not x = x - ...")


def _nudge(exercise, x, learning_rate):
    """Calls the learner's function on x, turning PyTorch's in-place refusal into advice."""
    before = x.detach().clone()
    grad, grad_before, dtype = x.grad, None if x.grad is None else x.grad.clone(), x.dtype
    try:
        result = exercise.nudge_tensor_towards_minimum(x, learning_rate)
    except RuntimeError as exc:
        if "in-place" in str(exc) or "inplace" in str(exc):
            fail(f"PyTorch refused to change x in place:\n  {exc}\n"
                 "x requires grad, so changing it in place is only allowed inside `with t.no_grad():`.")
        raise
    if result is not None and result is not x:
        if torch.equal(x.detach(), before):
            fail("nudge_tensor_towards_minimum returned a new tensor but left x as it was. It should change x "
                 "itself, in place (use -=), and return nothing: the caller keeps using its own tensor.")
    _only_x_changed(x, grad, grad_before, dtype, learning_rate)
    if torch.equal(x.detach(), before) and not bool((x.grad == 0).all()):
        fail(f"{SEED_MESSAGE}\nx was rebound instead of updated in place: `x = x - ...` makes a new tensor that only "
             "the name x inside your function sees. `x -= ...` changes the caller's tensor itself.")
    return before


def _show(tensor) -> str:
    """A tensor's first values, briefly: [0.1, 0.2, ...]."""
    values = [f"{v:.4g}" for v in tensor.detach().flatten()[:6].tolist()]
    return "[" + ", ".join(values) + (", ...]" if tensor.numel() > 6 else "]")


def _only_x_changed(x, grad, grad_before, dtype, learning_rate) -> None:
    """The nudge changed x's values and nothing else: x.grad is the same tensor with the same values, and
    x keeps its dtype."""
    if grad_before is not None:
        now = x.grad
        if now is None:
            fail("nudge_tensor_towards_minimum set x.grad to None: it should change x's values and nothing else. "
                 "Clearing the gradients is zero_all_gradients' job, before the next backward().")
        if now.shape != grad_before.shape or not torch.equal(now, grad_before):
            scaled = (now.shape == grad_before.shape and learning_rate not in (0, 1)
                      and torch.allclose(now, grad_before * learning_rate))
            fail(f"nudge_tensor_towards_minimum changed x.grad: it was {_show(grad_before)} before "
                 f"the call and is {_show(now)} after it"
                 f"{' (the learning rate times it: the gradient was scaled in place, as by x.grad *= learning_rate)' if scaled else ''}. "
                 "Only x's values should change; the gradient must stay as backward() left it. Compute the step as "
                 "a new tensor, `x -= x.grad * learning_rate`, without writing into x.grad.")
        if now is not grad:
            fail("nudge_tensor_towards_minimum replaced x.grad with another tensor: it should change x's values and "
                 "nothing else. Leave x.grad as it is.")
    if x.dtype != dtype:
        fail(f"nudge_tensor_towards_minimum changed x's dtype from {dtype} to {x.dtype}: keep x as it is and only "
             "change its values.")


def _expect_update(x, before, grad, learning_rate, what):
    expected = before - learning_rate * grad
    actual = x.detach()
    if actual.shape == expected.shape and not torch.allclose(actual, expected, atol=1e-5):
        if torch.allclose(actual, before + learning_rate * grad, atol=1e-5):
            fail(f"{what} moved uphill, along the gradient: it should move against it (subtract the gradient "
                 "times the learning rate).")
        if torch.allclose(actual, before - grad, atol=1e-5):
            fail(f"{what} moved by the whole gradient: multiply the gradient by the learning rate ({learning_rate}).")
        if torch.allclose(actual, before - learning_rate, atol=1e-5):
            fail(f"{what} moved by the learning rate alone: move by the gradient times the learning rate.")
        if torch.allclose(actual, before - grad / learning_rate, atol=1e-5):
            fail(f"{what} moved by the gradient divided by the learning rate: multiply instead.")
    assert_close(actual, expected, atol=1e-5, what=what)


def test_seed_example(exercise):
    """the worked example: [1.1, 2.2, 3.3] with gradient 0.1 and learning rate 2 becomes [0.9, 2.0, 3.1]"""
    example_tensor = torch.tensor([1.1, 2.2, 3.3])
    example_tensor.grad = torch.tensor([0.1, 0.1, 0.1])
    _nudge(exercise, example_tensor, learning_rate=2)
    assert not torch.allclose(example_tensor, torch.tensor([1.1, 2.2, 3.3])), SEED_MESSAGE
    _expect_update(example_tensor, torch.tensor([1.1, 2.2, 3.3]), torch.tensor([0.1, 0.1, 0.1]), 2,
                   "example_tensor after the nudge")


def test_changes_x_in_place(exercise):
    """x itself changes, not a new tensor bound to the local name x"""
    x = torch.tensor([1.0, -2.0, 3.0, 4.0], requires_grad=True)
    x.grad = torch.tensor([1.0, 1.0, -1.0, 0.5])
    before = _nudge(exercise, x, learning_rate=0.5)
    _expect_update(x, before, torch.tensor([1.0, 1.0, -1.0, 0.5]), 0.5, "x after the nudge")


def test_works_on_tensors_that_require_grad(exercise):
    """a leaf that requires grad (like the net's weights) is nudged and stays a leaf that requires grad"""
    x = torch.tensor([[0.5, -0.5], [1.5, 2.0]], requires_grad=True)
    (x ** 2).sum().backward()  # x.grad = 2x
    grad = x.grad.clone()
    before = _nudge(exercise, x, learning_rate=0.1)
    _expect_update(x, before, grad, 0.1, "x after the nudge")
    if not x.requires_grad:
        fail("after the nudge, x no longer requires grad, so training could never update it again. "
             "Don't turn off requires_grad; change x inside `with t.no_grad():` instead.")
    if not x.is_leaf or x.grad_fn is not None:
        fail("after the nudge, x is no longer a leaf tensor: the update was recorded by autograd. "
             "Do it inside `with t.no_grad():`.")


def test_learning_rate_scales_the_step(exercise):
    """the step is the gradient times the learning rate, for several rates and shapes"""
    for learning_rate, shape in [(1.0, (3,)), (0.01, (4, 5)), (10.0, (2, 3, 2)), (0.0, (6,))]:
        x = torch.randn(shape, requires_grad=True)
        grad = torch.randn(shape)
        x.grad = grad.clone()
        if learning_rate == 0.0:
            before = x.detach().clone()
            exercise.nudge_tensor_towards_minimum(x, learning_rate)
        else:
            before = _nudge(exercise, x, learning_rate)
        _expect_update(x, before, grad, learning_rate, f"a {shape} tensor after a nudge with learning rate {learning_rate}")


def test_same_object_and_memory(exercise):
    """x is the same object, its values changed where they are (not replaced through x.data = ...)"""
    x = torch.zeros(100, requires_grad=True)
    x.grad = torch.ones(100)
    _nudge(exercise, x, learning_rate=0.25)
    assert_close(x, torch.full((100,), -0.25), what="x after the nudge")
    # `x.data = x.data - ...` gives the right values too, so read the function: it swaps x's memory for a new
    # tensor behind autograd's back, which PyTorch discourages (autograd cannot see or check the change).
    for line, code in attribute_assignments(exercise, "nudge_tensor_towards_minimum", "data")[:1]:
        fail(f"{learner_line(exercise, line)}: {code:.80}\n"
             "This gives x the right values, but `x.data = ...` replaces x's memory with a new tensor behind "
             "autograd's back: PyTorch discourages `.data`, because autograd can no longer see or check the "
             "change (a later backward() may silently use wrong values). Change x where it is instead: "
             "`with t.no_grad(): x -= x.grad * learning_rate`.")


def test_repeated_nudges_reduce_a_loss(exercise):
    """nudging again and again walks downhill: the loss (x - 3)^2 shrinks towards 0"""
    x = torch.tensor([0.0, 10.0], requires_grad=True)
    losses = []
    for _ in range(20):
        x.grad = None
        loss = ((x - 3.0) ** 2).sum()
        losses.append(loss.item())
        try:
            loss.backward()
        except RuntimeError as exc:
            fail(f"after a nudge, backward() through x fails:\n  {exc}\nx must stay a leaf tensor that requires grad.")
        _nudge(exercise, x, learning_rate=0.1)
    if not losses[-1] < 0.01 * losses[0]:
        fail(f"20 nudges with learning rate 0.1 should bring the loss (x - 3)^2 from {losses[0]:.3f} to near 0, "
             f"but it went to {losses[-1]:.3f} (losses: {[round(v, 3) for v in losses[:5]]} ...).")
    assert_close(x, torch.tensor([3.0, 3.0]), atol=0.1, what="x after 20 nudges towards the minimum at 3")
