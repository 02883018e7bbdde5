"""kata.earlier: an exercise importing an earlier one, through whichever resolver is current."""

from __future__ import annotations

import json

import pytest

from kata.earlier import EarlierError, culprit, extend, folder_resolver, number_of, resolve, resolving, text_resolver


def _write(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def test_number_of():
    assert number_of("exercises/06_matmul.py") == "06"
    assert number_of("conftest.py") is None


def test_default_is_the_callers_folder_and_one_module_per_number(tmp_path):
    _write(tmp_path, "04_tensor.py", "class Tensor:\n    pass\n")
    _write(tmp_path, "06_matmul.py", "from kata.earlier import earlier\nT = earlier('04').Tensor\nU = earlier(4).Tensor\n")
    namespace: dict = {}
    exec(compile((tmp_path / "06_matmul.py").read_text(), str(tmp_path / "06_matmul.py"), "exec"), namespace)
    assert namespace["T"] is namespace["U"]


def test_a_later_or_equal_number_is_refused(tmp_path):
    with pytest.raises(EarlierError, match="only use earlier"):
        resolve("06", str(tmp_path / "06_matmul.py"))
    with pytest.raises(EarlierError, match="only use earlier"):
        resolve("07", str(tmp_path / "06_matmul.py"))


def test_resolving_swaps_the_files_and_chains_resolve_through_it(tmp_path):
    ref, mine = tmp_path / "ref", tmp_path / "mine"
    ref.mkdir(), mine.mkdir()
    for folder, marker in ((ref, "reference"), (mine, "yours")):
        _write(folder, "01_value.py", f"WHO = {marker!r}\n")
        _write(folder, "02_backward.py", "from kata.earlier import earlier\nWHO = earlier('01').WHO\n")
    with resolving(folder_resolver(ref, "reference")):
        assert resolve("02", str(mine / "03_x.py")).WHO == "reference"
    with resolving(folder_resolver(mine, "yours")):
        assert resolve("02", str(ref / "03_x.py")).WHO == "yours"


def test_texts_for_judged_mode_and_the_culprit_frame():
    texts = {"06": ("06_matmul.py", "def matmul(a, b):\n    raise ValueError('bad shapes')\n")}
    resolver = text_resolver(texts, "yours")
    with resolving(resolver):
        matmul = resolve("06", "08_use.py").matmul
    with pytest.raises(ValueError) as info:
        matmul(1, 2)
    assert culprit(info.value, resolver) == ("06", "matmul")
    assert culprit(ValueError("elsewhere"), resolver) is None


def test_missing_and_broken_exercises(tmp_path):
    with resolving(folder_resolver(tmp_path)):
        with pytest.raises(EarlierError, match="03 was not found"):
            resolve("03", str(tmp_path / "05_x.py"))
    _write(tmp_path, "01_bad.py", "1/0\n")
    resolver = folder_resolver(tmp_path)
    with resolving(resolver), pytest.raises(ZeroDivisionError):
        resolve("01", str(tmp_path / "02_x.py"))
    assert resolver.modules == {}


def test_a_notebook_counts_as_the_exercise(tmp_path):
    cell = {"cell_type": "code", "source": ["X = 41 + 1\n"], "metadata": {}, "outputs": [], "execution_count": None}
    nb = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    _write(tmp_path, "01_value.ipynb", json.dumps(nb))
    with resolving(folder_resolver(tmp_path)):
        assert resolve("01", str(tmp_path / "02_x.py")).X == 42


def test_extend_adds_the_methods_to_the_earlier_class_and_keeps_their_names(tmp_path):
    _write(tmp_path, "04_tensor.py", "class Tensor:\n    def __init__(self, x):\n        self.x = x\n")
    six = _write(tmp_path, "06_matmul.py", "from kata.earlier import earlier, extend\nTensor = earlier('04').Tensor\n\n\n"
                 "@extend(Tensor)\nclass Tensor:\n    def double(self):\n        return Tensor(2 * self.x)\n")
    namespace: dict = {}
    with resolving(folder_resolver(tmp_path)) as resolver:
        exec(compile(six.read_text(), str(six), "exec"), namespace)
        assert namespace["Tensor"] is resolver.modules["04"].Tensor  # the same class, grown
        assert namespace["Tensor"](3).double().x == 6
        method = namespace["Tensor"].double
        assert method.__qualname__ == "Tensor.double" and method.__code__.co_filename == str(six)
    with pytest.raises(TypeError, match="takes the class"):
        extend(3)  # type: ignore[arg-type]


def test_the_default_resolver_reloads_when_an_exercise_file_changes(tmp_path):
    one = _write(tmp_path, "01_value.py", "WHO = 'first'\n")
    caller = str(tmp_path / "02_x.py")
    assert resolve("01", caller).WHO == "first"
    assert resolve("01", caller) is resolve("01", caller)  # kept while nothing changed
    one.write_text("WHO = 'edited, longer'\n")
    assert resolve("01", caller).WHO == "edited, longer"


def test_prepare_compiles_an_earlier_file_its_own_way():
    made = []

    def prepare(module, filename, source):
        made.append(filename)
        return compile(source.replace("1", "2"), filename, "exec")

    resolver = text_resolver({"01": ("01_a.py", "X = 1\n")}, prepare=prepare)
    assert resolver.module("01").X == 2 and made == ["01_a.py"]


def test_a_warmed_folder_gives_the_same_files_and_sees_one_added_or_edited_after(tmp_path):
    import os

    from kata import earlier

    ref = tmp_path / "solutions"
    ref.mkdir()
    _write(ref, "04_tensor.py", "KIND = 'tensor'\n")
    _write(ref, "04_zz_other.py", "KIND = 'other'\n")  # the first of a number in sorted order wins, as before
    earlier.warm(ref)
    assert folder_resolver(ref).module("04").KIND == "tensor"
    _write(ref, "04_tensor.py", "KIND = 'edited'\n")  # an edit: read again (its code is cached by its text)
    assert folder_resolver(ref).module("04").KIND == "edited"
    _write(ref, "05_new.py", "KIND = 'new'\n")
    os.utime(ref, ns=(0, 0))  # a file came: the folder's time changed (set apart, whatever its granularity)
    assert folder_resolver(ref).module("05").KIND == "new"
    with pytest.raises(EarlierError, match="not found"):
        folder_resolver(ref).module("06")


def test_the_courses_own_name_is_picked_before_a_copy_beside_it(tmp_path):
    """A file manager's duplicate (`01_value_ops copy.py`) sorts first; grading graded `01_value_ops.py`, so
    `earlier("01")` must run that one too, or a later exercise fails on the copy's bug (red team)."""
    from kata.earlier import pick

    stubs, work = tmp_path / "stubs", tmp_path / "work"
    stubs.mkdir()
    work.mkdir()
    (stubs / "01_value_ops.py").write_text("")
    for name in ("01_value_ops.py", "01_value_ops copy.py", "01_value_ops.ipynb", "01_value_ops copy.ipynb"):
        (work / name).write_text("")
    assert pick(work, "01", stubs).name in ("01_value_ops.py", "01_value_ops.ipynb")
    (work / "01_value_ops.ipynb").unlink()
    assert pick(work, "01", stubs).name == "01_value_ops.py"
    assert pick(work, "01").stem == "01_value_ops copy"  # no course to say which: the first by name, as before
