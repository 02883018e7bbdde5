"""Checks for 20 mnist_training: split a dataset of digits, measure accuracy, learn from training images."""

import torch

# torchvision is imported here, at module level, so that kata's warm worker loads it once
# before forking; one step reads tiny IDX files through torchvision's real MNIST class.
import torchvision.datasets  # noqa: F401

from kata.data import load_mnist, write_mnist_split
from kata.expect import ExpectationFailed, assert_close, assert_shape, fail, learner_side

ORDER = "training_imgs, expected_outputs_in_training, non_training_imgs, expected_outputs_in_non_training"


class FakeDigits:
    """A dataset like MNIST(transform=ToTensor()): (float image (1, 28, 28), int label) pairs. It counts reads."""

    def __init__(self, imgs, labels):
        self.imgs, self.labels, self.reads = imgs, [int(x) for x in labels], 0

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        if not 0 <= index < len(self.labels):
            raise IndexError(f"index {index} is out of range for a dataset of {len(self.labels)} images")
        self.reads += 1
        return self.imgs[index], self.labels[index]


def _fake(ex, n, seed=0):
    g = torch.Generator().manual_seed(seed)
    imgs = torch.rand((n, 1, 28, 28), generator=g)
    labels = torch.randint(0, 10, (n,), generator=g)
    return learner_side(ex, FakeDigits)(imgs, labels)


def _split(ex, dataset, total, n_train):
    result = ex.split_dataset(dataset, total, n_train)
    if result is None:
        fail("split_dataset returned None: did you forget to `return` the four tensors?")
    if not isinstance(result, (tuple, list)) or len(result) != 4:
        fail(f"split_dataset should return four tensors ({ORDER}), but it returned {type(result).__name__}"
             + (f" of length {len(result)}" if isinstance(result, (tuple, list)) else "") + ".")
    names = ORDER.split(", ")
    for name, value in zip(names, result):
        if not isinstance(value, torch.Tensor):
            fail(f"{name} should be one tensor, but it is a value of type {type(value).__name__}: "
                 "t.stack a list of tensors into one.")
    return result


def _expected_split(dataset, total, n_train):
    n = min(total, len(dataset))
    imgs = dataset.imgs[:n].reshape(n, 784)
    onehot = torch.nn.functional.one_hot(torch.tensor(dataset.labels[:n]), 10).float()
    return imgs[:n_train], onehot[:n_train], imgs[n_train:], onehot[n_train:]


def _check_shapes(result, n_train, n_rest):
    shapes = [(n_train, 784), (n_train, 10), (n_rest, 784), (n_rest, 10)]
    for name, value, shape in zip(ORDER.split(", "), result, shapes):
        got = tuple(value.shape)
        if got == shape:
            continue
        if got[-1:] == (1,) or got[1:2] == (1,):
            fail(f"{name} has shape {got}, not {shape}: a flattened MNIST image has shape (1, 784); "
                 "squeeze it to 784 numbers before stacking.")
        if sorted(tuple(v.shape) for v in result) == sorted(shapes) and got in shapes:
            fail(f"{name} has shape {got}, not {shape}: return the four tensors in this order: {ORDER}.")
        assert_shape(value, shape, what=name)


def test_four_stacked_tensors(exercise):
    """split_dataset returns four stacked tensors of the right shapes"""
    result = _split(exercise, _fake(exercise, 12), 10, 6)
    _check_shapes(result, 6, 4)
    for name, value in zip(ORDER.split(", "), result):
        if value.dtype != torch.float32:
            fail(f"{name} has dtype {value.dtype}; it should be float32, what the net computes with.")


def test_first_images_train_the_rest_do_not(exercise):
    """the first num_of_training_imgs images are for training, the next ones are not, each flattened row by row"""
    dataset = _fake(exercise, 12)
    result = _split(exercise, dataset, 10, 6)
    _check_shapes(result, 6, 4)
    expected = _expected_split(dataset, 10, 6)
    assert_close(result[0], expected[0], what="training_imgs (images 0 to 5, each flattened)")
    assert_close(result[2], expected[2], what="non_training_imgs (images 6 to 9, each flattened)")


