"""The workspace: created from a course, found from inside, never overwriting learner files."""

import json

import pytest

from kata.errors import KataError
from kata.workspace import find_workspace, init_workspace

from tests.conftest import FIXTURE_COURSE


def test_init_copies_stubs_and_creates_state(tmp_path):
    ws, created, kept = init_workspace(tmp_path / "ws", FIXTURE_COURSE)
    assert [p.name for p in created] == ["01_add.py"] and kept == []  # the others appear as they unlock
    assert (ws.root / "exercises" / "01_add.py").read_text() == (FIXTURE_COURSE / "exercises" / "01_add.py").read_text()
    assert (ws.root / ".kata" / "backups").is_dir()
    assert json.loads((ws.root / ".kata" / "settings.json").read_text())["course"] == str(FIXTURE_COURSE)
    assert not (ws.root / "checks").exists() and not (ws.root / "solutions").exists()


def test_init_never_overwrites_learner_files(tmp_path):
    ws, _, _ = init_workspace(tmp_path / "ws", FIXTURE_COURSE)
    mine = ws.root / "exercises" / "02_double.py"  # locked, but the learner's own file: it stays
    mine.write_text("my work\n")
    (ws.root / "exercises" / "01_add.py").unlink()
    _, created, kept = init_workspace(tmp_path / "ws", FIXTURE_COURSE)
    assert mine.read_text() == "my work\n"
    assert [p.name for p in created] == ["01_add.py"]
    assert [p.name for p in kept] == ["02_double.py"]


def test_found_from_a_subfolder(tmp_path):
    ws, _, _ = init_workspace(tmp_path / "ws", FIXTURE_COURSE)
    deep = ws.root / "exercises" / "notes" / "deeper"
    deep.mkdir(parents=True)
    assert find_workspace(deep).root == ws.root


def test_outside_a_workspace_says_how_to_start(tmp_path):
    with pytest.raises(KataError) as err:
        find_workspace(tmp_path)
    assert "kata init" in err.value.fix


def test_no_workspace_inside_a_workspace(tmp_path):
    ws, _, _ = init_workspace(tmp_path / "ws", FIXTURE_COURSE)
    with pytest.raises(KataError):
        init_workspace(ws.root / "exercises" / "inner", FIXTURE_COURSE)


def test_reset_backs_up_then_restores(tmp_path):
    ws, _, _ = init_workspace(tmp_path / "ws", FIXTURE_COURSE)
    ex = ws.course.find("double")
    ws.file_of(ex).write_text("precious\n")
    backup = ws.restore_stub(ex)
    assert backup.read_text() == "precious\n" and backup.parent == ws.backups
    assert ws.file_of(ex).read_text() == ex.stub.read_text()


def test_rerunning_init_completes_from_the_workspaces_own_course(tmp_path):
    ws, _, _ = init_workspace(tmp_path / "ws", FIXTURE_COURSE)
    (ws.root / "exercises" / "01_add.py").unlink()
    again, created, _ = init_workspace(tmp_path / "ws")  # no course named: its own, not the bundled one
    assert again.course.root == FIXTURE_COURSE.resolve()
    assert [p.name for p in created] == ["01_add.py"]
    assert sorted(p.name for p in (ws.root / "exercises").iterdir()) == ["01_add.py"]


def test_init_refuses_another_course_in_an_existing_workspace(tmp_path):
    init_workspace(tmp_path / "ws", FIXTURE_COURSE)
    with pytest.raises(KataError) as err:
        init_workspace(tmp_path / "ws", None, course_given=True)  # `--course bundled`
    assert "already a workspace" in err.value.message
