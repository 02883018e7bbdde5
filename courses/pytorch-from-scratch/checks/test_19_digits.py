"""Checks for 19 digits: datasets as NumPy arrays, one-hot labels, accuracy, and training on real handwritten digits.

The datasets are fakes defined here and placed next to the learner's code (`learner_side`): (image,
label) pairs shaped like kata.data's MNIST, counting how many were read. The last step trains the
learner's SimpleNeuralNet on scikit-learn's 8x8 handwritten digits (the offline set kata.data falls
back to), or on made-up digit patterns where scikit-learn is not installed, and needs an accuracy far
better than chance on digits it never saw.
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


class FakeDigits:
    """Like kata.data's MNIST: (float32 tensor of shape (1, 28, 28), int label) pairs. It counts what is read."""

    def __init__(self, images, labels):
        self.images = torch.tensor(images, dtype=torch.float32)
        self.labels = [int(v) for v in labels]
        self.reads = 0

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        self.reads += 1
        return self.images[index], self.labels[index]

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]


def _to_arrays(ex, dataset, count):
    """Next to the learner's code: dataset_to_arrays on a FakeDigits; the arrays and how many items were read."""
    got = ex.dataset_to_arrays(dataset, count)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return {"problem": f"returned {type(got).__name__}" + (f" of length {len(got)}" if isinstance(got, (tuple, list))
                                                                else "")}
    return {"images": np.asarray(got[0]), "labels": np.asarray(got[1]), "reads": dataset.reads}


def test_dataset_to_arrays(exercise):
    """dataset_to_arrays gives the first `count` images flattened row by row, float64, and their int labels"""
    convert = learner_side(exercise, _to_arrays)
    fake = learner_side(exercise, FakeDigits)

    @_cases()
    @given(n=st.integers(1, 12), count=st.integers(1, 12), values=st.integers(0, 2**16))
    @example(n=5, count=3, values=0)
    def prop(n, count, values):
        count = min(count, n)
        rng = np.random.default_rng(values)
        images = rng.uniform(0, 1, (n, 1, 28, 28)).astype(np.float32)
        labels = rng.integers(0, 10, n)
        example = f"\n  The smallest failing example (found by hypothesis): a dataset of {n} digits, count = {count}."
        got = convert(exercise, fake(images, labels), count)
        if "problem" in got:
            fail(f"dataset_to_arrays should return two arrays, (images, labels), but it {got['problem']}.{example}")
        got_images, got_labels = got["images"], got["labels"]
        want = images[:count].reshape(count, 784).astype(np.float64)
        if got_images.shape != (count, 784):
            fail(f"the images have shape {got_images.shape}; they should be ({count}, 784): one row of 28 * 28 pixels "
                 f"per image, for the first count = {count} images.{example}")
        if got_images.dtype != np.float64:
            fail(f"the images are {got_images.dtype}; they should be float64, like every Tensor's data.{example}")
        if not np.allclose(got_images, want):
            if np.allclose(got_images, images[:count].transpose(0, 1, 3, 2).reshape(count, 784)):
                fail(f"the images are flattened column by column; flatten them row by row, as reshape does.{example}")
            fail(f"the images are not the dataset's first {count}, flattened row by row, in order.{example}")
        if got_labels.shape != (count,) or not np.issubdtype(got_labels.dtype, np.integer):
            fail(f"the labels should be an int array of shape ({count},), but they are {got_labels.dtype} of shape "
                 f"{got_labels.shape}.{example}")
        if not np.array_equal(got_labels, labels[:count]):
            fail(f"the labels are {got_labels.tolist()}, but the first {count} labels are {labels[:count].tolist()}."
                 f"{example}")
        if got["reads"] > count:
            fail(f"dataset_to_arrays read {got['reads']} digits to return {count}: stop as soon as you have count of "
                 f"them (MNIST has 60,000, and reading one costs time).{example}")

    prop()