def test_expected_outputs_are_one_hot(exercise):
    """the expected outputs are the labels, one-hot encoded"""
    dataset = _fake(exercise, 12, seed=3)
    result = _split(exercise, dataset, 10, 6)
    _check_shapes(result, 6, 4)
    expected = _expected_split(dataset, 10, 6)
    assert_close(result[1], expected[1], what="expected_outputs_in_training (labels of images 0 to 5, one-hot)")
    assert_close(result[3], expected[3], what="expected_outputs_in_non_training (labels of images 6 to 9, one-hot)")


def test_other_sizes(exercise):
    """other sizes of split, including a single held-out image"""
    for n, total, n_train in ((30, 25, 20), (5, 5, 4), (3, 2, 1)):
        dataset = _fake(exercise, n, seed=n)
        result = _split(exercise, dataset, total, n_train)
        _check_shapes(result, n_train, total - n_train)
        for name, actual, expected in zip(ORDER.split(", "), result, _expected_split(dataset, total, n_train)):
            assert_close(actual, expected, what=f"{name} for total_imgs={total}, num_of_training_imgs={n_train}")


def test_a_short_dataset_gives_what_it_has(exercise):
    """a dataset with fewer than total_imgs images gives all it has"""
    dataset = _fake(exercise, 8)
    try:
        result = _split(exercise, dataset, 20, 5)
    except IndexError as exc:
        fail(f"split_dataset raised IndexError ({exc}) on a dataset of 8 images with total_imgs=20. Go through "
             "the dataset itself (`for img, label in dataset`) and stop at total_imgs, rather than asking for "
             "images that may not exist.")
    _check_shapes(result, 5, 3)
    for name, actual, expected in zip(ORDER.split(", "), result, _expected_split(dataset, 20, 5)):
        assert_close(actual, expected, what=name)


def test_stops_at_total_imgs(exercise):
    """it stops reading once it has total_imgs images (MNIST has 60,000)"""
    dataset = _fake(exercise, 300)
    _split(exercise, dataset, 12, 8)
    if dataset.reads > 13:
        fail(f"split_dataset read {dataset.reads} images from a dataset of 300 to use only total_imgs=12. "
             "Stop going through the dataset once you have total_imgs images (`break`).")


def _mnist_from_idx_files(raw, labels):
    """torchvision's MNIST class reading tiny IDX files written to a temporary folder, removed once
    read (the class loads every image into memory when it is made)."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="kata-mnist-") as folder:
        root = Path(folder)
        write_mnist_split(root / "MNIST" / "raw", raw, labels, train=True)
        write_mnist_split(root / "MNIST" / "raw", raw[:2], labels[:2], train=False)
        return load_mnist(root=root, download=False, fallback=False).dataset


def test_digits_read_by_torchvision(exercise):
    """it splits digits that torchvision's MNIST class reads from IDX files"""
    g = torch.Generator().manual_seed(7)
    raw = torch.randint(0, 256, (9, 28, 28), generator=g, dtype=torch.uint8)
    labels = torch.tensor([5, 0, 4, 1, 9, 2, 1, 3, 1], dtype=torch.uint8)
    dataset = learner_side(exercise, _mnist_from_idx_files)(raw, labels)
    result = _split(exercise, dataset, 7, 4)
    _check_shapes(result, 4, 3)
    flat = raw.float().reshape(9, 784) / 255.0
    onehot = torch.nn.functional.one_hot(labels.long(), 10).float()
    assert_close(result[0], flat[:4], what="training_imgs from torchvision's MNIST")
    assert_close(result[1], onehot[:4], what="expected_outputs_in_training from torchvision's MNIST")
    assert_close(result[2], flat[4:7], what="non_training_imgs from torchvision's MNIST")
    assert_close(result[3], onehot[4:7], what="expected_outputs_in_non_training from torchvision's MNIST")


