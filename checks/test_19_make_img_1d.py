"""Checks for 19 make_img_1d: merge an image's height and width into one flat dimension."""

import torch

from kata.expect import assert_close, assert_left_alone, assert_shape, fail, tensor_state


def _flat(ex, imgs):
    state = tensor_state(imgs)
    result = ex.make_img_1d(imgs)
    if result is None:
        fail("make_img_1d returned None: did you forget to `return` the result?")
    assert_left_alone(imgs, state, "the images it was given", "make_img_1d")
    if not isinstance(result, torch.Tensor):
        fail(f"make_img_1d should return a torch tensor, not a value of type {type(result).__name__}.")
    return result


def _shape_hint(shape, got):
    if got == tuple(shape):
        return " It came back with its shape unchanged: the last two dimensions should merge into one."
    if len(got) == 1 and len(shape) > 2:
        return " It flattened every dimension; only the last two (height and width) should merge."
    if len(got) == 2 and len(shape) != 3:
        return (" It has two dimensions: is a batch size or 784 assumed? Keep every dimension before the last two "
                "exactly as it is.")
    return ""


def _check_shape(ex, shape, expected):
    result = _flat(ex, torch.rand(shape))
    got = tuple(result.shape)
    if got != expected:
        fail(f"make_img_1d of a tensor of shape {shape} should have shape {expected}, but it has shape {got}."
             + _shape_hint(shape, got))
    return result


def test_one_mnist_image(exercise):
    """an MNIST image of shape (1, 28, 28) becomes (1, 784)"""
    _check_shape(exercise, (1, 28, 28), (1, 784))


def test_a_bare_image(exercise):
    """a bare 28x28 image becomes a vector of 784"""
    _check_shape(exercise, (28, 28), (784,))


def test_batches_keep_their_leading_dimensions(exercise):
    """batches keep every dimension before height and width"""
    _check_shape(exercise, (5, 1, 28, 28), (5, 1, 784))
    _check_shape(exercise, (5, 28, 28), (5, 784))
    _check_shape(exercise, (2, 3, 1, 28, 28), (2, 3, 1, 784))


def test_any_image_size(exercise):
    """images of any height and width flatten, not only 28x28"""
    _check_shape(exercise, (3, 5), (15,))
    _check_shape(exercise, (1, 4, 7), (1, 28))
    _check_shape(exercise, (2, 1, 1), (2, 1))


def test_row_by_row(exercise):
    """pixels come out row by row: the first row, then the second, ..."""
    img = torch.arange(15.0).reshape(3, 5)
    result = _flat(exercise, img)
    assert_shape(result, (15,), what="make_img_1d of a (3, 5) image")
    if torch.equal(result, img.T.reshape(-1)):
        fail("make_img_1d read the image column by column. Merge (h w) in that order: height first, so each "
             f"row stays together.\n  expected: {img.reshape(-1).tolist()}\n  got:      {result.tolist()}")
    assert_close(result, img.reshape(-1), what="make_img_1d of the (3, 5) image arange(15)")
    batch = torch.rand((4, 1, 6, 7))
    assert_close(_flat(exercise, batch), batch.reshape(4, 1, 42), what="make_img_1d of a (4, 1, 6, 7) batch")


def test_the_seed_usage(exercise):
    """make_img_1d(img).squeeze() turns an MNIST image into 784 pixel values"""
    img = torch.rand((1, 28, 28))
    result = _flat(exercise, img).squeeze()
    assert_close(result, img.reshape(784), what="make_img_1d(img).squeeze() for an image of shape (1, 28, 28)")


def test_keeps_dtype_and_leaves_input_alone(exercise):
    """the dtype stays the same and the input image is not changed"""
    for dtype in (torch.uint8, torch.float64):
        img = (torch.rand((1, 4, 4)) * 200).to(dtype)
        before = img.clone()
        result = _flat(exercise, img)
        if result.dtype != dtype:
            fail(f"make_img_1d of a {dtype} image returned dtype {result.dtype}: flattening should not convert.")
        assert_close(result, before.reshape(1, 16), what=f"make_img_1d of a {dtype} image")
        if not torch.equal(img, before) or img.shape != before.shape:
            fail("make_img_1d changed the image it was given; return a new (flattened) tensor instead.")


def test_gradients_flow_through(exercise):
    """gradients flow back through the flattening"""
    img = torch.rand((2, 1, 3, 3), requires_grad=True)
    weights = torch.arange(9.0)
    (_flat(exercise, img) * weights).sum().backward()
    if img.grad is None:
        fail("no gradient reached the image: flatten with tensor operations (rearrange, reshape, flatten), "
             "not through .detach(), .numpy() or a Python list.")
    assert_close(img.grad, weights.reshape(3, 3).expand(2, 1, 3, 3), what="the image's gradient")