def test_one_hot(exercise):
    """one_hot gives a float64 row of zeros per label, with a 1 at the label"""
    # The last cases give num_classes explicitly, beyond the largest label: the width cannot be guessed from the data.
    for labels, classes, given in (([3, 0, 9, 3], 10, False), ([2, 1], 3, True), ([0], 1, True), ([1, 0], 4, True),
                                   ([2, 5], 10, True), ([4, 1], 10, False)):
        got = exercise.one_hot(np.array(labels), classes) if given else exercise.one_hot(np.array(labels))
        want = np.eye(classes)[labels]
        got = np.asarray(got)
        call = f"one_hot({labels}" + (f", {classes})" if given else ")")
        if got.shape != want.shape:
            hint = ""
            if got.ndim == 2 and got.shape[0] == len(labels) and got.shape[1] == max(labels) + 1 != classes:
                hint = (f" It has max(labels) + 1 = {max(labels) + 1} columns: the labels need not reach the last "
                        f"class, so the width is num_classes ({classes}{'' if given else ', its default'}), never "
                        f"guessed from the labels.")
            fail(f"{call} has shape {got.shape}; it should be (len(labels), num_classes) = {want.shape}.{hint}")
        if got.dtype != np.float64:
            fail(f"{call} is {got.dtype}; it should be float64, the targets of mse_loss.")
        if not np.array_equal(got, want):
            fail(f"{call} is {got.tolist()}; it should be {want.tolist()}.")


def _accuracy(ex, scores, labels, extra):
    """Next to the learner's code: accuracy of a model whose outputs are `scores` (times a Parameter)."""

    class Fixed(ex.Module):
        def __init__(self):
            super().__init__()
            self.scale = ex.Parameter(np.ones(1))
            self.grad_mode = None

        def forward(self, x):
            self.grad_mode = ex.is_grad_enabled()
            return x * self.scale

    model = Fixed()
    try:
        result = ex.accuracy(model, ex.Tensor(scores), labels if extra is None else list(labels))
    except ValueError as exc:  # reported as data, with what to look at
        return {"error": f"ValueError: {exc}", "grad_mode": model.grad_mode}
    return {"result": result, "grad_mode": model.grad_mode, "type": type(result).__name__}


def test_accuracy(exercise):
    """accuracy is the fraction of images whose largest output is at their label, as a float, without a graph"""
    scores = np.array([[0.1, 0.7, 0.2], [0.8, 0.1, 0.1], [0.2, 0.3, 0.5], [0.3, 0.3, 0.4]])
    for labels, want in (([1, 0, 2, 2], 1.0), ([1, 1, 2, 0], 0.5), ([0, 2, 1, 1], 0.0)):
        got = learner_side(exercise, _accuracy)(exercise, scores, np.array(labels), None)
        if got["grad_mode"] is None:
            fail("accuracy(model, images, labels) never called the model: the guesses come from model(images).")
        if "error" in got:
            fail(f"accuracy(model, images, labels) failed with {got['error']}\nEach image's guess is the position of "
                 "its largest output (argmax over the last dimension): one guess per image, to compare with its label.")
        if got["type"] != "float":
            fail(f"accuracy should return a plain float, but it returned a {got['type']} ({got['result']!r:.60}): "
                 "float(...) turns a NumPy number into one.")
        if abs(got["result"] - want) > 1e-12:
            fail(f"accuracy is {got['result']!r} for outputs {scores.tolist()} and labels {labels}; it should be "
                 f"{want}: each image's guess is the position of its largest output (argmax over the last dimension), "
                 "and accuracy is the fraction of guesses equal to the label.")
        if got["grad_mode"]:
            fail("accuracy ran the model with grad mode on: measuring is not training, so run it inside "
                 "`with no_grad():` and no graph is recorded.")


def _digits():
    """scikit-learn's 8x8 handwritten digits in [0, 1], or, without scikit-learn, noisy copies of 10 made-up patterns."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        rng = np.random.default_rng(0)
        prototypes = rng.uniform(0, 1, (10, 64))
        labels = np.arange(600) % 10
        return np.clip(prototypes[labels] + rng.normal(0, 0.3, (600, 64)), 0, 1), labels
    digits = load_digits()
    return digits.data / 16.0, digits.target


def test_training_on_digits(exercise):
    """trained on 300 handwritten digits, SimpleNeuralNet reads held-out ones far better than chance (10%)"""
    images, labels = _digits()
    train_x, train_y = exercise.Tensor(images[:300]), exercise.Tensor(np.eye(10)[labels[:300]])
    test_x, test_y = exercise.Tensor(images[-200:]), labels[-200:]
    model = exercise.SimpleNeuralNet(64, 16, 16, 10)
    exercise.train_model(model, train_x, train_y, 100, 10.0)
    got = exercise.accuracy(model, test_x, test_y)
    if not got >= 0.35:
        fail(f"after 100 epochs on 300 digits (SimpleNeuralNet(64, 16, 16, 10), lr = 10.0), the accuracy on 200 "
             f"held-out digits is {got:.1%}; it should be far better than chance (10%): at least 35%.")
