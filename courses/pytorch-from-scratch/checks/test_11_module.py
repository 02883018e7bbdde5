"""Checks for 11 module: Parameter, and Module's registration, parameters(), __call__ and zero_grad().

The models are small Module subclasses defined next to the learner's code (`learner_side`), each
parameter filled with its own number, so that the order parameters() gives can be read from the
values. torch.nn builds the same models, and its parameters() order is the expected one.
"""

import numpy as np
import torch

from kata.expect import fail, learner_side


def _tree(ex):
    """Next to the learner's code: Root(scale, first=Leaf(w, b), offset, second=Leaf(w, b)), each parameter numbered."""

    class Leaf(ex.Module):
        def __init__(self, first):
            super().__init__()
            self.w = ex.Parameter(np.full(2, first))
            self.note = "not a parameter"
            self.buffer = ex.Tensor(np.zeros(2), requires_grad=True)  # a plain Tensor: not a parameter
            self.b = ex.Parameter(np.full(1, first + 1))

        def forward(self, x):
            return x * self.w + self.b

    class Root(ex.Module):
        def __init__(self):
            super().__init__()
            self.scale = ex.Parameter(np.full(1, 1.0))
            self.first = Leaf(3.0)
            self.offset = ex.Parameter(np.full(2, 2.0))
            self.second = Leaf(5.0)

        def forward(self, x, shift=0.0):
            return self.second(self.first(x * self.scale)) + self.offset + shift

    return Root()


class _TorchLeaf(torch.nn.Module):
    def __init__(self, first):
        super().__init__()
        self.w = torch.nn.Parameter(torch.full((2,), first, dtype=torch.float64))
        self.note = "not a parameter"
        self.buffer = torch.zeros(2, dtype=torch.float64, requires_grad=True)
        self.b = torch.nn.Parameter(torch.full((1,), first + 1, dtype=torch.float64))


class _TorchRoot(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.full((1,), 1.0, dtype=torch.float64))
        self.first = _TorchLeaf(3.0)
        self.offset = torch.nn.Parameter(torch.full((2,), 2.0, dtype=torch.float64))
        self.second = _TorchLeaf(5.0)


NAMES = {1.0: "scale", 2.0: "offset", 3.0: "first.w", 4.0: "first.b", 5.0: "second.w", 6.0: "second.b",
         7.0: "a new scale", 9.0: "the new first.w", 10.0: "the new first.b"}


def _names(values):
    return [NAMES.get(v, f"a parameter holding {v:g}") for v in values]


def _listed(params, what):
    """The first entry of each parameter's data, in the order parameters() gave them."""
    if params is None:
        fail(f"{what} returned None: return the parameters (a list, or yield them one by one).")
    try:
        params = list(params)
    except TypeError:
        fail(f"{what} should give the parameters, a list or a generator, but returned {params!r:.80}.")
    values = []
    for p in params:
        data = np.asarray(p.data, dtype=np.float64)
        values.append(float(data.reshape(-1)[0]))
    return values


def test_parameter(exercise):
    """a Parameter is a Tensor that requires grad, unless told otherwise"""
    p = exercise.Parameter(np.array([1.0, 2.0]))
    if not p.requires_grad:
        fail("Parameter([1., 2.]).requires_grad is False: a Parameter requires grad unless told otherwise.")
    data = np.asarray(p.data)
    if data.shape != (2,) or data.dtype != np.float64 or not np.array_equal(data, [1.0, 2.0]):
        fail(f"Parameter([1., 2.]).data is {data!r}: a Parameter holds its data like any Tensor (float64).")
    if exercise.Parameter(np.zeros(3), requires_grad=False).requires_grad:
        fail("Parameter(x, requires_grad=False).requires_grad is True; it should be False, as asked.")


def _leaf_params(ex):
    """Next to the learner's code: the parameters of a module with two Parameters, a plain Tensor and a string."""

    class Leaf(ex.Module):
        def __init__(self):
            super().__init__()
            self.w = ex.Parameter(np.full(2, 3.0))
            self.note = "not a parameter"
            self.buffer = ex.Tensor(np.zeros(2), requires_grad=True)
            self.b = ex.Parameter(np.full(1, 4.0))

    leaf = Leaf()
    w = getattr(leaf, "w", None)
    return {"values": [float(np.asarray(p.data).reshape(-1)[0]) for p in leaf.parameters()],
            "note": getattr(leaf, "note", None), "w": None if w is None else w.data}