def _identity_net(ex, d=4):
    """A net whose guess is the position of the largest input (all inputs non-negative)."""
    eye = torch.eye(d)
    tensors = [eye.clone(), torch.zeros(d), eye.clone(), torch.zeros(d), 5 * eye, torch.zeros(d)]
    return ex.ThreeLayerNeuralNet(*[tensor.requires_grad_() for tensor in tensors])  # leaves, as a trained net's


NET_NAMES = ("layer_0", "layer_0_bias", "layer_1", "layer_1_bias", "layer_2", "layer_2_bias")


def _accuracy_left_alone(net, imgs, labels, before) -> None:
    """accuracy only read its arguments: the images, the labels and the net's tensors (values, requires_grad,
    .grad) are as they were."""
    imgs_before, labels_before, tensors = before
    if not (torch.equal(imgs, imgs_before) and torch.equal(labels, labels_before)):
        fail(f"accuracy changed the {'images' if not torch.equal(imgs, imgs_before) else 'labels'} it was given in "
             "place: measuring the net only reads them. No in-place methods ending in `_` and no `-=`, `/=` or "
             "item assignment on an argument.")
    for name, (values, requires_grad, grad) in zip(NET_NAMES, tensors):
        tensor = getattr(net, name)
        if tensor.requires_grad != requires_grad:
            fail(f"accuracy turned requires_grad {'on' if tensor.requires_grad else 'off'} for net.{name}: after "
                 "measuring it, the net could no longer be trained. To leave autograd out of an evaluation, run "
                 "the forward pass inside `with t.no_grad():` instead; that changes nothing in the net.")
        if tensor.grad is not grad or not torch.equal(tensor.detach(), values):
            fail(f"accuracy changed net.{name} (its values or its .grad): measuring the net only reads it.")


def _accuracy(ex, net, imgs, labels, what):
    before = (imgs.clone(), labels.clone(), [(getattr(net, name).detach().clone(), getattr(net, name).requires_grad,
                                              getattr(net, name).grad) for name in NET_NAMES])
    try:
        result = ex.accuracy(net, imgs, labels)
    except RuntimeError as exc:
        if "must match the size" not in str(exc):
            raise
        fail(f"accuracy failed for {what} ({exc}): the guesses don't line up with the labels. There is one "
             "guess per image: the argmax over the last dimension (dim=-1) of the net's outputs.")
    if result is None:
        fail(f"accuracy returned None for {what}: did you forget to `return` it?")
    _accuracy_left_alone(net, imgs, labels, before)
    if isinstance(result, torch.Tensor) and result.numel() == 1:
        fail(f"accuracy returned a tensor, {result!r:.60}, for {what}, but it should return a plain Python float, "
             "as its signature says (-> float). Turn the one-element tensor into a float with .item().")
    try:
        value = float(result)
    except (TypeError, ValueError, RuntimeError):
        fail(f"accuracy should return one number, but for {what} it returned {result!r:.200}. "
             "Compare one guess per image (argmax over the last dimension) and average.")
    return value


