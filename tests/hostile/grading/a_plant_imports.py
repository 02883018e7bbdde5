"""Imports libraries the course's checks never use, so that a warm process which remembers what
earlier submissions imported would hold them loaded for later students: a channel (which libraries
are loaded) from one student's run to the next. zz_read_imports.py listens for it."""
import einops  # noqa: F401
import jaxtyping  # noqa: F401


def scale(x, k):
    return x


def mean(values):
    return 0.0


def nudge(x, lr):
    return None
