"""What a user can rely on: no lost or half-updated models, clear errors for every mistake.

Each test here reproduces a defect an adversarial review found (issue 14) and fails without
its fix.
"""

import os
import signal
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.model_selection import GridSearchCV, KFold
from skorch.callbacks import Callback

from lstm_forecast import (
    LSTMClassifier,
    LSTMForecaster,
    LSTMRegressor,
    load_model,
    make_windows,
    pad_sequences,
    save_model,
)

FAST = dict(hidden_size=4, max_epochs=2, batch_size=16, device="cpu", random_state=0)
RNG = np.random.RandomState(0)
X = RNG.normal(size=(32, 5, 2)).astype(np.float32)
Y = X[:, :, 0].sum(axis=1).astype(np.float64)
LABELS = np.where(Y > 0, "up", "down")


class _InterruptAt(Callback):
    """Press Ctrl-C at the end of an epoch: a real SIGINT to this process."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            os.kill(os.getpid(), signal.SIGINT)


class _FailAt(_InterruptAt):
    """An error in the middle of training, after every check of the input passed."""

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise RuntimeError("the disk is full")


# ------------------------------------------------------------------ interrupted fits (14.1)
@pytest.mark.parametrize("make", [LSTMRegressor, LSTMClassifier])
def test_an_interrupted_fit_warns_and_says_so_in_a_fitted_attribute(make):
    y = Y if make is LSTMRegressor else LABELS
    model = make(**{**FAST, "max_epochs": 6}, callbacks=[_InterruptAt(2)])
    with pytest.warns(UserWarning, match=r"Training was interrupted \(KeyboardInterrupt\) after 2 of 6 "
                                         r"epochs.*interrupted_=True"):
        model.fit(X, y)
    assert model.interrupted_ is True and model.n_epochs_ == 2
    assert model.predict(X).shape == (len(X),)


PANEL = [100 + 10 * np.sin(np.arange(n) / 2.0) + RNG.normal(size=n) for n in (40, 48, 56)]


def test_an_interrupted_forecaster_stops_all_its_networks():
    network = LSTMRegressor(**{**FAST, "max_epochs": 6}, callbacks=[_InterruptAt(2)])
    model = LSTMForecaster(network, horizon=3, n_models=3, random_state=0)
    with pytest.warns(UserWarning, match="interrupted"):
        model.fit(PANEL)
    assert model.interrupted_ is True and len(model.estimators_) == 1  # no second network
    assert [len(f) for f in model.predict()] == [3, 3, 3]
    finished = LSTMForecaster(LSTMRegressor(**FAST), horizon=3, n_models=2, random_state=0)
    assert finished.fit(PANEL).interrupted_ is False and len(finished.estimators_) == 2


def test_an_ignored_sigint_is_not_an_interruption():
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # as for a background job
    try:
        model = LSTMRegressor(**{**FAST, "max_epochs": 3}, callbacks=[_InterruptAt(1)]).fit(X, Y)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert model.n_epochs_ == 3 and model.interrupted_ is False


def test_a_complete_fit_is_not_marked_interrupted():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = LSTMRegressor(**FAST).fit(X, Y)
    assert model.interrupted_ is False


def test_early_stopping_is_not_an_interruption():
    """skorch's EarlyStopping stops training with a KeyboardInterrupt of its own."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = LSTMRegressor(**{**FAST, "max_epochs": 60}, early_stopping=True, patience=1,
                              lr=0.5).fit(X, Y)
    assert model.n_epochs_ < 60 and model.interrupted_ is False


