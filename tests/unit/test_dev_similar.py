"""`kata grade --similar` (kata.dev.similar): renamed and reformatted copies are found, the stub is no
evidence, distinct answers to the same exercise are not paired."""

from __future__ import annotations

from kata.dev.similar import MIN_OWN, similar_pairs, tokens, to_text

STUB = '''import torch


def train_step(model, batch, lr):
    """One step of SGD on `batch`; returns the loss as a float."""
    raise NotImplementedError
'''

ANN = '''import torch


def train_step(model, batch, lr):
    """One step of SGD."""
    inputs, targets = batch
    logits = model(inputs)
    loss = torch.nn.functional.cross_entropy(logits, targets)
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad  # descend
    return loss.item()
'''

# Ann's answer with every name changed, comments and docstring gone, reformatted, an import aliased
BOB = '''import torch as T
def train_step(net,b,step_size):
    xs,ys=b
    out=net(xs)
    l=T.nn.functional.cross_entropy(out,ys)
    net.zero_grad(); l.backward()
    with T.no_grad():
        for w in net.parameters(): w -= step_size*w.grad
    return l.item()
'''

# the same exercise solved another way
CAROL = '''import torch


def train_step(model, batch, lr):
    x, y = batch
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    optimizer.zero_grad()
    prediction = model(x).log_softmax(dim=-1)
    loss = -prediction[torch.arange(len(y)), y].mean()
    loss.backward()
    optimizer.step()
    return float(loss)
'''


def _exercise(sources: dict[str, str], whole: bool = False):
    return [("07 train_step", STUB, {name: (text, whole) for name, text in sources.items()})]


def test_a_renamed_reformatted_copy_is_identical_after_normalising():
    assert tokens(ANN) == tokens(BOB)
    assert tokens(ANN) != tokens(CAROL)


def test_the_copy_is_paired_and_the_distinct_answer_is_not():
    pairs = similar_pairs(_exercise({"ann": ANN, "bob": BOB, "carol": CAROL}))
    assert [(p.first, p.second) for p in pairs] == [("ann", "bob")]
    assert pairs[0].exercises == [("07 train_step", 1.0)]
    assert pairs[0].score == 1.0


def test_stubs_left_as_they_were_are_never_paired():
    assert similar_pairs(_exercise({"dan": STUB, "eve": STUB + "\n# untouched\n"})) == []


def test_code_too_short_to_tell_is_not_compared():
    short = "def train_step(model, batch, lr):\n    return 0.0\n"
    assert similar_pairs(_exercise({"a": short, "b": short})) == []
    assert MIN_OWN > 1


def test_threshold_decides():
    half = ANN.replace("return loss.item()", "print(loss)\n    print(lr)\n    return float(loss) * 1.0 + 0.0")
    strict = similar_pairs(_exercise({"ann": ANN, "fay": half}), threshold=0.95)
    loose = similar_pairs(_exercise({"ann": ANN, "fay": half}), threshold=0.3)
    assert strict == [] and [(p.first, p.second) for p in loose] == [("ann", "fay")]


def test_one_file_submissions_compare_only_the_exercises_functions():
    other = "\n\ndef unrelated(a):\n    return [a * i for i in range(10)] + [str(a)] * 3\n"
    pairs = similar_pairs(_exercise({"ann": ANN + other, "bob": BOB}, whole=True))
    assert [(p.first, p.second, p.exercises) for p in pairs] == [("ann", "bob", [("07 train_step", 1.0)])]


def test_files_that_do_not_parse_are_left_out():
    assert tokens("def broken(:\n") == []
    assert similar_pairs(_exercise({"ann": ANN, "bob": "def broken(:\n"})) == []


def test_text_names_both_and_the_exercise():
    text = to_text(similar_pairs(_exercise({"ann": ANN, "bob": BOB})), 0.8)
    assert "ann" in text and "bob" in text and "07 train_step 1.00" in text
    assert "no two submissions" in to_text([], 0.8)
