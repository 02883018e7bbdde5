"""kata.torch_settings: what a learner's module code changed of torch's grad mode and default dtype,
put back, and told the same way on every route; the judge reads the learner's report strictly."""

import pytest
import torch

from kata import torch_settings
from kata.judge.remote import _torch_changed


def test_nothing_changed_says_nothing():
    before = torch_settings.snapshot()
    assert torch_settings.put_back(before) == {}


def test_grad_mode_and_dtype_are_put_back_and_named():
    before = torch_settings.snapshot()
    torch.set_grad_enabled(False)
    torch.set_default_dtype(torch.float64)
    changed = torch_settings.put_back(before)
    assert changed == {"grad_off": True, "dtype": "float64"}
    assert torch.is_grad_enabled() and torch.get_default_dtype() == torch.float32
    told = torch_settings.message("08_thousand_points.py", changed)
    assert told.startswith("08_thousand_points.py changes torch")
    assert "torch.set_grad_enabled(False)" in told and "float64" in told and "`with torch.no_grad():`" in told


def test_torch_loaded_by_the_file_itself_compares_with_its_defaults():
    torch.set_default_dtype(torch.float16)
    try:
        assert torch_settings.put_back((True, None)) == {"dtype": "float16"}
    finally:
        torch.set_default_dtype(torch.float32)
    assert torch.get_default_dtype() == torch.float32


@pytest.mark.parametrize("report", [{"grad_off": False}, {"grad_off": "yes"}, {"dtype": "int64"},
                                    {"dtype": "float64\x1b[2K"}, {"other": 1}, ["grad_off"], "float64"])
def test_the_judge_refuses_a_report_it_never_asked_for(report):
    with pytest.raises(ValueError):
        _torch_changed(report)


def test_the_judge_takes_a_well_formed_report():
    assert _torch_changed({"grad_off": True, "dtype": "bfloat16"}) == {"grad_off": True, "dtype": "bfloat16"}
    assert _torch_changed({}) == {}
