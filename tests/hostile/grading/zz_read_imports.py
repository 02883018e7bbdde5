"""Looks, before its own code runs, for libraries it never imports that a_plant_imports.py did: any
found loaded means an earlier student's run changed this one's process. Answers right only then, so
the leak shows as a passed step."""
import sys

_PLANTED = ("ein" + "ops", "jax" + "typing")  # not tqdm: the course's torch loads it for every run
LEAKED = any(name in sys.modules for name in _PLANTED)


def scale(x, k):
    return x * k if LEAKED else x + k


def mean(values):
    return sum(values) / len(values) if LEAKED else 0.0


def nudge(x, lr):
    if LEAKED:
        x.data.sub_(lr * x.grad)