def test_a_callback_that_stops_training_is_not_an_interruption():
    class StopAtTwo(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                raise KeyboardInterrupt  # skorch's way for a callback to end training

    model = LSTMRegressor(**{**FAST, "max_epochs": 6}, callbacks=[StopAtTwo()]).fit(X, Y)
    assert model.n_epochs_ == 2 and model.interrupted_ is False


def test_the_previous_sigint_handler_is_back_after_fit():
    before = signal.getsignal(signal.SIGINT)
    LSTMRegressor(**FAST).fit(X, Y)
    assert signal.getsignal(signal.SIGINT) is before


# ------------------------------------------------ failed refits keep the old model (14.3)
def _refit_fails(model, *args):
    before = model.predict(X[:4])
    state = {k: v for k, v in vars(model).items() if k.endswith("_")}
    with pytest.raises((ValueError, TypeError)):
        model.fit(*args)
    assert {k for k in vars(model) if k.endswith("_")} == set(state)
    np.testing.assert_array_equal(model.predict(X[:4]), before)
    return model


@pytest.mark.parametrize(
    "bad",
    [
        lambda: (X[:, :, :1], np.full(len(X), np.nan)),  # targets with NaN, fewer features
        lambda: (X[:, :, :1], Y[:5]),  # inconsistent lengths
        lambda: (np.full((8, 3, 1), np.inf), Y[:8]),  # infinite inputs
    ],
    ids=["nan-target", "lengths", "infinite-X"],
)
def test_a_failed_refit_leaves_the_previous_model_as_it_was(bad):
    model = LSTMRegressor(**FAST).fit(X, Y)
    _refit_fails(model, *bad())
    assert model.n_features_per_step_ == 2  # the refit on 1 feature per step did not stick


def test_a_refit_that_fails_in_training_keeps_the_previous_model(tmp_path):
    model = LSTMRegressor(**FAST).fit(X, Y)
    model.set_params(optimizer="sgd", lr=1e6, lr_schedule=None)  # diverges
    _refit_fails(model, X[:, :, :1], Y)
    save_model(model, tmp_path / "m.lstmf")  # the kept model saves and loads (14.2)
    np.testing.assert_array_equal(load_model(tmp_path / "m.lstmf").predict(X), model.predict(X))


def test_a_forecaster_refit_that_fails_keeps_the_previous_model():
    model = LSTMForecaster(LSTMRegressor(**FAST), horizon=3, n_models=1, random_state=0).fit(PANEL)
    before, state = model.predict(), dict(vars(model))
    with pytest.raises(ValueError):  # fails in the conversion: the third series is empty
        model.fit([PANEL[0], PANEL[1], []])
    model.set_params(estimator=LSTMRegressor(**FAST, callbacks=[_FailAt(1)]))
    with pytest.raises(RuntimeError, match="the disk is full"):  # fails in training
        model.fit([s * 2 for s in PANEL])
    assert set(vars(model)) == set(state)
    assert all(vars(model)[k] is v for k, v in state.items() if k.endswith("_"))
    for after, expected in zip(model.predict(), before, strict=True):
        np.testing.assert_array_equal(after, expected)


# --------------------------------------------- saved files always load the same (14.2)
@pytest.mark.parametrize("change", [dict(hidden_size=8), dict(cell="gru"), dict(num_layers=3),
                                    dict(vocab_size=50), dict(standardize="series")])
def test_parameters_changed_after_fit_do_not_break_predict_save_or_load(change, tmp_path):
    model = LSTMRegressor(**FAST).fit(X, Y)
    expected = model.predict(X)
    model.set_params(**change)
    np.testing.assert_array_equal(model.predict(X), expected)
    save_model(model, tmp_path / "m.lstmf")
    restored = load_model(tmp_path / "m.lstmf")
    np.testing.assert_array_equal(restored.predict(X), expected)
    assert restored.get_params()[next(iter(change))] == next(iter(change.values()))


# --------------------------------------------------------- every integral type (14.7)
@pytest.mark.parametrize("kind", [np.int64, np.int32, np.uint8, np.int16])
def test_numpy_integers_work_as_sizes(kind):
    model = LSTMRegressor(hidden_size=kind(4), num_layers=kind(1), max_epochs=kind(1),
                          batch_size=kind(16), patience=kind(2), device="cpu", random_state=0)
    model.fit(X, Y)
    assert model.network_config_["hidden_size"] == 4 and type(model.network_config_["hidden_size"]) is int
    clf = LSTMClassifier(vocab_size=np.int64(12), embedding_dim=np.int64(3), hidden_size=np.int64(4),
                         max_epochs=1, device="cpu").fit(RNG.randint(0, 12, (20, 6)), np.arange(20) % 2)
    assert clf.predict(RNG.randint(0, 12, (3, 6))).shape == (3,)


def test_a_grid_over_a_numpy_array_of_sizes():
    search = GridSearchCV(LSTMRegressor(max_epochs=1, device="cpu", random_state=0),
                          {"hidden_size": np.array([2, 4])}, cv=KFold(2)).fit(X, Y)
    assert search.best_params_["hidden_size"] in (2, 4)


# ------------------------------------------------------ silent wrong answers (14.8)
def test_huge_targets_give_finite_predictions_in_their_units():
    y = 1e160 * (1 + 0.01 * Y)
    model = LSTMRegressor(**FAST).fit(X, y)
    prediction = model.predict(X)
    assert np.isfinite(prediction).all()
    assert np.all(np.abs(prediction / 1e160 - 1) < 0.2)


def test_huge_targets_without_standardisation_are_refused():
    with pytest.raises(ValueError, match=r"y holds values up to 1e\+160 in magnitude, beyond float32"):
        LSTMRegressor(**FAST, standardize=False).fit(X, np.full(len(X), 1e160))


def test_inputs_beyond_float32_are_refused():
    big = X.astype(np.float64) * 1e300
    with pytest.raises(ValueError, match=r"X holds values up to .* beyond what float32"):
        LSTMRegressor(**FAST).fit(big, Y)


@pytest.mark.parametrize("where", ["X", "y"])
def test_complex_numbers_are_refused_not_truncated(where):
    Xc, yc = X, Y
    if where == "X":
        Xc = X + 1j
    else:
        yc = Y + 1j
    with pytest.raises(ValueError, match=r"[Cc]omplex"):
        LSTMRegressor(**FAST).fit(Xc, yc)


def test_pad_sequences_refuses_ids_a_float_dtype_cannot_hold_exactly():
    with pytest.raises(ValueError, match=r"token ids up to 5000 are not exact in dtype=float16"):
        pad_sequences([[1, 5000]], dtype="float16")
    with pytest.raises(ValueError, match=r"does not fit in dtype=int8"):
        pad_sequences([[1, 300]], dtype="int8")


@pytest.mark.parametrize(
    ("data", "dtype", "message"),
    [
        (np.array([1.0, 2.0, 1e40, 3.0, 4.0]), np.float32, r"values up to 1e\+40 .* beyond dtype=float32"),
        (np.array([1, 2, 300, 4, 5]), np.int8, r"ranges from 1 to 300, beyond dtype=int8"),
        (np.array([1.0, 2.5, 3.0, 4.0, 5.0]), np.int32, r"fractional values"),
        (pd.Series([1.0, 2.0, 1e40, 3.0, 4.0]), np.float32, r"beyond dtype=float32"),
    ],
    ids=["float32-overflow", "int8-wrap", "fraction-to-int", "series-float32-overflow"],
)
def test_make_windows_refuses_values_the_dtype_cannot_hold(data, dtype, message):
    with pytest.raises(ValueError, match=message):
        make_windows(data, timesteps=2, dtype=dtype)


# ---------------------------------------------------------------- raw errors (14.10)
@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        (dict(max_epochs=0, early_stopping=True), ValueError, r"early_stopping=True needs max_epochs >= 1"),
        (dict(callbacks=[1]), TypeError, r"callbacks must hold skorch callbacks.*got 1"),
        (dict(callbacks=[("named", "x")]), TypeError, r"callbacks must hold skorch callbacks"),
        (dict(optimizer=torch.optim.Optimizer), TypeError,
         r"optimizer must be a name such as 'adam' or a torch.optim.Optimizer subclass"),
        (dict(optimizer="sgd", optimizer_kwargs={"momentum": -1.0}), ValueError,
         r"optimizer=SGD refuses lr=.* with optimizer_kwargs=\{'momentum': -1.0\}"),
        (dict(optimizer="adam", optimizer_kwargs={"betas": "fast"}), ValueError,
         r"optimizer=Adam refuses"),
        (dict(device="meta"), ValueError, r"device type 'meta' is not supported"),
        (dict(device="mps"), ValueError,
         r"device must be 'auto', 'cpu', 'cuda' or 'cuda:<index>'; got 'mps'"),
        (dict(device="xpu"), ValueError, r"got 'xpu'"),
        (dict(device="cuda:99"), ValueError, r"CUDA|CUDA device"),
    ],
    ids=["max-epochs-0-early-stopping", "callback-int", "callback-pair", "abstract-optimizer",
         "optimizer-kwargs-value", "optimizer-kwargs-type", "device-meta", "device-mps", "device-xpu",
         "device-index"],
)
def test_parameter_mistakes_are_named(params, error, message):
    with pytest.raises(error, match=message):
        LSTMRegressor(**{**FAST, **params}).fit(X, Y)