def test_own_parameters(exercise):
    """setting a Parameter attribute registers it; parameters() lists them in the order they were set"""
    got = learner_side(exercise, _leaf_params)(exercise)
    if got["note"] != "not a parameter" or got["w"] is None or not np.array_equal(got["w"], [3.0, 3.0]):
        fail("after `self.w = Parameter(...)` and `self.note = '...'`, reading self.w or self.note does not give what "
             "was set: Module.__setattr__ must still set the attribute itself (object.__setattr__).")
    values = got["values"]
    if 0.0 in values:
        fail("parameters() lists a plain Tensor (self.buffer = Tensor(..., requires_grad=True)): only Parameters are "
             "registered; a plain Tensor is not a parameter, even one that requires grad.")
    if values != [3.0, 4.0]:
        fail(f"a Module that sets self.w = Parameter(...) and then self.b = Parameter(...) should list [w, b] in "
             f"parameters(), but it lists {len(values)} parameter(s): {_names(values)}.")


def test_submodules_parameters(exercise):
    """parameters() gives the module's own parameters, then each submodule's, in torch.nn's order"""
    root = learner_side(exercise, _tree)(exercise)
    values = _listed(root.parameters(), "parameters()")
    want = [float(p.data.reshape(-1)[0]) for p in _TorchRoot().parameters()]
    if values == want:
        return
    model = ("Root sets self.scale, self.first = Leaf(...), self.offset, self.second = Leaf(...); each Leaf sets "
             "self.w, then self.b.")
    if sorted(values) == sorted(want):
        fail(f"parameters() has every parameter, in the order {_names(values)}; torch.nn's order is {_names(want)}: "
             f"the module's own parameters in the order they were set, then each submodule's, in the order the "
             f"submodules were set.\n  {model}")
    missing = [n for v, n in zip(want, _names(want)) if v not in values]
    fail(f"parameters() gives {_names(values)}, but it should give {_names(want)}; missing: {', '.join(missing)}. "
         f"A submodule's parameters are the module's too: register Modules set as attributes, and give their "
         f"parameters after the module's own, recursively.\n  {model}")


def _shared(ex):
    """Next to the learner's code: one Leaf set under two names, and one Parameter under two (tied weights)."""
    class Leaf(ex.Module):
        def __init__(self):
            super().__init__()
            self.w = ex.Parameter(np.full(2, 3.0))
            self.b = ex.Parameter(np.full(1, 4.0))

    class Root(ex.Module):
        def __init__(self):
            super().__init__()
            self.scale = ex.Parameter(np.full(1, 1.0))
            self.first = Leaf()
            self.second = self.first
            self.tied = self.scale

    return [float(np.asarray(p.data).reshape(-1)[0]) for p in Root().parameters()]


def test_shared_parameters_come_once(exercise):
    """a Parameter or a Module set under two names (tied weights) is listed once, where it is first met"""
    values = learner_side(exercise, _shared)(exercise)
    want = [1.0, 3.0, 4.0]  # torch.nn: scale, first.w, first.b (tied and second are the same objects again)
    if values == want:
        return
    model = ("Root sets self.scale = Parameter(...), self.first = Leaf() (which sets self.w, then self.b), "
             "self.second = self.first and self.tied = self.scale.")
    if set(values) == set(want):
        fail(f"parameters() lists a shared parameter more than once: {_names(values)}, where torch.nn gives "
             f"{_names(want)}. An optimizer would step a tied weight twice each step: list each Parameter "
             f"once, where it is first met (keep the ids of those already listed).\n  {model}")
    fail(f"parameters() gives {_names(values)}, but torch.nn gives {_names(want)}.\n  {model}")



def _reassign(ex, root, what):
    """Next to the learner's code: set one attribute of the model again, then list the parameters."""
    if what == "parameter":
        root.scale = ex.Parameter(np.full(1, 7.0))
    elif what == "none":
        root.offset = None
    else:
        class Leaf(ex.Module):
            def __init__(self):
                super().__init__()
                self.w = ex.Parameter(np.full(2, 9.0))
                self.b = ex.Parameter(np.full(1, 10.0))

        root.first = Leaf()
    return [float(np.asarray(p.data).reshape(-1)[0]) for p in root.parameters()]


