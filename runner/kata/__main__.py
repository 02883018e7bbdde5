"""`python -m kata` is the same as the `kata` command."""

import os
import sys

# `python -m` puts the folder it starts in first on the import path; the `kata` command does not. A
# class graded from inside its folder (`python -m kata grade .`) would give kata a student's `difflib.py`
# or `csv.py` in place of the standard library's: that folder is taken off before kata imports anything.
if sys.path and sys.path[0] and os.path.realpath(sys.path[0]) == os.path.realpath(os.getcwd()):
    del sys.path[0]

from kata.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
