"""The formats `kata grade` writes, registered in one place.

A new format is one function `Gradebook -> str` (in `gradebook.py`, or anywhere) and one
`register` line here: `kata grade` then has its option, its help and its checks (one format
at most on standard output, the folder written to exists before grading starts). Renderers
are named as `module:function` and imported only when used, so `kata` starts fast.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from kata.dev.grade import Gradebook

TABLE = "table"  # the default: printed unless another format goes to standard output
FLAG = "flag"  # `--NAME`: printed on standard output instead of the table
FILE = "file"  # `--NAME PATH`: written to a file
FILE_OR_STDOUT = "file-or-stdout"  # `--NAME PATH`, where `-` is standard output


@dataclass(frozen=True)
class GradeFormat:
    name: str  # the option is `--NAME`
    renderer: str  # "module:function", the function taking a Gradebook and returning its text
    to: str  # TABLE, FLAG, FILE or FILE_OR_STDOUT
    help: str

    @property
    def param(self) -> str:
        """The option's parameter name in the command."""
        return self.name.replace("-", "_") + "_to"

    def render(self, book: "Gradebook") -> str:
        module, function = self.renderer.split(":")
        render: Callable[[Gradebook], str] = getattr(importlib.import_module(module), function)
        return render(book)


FORMATS: dict[str, GradeFormat] = {}


def register(name: str, renderer: str, to: str, help: str) -> None:
    FORMATS[name] = GradeFormat(name, renderer, to, help)


register(TABLE, "kata.dev.gradebook:to_text", TABLE, "A table, a row per submission (the default).")
register("json", "kata.dev.gradebook:to_json_lines", FLAG,
         "Print one JSON object per submission instead of the table.")
register("csv", "kata.dev.gradebook:to_csv", FILE_OR_STDOUT,
         "Also write the table as CSV to this file (- for standard output).")
register("junit-xml", "kata.dev.gradebook:to_junit_xml", FILE_OR_STDOUT,
         "Also write JUnit XML to this file (- for standard output).")
register("html", "kata.dev.report_html:to_html", FILE,
         "Also write a class report to this file: one self-contained web page with a heatmap of "
         "submissions × exercises and the steps where the class is stuck.")
