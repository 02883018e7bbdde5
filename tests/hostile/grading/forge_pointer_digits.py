"""Raises errors whose text looks like a frame of its own file with a line number no int() reads
('²' is a digit to str.isdigit): telling the failure must fail this row only, never the checks of the
exercise for the whole class (a grade exit 2, "the course is at fault")."""


def scale(x, k):
    raise ValueError("oops\n" + __file__ + ":\u00b2 in scale\n" + __file__ + ":\u0663 in scale")


def mean(values):
    raise ValueError(__file__ + ":" + "9" * 5000 + " in mean")


def nudge(x, lr):
    raise ValueError(__file__ + ":-1 in nudge\n" + __file__ + ": in nudge")
