"""Renders a Gradebook: a terminal table, CSV, JSON Lines, or JUnit XML for CI and classroom tools.

Everything an LMS or a CI stores is keyed by the exercise's name, which never
changes once shipped, not by its number, which changes when an exercise is
inserted before it: the number is a field of its own. Paths are relative to the
folder graded, so no output carries the grader's own folders. Pure functions
returning strings; the CLI decides where they go.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import xml.etree.ElementTree as ET

from kata.dev.grade import MISSING, Gradebook, Row
from kata.dev.hidden import is_hidden
from kata.dev.scoring import Points, exercise_points, number, total_points
from kata.results import CheckResult
from kata.shown_text import shown

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def cell(row: Row, result: CheckResult) -> str:
    """One exercise's verdict in a table cell: ✓, k/n steps, or what went wrong."""
    status = row.status_of(result)
    if status == "passed":
        return "✓"
    if status == "failed":
        return f"{result.steps_passed}/{len(result.steps)}"
    return status


def to_text(book: Gradebook) -> str:
    head = ["submission"] + [ex.id for ex in book.exercises] + ["passed", "steps", "points"]
    body = [[shown(row.submission.label, newlines=False)] + [cell(row, r) for r in row.results]
            + [f"{row.exercises_passed}/{len(book.exercises)}", f"{row.steps_passed}/{row.steps_total}",
               str(points(book, row))]
            for row in book.rows]
    flagged = [row for row in book.rows if row.integrity]
    if flagged:  # a column only when some row has a flag: most classes never see it
        head.append("integrity")
        body = [line + (["⚑"] if row.integrity else [""]) for line, row in zip(body, book.rows)]
    widths = [max(len(line[i]) for line in [head] + body) for i in range(len(head))]
    lines = ["  ".join(text.ljust(width) for text, width in zip(line, widths)).rstrip() for line in [head] + body]
    legend = ", ".join(f"{ex.id} {ex.name}" for ex in book.exercises)
    lines += ["", f"exercises: {legend}",
              "cells: ✓ passed, k/n steps passed, timeout, crashed, error (does not run), missing (no file)"]
    for row in flagged:
        more = len(row.integrity) - 3
        notices = "; ".join(shown(notice, newlines=False) for notice in row.integrity[:3])
        lines.append(f"⚑ {shown(row.submission.label, newlines=False)} did what no honest answer does (look before "
                     f"marking): {notices}" + (f"; and {more} more (--json has them all)" if more > 0 else ""))
    if any(ex.marking.points is not None for ex in book.exercises):
        lines.append("points (max): " + ", ".join(f"{ex.id} {number(p.maximum)}" for ex, p in maxima(book)))
    return "\n".join(lines)


def summary(book: Gradebook) -> str:
    full = sum(1 for row in book.rows if row.exercises_passed == len(book.exercises))
    isolation = sorted({row.isolation for row in book.rows})
    flagged = sum(1 for row in book.rows if row.integrity)
    where = (f"{_count(book.jobs, 'Dask worker')} ({book.scheduler})" if book.scheduler
             else _count(book.jobs, 'engine'))
    return (f"{_count(len(book.rows), 'submission')} × {_count(len(book.exercises), 'exercise')} graded in "
            f"{book.duration_s:.1f} s over {where}; {full} passed everything"
            + (f"\nisolation: {'; '.join(isolation)}" if isolation else "")
            + (f"\nwarning: the rows were not all isolated the same way ("
               + "; ".join(f"{_count(n, 'row')}: {how}" for how, n in book.isolations.items())
               + "): compare their marks with care; --require-sandbox refuses to grade without bubblewrap"
               if len(book.isolations) > 1 else "")
            + (f"\nintegrity: {_count(flagged, 'submission')} flagged (⚑ above): look before marking" if flagged else "")
            + (f"\ninterrupted: {_count(book.cancelled, 'submission')} not graded (cancelled)" if book.cancelled else ""))


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def graded_folder(book: Gradebook) -> str:
    """The folder the submissions were graded in: what every path in the output is relative to."""
    parents = [str(row.submission.path.parent) for row in book.rows]
    try:
        return os.path.commonpath(parents) if parents else ""
    except ValueError:  # paths on different drives
        return ""


