"""`kata grade --roster FILE --lms-csv OUT`: marks keyed by student, as an LMS gradebook imports them.

Why a roster: kata knows submissions by their folder or file name, an LMS knows students by id.
The roster is a CSV the instructor keeps (exported from the LMS, usually), with a header row:

    submission,id,student,sis_user_id,section
    ann,1001,Ann Lee,s1001,A

`submission` (the name `kata grade` shows: the folder or file name without `.py`) and `id` are
required; the others may be left out. The gradebook follows Canvas's import format (Student, ID,
SIS User ID, Section, then one column for the assignment holding the points earned), which other
LMSs read too. A student with no submission gets an empty cell (no grade), not 0: the instructor
decides. Every cell goes through `gradebook.inert`, so neither a submission's name nor a roster
cell a student may have influenced can run as a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from kata.dev.grade import Gradebook
from kata.dev.gradebook import inert, points
from kata.dev.scoring import number
from kata.errors import KataError

REQUIRED = ("submission", "id")
HEAD = ["Student", "ID", "SIS User ID", "Section"]


@dataclass(frozen=True)
class Student:
    submission: str
    id: str
    name: str = ""
    sis_user_id: str = ""
    section: str = ""


def read_roster(path: Path) -> list[Student]:
    """The roster's students, in its order; a KataError that says how to fix a bad file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise KataError(f"cannot read the roster {path}: {err}", "Give a UTF-8 CSV file.") from None
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in fields]
    if missing:
        raise KataError(f"the roster {path} has no {' or '.join(missing)} column.",
                        "Its first row must name the columns: submission,id (and optionally "
                        "student,sis_user_id,section).")
    students, seen = [], set()
    for number_, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        if not row.get("submission") and not row.get("id"):
            continue  # a blank line
        if not row.get("submission") or not row.get("id"):
            raise KataError(f"the roster {path}, line {number_}: a student needs both a submission and an id.",
                            "Fill in both cells, or delete the line.")
        if row["submission"] in seen:
            raise KataError(f"the roster {path}, line {number_}: submission {row['submission']!r} is listed twice.",
                            "Give each submission one student.")
        seen.add(row["submission"])
        students.append(Student(row["submission"], row["id"], row.get("student", ""), row.get("sis_user_id", ""),
                                row.get("section", "")))
    return students


def unmatched(book: Gradebook, students: list[Student]) -> list[str]:
    """Submissions graded that no student of the roster claims (their marks go nowhere)."""
    claimed = {s.submission for s in students}
    return [row.submission.label for row in book.rows if row.submission.label not in claimed]


def to_lms_csv(book: Gradebook, students: list[Student], assignment: str | None = None) -> str:
    """The gradebook CSV: a row per student of the roster, the assignment's column their points."""
    by_label = {row.submission.label: row for row in book.rows}
    out = io.StringIO()
    writer = csv.writer(out)  # RFC 4180's CRLF: a field holding a bare CR (a forged name) is then quoted too
    writer.writerow([inert(text) for text in HEAD + [assignment or book.course.title or book.course.name]])
    for student in students:
        row = by_label.get(student.submission)
        mark = number(points(book, row).earned) if row is not None else ""
        writer.writerow([inert(student.name), inert(student.id), inert(student.sis_user_id), inert(student.section),
                         mark])
    return out.getvalue()