def test_accuracy_of_a_known_net(exercise):
    """accuracy is the fraction of images whose highest output is the right label"""
    net = _identity_net(exercise)
    imgs = torch.tensor([
        [0.9, 0.1, 0.0, 0.2],  # guess 0
        [0.1, 0.8, 0.3, 0.0],  # guess 1
        [0.0, 0.2, 0.7, 0.1],  # guess 2
        [0.3, 0.0, 0.1, 0.6],  # guess 3
        [0.2, 0.5, 0.1, 0.0],  # guess 1
        [0.0, 0.1, 0.4, 0.3],  # guess 2
        [0.6, 0.1, 0.2, 0.5],  # guess 0
        [0.1, 0.1, 0.1, 0.9],  # guess 3
    ])
    guesses = torch.tensor([0, 1, 2, 3, 1, 2, 0, 3])
    cases = (
        ("labels that are all right", guesses.clone(), 1.0),
        ("labels that are all wrong", (guesses + 1) % 4, 0.0),
        ("labels of which 3 of 8 are right", torch.tensor([0, 1, 2, 0, 0, 0, 3, 1]), 0.375),
        ("labels of which 5 of 8 are right", torch.tensor([0, 0, 2, 3, 1, 0, 0, 1]), 0.625),
    )
    for what, labels, expected in cases:
        value = _accuracy(exercise, net, imgs, labels, what)
        if expected and abs(value - 8 * expected) < 1e-6:
            fail(f"for {what}, accuracy returned {value:g}: that is how many are right; divide by the number "
                 f"of images to get the fraction {expected}.")
        if expected and abs(value - 100 * expected) < 1e-4:
            fail(f"for {what}, accuracy returned {value:g}: a percentage. Return the fraction {expected} instead.")
        if abs(value - expected) > 1e-6:
            fail(f"for {what}, accuracy should be {expected}, but it returned {value:g}. The net's guess for "
                 "each image is the position of its largest output: argmax over the last dimension.")


def test_accuracy_of_a_single_image(exercise):
    """a batch of one image scores 0.0 or 1.0"""
    net = _identity_net(exercise)
    img = torch.tensor([[0.1, 0.2, 0.9, 0.3]])
    right = _accuracy(exercise, net, img, torch.tensor([2]), "one image guessed right")
    wrong = _accuracy(exercise, net, img, torch.tensor([1]), "one image guessed wrong")
    if (right, wrong) != (1.0, 0.0):
        fail(f"for one image the accuracy is 1.0 when the guess is right and 0.0 when wrong; got {right:g} "
             f"and {wrong:g}.")


def _separable_digits(ex, n, seed):
    """Fake 28x28 digits: each digit lights its own pattern of pixels, plus noise."""
    g = torch.Generator().manual_seed(seed)
    patterns = (torch.rand((10, 28, 28), generator=torch.Generator().manual_seed(1234)) < 0.15).float()
    labels = torch.arange(n) % 10
    labels = labels[torch.randperm(n, generator=g)]
    imgs = (0.8 * patterns[labels] + 0.3 * torch.rand((n, 28, 28), generator=g)).clamp(0, 1).unsqueeze(1)
    return learner_side(ex, FakeDigits)(imgs, labels)


def _small_net(ex, sizes=(784, 32, 16, 10), bound=0.3):
    d_in, d0, d1, d2 = sizes
    shapes = [(d0, d_in), (d0,), (d1, d0), (d1,), (d2, d1), (d2,)]
    with torch.no_grad():
        tensors = [torch.zeros(s, requires_grad=True).uniform_(-bound, bound) for s in shapes]
    return ex.ThreeLayerNeuralNet(*tensors)


def test_training_beats_chance_on_held_out_digits(exercise, capsys):
    """after training, the net names held-out digits far better than chance (10%)"""
    dataset = _separable_digits(exercise, 150, seed=0)
    train_imgs, train_expected, test_imgs, test_expected = _split(exercise, dataset, 150, 100)
    _check_shapes((train_imgs, train_expected, test_imgs, test_expected), 100, 50)
    net = _small_net(exercise)
    test_labels = test_expected.argmax(dim=-1)
    exercise.train(net, train_imgs, train_expected, 3.0, 40)
    with torch.no_grad():
        truth = float((exercise.forward(test_imgs, net).argmax(dim=-1) == test_labels).float().mean())
    value = _accuracy(exercise, net, test_imgs, test_labels, "the trained net on 50 held-out digits")
    if abs(value - truth) > 1e-6:
        fail(f"the trained net gets {truth:.0%} of the 50 held-out digits right, but accuracy says {value:g}.")
    if truth < 0.6:
        fail(f"after training on your split, the net names only {truth:.0%} of held-out digits (chance is 10%). "
             "Are the training images paired with their own one-hot labels?")
