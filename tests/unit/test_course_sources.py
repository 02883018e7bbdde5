"""Where courses come from: folders, the bundled course, and installed packages' entry points."""

import sys

import pytest

from kata.course_sources import installed, resolve
from kata.errors import KataError
from kata.workspace import bundled_course_dir

from tests.conftest import FIXTURE_COURSE


def test_a_folder_with_kata_toml(tmp_path):
    assert resolve(str(FIXTURE_COURSE)) == FIXTURE_COURSE
    assert resolve("bundled") == bundled_course_dir()


def test_a_folder_without_kata_toml_says_what_a_course_is(tmp_path):
    with pytest.raises(KataError) as err:
        resolve(str(tmp_path))
    assert "no kata.toml" in err.value.message


def test_an_unknown_name_points_at_kata_courses():
    with pytest.raises(KataError) as err:
        resolve("no-such-course-anywhere")
    assert "kata courses" in err.value.fix


@pytest.fixture
def fake_install(tmp_path, monkeypatch):
    """A real dist-info on sys.path, as pip writes it, offering one good and one broken course."""
    dist = tmp_path / "kata_fake-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: kata-fake\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        f"[kata.courses]\nfixture-pkg = kata_fake_course:where\nbroken = kata_no_such_module\n")
    (tmp_path / "kata_fake_course.py").write_text(f"where = {str(FIXTURE_COURSE)!r}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    sys.modules.pop("kata_fake_course", None)


def test_installed_courses_are_listed_and_resolved_by_name(fake_install):
    found = {c.name: c for c in installed()}
    assert found["bundled"].course is not None
    assert found["fixture-pkg"].course.title == "Fixture course" and found["fixture-pkg"].source == "kata-fake"
    assert "does not load" in found["broken"].problem
    assert resolve("fixture-pkg") == FIXTURE_COURSE
    with pytest.raises(KataError) as err:
        resolve("broken")
    assert "does not load" in err.value.message