def relative(book: Gradebook, text: str, base: str | None = None) -> str:
    """`text` with the absolute paths of the graded folder and of the course taken out of every path in it:
    a submission's file reads `ann/01_add.py`, a check's `checks/test_01_add.py`."""
    base = graded_folder(book) if base is None else base
    for folder in (base, str(book.course.root)):
        if folder and folder != os.sep:
            text = text.replace(folder.rstrip(os.sep) + os.sep, "")
    return text


def submission_path(book: Gradebook, row: Row, base: str | None = None) -> str:
    base = graded_folder(book) if base is None else base
    return os.path.relpath(row.submission.path, base) if base else row.submission.path.name


def points(book: Gradebook, row: Row) -> Points:
    """The submission's points and their maximum (kata.dev.scoring: the one rule every output uses)."""
    return total_points(book.exercises, row.results)


def result_points(book: Gradebook, result: CheckResult) -> Points:
    ex = next(ex for ex in book.exercises if ex.name == result.name)
    return exercise_points(ex, result)


def maxima(book: Gradebook) -> list[tuple]:
    """(exercise, its points as graded) from the first row: the maximum is the same in every row."""
    first = book.rows[0].results if book.rows else []
    return [(ex, exercise_points(ex, r)) for ex, r in zip(book.exercises, first)]


def score(book: Gradebook, row: Row) -> float:
    """Points earned over the points at stake, 0.0 to 1.0; without `points` in the course, the share of steps
    that pass, as before."""
    return points(book, row).share


def row_to_json(book: Gradebook, row: Row) -> dict:
    base = graded_folder(book)
    results = []
    for result in row.results:
        data = result.to_json()
        data["number"] = int(data["id"])
        data["target"] = relative(book, data["target"], base)
        data["message"] = relative(book, result.message, base)
        for step in data["steps"]:
            step["message"] = relative(book, step["message"], base)
        data["steps_total"] = len(result.steps)
        data["steps_passed"] = result.steps_passed
        earned = result_points(book, result)
        data["points"], data["points_max"] = round(earned.earned, 2), round(earned.maximum, 2)
        ex = next(ex for ex in book.exercises if ex.name == result.name)
        for step, shown in zip(result.steps, data["steps"]):
            shown["hidden"] = is_hidden(ex, step)
        if result.name in row.missing:
            data["status"] = MISSING
        results.append(data)
    total = points(book, row)
    return {
        "submission": row.submission.label,
        "path": submission_path(book, row, base),
        "course": book.course.name,
        "score": total.share,
        "points": round(total.earned, 2),
        "points_max": round(total.maximum, 2),
        "exercises_passed": row.exercises_passed,
        "exercises_total": len(book.exercises),
        "steps_passed": row.steps_passed,
        "steps_total": row.steps_total,
        "duration_s": round(row.duration_s, 3),
        "isolation": row.isolation,
        "integrity": row.integrity,
        "results": results,
    }


def to_json_lines(book: Gradebook) -> str:
    return "\n".join(json.dumps(row_to_json(book, row)) for row in book.rows)


