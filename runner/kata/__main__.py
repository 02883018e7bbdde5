"""`python -m kata` is the same as the `kata` command."""

import os
import sys

# `python -m` puts the folder it starts in first on the import path; the `kata` command puts its own script's
# folder there. A class graded from inside its folder (`python -m kata grade .`) would give kata a student's
# `difflib.py` or `csv.py` in place of the standard library's: that entry becomes the `kata` command's, before
# kata imports anything (kept in its place, which the shared engine's key leaves out: kata.engine.daemon_wire).
if sys.path and sys.path[0] and os.path.realpath(sys.path[0]) == os.path.realpath(os.getcwd()):
    sys.path[0] = os.path.dirname(sys.executable)

from kata.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
