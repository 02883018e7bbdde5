"""The helper inserted into every mutant: value mutations that happen at run time.

`_kata_mutant(kind, value)` around each returned value changes a tensor, array, number, list,
tuple, dict or dataclass keeping its shape and dtype (and autograd graph where it can). When
nothing could be changed (a transposed scalar) it returns the value as it was and writes no
mark, so verify does not count that mutant. It also notes which other kinds of change could have
applied, so a later mutant whose change cannot apply is not run.
"""

HELPER = "_kata_mutant"

# Inserted into every mutant (after any `from __future__` import). `kind` names the change;
# the value comes back changed, keeping shape, dtype and autograd graph where it can.
HELPER_SOURCE = '''
_KATA_MUTANT_SAID = set()


def _kata_mutant_note(kinds):
    """Write the kinds of change that apply to a value the mutated code produced, once each per import."""
    new = [k for k in kinds if k not in _KATA_MUTANT_SAID]
    if not new:
        return
    _KATA_MUTANT_SAID.update(new)
    try:
        with open(_KATA_MUTANT_MARK, "a") as mark:
            mark.write("".join(k + "\\n" for k in new))
    except Exception:
        pass


def _kata_mutant(kind, value, argument=_kata_mutant_note):
    new = _kata_mutant_change(kind, value)
    # Which other changes this value could take, so verify can tell a change that never applies; each
    # kind is looked at until it applied once, so a training loop pays for it only in its first calls.
    kinds = [k for k in ("zeros", "negate", "constant", "transpose")
             if k != kind and k not in _KATA_MUTANT_SAID and _kata_mutant_change(k, value) is not _kata_mutant_change]
    if argument is not _kata_mutant_note and "touch" not in _KATA_MUTANT_SAID \
            and _kata_mutant_touch(argument, None, dry=True):
        kinds.append("touch")
    if new is not _kata_mutant_change:
        kinds.append(kind)
    _kata_mutant_note(kinds)
    return value if new is _kata_mutant_change else new


def _kata_mutant_touch(argument, value, dry=False):
    """Return `value`, having changed `argument` in place (a function that alters its input).
    With `dry`, only say whether `argument` could be changed so."""
    import sys
    torch = sys.modules.get("torch")
    numpy = sys.modules.get("numpy")
    changed = False
    try:
        if torch is not None and isinstance(argument, torch.Tensor) and argument.numel():
            if not dry:
                with torch.no_grad():
                    argument.add_(1)
            changed = True
        elif numpy is not None and isinstance(argument, numpy.ndarray) and argument.size and argument.flags.writeable:
            if not dry:
                argument += 1
            changed = True
        elif isinstance(argument, list) and argument:
            if not dry:
                argument.append(argument[-1])
            changed = True
        elif isinstance(argument, dict) and argument:
            if not dry:
                argument.pop(next(iter(argument)))
            changed = True
    except Exception:
        changed = False
    if dry:
        return changed
    if changed:
        _kata_mutant_note(["touch"])
    return value


def _kata_mutant_change(kind, value):
    """The changed value, or this function itself when `value` cannot be changed that way."""
    import dataclasses
    import sys
    same = _kata_mutant_change
    torch = sys.modules.get("torch")
    numpy = sys.modules.get("numpy")
    if torch is not None and isinstance(value, torch.Tensor):
        if value.numel() == 0:
            return same
        with torch.no_grad():
            base = value.detach()
            if base.dtype == torch.bool:
                new = {"zeros": torch.zeros_like(base), "negate": ~base, "constant": torch.ones_like(base)}.get(kind)
                if kind == "transpose" and base.dim() >= 2:
                    new = base.transpose(-1, -2)
            elif kind == "zeros":
                new = torch.zeros_like(base)
            elif kind == "negate":
                new = -base
            elif kind == "constant":
                new = torch.full_like(base, 0.5 if base.is_floating_point() or base.is_complex() else 7)
            elif kind == "transpose" and base.dim() >= 2:
                new = base.transpose(-1, -2).clone()
            else:
                new = None
            if new is None or (new.shape == base.shape and bool((new == base).all())):
                return same
        if value.requires_grad and new.is_floating_point():
            if value.is_leaf:
                return new.clone().requires_grad_(True)
            if new.shape == value.shape:
                return value - value.detach() + new  # keeps the graph, changes the value
            if kind == "transpose":
                return value.transpose(-1, -2)
        return new
    if numpy is not None and isinstance(value, numpy.ndarray):
        if value.size == 0:
            return same
        new = {"zeros": lambda: numpy.zeros_like(value), "negate": lambda: -value if value.dtype != bool else ~value,
               "constant": lambda: numpy.full_like(value, 7 if value.dtype.kind in "iub" else 0.5),
               "transpose": lambda: numpy.swapaxes(value, -1, -2) if value.ndim >= 2 else value}[kind]()
        if new.shape == value.shape and bool((new == value).all()):
            return same
        return new
    if isinstance(value, bool):
        new = {"zeros": False, "negate": not value, "constant": True}.get(kind, value)
        return same if new == value else new
    if isinstance(value, (int, float, complex)):
        new = {"zeros": type(value)(0), "negate": -value,
               "constant": 7 if isinstance(value, int) else type(value)(0.5)}.get(kind, value)
        return same if new == value else new
    if isinstance(value, (list, tuple)):
        if kind == "transpose":
            rows = [r for r in value if isinstance(r, (list, tuple))]
            if not value or len(rows) != len(value) or len({len(r) for r in rows}) != 1 or not rows[0]:
                return same
            new = [type(value[0])(column) for column in zip(*value)]
            new = type(value)(new) if not hasattr(value, "_fields") else same
            return same if new is same or new == value else new
        items = [_kata_mutant_change(kind, item) for item in value]
        if all(item is same for item in items):
            return same
        items = [old if item is same else item for old, item in zip(value, items)]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    if isinstance(value, dict):
        items = {key: _kata_mutant_change(kind, item) for key, item in value.items()}
        if all(item is same for item in items.values()):
            return same
        return {key: (value[key] if item is same else item) for key, item in items.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        new = None
        for f in dataclasses.fields(value):
            item = _kata_mutant_change(kind, getattr(value, f.name, None))
            if item is not same:
                new = new if new is not None else copy_of(value)
                object.__setattr__(new, f.name, item)
        return same if new is None else new
    return same


def copy_of(value):
    import copy
    return copy.copy(value)
'''.replace("copy_of", "_kata_mutant_copy")
