"""What the learner sees in watch, as text. Pure: the loop decides when to draw."""

from __future__ import annotations

import re
import shutil
import textwrap

from kata import messages, report
from kata.feedback import picture
from kata.course import Course, Exercise
from kata.progress import Progress, next_after, state_of
from kata.results import CheckResult

CLEAR = "\x1b[2J\x1b[H"
KEYS = "n next · h hint · l list · r re-run · q quit"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def header(course: Course, progress: Progress) -> str:
    return report.course_progress(course, progress)


def verdict_screen(course: Course, progress: Progress, ex: Exercise, result: CheckResult, path: str,
                   unlocked: Exercise | None, unlocked_path: str, color: bool, keys: bool,
                   width: int | None = None, height: int | None = None) -> str:
    """The whole screen after a check. `unlocked` is the exercise this check unlocked (None when it
    unlocked nothing new, e.g. on re-checking one already done). With `width`, long lines wrap
    at words to it, so the terminal never breaks a word or a path in two.

    A failed comparison's picture (`kata.feedback.picture`) is drawn below the failure only when
    the screen has room for it: `height` rows (on a terminal, its own rows when not given), less
    everything else, and as wide as `width`. Without a terminal it gets the failure's own budget."""
    args = (course, progress, ex, result, path, unlocked, unlocked_path, color, keys, width)
    failure = result.first_failure()
    if failure is None or not failure.picture:
        return _verdict_screen(*args, picture_room=None)
    if height is None and width is not None:
        height = shutil.get_terminal_size((0, 0)).lines or None
    if height is None:
        return _verdict_screen(*args, picture_room=None)
    without = _verdict_screen(*args, picture_room=0)
    room = height - len(without.splitlines()) - 1  # the last row stays free for the cursor
    drawn = picture.render(failure.picture, picture.color_mode(color), max_lines=room)
    if not drawn or (width is not None and max(len(_ANSI.sub("", line)) for line in drawn) > width):
        return without
    return _verdict_screen(*args, picture_room=room)


def _verdict_screen(course: Course, progress: Progress, ex: Exercise, result: CheckResult, path: str,
                    unlocked: Exercise | None, unlocked_path: str, color: bool, keys: bool,
                    width: int | None, picture_room: int | None) -> str:
    lines = [header(course, progress), "", f"{ex.id} {ex.title}  →  {path}", ""]
    lines.append(report.render_result(result, color=color, picture_room=picture_room))
    lines.append("")
    if result.passed:
        if unlocked is not None:
            lines.append(messages.unlocked_on_screen(unlocked, unlocked_path, keys))
        else:
            lines.append(messages.done_on_screen(keys, last=next_after(course, ex) is None))
    else:
        shown = min(progress.get(ex.name).hints_shown, len(ex.hints))
        lines.extend(messages.hint_on_screen(ex, number) for number in range(1, shown + 1))
        lines.append(f"Save {path} to check again.")
    if keys:
        lines.append(KEYS)
    text = "\n".join(lines)
    return wrap(text, width) if width else text


def list_screen(course: Course, progress: Progress, current: Exercise | None = None, height: int | None = None,
                keys: bool = False, width: int | None = None) -> str:
    """Every exercise with its state, under the progress header. With `height` (the terminal's
    rows), a course too long for the screen shows the exercises around `current`, so the
    header stays in view."""
    rows = []
    for ex in course.exercises:
        state = state_of(course, progress, ex)
        entry = progress.get(ex.name)
        shown = f"{entry.steps_passed}/{entry.steps_total} steps pass" if state == "started" else state
        mark = "▸" if current is not None and ex == current else " "
        rows.append(f" {mark}{ex.id}  {shown:<12} {ex.title}")
    footer = ["", "Save a file, or press r to check the current exercise again." if keys else ""]
    if keys:
        footer.append(KEYS)
    room = (height - 2 - len(footer) - 1) if height else len(rows)  # header, blank, footer, and the prompt line
    if len(rows) > room > 2:
        at = course.index(current) if current is not None else 0
        start = max(0, min(at - room // 2, len(rows) - room + 2))
        shown_rows = rows[start:start + room - 2]
        rows = ([f"  … {start} above"] if start else []) + shown_rows
        rows += [f"  … {len(course.exercises) - start - len(shown_rows)} below"] \
            if start + len(shown_rows) < len(course.exercises) else []
    text = "\n".join([header(course, progress), "", *rows, *footer]).rstrip("\n")
    return wrap(text, width) if width else text


def wrap(text: str, width: int) -> str:
    """Each line longer than `width` wrapped at words, continuation lines indented under it; words
    longer than a line (paths, URLs) are kept whole."""
    out = []
    for line in text.splitlines():
        if len(_ANSI.sub("", line)) <= width:
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        out.extend(textwrap.wrap(line.strip(), width=max(width, len(indent) + 20), initial_indent=indent,
                                 subsequent_indent=indent + "  ", break_long_words=False,
                                 break_on_hyphens=False) or [line])
    return "\n".join(out)
