"""The private skorch API our net subclass builds on: a loud failure when skorch changes it.

``lstm_forecast._net._RecurrentNet`` (and the accelerated net) override or call these skorch
names, and ``run_single_epoch`` is a modified copy of skorch's. If a skorch release renames
one or changes its signature, these tests say which, instead of a fit failing somewhere deep.
"""

import inspect

import pytest
import skorch
from skorch import NeuralNet
from skorch.callbacks import PrintLog

# name -> the parameters we rely on (in order, before any **kwargs), or None for attributes.
NET_API = {
    "run_single_epoch": ["self", "iterator", "training", "prefix", "step_fn"],
    "fit_loop": ["self", "X", "y", "epochs"],
    "train_step": ["self", "batch"],
    "infer": ["self", "x"],
    "get_loss": ["self", "y_pred", "y_true", "X", "training"],
    "_set_training": ["self", "training"],
    "_step_optimizer": ["self", "step_fn"],
    "_zero_grad_optimizer": ["self"],
    "get_all_learnable_params": ["self"],
    "notify": ["self", "method_name"],
    "initialize": ["self"],
    "cuda_dependent_attributes_": None,
}


@pytest.mark.parametrize("name", sorted(NET_API))
def test_neural_net_still_has_what_our_subclass_uses(name):
    assert hasattr(NeuralNet, name), (
        f"skorch {skorch.__version__} has no NeuralNet.{name}: lstm_forecast/_net.py relies on it; "
        f"adapt _RecurrentNet or pin skorch below this release."
    )
    expected = NET_API[name]
    if expected is None:
        return
    parameters = [p.name for p in inspect.signature(getattr(NeuralNet, name)).parameters.values()
                  if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
    assert parameters[: len(expected)] == expected, (
        f"skorch {skorch.__version__} changed NeuralNet.{name}{tuple(parameters)}; "
        f"lstm_forecast/_net.py expects {tuple(expected)}."
    )


def test_the_epoch_loop_we_copied_is_still_skorchs():
    """Our deferred-loss ``run_single_epoch`` mirrors skorch's: the same history records."""
    source = inspect.getsource(NeuralNet.run_single_epoch)
    for needed in ('record_batch(prefix + "_loss"', 'record_batch(prefix + "_batch_size"',
                   'history.record(prefix + "_batch_count"', '"on_batch_begin"', '"on_batch_end"'):
        assert needed in source.replace("'", '"'), (
            f"skorch {skorch.__version__}'s run_single_epoch no longer does {needed!r}: update the "
            f"copy in lstm_forecast/_net.py (_RecurrentNet.run_single_epoch)."
        )


def test_partial_fit_still_swallows_keyboard_interrupt_after_fit_loop():
    """``interrupted_`` is recorded by our fit_loop and relies on skorch ending training quietly."""
    source = inspect.getsource(NeuralNet.partial_fit)
    assert "except KeyboardInterrupt" in source and "fit_loop" in source


def test_print_log_still_formats_rows_with_a_colour():
    parameters = list(inspect.signature(PrintLog.format_row).parameters)
    assert parameters[:4] == ["self", "row", "key", "color"]


def test_accelerate_mixin_names_we_use():
    hf = pytest.importorskip("skorch.hf")
    for name in ("_initialize_accelerator", "_unwrap_accelerator"):
        assert hasattr(hf.AccelerateMixin, name), (
            f"skorch {skorch.__version__}'s AccelerateMixin has no {name}: lstm_forecast/_accelerate.py "
            f"relies on it."
        )
