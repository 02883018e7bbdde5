"""kata.shown_text: a student's text on a grader's terminal, every unprintable character escaped."""

from kata.shown_text import shown


def test_plain_text_is_left_alone():
    text = "ann – José 3/3 ✓ ⚑\n\tan indented line"
    assert shown(text) == text


def test_escape_codes_carriage_returns_and_bidi_overrides_are_shown_as_text():
    text = "\x1b[2K\x1b[4Aann\r9/9\u202egnp.exe\x00\x7f\x9b"
    out = shown(text)
    assert out == "\\x1b[2K\\x1b[4Aann\\x0d9/9\\u202egnp.exe\\x00\\x7f\\x9b"
    assert out.isprintable()


def test_a_one_line_cell_escapes_newlines_and_tabs_too():
    assert shown("a\nb\tc", newlines=False) == "a\\x0ab\\x09c"
    assert shown("a\nb") == "a\nb"


def test_what_is_shown_is_shown_again_unchanged():
    once = shown("\x1b[31mred\u2028\U000e0041")
    assert shown(once) == once and once.isprintable()