def to_csv(book: Gradebook) -> str:
    """One row per submission: its score and totals, then per exercise, keyed by name: its status, the
    steps that passed, its steps in all and its number (its place in the course, which may change)."""
    out = io.StringIO()
    writer = csv.writer(out)  # RFC 4180's CRLF: a field holding a bare CR (a forged name) is then quoted too
    head = ["submission", "path", "score", "points", "points_max", "exercises_passed", "exercises_total",
            "steps_passed", "steps_total"]
    for ex in book.exercises:
        head += [ex.name, f"{ex.name}_steps_passed", f"{ex.name}_steps_total", f"{ex.name}_number",
                 f"{ex.name}_points", f"{ex.name}_points_max"]
    writer.writerow(head + ["integrity"])
    base = graded_folder(book)
    for row in book.rows:
        total = points(book, row)
        line = [inert(row.submission.label), inert(submission_path(book, row, base)), f"{total.share:.4f}",
                number(total.earned), number(total.maximum), row.exercises_passed,
                len(book.exercises), row.steps_passed, row.steps_total]
        for ex, result in zip(book.exercises, row.results):
            earned = exercise_points(ex, result)
            line += [row.status_of(result), result.steps_passed, len(result.steps), ex.number,
                     number(earned.earned), number(earned.maximum)]
        writer.writerow(line + [inert("; ".join(row.integrity))])
    return out.getvalue()


def inert(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (OWASP's CSV injection advice).

    A submission's name is the student's to choose: `=HYPERLINK(...)`, `+cmd|...`, `@SUM(...)`
    would run when the CSV is opened. A leading quote makes the spreadsheet show it as text.
    """
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r", "|", "%") else text


_FRAME = re.compile(r"^\S+:\d+( in \S+|: your \w+ .*)$")  # a frame, or the pointer to the learner's function


def headline(message: str, fallback: str) -> str:
    """The line of a failure that says what went wrong: not a `file:line in f` frame, not quoted code."""
    lines = [line for line in message.splitlines() if line.strip()] or [fallback]
    if _FRAME.match(lines[0]):  # a traceback: the exception's own line comes last
        said = [line for line in lines if not line.startswith((" ", "\t")) and not _FRAME.match(line)]
        return (said[-1] if said else lines[0])[:500]
    return lines[0][:500]


def _clean(text: str) -> str:
    return _NOT_XML.sub("?", text)


def to_junit_xml(book: Gradebook) -> str:
    """JUnit XML: a testsuite per submission, a testcase per step. A testcase's classname is
    `submission.exercise_name` and its name the step's title; its properties give the exercise's name
    and number and the step's function name."""
    suites = ET.Element("testsuites", name=f"kata grade: {book.course.name}")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    base = graded_folder(book)
    for row in book.rows:
        suite = ET.SubElement(suites, "testsuite", name=_clean(row.submission.label))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        total = points(book, row)
        marks = ET.SubElement(suite, "properties")
        ET.SubElement(marks, "property", name="points", value=number(total.earned))
        ET.SubElement(marks, "property", name="points_max", value=number(total.maximum))
        for result in row.results:
            earned = result_points(book, result)
            ET.SubElement(marks, "property", name=f"points:{result.name}", value=str(earned))
        if row.integrity:
            ET.SubElement(marks, "property", name="integrity", value=_clean("; ".join(row.integrity)))
        for result in row.results:
            status = row.status_of(result)
            for step in result.steps:
                case = ET.SubElement(suite, "testcase", classname=_clean(f"{row.submission.label}.{result.name}"),
                                     name=_clean(step.title or step.name), time=f"{step.duration_s:.3f}")
                properties = ET.SubElement(case, "properties")
                for key, value in (("exercise", result.name), ("number", result.id), ("step", step.name)):
                    ET.SubElement(properties, "property", name=key, value=_clean(value))
                counts["tests"] += 1
                message = _clean(relative(book, step.message or result.message, base))
                if step.outcome == "passed":
                    continue
                if step.outcome == "failed":
                    counts["failures"] += 1
                    tag = "failure"
                elif step.outcome == "skipped":
                    counts["skipped"] += 1
                    tag = "skipped"
                else:
                    counts["errors"] += 1
                    tag = "error"
                kind = MISSING if status == MISSING else step.outcome
                node = ET.SubElement(case, tag, message=headline(message, kind), type=kind)
                node.text = message
        suite.set("time", f"{row.duration_s:.3f}")
        for key, count in counts.items():
            suite.set(key, str(count))
            totals[key] += count
    suites.set("time", f"{book.duration_s:.3f}")
    for key, count in totals.items():
        suites.set(key, str(count))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