def test_setting_a_name_again(exercise):
    """setting a registered name again replaces its entry in place; setting it to None takes it out"""
    reassign = learner_side(exercise, _reassign)
    for what, change, want in (
            ("parameter", "root.scale = Parameter(...)", [7.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
            ("module", "root.first = Leaf(...)", [1.0, 2.0, 9.0, 10.0, 5.0, 6.0]),
            ("none", "root.offset = None", [1.0, 3.0, 4.0, 5.0, 6.0])):
        values = reassign(exercise, learner_side(exercise, _tree)(exercise), what)
        if values == want:
            continue
        if what == "none":
            fail(f"after {change}, parameters() gives {_names(values)}; it should give {_names(want)}: setting a "
                 "registered name to something that is not a Parameter or a Module takes it out of the registry.")
        fail(f"after {change}, parameters() gives {_names(values)}; it should give {_names(want)}: setting a "
             "registered name again replaces its entry where it was, and the old one is gone.")


def test_calling_runs_forward(exercise):
    """calling a module runs its forward, with positional and keyword arguments"""
    root = learner_side(exercise, _tree)(exercise)
    x = exercise.Tensor(np.array([1.0, -1.0]))
    out = root(x)
    if out is None:
        fail("model(x) returned None: Module.__call__ must return what forward returns.")
    _values(out.data, np.array([43.0, 13.0]), "model(x) with x = [1, -1]",
            "model(x) must return self.forward(x).")
    try:
        out = root(x, shift=1.0)
    except TypeError as exc:
        fail(f"model(x, shift=1.0) failed with TypeError: {exc}\nModule.__call__ must pass keyword arguments on to "
             "forward too.")
    _values(out.data, np.array([44.0, 14.0]), "model(x, shift=1.0) with x = [1, -1]",
            "model(x, shift=1.0) must return self.forward(x, shift=1.0).")


def _values(got, want, what, hint):
    got = np.asarray(got, dtype=np.float64)
    if got.shape != want.shape or not np.allclose(got, want):
        fail(f"{what} is {got.tolist()}, expected {want.tolist()}: {hint}")


def _grads(ex, root, clear):
    """Next to the learner's code: backward through the model, then (maybe) zero_grad(); each parameter's grad."""
    root(ex.Tensor(np.array([1.0, -1.0]))).sum().backward()
    if clear:
        root.zero_grad()
    return [(float(np.asarray(p.data).reshape(-1)[0]), None if p.grad is None else p.grad) for p in root.parameters()]


def test_zero_grad(exercise):
    """zero_grad() clears the gradient of every parameter, submodules' too"""
    grads = learner_side(exercise, _grads)
    before = grads(exercise, learner_side(exercise, _tree)(exercise), False)
    if any(g is None for _, g in before):
        fail("after model(x).sum().backward(), some parameters have no gradient: parameters() and backward() must "
             "work before zero_grad() can be checked.")
    after = grads(exercise, learner_side(exercise, _tree)(exercise), True)
    left = [NAMES.get(v, "?") for v, g in after if g is not None and np.any(np.asarray(g) != 0)]
    zeroed = [NAMES.get(v, "?") for v, g in after if g is not None and not np.any(np.asarray(g) != 0)]
    if zeroed and not left:
        fail(f"after zero_grad(), {', '.join(zeroed)} hold gradients of zeros: zero_grad() sets every parameter's "
             ".grad to None (as torch's does), so that the next backward() starts a gradient afresh rather than "
             "adding to an array of zeros.")
    if left:
        own = [n for n in left if "." not in n]
        fail(f"after zero_grad(), {', '.join(left)} still hold their gradients: zero_grad() must clear every "
             f"parameter{', its own too' if own else ', a submodule' + chr(39) + 's too (use parameters())'}, "
             "setting .grad to None.")


def _deep(ex, change):
    """Next to the learner's code: Outer(a, mid=Mid(b, inner=Inner(c, core=Core(d))), e), each parameter numbered,
    then the attributes of `change` set in turn (a Parameter to a Module, a Module to a plain value, and back); the
    parameters, as their numbers, and whether zero_grad() cleared every gradient."""

    class Core(ex.Module):
        def __init__(self, v):
            super().__init__()
            self.d = ex.Parameter(np.full(1, v))

    class Inner(ex.Module):
        def __init__(self):
            super().__init__()
            self.c = ex.Parameter(np.full(1, 3.0))
            self.core = Core(4.0)

    class Mid(ex.Module):
        def __init__(self):
            super().__init__()
            self.b = ex.Parameter(np.full(1, 2.0))
            self.inner = Inner()

    class Outer(ex.Module):
        def __init__(self):
            super().__init__()
            self.a = ex.Parameter(np.full(1, 1.0))
            self.mid = Mid()
            self.e = ex.Parameter(np.full(1, 5.0))

    outer = Outer()
    for what in change:
        if what == "a to module":
            outer.a = Core(11.0)
        elif what == "a to parameter":
            outer.a = ex.Parameter(np.full(1, 12.0))
        elif what == "mid to value":
            outer.mid = 3
        elif what == "mid to module":
            outer.mid = Core(13.0)
        elif what == "e to value":
            outer.e = "not a parameter any more"
        elif what == "e to parameter":
            outer.e = ex.Parameter(np.full(1, 14.0))
    params = list(outer.parameters())
    for p in params:
        p.grad = np.ones(1)
    outer.zero_grad()
    return {"values": [float(np.asarray(p.data).reshape(-1)[0]) for p in params],
            "cleared": all(p.grad is None for p in params),
            "zeroed": all(p.grad is None or not np.any(np.asarray(p.grad) != 0) for p in params)}


DEEP = "Outer sets self.a = Parameter(1), self.mid = Mid(...), self.e = Parameter(5); Mid sets self.b = Parameter(2), " \
       "self.inner = Inner(...); Inner sets self.c = Parameter(3), self.core = Core(...); Core sets self.d = Parameter(4)."


def test_deep_models_and_attributes_that_change_kind(exercise):
    """modules nested three levels deep, and an attribute set to another kind (Parameter, Module, plain value) and back"""
    deep = learner_side(exercise, _deep)
    got = deep(exercise, [])
    if got["values"] != [1.0, 5.0, 2.0, 3.0, 4.0]:
        fail(f"parameters() of a model nested four modules deep gives {[f'{v:g}' for v in got['values']]}; it should "
             "give [1, 5, 2, 3, 4]: the module's own parameters, then each submodule's parameters() in turn, "
             f"recursively, down to the deepest module (not one or two levels only).\n  {DEEP}")
    if not got["cleared"]:
        if got["zeroed"]:
            fail("zero_grad() on a model nested four modules deep left gradients of zeros: it sets every "
                 f"parameter's .grad to None.\n  {DEEP}")
        fail("zero_grad() on a model nested four modules deep left some gradients: it must clear every parameter, "
             f"at every depth (loop over parameters()).\n  {DEEP}")
    for change, want, told in (
            (["a to module"], [5.0, 2.0, 3.0, 4.0, 11.0],
             "outer.a = Core(Parameter(11)): a Parameter replaced by a Module (now the last submodule)"),
            (["a to module", "a to parameter"], [5.0, 12.0, 2.0, 3.0, 4.0],
             "outer.a = Core(Parameter(11)), then outer.a = Parameter(12): a Module replaced by a Parameter"),
            (["mid to value"], [1.0, 5.0], "outer.mid = 3: a Module replaced by a plain value"),
            (["mid to value", "mid to module"], [1.0, 5.0, 13.0],
             "outer.mid = 3, then outer.mid = Core(Parameter(13)): a plain value replaced by a Module"),
            (["e to value", "e to parameter"], [1.0, 14.0, 2.0, 3.0, 4.0],
             "outer.e = 'a string', then outer.e = Parameter(14): a Parameter replaced by a plain value, and back")):
        values = deep(exercise, change)["values"]
        if values != want:
            fail(f"after {told}, parameters() gives {[f'{v:g}' for v in values]}; it should give "
                 f"{[f'{v:g}' for v in want]}. Setting a name registers the new value as what it is now and takes "
                 "the name out of the other registry: a name is a parameter, a submodule or neither, never two at "
                 f"once, and never kept after it was set to something else.\n  {DEEP}")
