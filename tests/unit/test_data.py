"""kata.data: tiny IDX files read back through torchvision's real MNIST class, the fallback, rendering."""

from __future__ import annotations

import gzip
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from kata import data
from kata.data import (
    MnistUnavailable,
    load_mnist,
    mnist_file_names,
    render_digit,
    write_idx_images,
    write_idx_labels,
    write_mnist_split,
)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No test reads the user's MNIST folder or writes to their cache."""
    monkeypatch.delenv(data.MNIST_DIR_ENV, raising=False)
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path / "cache"))


def _images(n, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(n, 28, 28), dtype=np.uint8)


def _write_both_splits(raw, train_n=5, test_n=3):
    train_images, test_images = _images(train_n, 1), _images(test_n, 2)
    train_labels = np.arange(train_n, dtype=np.uint8) % 10
    test_labels = (np.arange(test_n, dtype=np.uint8) + 7) % 10
    write_mnist_split(raw, train_images, train_labels, train=True)
    write_mnist_split(raw, test_images, test_labels, train=False)
    return (train_images, train_labels), (test_images, test_labels)


def _assert_matches(dataset, images, labels):
    import torch

    assert len(dataset) == len(labels)
    for i in range(len(labels)):
        img, label = dataset[i]
        assert isinstance(img, torch.Tensor) and img.shape == (1, 28, 28) and img.dtype == torch.float32
        assert isinstance(label, int) and label == int(labels[i])
        assert torch.allclose(img[0], torch.tensor(images[i], dtype=torch.float32) / 255.0)


def test_idx_files_read_back_through_torchvision(tmp_path):
    from torchvision.datasets import MNIST

    (train_images, train_labels), (test_images, test_labels) = _write_both_splits(tmp_path / "MNIST" / "raw")
    loaded = load_mnist(root=tmp_path, download=False, fallback=False)
    assert loaded.source == "MNIST" and loaded.notice is None
    assert type(loaded.dataset) is MNIST
    _assert_matches(loaded.dataset, train_images, train_labels)
    held_out = load_mnist(root=tmp_path, train=False, download=False, fallback=False)
    _assert_matches(held_out.dataset, test_images, test_labels)
    # the raw reader agrees byte for byte
    direct = MNIST(root=str(tmp_path), train=True, download=False)
    assert np.array_equal(direct.data.numpy(), train_images)


def test_idx_header_is_big_endian(tmp_path):
    path = write_idx_images(tmp_path / "x-images-idx3-ubyte", np.zeros((2, 3, 4), dtype=np.uint8))
    raw = path.read_bytes()
    assert raw[:16] == bytes([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4]) and len(raw) == 16 + 24
    path = write_idx_labels(tmp_path / "x-labels-idx1-ubyte", [1, 2, 3])
    assert path.read_bytes() == bytes([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3])


def test_writers_refuse_bad_input(tmp_path):
    with pytest.raises(ValueError, match="0 to 255"):
        write_idx_images(tmp_path / "a", np.full((1, 2, 2), 300))
    with pytest.raises(ValueError, match="3 dimensions"):
        write_idx_images(tmp_path / "a", np.zeros((2, 2), dtype=np.uint8))
    with pytest.raises(ValueError, match="1 dimensions"):
        write_idx_labels(tmp_path / "b", [[1]])
    write_idx_labels(tmp_path / "c", np.array([3.0, 4.0]))  # whole floats are fine


def test_mnist_dir_with_flat_idx_files(tmp_path, monkeypatch):
    from torchvision.datasets import MNIST

    images, labels = _images(4), np.array([3, 1, 4, 1], dtype=np.uint8)
    folder = write_mnist_split(tmp_path / "offline", images, labels, train=True)  # only the training split
    monkeypatch.setenv(data.MNIST_DIR_ENV, str(folder))
    loaded = load_mnist(root=tmp_path / "unused", download=False, fallback=False)
    assert loaded.source == data.MNIST_DIR_ENV and loaded.notice is None
    assert isinstance(loaded.dataset, MNIST)
    _assert_matches(loaded.dataset, images, labels)


