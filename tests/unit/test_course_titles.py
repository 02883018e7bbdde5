"""Step titles are shown before the learner has tried anything (`kata check`, watch, the
progress list): they say what a right answer does, never the answer the exercise asks for."""

import pytest

from kata.course import load_course, step_names

from tests.conftest import REPO

COURSE = load_course(REPO)

# exercise id, what the learner is asked to find out or write, as it could leak into a title
ANSWERS = [
    ("05", ["= 10", "= 6", "2a", "2b"]),                              # compute with autograd, not by hand
    ("06", ["[10, 6]", "= 10", "= 6", "grad[", "elements 0 and 1"]),  # index the gradient, not the tensor
    ("07", ["15", "10 + 5"]),                                         # "predict before you run"
    ("14", ["(0 + 4", "/ 4", "squared"]),                            # the formula of the mean squared error
    ("15", ["-=", "sub_("]),                                         # how to update in place
]


@pytest.mark.parametrize("ident, answers", ANSWERS, ids=[a[0] for a in ANSWERS])
def test_step_titles_do_not_give_the_answer_away(ident, answers):
    ex = COURSE.find(ident)
    for _, title in step_names(ex.checks):
        for answer in answers:
            assert answer not in title, f"{ex.id} step title {title!r} gives away {answer!r}"
