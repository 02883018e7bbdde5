"""kata.breaks: the workspace's record of which earlier exercise the carry step found breaking a later one."""

from kata import breaks


def test_a_carry_notice_names_its_earlier_exercise():
    assert breaks.carried_from("07 passes ...\\nThis comes from your `Tensor.__add__` from exercise 05 (05_b.py), ...") == "05"
    assert breaks.carried_from("07 passes ...\\nWith the reference 04 in place of your 04_t.py it passes") == "04"
    assert breaks.carried_from("07 passes on its own code, but ...") is None
    assert breaks.carried_from("") is None


def test_noted_then_cleared_by_the_later_exercise(tmp_path):
    breaks.note(tmp_path, "07", "05")
    breaks.note(tmp_path, "09", "06")
    assert breaks.read(tmp_path) == {"05": "07", "06": "09"}
    breaks.note(tmp_path, "07", None)  # 07's carry step passes again
    assert breaks.read(tmp_path) == {"06": "09"}


def test_a_record_kata_cannot_read_is_empty(tmp_path):
    (tmp_path / breaks.FILE).write_text("[1, 2]")
    assert breaks.read(tmp_path) == {}
    (tmp_path / breaks.FILE).write_text('{"05": 7, "x": "07", "06": "08"}')
    assert breaks.read(tmp_path) == {"06": "08"}
    (tmp_path / breaks.FILE).write_bytes(b"\xff\xfe")
    assert breaks.read(tmp_path) == {}
    breaks.note(tmp_path / "missing", "07", "05")  # no .kata folder: nothing written, nothing raised
