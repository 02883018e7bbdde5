"""Renders a Gradebook: a terminal table, CSV, JSON Lines, or JUnit XML for CI and classroom tools.

Pure functions returning strings; the CLI decides where they go.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

from kata.dev.grade import MISSING, Gradebook, Row
from kata.results import CheckResult

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
    head = ["submission"] + [ex.id for ex in book.exercises] + ["passed", "steps"]
    body = [[row.submission.label] + [cell(row, r) for r in row.results]
            + [f"{row.exercises_passed}/{len(book.exercises)}", f"{row.steps_passed}/{row.steps_total}"]
            for row in book.rows]
    widths = [max(len(line[i]) for line in [head] + body) for i in range(len(head))]
    lines = ["  ".join(text.ljust(width) for text, width in zip(line, widths)).rstrip() for line in [head] + body]
    legend = ", ".join(f"{ex.id} {ex.name}" for ex in book.exercises)
    lines += ["", f"exercises: {legend}",
              "cells: ✓ passed, k/n steps passed, timeout, crashed, error (does not run), missing (no file)"]
    return "\n".join(lines)


def summary(book: Gradebook) -> str:
    full = sum(1 for row in book.rows if row.exercises_passed == len(book.exercises))
    isolation = sorted({row.isolation for row in book.rows})
    return (f"{_count(len(book.rows), 'submission')} × {_count(len(book.exercises), 'exercise')} graded in "
            f"{book.duration_s:.1f} s over {_count(book.jobs, 'engine')}; {full} passed everything"
            + (f"\nisolation: {'; '.join(isolation)}" if isolation else ""))


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def row_to_json(book: Gradebook, row: Row) -> dict:
    results = []
    for result in row.results:
        data = result.to_json()
        data["message"] = result.message
        if result.name in row.missing:
            data["status"] = MISSING
        results.append(data)
    return {
        "submission": row.submission.label,
        "path": str(row.submission.path),
        "course": book.course.name,
        "exercises_passed": row.exercises_passed,
        "exercises_total": len(book.exercises),
        "steps_passed": row.steps_passed,
        "steps_total": row.steps_total,
        "duration_s": round(row.duration_s, 3),
        "isolation": row.isolation,
        "results": results,
    }


def to_json_lines(book: Gradebook) -> str:
    return "\n".join(json.dumps(row_to_json(book, row)) for row in book.rows)


def to_csv(book: Gradebook) -> str:
    """One row per submission: totals, then per exercise its status and the steps that passed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    head = ["submission", "path", "exercises_passed", "exercises_total", "steps_passed", "steps_total"]
    for ex in book.exercises:
        head += [f"{ex.id}_{ex.name}", f"{ex.id}_{ex.name}_steps"]
    writer.writerow(head)
    for row in book.rows:
        line = [row.submission.label, str(row.submission.path), row.exercises_passed, len(book.exercises),
                row.steps_passed, row.steps_total]
        for result in row.results:
            line += [row.status_of(result), result.steps_passed]
        writer.writerow(line)
    return out.getvalue()


_FRAME = re.compile(r"^\S+:\d+ in \S+$")


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
    """JUnit XML: a testsuite per submission, a testcase per step (classname: submission.NN_name)."""
    suites = ET.Element("testsuites", name=f"kata grade: {book.course.name}")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for row in book.rows:
        suite = ET.SubElement(suites, "testsuite", name=_clean(row.submission.label))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for result in row.results:
            status = row.status_of(result)
            for step in result.steps:
                case = ET.SubElement(suite, "testcase", classname=_clean(f"{row.submission.label}.{result.id}_{result.name}"),
                                     name=_clean(step.title or step.name), time=f"{step.duration_s:.3f}")
                counts["tests"] += 1
                message = _clean(step.message or result.message)
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
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    suites.set("time", f"{book.duration_s:.3f}")
    for key, value in totals.items():
        suites.set(key, str(value))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
