"""Runs a learner's function under jaxtyping's runtime checker, and says what broke in one sentence.

A stub's signature such as `input_to_function: Float[t.Tensor, "batch d_input"]`
already says which shapes fit together. Under jaxtyping + beartype a call that
breaks it raises a long TypeCheckError (the parameters, every annotation, every
axis); a learner needs one line of it:
"`input_to_function` should be batch × d_input, got 4 × 783 (d_input is 784 here)".

Opt-in for check authors: `typechecked(fn)` wraps one function, `typecheck_module`
wraps every annotated function of the learner's module, so their own calls
between functions are checked too. jaxtyping and beartype are imported lazily.
"""

from __future__ import annotations

import functools
import inspect
import re
from typing import Any, Callable

_FUNCTION = re.compile(r"checking the (parameters|return value) of ([\w.<>]+)")
_PARAMETER = re.compile(r"parameter '(\w+)'")
_ACTUAL_ARRAY = re.compile(r"Actual value: ([a-z]+)(\d*)\[([\d,\s]*)\]")
_ACTUAL = re.compile(r"Actual value: (.*)")
_EXPECTED = re.compile(r"Expected type: <?(?:class )?'?(\w+)\[\w+, '([^']*)'\]")
_BINDING = re.compile(r"^(\w+)=(\d+)$", re.M)
_DTYPE_WORDS = {"f": "float", "bf": "bfloat", "i": "int", "u": "uint", "c": "complex", "bool": "bool"}
_KIND_WORDS = {"Float": "float", "Int": "int", "Integer": "integer", "Bool": "bool", "Complex": "complex",
               "Real": "real", "Num": "number", "UInt": "unsigned int", "Inexact": "float or complex"}


def has_jaxtyping_annotations(function: Callable) -> bool:
    """Whether any parameter or the return value carries a jaxtyping annotation."""
    try:
        annotations = inspect.get_annotations(function, eval_str=False)
    except (TypeError, ValueError, NameError):
        return False
    return any(type(a).__module__.startswith("jaxtyping") or "jaxtyping" in repr(type(a)) for a in annotations.values())


def typechecked(function: Callable, name: str | None = None) -> Callable:
    """`function` under jaxtyping + beartype; a broken annotation fails the step with one sentence."""
    import beartype
    import jaxtyping

    from kata.feedback.expectation import ExpectationFailed

    checked = jaxtyping.jaxtyped(typechecker=beartype.beartype)(function)
    label = name or str(getattr(function, "__name__", "the function"))

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return checked(*args, **kwargs)
        except jaxtyping.TypeCheckError as exc:
            message = explain(str(exc), label)
            raise ExpectationFailed(message[:1].upper() + message[1:]) from None

    setattr(run, "__kata_typechecked__", True)  # a mark on the function object, read by typecheck_module
    return run


def typecheck_module(module: Any) -> Any:
    """Wrap every function of `module` that has jaxtyping annotations, in the module itself.

    Calls between the learner's functions go through the module's globals, so
    `forward` calling `apply_linear_function_to_input` with swapped arguments
    is caught at that call. Returns the module.
    """
    for attr, value in list(vars(module).items()):
        if (inspect.isfunction(value) and value.__module__ == module.__name__
                and not getattr(value, "__kata_typechecked__", False) and has_jaxtyping_annotations(value)):
            setattr(module, attr, typechecked(value, name=attr))
    return module


def _dims(text: str) -> list[str]:
    return [d for d in text.split() if d]


def _plain_dim(dim: str) -> str:
    return dim.lstrip("*#").split("=")[-1]


def _shape_words(shape: list[int]) -> str:
    if not shape:
        return "a 0-dim tensor"
    if len(shape) == 1:
        return f"a vector of {shape[0]}"
    return " × ".join(map(str, shape))


def _dtype_word(code: str, bits: str) -> str:
    return f"{_DTYPE_WORDS.get(code, code)}{bits}"


def explain(text: str, name: str = "the function") -> str:
    """One sentence from jaxtyping's TypeCheckError text, or its first lines when it cannot be read."""
    where = _FUNCTION.search(text)
    parameter = _PARAMETER.search(text)
    expected = _EXPECTED.search(text)
    if where is None or expected is None:
        return f"{name}: " + " ".join(text.splitlines()[:2])
    function = where.group(2).rstrip(".").rsplit(".", 1)[-1]
    if where.group(1) == "return value":
        subject = f"the result of `{function}`"
    else:
        subject = f"`{parameter.group(1)}`" if parameter else f"an argument of `{function}`"
    kind, dims = expected.group(1), _dims(expected.group(2))
    bound = {k: int(v) for k, v in _BINDING.findall(text)}
    want = " × ".join(_plain_dim(d) for d in dims) if dims else "a 0-dim tensor (one number)"
    array = _ACTUAL_ARRAY.search(text)
    if array is None:
        actual = _ACTUAL.search(text)
        got = actual.group(1).strip() if actual else "something else"
        return f"{subject} should be a {_KIND_WORDS.get(kind, kind.lower())} tensor ({want}), got {got:.80}."
    code, bits, shape_text = array.groups()
    shape = [int(s) for s in shape_text.replace(" ", "").split(",") if s]
    got_shape = _shape_words(shape)
    dtype = _dtype_word(code, bits)
    kind_word = _KIND_WORDS.get(kind)
    variadic = any(d.startswith("*") or d == "..." for d in dims)
    if kind_word and not dtype.startswith(kind_word.split()[0]) and kind not in ("Num", "Real", "Shaped"):
        if not (kind == "Inexact" and (dtype.startswith("float") or dtype.startswith("complex"))):
            return f"{subject} should be a {kind_word} tensor, got {dtype} (shape {got_shape})."
    if not variadic and len(shape) != len(dims):
        return (f"{subject} should be {want}, got {got_shape}: {len(shape)} dimension{'s' * (len(shape) != 1)} "
                f"instead of {len(dims)}.")
    notes = []
    sizes = [bound.get(_plain_dim(d), int(_plain_dim(d)) if _plain_dim(d).isdigit() else None) for d in dims]
    if not variadic and None not in sizes and len(shape) == 2 and shape == sizes[::-1] and shape != sizes:
        return f"{subject} should be {want}, got {got_shape}: it is transposed ({want} is {' × '.join(map(str, sizes))} here)."
    if not variadic:
        for dim, size in zip(dims, shape):
            plain = _plain_dim(dim)
            if plain.isdigit() and int(plain) != size:
                notes.append(f"the {plain} is fixed")
            elif plain in bound and bound[plain] != size:
                notes.append(f"{plain} is {bound[plain]} here")
    extra = f" ({', '.join(notes)})" if notes else ""
    return f"{subject} should be {want}, got {got_shape}{extra}."
