"""Every public entry point rejects bad input with a clear ValueError/TypeError.

One table: each case is ``(id, trigger, expected exception, message regex)``. The message
must name the problem and what was expected. Cases where the library does not (yet) meet
that bar are marked ``xfail(strict=True)`` with the reason, so this list stays honest: a
fix turns the case into an XPASS failure, and the mark must then be removed.

Not covered on purpose:

- unseen labels in ``LSTMClassifier.score``: scikit-learn scores them as errors (accuracy),
  it does not raise, and neither do we;
- NaN/inf in ``SlidingWindow`` input: allowed by design (``padding="nan"``, ``allow_nan``
  tag), the estimator downstream rejects them;
- a series shorter than ``SlidingWindow.timesteps``: allowed by design, the first rows are
  padded.
"""

import functools

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression
from skorch.callbacks import EpochTimer

from lstm_forecast import (
    LSTMClassifier,
    LSTMRegressor,
    NaiveForecaster,
    PadSequences,
    RowSequence,
    SlidingWindow,
    backtest,
    make_windows,
    pad_sequences,
)
from lstm_forecast.datasets import load_csv_series
from lstm_forecast.forecaster import LSTMForecaster
from lstm_forecast.metrics import mae, mape, mase, rmse, smape
from lstm_forecast.persistence import load_model, save_model

_RNG = np.random.RandomState(0)
X3 = _RNG.normal(size=(12, 4, 2)).astype(np.float32)  # (n_samples, timesteps, n_features)
X2 = X3[:, :, 0]  # (n_samples, timesteps)
Y = _RNG.normal(size=12)
LABELS = np.array(["a", "b"] * 6)
TOKENS = _RNG.randint(1, 10, size=(12, 5))
SERIES = np.arange(20.0)
FAST = dict(hidden_size=2, max_epochs=1, batch_size=8, device="cpu", random_state=0)


def reg(**params):
    return LSTMRegressor(**{**FAST, **params})


def clf(**params):
    return LSTMClassifier(**{**FAST, **params})


def fc(estimator=None, **params):
    return LSTMForecaster(estimator or reg(), **{"timesteps": 4, **params})


@functools.cache
def fitted_forecaster():
    return fc(horizon=2).fit(SERIES + 1)


@functools.cache
def fitted_forecaster_with_covariates():
    return fc(horizon=2).fit(SERIES + 1, np.ones((20, 2)))


@functools.cache
def fitted_regressor():
    return reg().fit(X3, Y)


@functools.cache
def fitted_classifier():
    return clf().fit(X3, LABELS)


def with_value(array, value=np.nan, at=3):
    """A float copy of ``array`` with one value replaced (NaN by default)."""
    array = np.array(array, dtype=np.float64)
    array.flat[at] = value
    return array


def text(shape):
    return np.full(shape, "abc")


def csv_file(tmp_path, content):
    path = tmp_path / "series.csv"
    path.write_text(content)
    return path


def xfail(reason):
    """Expected to fail today: the wrong message (AssertionError) or no error at all (Failed)."""
    return pytest.mark.xfail(strict=True, reason=reason, raises=(AssertionError, pytest.fail.Exception))


# Text where numbers belong may be reported as either.
TEXT_ERRORS = (ValueError, TypeError)

