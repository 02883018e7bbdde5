"""The manifest: parsing, validation and the errors that say how to fix it."""

from pathlib import Path

import pytest

from kata.course import describe_filename, load_course, step_names, stray_files
from kata.errors import KataError

from tests.conftest import FIXTURE_COURSE, REPO


def make_course(root: Path, manifest: str, names: list[str], steps: bool = True) -> Path:
    (root / "exercises").mkdir(parents=True)
    (root / "checks").mkdir()
    (root / "solutions").mkdir()
    for number, name in enumerate(names, start=1):
        stem = f"{number:02d}_{name}.py"
        (root / "exercises" / stem).write_text("x = 1\n")
        (root / "solutions" / stem).write_text("x = 1\n")
        body = 'def test_one(exercise):\n    """one"""\n' if steps else "# no steps\n"
        (root / "checks" / f"test_{stem}").write_text(body)
    (root / "kata.toml").write_text(manifest)
    return root


MANIFEST = '''format_version = 1
name = "t"
[[exercise]]
name = "first"
hints = ["h"]
[[exercise]]
name = "second"
title = "Second one"
timeout = 3
'''


def test_loads_exercises_in_order(tmp_path):
    course = load_course(make_course(tmp_path, MANIFEST, ["first", "second"]))
    assert [e.name for e in course.exercises] == ["first", "second"]
    second = course.exercises[1]
    assert second.id == "02" and second.title == "Second one" and second.timeout == 3.0
    assert second.stub == tmp_path / "exercises" / "02_second.py"
    assert second.checks == tmp_path / "checks" / "test_02_second.py"


@pytest.mark.parametrize("ident", ["02", "2", "second", " 2 "])
def test_find_accepts_number_padded_number_or_name(tmp_path, ident):
    course = load_course(make_course(tmp_path, MANIFEST, ["first", "second"]))
    assert course.find(ident).name == "second"


def test_find_unknown_says_what_exists(tmp_path):
    course = load_course(make_course(tmp_path, MANIFEST, ["first", "second"]))
    with pytest.raises(KataError) as err:
        course.find("99")
    assert "99" in err.value.message and "01 first" in err.value.fix


def test_duplicate_name_is_an_error_naming_both(tmp_path):
    manifest = MANIFEST.replace('name = "second"', 'name = "first"')
    root = make_course(tmp_path, manifest, ["first", "second"])
    with pytest.raises(KataError) as err:
        load_course(root)
    assert "'first'" in err.value.message and "#1" in err.value.message and "#2" in err.value.message
    assert "rename" in err.value.fix


def test_missing_file_names_the_file(tmp_path):
    root = make_course(tmp_path, MANIFEST, ["first", "second"])
    (root / "solutions" / "02_second.py").unlink()
    with pytest.raises(KataError) as err:
        load_course(root)
    assert "solutions/02_second.py" in err.value.message


def test_check_module_without_steps_is_an_error(tmp_path):
    root = make_course(tmp_path, MANIFEST, ["first", "second"], steps=False)
    with pytest.raises(KataError) as err:
        load_course(root)
    assert "no step" in err.value.message and "test_01_first.py" in err.value.message


@pytest.mark.parametrize("bad, words", [
    ("format_version = 2\n", "format_version"),
    ("format_version = 1\n", "no exercises"),
    ("format_version = 1\n[[exercise]]\nname = 'Bad Name'\n", "name"),
    ("format_version = 1\n[[exercise]]\nname = 'a'\nhints = 'x'\n", "hints"),
    ("format_version = 1\n[[exercise]]\nname = 'a'\ntimeout = -1\n", "timeout"),
    ("format_version = = 1\n", "not valid TOML"),
])
def test_bad_manifests_are_explained(tmp_path, bad, words):
    (tmp_path / "kata.toml").write_text(bad)
    with pytest.raises(KataError) as err:
        load_course(tmp_path)
    assert words in str(err.value)


def test_no_manifest(tmp_path):
    with pytest.raises(KataError) as err:
        load_course(tmp_path)
    assert "kata.toml" in err.value.message


def test_stray_files_are_found(tmp_path):
    root = make_course(tmp_path, MANIFEST, ["first", "second"])
    (root / "exercises" / "07_orphan.py").write_text("")
    (root / "checks" / "notes.py").write_text("")
    (root / "mistakes" / "02_second").mkdir(parents=True)  # its exercise's catalogue: owned
    (root / "mistakes" / "02_renamed").mkdir()  # left behind by a rename: its mistakes would never run
    assert {p.name for p in stray_files(load_course(root))} == {"07_orphan.py", "notes.py", "02_renamed"}


def test_step_names_in_file_order_with_titles():
    steps = step_names(FIXTURE_COURSE / "checks" / "test_02_double.py")
    assert steps == [("test_positive", "doubles a positive number"),
                     ("test_negative", "doubles a negative number"),
                     ("test_zero", "doubles zero")]


def test_describe_filename():
    assert describe_filename("05_thing.py") == (5, "thing")
    assert describe_filename("test_12_a_b.py") == (12, "a_b")
    assert describe_filename("thing.py") is None


def test_bundled_course_loads():
    course = load_course(REPO)
    assert course.exercises[0].name == "relu"


@pytest.mark.parametrize("manifest, key, meant", [
    (MANIFEST.replace('timeout = 3', 'timout = 3'), "timout", "timeout"),
    (MANIFEST.replace('hints = ["h"]', 'hints = ["h"]\npionts = 10'), "pionts", "points"),
    (MANIFEST.replace('name = "t"', 'name = "t"\ncolour = "blue"'), "colour", None),
])
def test_a_key_kata_does_not_read_is_refused_with_the_one_meant(tmp_path, manifest, key, meant):
    """`pionts = 10` read as nothing would mark an exercise out of 1: a typo stops the course, named."""
    root = make_course(tmp_path / "c", manifest, ["first", "second"])
    with pytest.raises(KataError) as err:
        load_course(root)
    assert repr(key) in err.value.message
    assert (f"Did you mean `{meant}`?" in err.value.fix) if meant else ("Did you mean" not in err.value.fix)