def test_mnist_dir_with_gzipped_files(tmp_path, monkeypatch):
    images, labels = _images(3), np.array([9, 8, 7], dtype=np.uint8)
    folder = tmp_path / "offline" / "MNIST" / "raw"
    image_name, label_name = mnist_file_names(train=False)
    write_idx_images(folder / (image_name + ".gz"), images)
    write_idx_labels(folder / (label_name + ".gz"), labels)
    with gzip.open(folder / (label_name + ".gz")) as f:
        assert f.read()[:4] == bytes([0, 0, 8, 1])
    monkeypatch.setenv(data.MNIST_DIR_ENV, str(tmp_path / "offline"))
    loaded = load_mnist(train=False, download=False, fallback=False)
    _assert_matches(loaded.dataset, images, labels)


def test_mnist_dir_without_files_says_so(tmp_path, monkeypatch):
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv(data.MNIST_DIR_ENV, str(tmp_path / "empty"))
    with pytest.raises(MnistUnavailable) as info:
        load_mnist(root=tmp_path, download=False, fallback=False)
    message = str(info.value)
    assert "KATA_MNIST_DIR" in message and "train-images-idx3-ubyte" in message
    assert "downloading was turned off" in message


@pytest.fixture
def silent_server():
    """A local server that accepts connections and never answers: a download that would hang forever."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield f"http://127.0.0.1:{server.getsockname()[1]}/"
    server.close()


def test_download_times_out_instead_of_hanging(tmp_path, monkeypatch, silent_server):
    from torchvision.datasets import MNIST

    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setattr(MNIST, "mirrors", [silent_server])
    before = socket.getdefaulttimeout()
    start = time.monotonic()
    with pytest.raises(MnistUnavailable) as info:
        load_mnist(root=tmp_path, timeout_s=0.5, fallback=False)
    assert time.monotonic() - start < 15
    assert "downloading MNIST" in str(info.value) and "timeout 0.5 s" in str(info.value)
    assert socket.getdefaulttimeout() == before, "the socket timeout must be restored"


def test_fallback_to_scikit_learn_digits(tmp_path):
    pytest.importorskip("sklearn")
    import torch

    loaded = load_mnist(root=tmp_path, download=False)
    assert loaded.source == "scikit-learn digits"
    assert loaded.notice and "scikit-learn" in loaded.notice and "downloading was turned off" in loaded.notice
    assert len(loaded) == data.DIGITS_TRAIN_SIZE
    img, label = loaded.dataset[0]
    assert img.shape == (1, 28, 28) and img.dtype == torch.float32 and isinstance(label, int)
    assert 0.0 <= float(img.min()) and float(img.max()) <= 1.0 and float(img.max()) > 0.5
    assert float(img[0, :4].abs().sum()) == 0.0, "the digit sits in the middle, like MNIST's"
    held_out = load_mnist(root=tmp_path, train=False, download=False)
    assert len(held_out) == 1797 - data.DIGITS_TRAIN_SIZE
    labels = [label for _, label in held_out.dataset]
    assert sorted(set(labels)) == list(range(10))
    with pytest.raises(IndexError):
        held_out.dataset[len(held_out)]


def test_clear_error_when_nothing_works(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # as if scikit-learn were not installed
    with pytest.raises(MnistUnavailable) as info:
        load_mnist(root=tmp_path, download=False)
    message = str(info.value)
    assert "scikit-learn, which is not installed" in message
    assert "KATA_MNIST_DIR" in message and "pip install scikit-learn" in message
    assert info.value.exit_code == 2


def test_render_digit_half_blocks():
    img = np.array([
        [1, 0, 1],
        [1, 1, 0],
        [0, 0, 1],
    ], dtype=float)
    assert render_digit(img) == "█▄▀\n  ▀"
    assert render_digit(img[None]) == render_digit(img)  # (1, h, w)
    assert render_digit((img * 255).astype(np.uint8)) == render_digit(img)  # 0-255
    assert render_digit(np.eye(2).reshape(4)) == "▀▄"  # flat square
    with pytest.raises(ValueError, match="not square"):
        render_digit(np.zeros(5))


def test_render_a_28x28_tensor():
    import torch

    img = torch.zeros((1, 28, 28))
    img[0, 10:18, 13:15] = 1.0
    text = render_digit(img)
    lines = text.split("\n")
    assert len(lines) == 14 and all(len(line) == 28 for line in lines)
    assert set(text) <= {" ", "█", "▀", "▄", "\n"} and text.count("█") == 8


def test_importing_kata_data_is_cheap():
    code = "import sys, kata.data; bad = [m for m in ('torch', 'torchvision', 'sklearn', 'numpy') if m in sys.modules]; print(bad)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _no_proxy_env(**extra: str) -> dict[str, str]:
    import os

    proxies = {"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}
    env = {k: v for k, v in os.environ.items() if k not in proxies and k not in {data.MNIST_DIR_ENV, "KATA_OFFLINE"}}
    env.update(extra)
    return env


_LOAD = ("from kata.data import load_mnist; loaded = load_mnist(); "
         "print(loaded.source); print(loaded.notice); print(len(loaded))")


def _closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now: a connection is refused
    return port


def test_offline_falls_back_after_the_probe_not_the_download(tmp_path):
    """Issue 22: with no mirror reachable, the quick probe decides; torchvision's download (every mirror for
    every file under the full time-out) is never started."""
    pytest.importorskip("sklearn")
    port = _closed_port()
    env = _no_proxy_env(KATA_DATA_DIR=str(tmp_path / "cache"), KATA_MNIST_MIRRORS=f"http://127.0.0.1:{port}/")
    done = subprocess.run([sys.executable, "-c", _LOAD], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    source, notice, size = done.stdout.splitlines()
    assert source == "scikit-learn digits" and int(size) == data.DIGITS_TRAIN_SIZE
    assert f"no MNIST mirror answered within {data.mnist.PROBE_TIMEOUT_S:g} s" in notice
    assert f"127.0.0.1:{port}" in notice
    assert "downloading MNIST" not in notice, "the download must not have been tried"
    assert not (tmp_path / "cache" / "MNIST").exists()


def test_no_network_namespace_falls_back_with_the_real_mirrors(tmp_path):
    """A process with no network at all (a fresh network namespace), torchvision's own mirrors."""
    pytest.importorskip("sklearn")
    import shutil

    if not shutil.which("unshare") or subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode:
        pytest.skip("unshare -rn is not available here")
    env = _no_proxy_env(KATA_DATA_DIR=str(tmp_path / "cache"))
    env.pop("KATA_MNIST_MIRRORS", None)
    done = subprocess.run(["unshare", "-rn", sys.executable, "-c", _LOAD], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    source, notice, _ = done.stdout.splitlines()
    assert source == "scikit-learn digits"
    assert notice.startswith("MNIST could not be loaded (no network: no MNIST mirror answered within")
    assert "ossci-datasets.s3.amazonaws.com" in notice and "downloading MNIST" not in notice


def test_probe_uses_its_own_time_out(tmp_path, monkeypatch):
    pytest.importorskip("sklearn")
    calls: list[float | None] = []
    real = socket.create_connection

    def counted(address, timeout=None, *args, **kwargs):
        calls.append(timeout)
        return real(("127.0.0.1", _closed_port()), timeout, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", counted)
    monkeypatch.setenv("KATA_MNIST_MIRRORS", "http://10.255.255.1/,https://10.255.255.2/")
    loaded = load_mnist(root=tmp_path, probe_timeout_s=0.75)
    assert loaded.source == "scikit-learn digits"
    assert len(calls) == 2, "one connection per mirror, no retries"
    assert all(t is not None and 0 < t <= 0.75 for t in calls), calls
    assert "within 0.75 s" in (loaded.notice or "")


def test_kata_offline_skips_the_network(tmp_path, monkeypatch):
    pytest.importorskip("sklearn")
    monkeypatch.setenv("KATA_OFFLINE", "1")
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: pytest.fail("the network was touched"))
    loaded = load_mnist(root=tmp_path)
    assert loaded.source == "scikit-learn digits" and "KATA_OFFLINE is set" in (loaded.notice or "")
