"""What a failing step's code printed, as the learner reads it: no progress bars, no library warnings."""

from kata import report
from kata.results import CheckResult, StepResult

TQDM = ("\r  0%|          | 0/7 [00:00<?, ?it/s]\r 43%|████▎     | 3/7 [00:00<00:00, 29.1it/s]"
        "\r100%|██████████| 7/7 [00:00<00:00, 68.2it/s]\n")
TORCH_WARNING = ("/usr/lib/python3/site-packages/torch/nn/modules/module.py:1511: UserWarning: "
                 "Using a target size that is different to the input size.\n"
                 "  return forward_call(*args, **kwargs)\n")


def test_progress_bars_and_library_warnings_are_left_out():
    output = "Initial loss was 0.25\n" + TQDM + TORCH_WARNING + "\nFinal loss was 0.1\n"
    assert report.learner_output(output) == ["Initial loss was 0.25", "", "Final loss was 0.1"]


def test_a_warning_on_the_learners_line_is_kept_in_one_line_unless_the_message_points_there():
    output = ("/home/me/ws/exercises/12_forward.py:74: UserWarning: Implicit dimension choice for softmax "
              "has been deprecated.\n  after_layer_2 = t.nn.functional.softmax(\n")
    assert report.learner_output(output) == [
        "/home/me/ws/exercises/12_forward.py:74: UserWarning: Implicit dimension choice for softmax has been deprecated."]
    assert report.learner_output(output, "/home/me/ws/exercises/12_forward.py:74: this softmax ...") == []


def test_a_failure_with_long_output_stays_within_15_lines():
    message = "\n".join(f"line {i} of the message" for i in range(6))
    output = "".join(f"print {i}\n" for i in range(40)) + TQDM * 5 + TORCH_WARNING * 3
    step = StepResult(index=1, name="test_x", title="x", outcome="failed", message=message, output=output)
    text = report.render_result(CheckResult(id="17", name="train", target="t.py", status="failed", steps=[step]))
    failure = text.split("\n\n", 1)[1].splitlines()
    assert len(failure) <= report.MAX_FAILURE_LINES, text
    assert failure[-1].strip() == "… 34 more lines" and "it/s" not in text and "Warning" not in text


def test_a_long_warning_on_the_learners_line_is_cut_to_its_first_sentence():
    output = ("/ws/exercises/06_autograd_vector.py:24: UserWarning: The .grad attribute of a Tensor that is not a "
              "leaf Tensor is being accessed. Its .grad attribute won't be populated during autograd.backward(). "
              "See github.com/pytorch/pytorch/pull/30531 for more information.\n  dc_db = a_and_b[1].grad\n")
    assert report.learner_output(output) == ["/ws/exercises/06_autograd_vector.py:24: UserWarning: The .grad "
                                             "attribute of a Tensor that is not a leaf Tensor is being accessed."]
