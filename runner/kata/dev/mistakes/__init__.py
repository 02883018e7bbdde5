"""The catalogue of known mistakes: wrong answers a learner might write, and what they should be told.

Each exercise may have a folder `mistakes/NN_name/` at the course root, with one
file per mistake: `NAME.mistake`, a patch against the exercise's solution. Its
leading comments declare what the learner must see, then come the changes:

    # expect: softmax ran over dim=0
    # expect: instead of dim=-1
    # breaks: softmax
    # The softmax runs down each column instead of along each row.

    # replace:
        return torch.softmax(x, dim=-1)
    # with:
        return torch.softmax(x, dim=0)

Each `# replace:` text (whole lines, indentation kept) must occur exactly once in
the current solution; the wrong answer is the solution with every block applied,
written to a temporary file and checked as any file is. A `NAME.py` holding the
whole wrong module (the older form) is read too.

`# breaks:` names the function (or `Class.method`) that holds the mistake: `kata verify` reports
how often the failure's pointer ("your function X") names it (`breaks.py`; `kata new --mistake`
writes it from the patch).

Every `# expect:` text must appear in the message of the first failing step
(the failure a learner reads in full). `verify_mistakes` runs each mistake
through the engine and returns a problem for each one that passes, or whose
first failure lacks an expected text. Pure: returns findings, never prints.

The parts: `patch` (the `.mistake` format), `breaks` (the `# breaks:` field), `catalogue` (reading, running and judging the
catalogue), `record` (`kata new --mistake`) and `__main__` (`python -m kata.dev.mistakes FILE`).
"""

from kata.dev.mistakes.catalogue import Mistake, catalogue, judge, run_mistakes, verify_mistakes, wrong_source
from kata.dev.mistakes.record import Recorded, record_mistake

__all__ = ["Mistake", "catalogue", "judge", "run_mistakes", "verify_mistakes", "wrong_source", "Recorded",
           "record_mistake"]
