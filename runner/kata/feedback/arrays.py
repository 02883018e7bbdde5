"""The numeric ground the diagnoses stand on: values as float arrays, closeness, short numbers.

Tensors, NumPy arrays, lists and numbers are all accepted; numpy is imported lazily, torch
never (a tensor is read through `.detach().cpu().numpy()`).
"""

from __future__ import annotations

from typing import Any

ATOL = 1e-5
RTOL = 1e-4


def as_array(x: Any):
    """`x` as a float64 NumPy array, or None when it is not numbers."""
    import numpy as np

    if hasattr(x, "detach") and hasattr(x, "cpu"):
        x = x.detach().cpu()
        if str(getattr(x, "dtype", "")) == "torch.bfloat16":
            x = x.float()
        x = x.numpy()
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def close(a, e, atol: float = ATOL, rtol: float = RTOL) -> bool:
    import numpy as np

    return a.shape == e.shape and bool(np.allclose(a, e, atol=atol, rtol=rtol))


def index_text(i) -> str:
    return "(" + ", ".join(str(int(v)) for v in i) + ")" if len(i) != 1 else f"({int(i[0])},)"


def number(v: float) -> str:
    return f"{v:.4g}"


def pair(actual: Any, expected: Any):
    a, e = as_array(actual), as_array(expected)
    if a is None or e is None:
        return None, None
    return a, e


def is_constant(x) -> bool:
    """All values equal: then any constant result fits a factor or an offset, which would teach nothing."""
    import numpy as np

    return bool(np.allclose(x, x.reshape(-1)[0], atol=ATOL, rtol=RTOL))


class quiet:
    """Silence NumPy's warnings (overflow in exp, empty slices) while trying candidates."""

    def __enter__(self):
        import numpy as np

        self._old = np.seterr(all="ignore")

    def __exit__(self, *exc):
        import numpy as np

        np.seterr(**self._old)