@pytest.mark.parametrize(
    ("labels", "error", "message"),
    [
        (np.array(["a", 1] * 16, dtype=object), TypeError, r"y mixes labels of different types \(int, str\)"),
        (pd.Series(["a", "b", None, "a"] * 8, dtype="string"), ValueError, r"y holds 8 missing labels"),
        (pd.Series(["a", "b", np.nan, "a"] * 8), ValueError, r"missing labels"),
    ],
    ids=["mixed-types", "string-na", "object-nan"],
)
def test_label_mistakes_are_named(labels, error, message):
    with pytest.raises(error, match=message):
        LSTMClassifier(**FAST).fit(X, labels)


def test_sparse_targets_are_refused_clearly():
    from scipy.sparse import csr_matrix

    with pytest.raises(TypeError, match=r"sparse"):
        LSTMClassifier(**FAST).fit(X, csr_matrix(np.arange(32)[:, None] % 2))
    with pytest.raises(TypeError, match=r"[Ss]parse"):
        LSTMRegressor(**FAST).fit(X, csr_matrix(Y[:, None]))


def test_targets_with_no_columns_are_refused():
    with pytest.raises(ValueError, match=r"Found array with 0 feature\(s\) \(shape=\(32, 0\)\)"):
        LSTMRegressor(**FAST).fit(X, np.empty((32, 0)))