# (id, trigger, exception, message regex[, marks])
CASES = [
    # ---------------------------------------------------------------- LSTMRegressor
    ("regressor-nan-X-3d", lambda _: reg().fit(with_value(X3), Y), ValueError, r"\bX\b.*NaN"),
    ("regressor-inf-X-2d", lambda _: reg().fit(with_value(X2, np.inf), Y), ValueError,
     r"Input X contains infinity"),
    ("regressor-nan-y", lambda _: reg().fit(X3, with_value(Y)), ValueError, r"Input y contains NaN"),
    ("regressor-inf-y", lambda _: reg().fit(X3, with_value(Y, -np.inf)), ValueError,
     r"Input y contains infinity"),
    ("regressor-nan-X-predict", lambda _: fitted_regressor().predict(with_value(X3)), ValueError,
     r"\bX\b.*NaN"),
    ("regressor-1d-X", lambda _: reg().fit(X3[:, 0, 0], Y), ValueError,
     r"1-?D.*(3-?D|n_features)"),
    ("regressor-4d-X", lambda _: reg().fit(X3[..., None], Y), ValueError,
     r"(dim|dimensions) 4.*(3-?D|n_features|dim <= 3)"),
    ("regressor-3d-y", lambda _: reg().fit(X3, np.zeros((12, 2, 2))), ValueError,
     r"\by\b.*(dim 3|3-?D|shape)"),
    ("regressor-empty", lambda _: reg().fit(X3[:0], Y[:0]), ValueError,
     r"0 sample\(s\) \(shape=\(0, 4, 2\)\) while a minimum of 1 is required"),
    ("regressor-no-timesteps", lambda _: reg().fit(X3[:, :0], Y), ValueError,
     r"X must have at least one time step; got 0"),
    ("regressor-length-mismatch", lambda _: reg().fit(X3, Y[:-1]), ValueError,
     r"inconsistent numbers of samples: \[12, 11\]"),
    ("regressor-y-none", lambda _: reg().fit(X3, None), ValueError, r"requires y to be passed"),
    ("regressor-text-X", lambda _: reg().fit(text((12, 4)), Y), TEXT_ERRORS,
     r"\bX\b.*(numeric|number)"),
    ("regressor-text-y", lambda _: reg().fit(X3, LABELS), TEXT_ERRORS, r"\by\b.*(numeric|number)"),
    ("regressor-fewer-features-predict", lambda _: fitted_regressor().predict(X3[:, :, :1]),
     ValueError, r"X has 1 features per time step, but LSTMRegressor is expecting 2"),
    ("regressor-more-features-predict",
     lambda _: fitted_regressor().predict(np.concatenate([X3, X3], axis=2)), ValueError,
     r"X has 4 features per time step, but LSTMRegressor is expecting 2"),
    ("regressor-2d-X-after-3d-fit", lambda _: fitted_regressor().predict(X2), ValueError,
     r"X is 2-D, read as \(n_samples, timesteps\) of 1 feature.*fitted on 2 features per step"),
    ("regressor-predict-unfitted", lambda _: reg().predict(X3), NotFittedError, r"not fitted yet"),
    ("regressor-hidden-size-0", lambda _: reg(hidden_size=0).fit(X3, Y), ValueError,
     r"The 'hidden_size' parameter of LSTMRegressor must be"),
    ("regressor-hidden-size-float", lambda _: reg(hidden_size=2.5).fit(X3, Y), ValueError,
     r"The 'hidden_size' parameter of LSTMRegressor must be"),
    ("regressor-hidden-size-text", lambda _: reg(hidden_size="8").fit(X3, Y), ValueError,
     r"The 'hidden_size' parameter of LSTMRegressor must be"),
    ("regressor-hidden-size-bool", lambda _: reg(hidden_size=True).fit(X3, Y), ValueError,
     r"The 'hidden_size' parameter of LSTMRegressor must be"),
    ("regressor-num-layers-0", lambda _: reg(num_layers=0).fit(X3, Y), ValueError,
     r"The 'num_layers' parameter of LSTMRegressor must be"),
    ("regressor-max-epochs-negative", lambda _: reg(max_epochs=-1).fit(X3, Y), ValueError,
     r"The 'max_epochs' parameter of LSTMRegressor must be"),
    ("regressor-max-epochs-float", lambda _: reg(max_epochs=2.5).fit(X3, Y), ValueError,
     r"The 'max_epochs' parameter of LSTMRegressor must be"),
    ("regressor-batch-size-0", lambda _: reg(batch_size=0).fit(X3, Y), ValueError,
     r"The 'batch_size' parameter of LSTMRegressor must be"),
    ("regressor-batch-size-float", lambda _: reg(batch_size=8.0).fit(X3, Y), ValueError,
     r"The 'batch_size' parameter of LSTMRegressor must be"),
    ("regressor-lr-0", lambda _: reg(lr=0).fit(X3, Y), ValueError,
     r"The 'lr' parameter of LSTMRegressor must be"),
    ("regressor-lr-nan", lambda _: reg(lr=float("nan")).fit(X3, Y), ValueError,
     r"The 'lr' parameter of LSTMRegressor must be"),
    ("regressor-dropout-1", lambda _: reg(dropout=1.0).fit(X3, Y), ValueError,
     r"The 'dropout' parameter of LSTMRegressor must be"),
    ("regressor-patience-0", lambda _: reg(patience=0).fit(X3, Y), ValueError,
     r"The 'patience' parameter of LSTMRegressor must be"),
    ("regressor-validation-fraction", lambda _: reg(validation_fraction=1.5).fit(X3, Y), ValueError,
     r"The 'validation_fraction' parameter of LSTMRegressor must be"),
    ("regressor-cell-unknown", lambda _: reg(cell="transformer").fit(X3, Y), ValueError,
     r"The 'cell' parameter of LSTMRegressor must be"),
    ("regressor-pooling-unknown", lambda _: reg(pooling="attention").fit(X3, Y), ValueError,
     r"The 'pooling' parameter of LSTMRegressor must be"),
    ("regressor-optimizer-unknown", lambda _: reg(optimizer="adamax").fit(X3, Y), ValueError,
     r"optimizer must be one of \[.*'adam'.*\] or a torch.optim.Optimizer subclass; got 'adamax'"),
    ("regressor-optimizer-type", lambda _: reg(optimizer=42).fit(X3, Y), ValueError,
     r"The 'optimizer' parameter of LSTMRegressor must be"),
    ("regressor-lr-schedule-unknown", lambda _: reg(lr_schedule="step").fit(X3, Y), ValueError,
     r"The 'lr_schedule' parameter of LSTMRegressor must be"),
    ("regressor-device-unknown", lambda _: reg(device="tpu").fit(X3, Y), ValueError,
     r"device must be 'auto', 'cpu', 'cuda' or 'cuda:<index>'; got 'tpu'"),
    ("regressor-random-state-text", lambda _: reg(random_state="x").fit(X3, Y), ValueError,
     r"The 'random_state' parameter of LSTMRegressor must be"),
    ("regressor-optimizer-kwargs-type", lambda _: reg(optimizer_kwargs=[1]).fit(X3, Y), ValueError,
     r"The 'optimizer_kwargs' parameter of LSTMRegressor must be"),
    # ---------------------------------------------------------------- LSTMClassifier
    ("classifier-nan-X-3d", lambda _: clf().fit(with_value(X3), LABELS), ValueError, r"\bX\b.*NaN"),
    ("classifier-inf-X-2d", lambda _: clf().fit(with_value(X2, np.inf), LABELS), ValueError,
     r"Input X contains infinity"),
    ("classifier-2d-y", lambda _: clf().fit(X3, np.zeros((12, 2))), ValueError,
     r"y should be a 1d array, got an array of shape \(12, 2\)"),
    ("classifier-empty", lambda _: clf().fit(X3[:0], LABELS[:0]), ValueError,
     r"0 sample\(s\) .* a minimum of 1 is required"),
    ("classifier-length-mismatch", lambda _: clf().fit(X3, LABELS[:-1]), ValueError,
     r"inconsistent numbers of samples: \[12, 11\]"),
    ("classifier-text-X", lambda _: clf().fit(text((12, 4)), LABELS), TEXT_ERRORS,
     r"\bX\b.*(numeric|number)"),
    ("classifier-nan-y", lambda _: clf().fit(X3, with_value(np.arange(12) % 2)), ValueError,
     r"Input y contains NaN"),
    ("classifier-continuous-y", lambda _: clf().fit(X3, Y), ValueError,
     r"Unknown label type: continuous"),
    ("classifier-single-class", lambda _: clf().fit(X3, np.array(["a"] * 12)), ValueError,
     r"needs samples of at least 2 classes; got 1 class"),
    ("classifier-fewer-features-predict", lambda _: fitted_classifier().predict_proba(X3[:, :, :1]),
     ValueError, r"X has 1 features per time step, but LSTMClassifier is expecting 2"),
    ("classifier-predict-unfitted", lambda _: clf().predict(X3), NotFittedError, r"not fitted yet"),
    ("classifier-vocab-size-1", lambda _: clf(vocab_size=1).fit(TOKENS, LABELS), ValueError,
     r"The 'vocab_size' parameter of LSTMClassifier must be"),
    ("classifier-vocab-size-float", lambda _: clf(vocab_size=10.5).fit(TOKENS, LABELS), ValueError,
     r"The 'vocab_size' parameter of LSTMClassifier must be"),
    ("classifier-embedding-dim-0", lambda _: clf(vocab_size=10, embedding_dim=0).fit(TOKENS, LABELS),
     ValueError, r"The 'embedding_dim' parameter of LSTMClassifier must be"),
    ("classifier-token-out-of-vocab", lambda _: clf(vocab_size=5).fit(TOKENS, LABELS), ValueError,
     r"Token ids must lie in \[0, vocab_size=5\); got values in \[1, 9\]"),
    ("classifier-negative-token", lambda _: clf(vocab_size=10).fit(-TOKENS, LABELS), ValueError,
     r"Token ids must lie in \[0, vocab_size=10\)"),
    ("classifier-fractional-token", lambda _: clf(vocab_size=10).fit(TOKENS + 0.5, LABELS),
     (ValueError, TypeError), r"[Tt]oken ids must be integers"),
    ("classifier-3d-tokens", lambda _: clf(vocab_size=10).fit(X3, LABELS), ValueError,
     r"Token input \(vocab_size set\) must be 2-D \(n_samples, timesteps\) integer ids; "
     r"got shape \(12, 4, 2\)"),
    # ---------------------------------------------------------------- LSTMForecaster
    ("forecaster-nan-y", lambda _: fc().fit(with_value(SERIES)), ValueError,
     r"y contains NaN or infinite values"),
    ("forecaster-inf-y", lambda _: fc().fit(with_value(SERIES, np.inf)), ValueError,
     r"y contains NaN or infinite values"),
    ("forecaster-nan-X", lambda _: fc().fit(SERIES, with_value(np.ones((20, 1)))), ValueError,
     r"X contains NaN or infinite values"),
    ("forecaster-3d-y", lambda _: fc().fit(np.zeros((20, 2, 2))), ValueError,
     r"y must be 1-D or 2-D, got an array of shape \(20, 2, 2\)"),
    ("forecaster-empty-y", lambda _: fc().fit(np.zeros(0)), ValueError, r"y is empty"),
    ("forecaster-text-y", lambda _: fc().fit(text(20)), ValueError, r"y must contain numbers only"),
    ("forecaster-text-series", lambda _: fc().fit(pd.Series(text(20))), ValueError,
     r"y must contain numbers only"),
    ("forecaster-X-length-mismatch", lambda _: fc().fit(SERIES, np.ones((19, 1))), ValueError,
     r"X must have one row per observation of y \(20\), got 19"),
    ("forecaster-horizon-0", lambda _: fc(horizon=0).fit(SERIES), ValueError,
     r"The 'horizon' parameter of LSTMForecaster must be an int in the range \[1, inf\)\. Got 0"),
    ("forecaster-horizon-float", lambda _: fc(horizon=1.5).fit(SERIES), ValueError,
     r"The 'horizon' parameter of LSTMForecaster must be an int .*Got 1.5"),
    ("forecaster-timesteps-0", lambda _: fc(timesteps=0).fit(SERIES), ValueError,
     r"The 'timesteps' parameter of LSTMForecaster must be an int .*Got 0"),
    ("forecaster-n-models-0", lambda _: fc(n_models=0).fit(SERIES), ValueError,
     r"The 'n_models' parameter of LSTMForecaster must be an int .*Got 0"),
    ("forecaster-season-0", lambda _: fc(season=0).fit(SERIES), ValueError,
     r"The 'season' parameter of LSTMForecaster must be an int .*Got 0"),
    ("forecaster-strategy-unknown", lambda _: fc(strategy="magic").fit(SERIES), ValueError,
     r"The 'strategy' parameter of LSTMForecaster must be a str among .*Got 'magic'"),
    ("forecaster-transform-unknown", lambda _: fc(transform="sqrt").fit(SERIES), ValueError,
     r"The 'transform' parameter of LSTMForecaster must be a str among .*Got 'sqrt'"),
    ("forecaster-relative-to-unknown", lambda _: fc(relative_to="x").fit(SERIES), ValueError,
     r"The 'relative_to' parameter of LSTMForecaster must be a str among .*Got 'x'"),
    ("forecaster-estimator-type", lambda _: fc(LinearRegression()).fit(SERIES), TypeError,
     r"The 'estimator' parameter of LSTMForecaster must be an instance of .*LSTMRegressor.* or "
     r"None\. Got LinearRegression"),
    ("forecaster-series-too-short", lambda _: fc(timesteps=10, horizon=5).fit(SERIES[:11]), ValueError,
     r"timesteps \+ horizon = 10 \+ 5 = 15 is more than the longest series \(11 values\)"),
    ("forecaster-log-non-positive", lambda _: fc(transform="log").fit(SERIES), ValueError,
     r"transform='log' needs strictly positive series; y has values <= 0"),
    ("forecaster-unsorted-index",
     lambda _: fc().fit(pd.Series(SERIES, index=pd.date_range("2020-01-01", periods=20)[::-1])),
     ValueError, r"The time index of y must be sorted in increasing order"),
    ("forecaster-predict-unfitted", lambda _: fc().predict(), NotFittedError, r"not fitted yet"),
    ("forecaster-unexpected-X", lambda _: fitted_forecaster().predict(np.ones((2, 1))), ValueError,
     r"X was given to predict, but the forecaster was fitted without X"),
    ("forecaster-missing-X", lambda _: fitted_forecaster_with_covariates().predict(), ValueError,
     r"fitted with covariates: pass X with their future values \(2 rows per series\)"),
    ("forecaster-covariate-count-change",
     lambda _: fitted_forecaster_with_covariates().predict(np.ones((2, 3))), ValueError,
     r"X has 3 columns; the forecaster was fitted with 2 covariate\(s\)"),
    ("forecaster-future-X-rows", lambda _: fitted_forecaster_with_covariates().predict(np.ones((3, 2))),
     ValueError, r"X must have horizon=2 rows, got 3"),
    ("forecaster-target-count-change", lambda _: fitted_forecaster().predict(y=np.ones((10, 2))),
     ValueError, r"y must have the 1 target\(s\) seen in fit, got 2"),
    ("forecaster-history-empty", lambda _: fitted_forecaster().predict(y=np.ones(0)), ValueError,
     r"y is empty"),
    ("forecaster-nan-history", lambda _: fitted_forecaster().predict(y=with_value(np.ones(10))),
     ValueError, r"y contains NaN or infinite values"),
    # ---------------------------------------------------------------- make_windows
    ("make-windows-nan", lambda _: make_windows(with_value(SERIES), 3), ValueError,
     r"data contains NaN or infinity \(first at row 3\)"),
    ("make-windows-inf", lambda _: make_windows(with_value(SERIES, np.inf), 3), ValueError,
     r"data contains NaN or infinity"),
    ("make-windows-3d", lambda _: make_windows(np.zeros((5, 2, 2)), 2), ValueError,
     r"data must be 1-D \(one series\) or 2-D .*got an array with 3 dimensions"),
    ("make-windows-empty", lambda _: make_windows(np.zeros(0), 2), ValueError,
     r"data is empty \(shape \(0, 1\)\)"),
    ("make-windows-text", lambda _: make_windows(["a", "b", "c", "d"], 2), TypeError,
     r"data must be numeric, got an array of dtype <U1"),
    ("make-windows-text-frame", lambda _: make_windows(pd.DataFrame({"a": list("abcd")}), 2),
     TypeError, r"data must have numeric columns only; non-numeric: 'a'"),
    ("make-windows-timesteps-0", lambda _: make_windows(SERIES, 0), ValueError,
     r"timesteps must be an integer >= 1; got 0"),
    ("make-windows-timesteps-float", lambda _: make_windows(SERIES, 2.5), TypeError,
     r"timesteps must be an integer >= 1; got 2.5"),
    ("make-windows-horizon-negative", lambda _: make_windows(SERIES, 2, -1), ValueError,
     r"horizon must be an integer >= 0; got -1"),
    ("make-windows-step-0", lambda _: make_windows(SERIES, 2, step=0), ValueError,
     r"step must be an integer >= 1; got 0"),
    ("make-windows-too-short", lambda _: make_windows(np.arange(3.0), 3), ValueError,
     r"data has 3 rows, fewer than timesteps \+ horizon = 3 \+ 1 = 4"),
    ("make-windows-unknown-target", lambda _: make_windows(pd.DataFrame({"a": SERIES}), 2, target="b"),
     ValueError, r"unknown target column 'b'; data has columns \['a'\]"),
    # ---------------------------------------------------------------- SlidingWindow
    ("sliding-window-timesteps-0", lambda _: SlidingWindow(0).fit_transform(np.zeros((5, 1))),
     ValueError, r"The 'timesteps' parameter of SlidingWindow must be an int in the range \[1, inf\)"),
    ("sliding-window-timesteps-text", lambda _: SlidingWindow("3").fit_transform(np.zeros((5, 1))),
     TypeError, r"The 'timesteps' parameter of SlidingWindow must be an int.*Got '3' instead"),
    ("sliding-window-padding-unknown",
     lambda _: SlidingWindow(2, padding="reflect").fit_transform(np.zeros((5, 1))), ValueError,
     r"The 'padding' parameter of SlidingWindow must be a str among .*Got 'reflect' instead"),
    ("sliding-window-3d", lambda _: SlidingWindow(2).fit_transform(np.zeros((5, 2, 2))), ValueError,
     r"Found array with dim 3, while dim <= 2 is required by SlidingWindow"),
    ("sliding-window-1d", lambda _: SlidingWindow(2).fit_transform(np.zeros(5)), ValueError,
     r"Expected 2D array, got 1D array instead"),
    ("sliding-window-empty", lambda _: SlidingWindow(2).fit_transform(np.zeros((0, 2))), ValueError,
     r"0 sample\(s\) \(shape=\(0, 2\)\) while a minimum of 1 is required by SlidingWindow"),
    ("sliding-window-text", lambda _: SlidingWindow(2).fit_transform(text((5, 1))), TEXT_ERRORS,
     r"\bX\b.*(numeric|number)"),
    ("sliding-window-feature-change",
     lambda _: SlidingWindow(2).fit(np.zeros((5, 2))).transform(np.zeros((5, 3))), ValueError,
     r"X has 3 features, but SlidingWindow is expecting 2 features"),
    # ---------------------------------------------------------------- RowSequence
    ("row-sequence-1d", lambda _: RowSequence().fit_transform(np.zeros(16)), ValueError,
     r"RowSequence expects images of shape \(n, H\*W\), \(n, H, W\) or \(n, H, W, C\); got an "
     r"array of shape \(16,\)"),
    ("row-sequence-5d", lambda _: RowSequence().fit_transform(np.zeros((2, 2, 2, 2, 2))), ValueError,
     r"RowSequence expects images of shape .* got an array of shape \(2, 2, 2, 2, 2\)"),
    ("row-sequence-not-square", lambda _: RowSequence().fit_transform(np.zeros((2, 15))), ValueError,
     r"X has 15 values per row, which is not a square image; pass image_shape"),
    ("row-sequence-image-shape-0", lambda _: RowSequence(image_shape=(0, 4)).fit_transform(np.zeros((2, 16))),
     ValueError, r"image_shape must be None or a tuple \(H, W\) or \(H, W, C\) of positive ints"),
    ("row-sequence-image-shape-float",
     lambda _: RowSequence(image_shape=(2.5, 4)).fit_transform(np.zeros((2, 16))), ValueError,
     r"image_shape must be None or a tuple .* of positive ints.*got \(2.5, 4\)"),
    ("row-sequence-order-unknown",
     lambda _: RowSequence(order="diagonal").fit_transform(np.zeros((2, 16))), ValueError,
     r"The 'order' parameter of RowSequence must be a str among .*Got 'diagonal' instead"),
    ("row-sequence-nan", lambda _: RowSequence().fit_transform(with_value(np.zeros((2, 16)))),
     ValueError, r"Input X contains NaN"),
    ("row-sequence-inf", lambda _: RowSequence().fit_transform(with_value(np.zeros((2, 16)), np.inf)),
     ValueError, r"Input X contains infinity"),
    ("row-sequence-empty", lambda _: RowSequence().fit_transform(np.zeros((0, 16))), ValueError,
     r"0 sample\(s\) .* a minimum of 1 is required by RowSequence"),
    ("row-sequence-text", lambda _: RowSequence().fit_transform(text((2, 16))), TEXT_ERRORS,
     r"\bX\b.*(numeric|number)"),
    ("row-sequence-feature-change",
     lambda _: RowSequence().fit(np.zeros((2, 16))).transform(np.zeros((2, 9))), ValueError,
     r"X has 9 features, but RowSequence is expecting 16 features"),
    # ---------------------------------------------------------------- PadSequences
    ("pad-sequences-maxlen-0", lambda _: PadSequences(maxlen=0).fit_transform([[1, 2]]), ValueError,
     r"The 'maxlen' parameter of PadSequences must be an int in the range \[1, inf\) or None"),
    ("pad-sequences-maxlen-float", lambda _: PadSequences(maxlen=2.5).fit_transform([[1, 2]]),
     TypeError, r"The 'maxlen' parameter of PadSequences must be an int.*Got 2.5 instead"),
    ("pad-sequences-padding-unknown", lambda _: PadSequences(padding="middle").fit_transform([[1]]),
     ValueError, r"The 'padding' parameter of PadSequences must be a str among .*Got 'middle'"),
    ("pad-sequences-truncating-unknown", lambda _: PadSequences(truncating="x").fit_transform([[1]]),
     ValueError, r"The 'truncating' parameter of PadSequences must be a str among .*Got 'x'"),
    ("pad-sequences-fractional-token", lambda _: PadSequences().fit_transform([[1.5, 2]]), TypeError,
     r"token ids must be integers; found 1.5"),
    ("pad-sequences-nan", lambda _: PadSequences().fit_transform([[1, np.nan]]), TypeError,
     r"token ids must be integers; found nan"),
    ("pad-sequences-inf", lambda _: PadSequences().fit_transform([[1, np.inf]]), TypeError,
     r"token ids must be integers; found inf"),
    ("pad-sequences-text-tokens", lambda _: PadSequences().fit_transform([["a", "b"]]), TypeError,
     r"token ids must be integers; found values of dtype <U1"),
    ("pad-sequences-text", lambda _: PadSequences().fit_transform("hello"), TypeError,
     r"sequences must be a list of sequences of token ids; got str"),
    ("pad-sequences-empty", lambda _: PadSequences().fit_transform([]), ValueError,
     r"sequences is empty: expected at least one sequence"),
    ("pad-sequences-all-empty", lambda _: PadSequences().fit_transform([[], []]), ValueError,
     r"every sequence is empty; pass maxlen"),
    ("pad-sequences-3d", lambda _: PadSequences().fit_transform(np.zeros((2, 2, 2), dtype=int)),
     ValueError, r"sequences must be a list of sequences \(or a 2-D array.*got an array of shape"),
    ("pad-sequences-unfitted", lambda _: PadSequences().transform([[1]]), NotFittedError,
     r"not fitted yet"),
    ("pad-sequences-function-maxlen-0", lambda _: pad_sequences([[1, 2]], maxlen=0), ValueError,
     r"maxlen must be an integer >= 1 or None; got 0"),
    # ---------------------------------------------------------------- load_csv_series
    ("csv-missing-file", lambda p: load_csv_series(p / "nope.csv", "y"), FileNotFoundError,
     r"No such file or directory"),
    ("csv-empty-file", lambda p: load_csv_series(csv_file(p, ""), "y"), ValueError, r"is empty"),
    ("csv-no-rows", lambda p: load_csv_series(csv_file(p, "t,y\n"), "y"), ValueError, r"has no data rows"),
    ("csv-unknown-target", lambda p: load_csv_series(csv_file(p, "t,y\n1,2\n"), "z"), ValueError,
     r"unknown target column 'z'; the file has columns \['t', 'y'\]"),
    ("csv-target-type", lambda p: load_csv_series(csv_file(p, "t,y\n1,2\n"), 1), TypeError,
     r"target column must be a column name \(str\), got 1"),
    ("csv-text-values", lambda p: load_csv_series(csv_file(p, "t,y\n1,a\n2,b\n"), "y"), ValueError,
     r"must be numeric; not numeric: 'y'"),
    ("csv-missing-value", lambda p: load_csv_series(csv_file(p, "t,y\n1,1\n2,\n3,3\n"), "y"),
     ValueError, r"column 'y' has 1 missing value\(s\) at 1. Pass fill="),
    ("csv-inf", lambda p: load_csv_series(csv_file(p, "t,y\n1,1\n2,inf\n3,3\n"), "y"), ValueError,
     r"column\(s\) \['y'\] hold infinite values"),
    ("csv-fill-unknown", lambda p: load_csv_series(csv_file(p, "t,y\n1,1\n"), "y", fill="magic"),
     ValueError, r"fill must be None or one of \('ffill', 'bfill', 'interpolate', 'zero'\), got 'magic'"),
    ("csv-duplicate-time",
     lambda p: load_csv_series(csv_file(p, "t,y\n2024-01-01,1\n2024-01-01,2\n"), "y", time_column="t"),
     ValueError, r"time_column 't' has 1 duplicated timestamp\(s\)"),
    ("csv-bad-time", lambda p: load_csv_series(csv_file(p, "t,y\nfoo,1\n"), "y", time_column="t"),
     ValueError, r"time_column 't' could not be parsed as timestamps"),
    ("csv-gap",
     lambda p: load_csv_series(csv_file(p, "t,y\n2024-01-01,1\n2024-01-02,2\n2024-01-04,2\n"), "y",
                               time_column="t", freq="D"),
     ValueError, r"1 missing timestamp\(s\) \(gaps\) for frequency 'D': 2024-01-03"),
    ("csv-freq-unknown",
     lambda p: load_csv_series(csv_file(p, "t,y\n2024-01-01,1\n"), "y", time_column="t", freq="fortnightish"),
     ValueError, r"freq 'fortnightish' is not a pandas frequency"),
    # ---------------------------------------------------------------- metrics
    ("mae-nan", lambda _: mae([1.0, np.nan], [1.0, 2.0]), ValueError, r"y_true contains NaN or infinite"),
    ("rmse-inf", lambda _: rmse([1.0, 2.0], [np.inf, 2.0]), ValueError, r"y_pred contains NaN or infinite"),
    ("mae-3d", lambda _: mae(np.zeros((2, 2, 2)), np.zeros((2, 2, 2))), ValueError,
     r"y_true must be 1-D or 2-D, got an array of shape \(2, 2, 2\)"),
    ("mae-empty", lambda _: mae([], []), ValueError, r"y_true is empty \(shape \(0,\)\)"),
    ("mae-length-mismatch", lambda _: mae([1, 2, 3], [1, 2]), ValueError,
     r"y_true and y_pred must have the same shape, got \(3,\) and \(2,\)"),
    ("mae-text", lambda _: mae(["a", "b"], [1, 2]), ValueError, r"y_true must contain numbers only"),
    ("smape-text", lambda _: smape([1, 2], ["x", 1]), ValueError, r"y_pred must contain numbers only"),
    ("mape-zero", lambda _: mape([0.0, 1.0], [1.0, 1.0]), ValueError,
     r"mape is undefined because y_true contains zeros; use smape or mase"),
    ("mase-seasonal-period-0", lambda _: mase([1], [1], y_train=[1, 2, 3], seasonal_period=0), ValueError,
     r"seasonal_period must be an integer >= 1; got 0"),
    ("mase-train-too-short", lambda _: mase([1], [1], y_train=[1, 2], seasonal_period=2), ValueError,
     r"y_train must be longer than seasonal_period=2 .* got 2 values"),
    ("mase-train-nan", lambda _: mase([1], [1], y_train=[1, np.nan, 3]), ValueError,
     r"y_train contains NaN or infinite"),
    # ---------------------------------------------------------------- backtest
    ("backtest-horizon-0", lambda _: backtest(NaiveForecaster(), SERIES, horizon=0), ValueError,
     r"horizon must be an integer >= 1; got 0"),
    ("backtest-horizon-float", lambda _: backtest(NaiveForecaster(), SERIES, horizon=2.5), TypeError,
     r"horizon must be an integer >= 1; got 2.5"),
    ("backtest-step-0", lambda _: backtest(NaiveForecaster(), SERIES, step=0), ValueError,
     r"step must be an integer >= 1; got 0"),
    ("backtest-n-folds-0", lambda _: backtest(NaiveForecaster(), SERIES, n_folds=0), ValueError,
     r"n_folds must be an integer >= 1; got 0"),
    ("backtest-initial-0", lambda _: backtest(NaiveForecaster(), SERIES, initial=0), ValueError,
     r"initial must be an integer >= 1; got 0"),
    ("backtest-nan", lambda _: backtest(NaiveForecaster(), with_value(SERIES)), ValueError,
     r"y contains NaN or infinite"),
    ("backtest-3d", lambda _: backtest(NaiveForecaster(), np.zeros((20, 2, 2))), ValueError,
     r"y must be 1-D or 2-D, got an array of shape \(20, 2, 2\)"),
    ("backtest-empty", lambda _: backtest(NaiveForecaster(), np.zeros(0)), ValueError,
     r"y is empty \(shape \(0,\)\)"),
    ("backtest-text", lambda _: backtest(NaiveForecaster(), np.array(list("abcdefghij"))), ValueError,
     r"y must contain numbers only"),
    ("backtest-too-short", lambda _: backtest(NaiveForecaster(horizon=5), np.arange(6.0)), ValueError,
     r"y is too short .* 16 observations are needed, len\(y\)=6"),
    ("backtest-X-length-mismatch", lambda _: backtest(NaiveForecaster(), SERIES, X=np.zeros((19, 1))),
     ValueError, r"X must have one row per observation of y \(20\), got 19"),
    ("backtest-metric-unknown", lambda _: backtest(NaiveForecaster(), SERIES, metrics=["r2"]), ValueError,
     r"Unknown metric 'r2' in metrics; expected one of \['coverage', 'mae', 'mape', 'mase', 'msis', 'rmse', "
     r"'smape', 'wql'\]"),
    ("backtest-refit-type", lambda _: backtest(NaiveForecaster(), SERIES, refit="yes"), ValueError,
     r"refit must be True or False, got 'yes'"),
    # ---------------------------------------------------------------- save_model / load_model
    ("load-model-missing-file", lambda p: load_model(p / "nope.lstmf"), FileNotFoundError,
     r"no model file at this path"),
    ("load-model-corrupt-file", lambda p: load_model(csv_file(p, "not a model")), ValueError,
     r"is not an lstm_forecast model file: it is not a zip archive"),
    ("save-model-unsupported-object", lambda p: save_model(object(), p / "m.lstmf"), TypeError,
     r"save_model supports .*LSTMRegressor.*; got an object of type object"),
    ("save-model-missing-directory", lambda p: save_model(reg(), p / "missing" / "m.lstmf"),
     FileNotFoundError, r"the directory of the model file does not exist"),
    ("save-model-callbacks", lambda p: save_model(reg(callbacks=[EpochTimer()]), p / "m.lstmf"),
     ValueError, r"callbacks holds skorch callbacks, which are code"),
]


def _params(cases):
    for case_id, trigger, error, message, *marks in cases:
        yield pytest.param(trigger, error, message, id=case_id, marks=marks)


@pytest.mark.parametrize(("trigger", "error", "message"), list(_params(CASES)))
def test_bad_input_is_rejected_clearly(trigger, error, message, tmp_path):
    with pytest.raises(error, match=message):
        trigger(tmp_path)


def test_case_ids_are_unique():
    ids = [case[0] for case in CASES]
    assert len(ids) == len(set(ids))
