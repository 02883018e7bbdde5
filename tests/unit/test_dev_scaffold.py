"""`kata new`'s core: where the entry goes, how files are renumbered, and what it refuses."""

import shutil
import subprocess

import pytest

from kata.course import load_course
from kata.errors import KataError
from kata.progress import DONE, state_of
from kata.dev.scaffold import MARK, leftovers, new_exercise
from kata.workspace import find_workspace, init_workspace

from tests.conftest import FIXTURE_COURSE


@pytest.fixture
def course(tmp_path):
    root = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, root)
    return root


def test_new_at_the_end_writes_all_four_parts(course):
    made = new_exercise(course, "softmax", title="Softmax of a list")
    ex = made.exercise
    assert (ex.id, ex.title) == ("05", "Softmax of a list")
    assert [p.relative_to(course).as_posix() for p in made.created] == [
        "exercises/05_softmax.py", "checks/test_05_softmax.py", "solutions/05_softmax.py", "mistakes/05_softmax"]
    assert (course / "mistakes" / "05_softmax").is_dir() and not made.started
    assert made.renamed == []
    assert "raise NotImplementedError" in ex.stub.read_text()
    assert "def test_" in ex.checks.read_text()
    assert leftovers(ex) == [ex.stub, ex.checks, ex.solution]
    assert all(h.startswith("TODO") for h in ex.hints)


def test_insert_in_the_middle_renumbers_and_keeps_comments(course):
    before = (course / "kata.toml").read_text()
    new_exercise(course, "triple", after="01")
    loaded = load_course(course)
    assert [e.name for e in loaded.exercises] == ["add", "triple", "double", "spin", "boom"]
    assert (course / "exercises" / "03_double.py").read_text() == (FIXTURE_COURSE / "exercises" / "02_double.py").read_text()
    assert (course / "checks" / "test_05_boom.py").is_file() and not (course / "checks" / "test_04_boom.py").exists()
    text = (course / "kata.toml").read_text()
    assert text.startswith(before.split("[[exercise]]")[0])  # the header comment stays on top
    assert text.index('name = "add"') < text.index('name = "triple"') < text.index('name = "double"')


def test_the_mistake_catalogue_is_renumbered_too(course):
    (course / "mistakes" / "02_double").mkdir(parents=True)
    (course / "mistakes" / "02_double" / "abs.py").write_text("# expect: negative\n")
    new_exercise(course, "triple", after="01")
    assert (course / "mistakes" / "03_double" / "abs.py").is_file()
    assert not (course / "mistakes" / "02_double").exists()


def test_insert_at_the_start(course):
    new_exercise(course, "warm_up", after="0")
    assert [e.name for e in load_course(course).exercises][:2] == ["warm_up", "add"]


@pytest.mark.parametrize("name, words", [
    ("add", "already has"), ("Bad-Name", "snake_case"), ("lambda", "keyword")])
def test_refuses_bad_names_and_changes_nothing(course, name, words):
    before = (course / "kata.toml").read_text()
    with pytest.raises(KataError) as err:
        new_exercise(course, name)
    assert words in err.value.message + err.value.fix
    assert (course / "kata.toml").read_text() == before


def test_a_stray_file_in_the_way_stops_it_before_any_change(course):
    (course / "exercises" / "05_boom.py").write_text("stray\n")
    with pytest.raises(KataError) as err:
        new_exercise(course, "triple", after="add")
    assert "05_boom.py" in err.value.message
    assert (course / "exercises" / "04_boom.py").is_file()
    assert [e.name for e in load_course(course).exercises] == ["add", "double", "spin", "boom"]


def test_learner_progress_and_files_survive_an_insert(course, tmp_path):
    ws, _, _ = init_workspace(tmp_path / "ws", course)
    (ws.root / "exercises" / "02_double.py").write_text("def double(x):\n    return 2 * x  # mine\n")
    with ws.progress.update() as progress:
        progress.entry("add").status = DONE
        progress.entry("double").status = DONE
    new_exercise(course, "triple", after="01")
    ws = find_workspace(ws.root)
    double = ws.course.find("double")
    assert double.id == "03"
    assert ws.file_of(double).name == "02_double.py" and "# mine" in ws.file_of(double).read_text()
    progress = ws.progress.load()
    assert state_of(ws.course, progress, double) == DONE
    assert state_of(ws.course, progress, ws.course.find("triple")) == "ready"
    _, created, kept = init_workspace(ws.root, course)  # re-running init brings the new stub only
    assert [p.name for p in created] == ["02_triple.py"]
    assert "# mine" in (ws.root / "exercises" / "02_double.py").read_text()


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_renames_are_staged_with_git_mv_in_a_checkout(course):
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run(git + ["init", "-q"], cwd=course, check=True)
    subprocess.run(git + ["add", "."], cwd=course, check=True)
    subprocess.run(git + ["commit", "-qm", "course"], cwd=course, check=True)
    new_exercise(course, "triple", after="01")
    status = subprocess.run(["git", "status", "--porcelain"], cwd=course, capture_output=True, text=True).stdout
    assert "R  exercises/02_double.py -> exercises/03_double.py" in status
    assert f"{MARK}" in (course / "checks" / "test_02_triple.py").read_text()


def test_new_in_an_empty_folder_starts_the_course(tmp_path):
    root = tmp_path / "My Course"
    root.mkdir()
    made = new_exercise(root, "relu")
    assert made.started and made.exercise.id == "01"
    course = load_course(root)
    assert (course.name, course.title) == ("my-course", "My Course")
    assert [p.relative_to(root).as_posix() for p in made.created] == [
        "kata.toml", "exercises", "checks", "solutions", "mistakes",
        "exercises/01_relu.py", "checks/test_01_relu.py", "solutions/01_relu.py", "mistakes/01_relu"]
    second = new_exercise(root, "softmax", after="0")
    assert not second.started and [e.name for e in load_course(root).exercises] == ["softmax", "relu"]
    assert (root / "mistakes" / "02_relu").is_dir()


def test_a_folder_that_does_not_exist_yet_becomes_a_course_but_a_bad_name_creates_nothing(tmp_path):
    with pytest.raises(KataError):
        new_exercise(tmp_path / "new", "class")
    assert not (tmp_path / "new").exists()
    assert new_exercise(tmp_path / "new", "dot").started
