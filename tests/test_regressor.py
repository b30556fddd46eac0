"""LSTMRegressor as a scikit-learn regressor: shapes, names, tools, persistence,
reproducibility, sequences of different lengths and bad input."""

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from scipy import sparse
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from lstm_forecast import LSTMRegressor, SlidingWindow, make_windows

RNG = np.random.RandomState(0)
X = RNG.normal(size=(40, 6, 2)).astype(np.float32)
Y = X[:, -1, 0] - 0.5 * X[:, -2, 1]
FAST = dict(hidden_size=8, max_epochs=2, batch_size=16, random_state=0, device="cpu")
POOLINGS = ["last", "mean", "max", "cell"]


def reg(**params):
    return LSTMRegressor(**{**FAST, **params})


def sine_windows(n=160, timesteps=8):
    series = np.sin(np.linspace(0, 16 * np.pi, n + timesteps)).astype(np.float32)
    return make_windows(series, timesteps)


# ------------------------------------------------------------------ sklearn protocol
def test_constructor_stores_parameters_untouched():
    callbacks, kwargs = [], {"momentum": 0.5}
    model = LSTMRegressor(optimizer_kwargs=kwargs, callbacks=callbacks, device="auto")
    assert model.optimizer_kwargs is kwargs and model.callbacks is callbacks
    assert model.get_params()["device"] == "auto"
    with pytest.raises(TypeError):
        LSTMRegressor(8)  # keyword-only


def test_clone_get_set_params():
    model = reg(hidden_size=12, cell="gru").fit(X, Y)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "net_")
    copy.set_params(hidden_size=4, num_layers=2)
    assert (copy.hidden_size, copy.num_layers) == (4, 2)
    copy.fit(X, Y)
    assert copy.net_.module_.rnn.hidden_size == 4 and copy.net_.module_.rnn.num_layers == 2
    assert model.net_.module_.rnn.hidden_size == 12


def test_fit_returns_self_and_fitted_attributes():
    model = reg()
    assert model.fit(X, Y) is model
    assert model.n_features_in_ == 2 and model.n_features_per_step_ == 2
    assert model.n_outputs_ == 1 and model.n_epochs_ == 2
    assert not hasattr(model, "feature_names_in_")


@pytest.mark.parametrize("y_shape", [(40,), (40, 1), (40, 3)])
def test_y_shape_is_preserved(y_shape):
    y = np.stack([Y, -Y, 2 * Y], axis=1)[:, : (y_shape[1] if len(y_shape) == 2 else 1)]
    y = y.reshape(y_shape)
    model = reg().fit(X, y)
    assert model.predict(X[:5]).shape == (5, *y_shape[1:])
    assert model.n_outputs_ == (y_shape[1] if len(y_shape) == 2 else 1)
    assert np.isfinite(model.score(X, y))


def test_predictions_are_in_target_units():
    """Targets are standardised inside; predictions come back in the original units."""
    model = reg(max_epochs=30, lr=0.01).fit(X, 1000 + 50 * Y)
    pred = model.predict(X)
    assert abs(pred.mean() - 1000) < 20
    assert model.score(X, 1000 + 50 * Y) > 0.5


def test_2d_X_is_one_feature_per_step():
    model = reg().fit(X[:, :, 0], Y)
    assert model.n_features_in_ == 6 and model.n_features_per_step_ == 1
    np.testing.assert_array_equal(model.predict(X[:, :, 0]), model.predict(X[:, :, :1]))


def test_dataframe_feature_names():
    frame = pd.DataFrame(X[:, :, 0], columns=[f"t-{i}" for i in range(5, -1, -1)])
    model = reg().fit(frame, pd.Series(Y, name="target"))
    np.testing.assert_array_equal(model.feature_names_in_, frame.columns)
    assert model.n_features_in_ == 6
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        np.testing.assert_array_equal(model.predict(frame), model.predict(frame.to_numpy()))
    with pytest.raises(ValueError, match="feature names"):
        model.predict(frame.rename(columns={"t-0": "other"}))
    # Refitting on an array forgets the names.
    assert not hasattr(model.fit(X, Y), "feature_names_in_")


def test_pipeline():
    pipe = Pipeline([
        ("scale", FunctionTransformer(lambda x: x * 10.0)),
        ("window", SlidingWindow(timesteps=4)),
        ("model", reg()),
    ])
    table = RNG.normal(size=(30, 2)).astype(np.float32)
    pipe.fit(table, table[:, 0])
    assert pipe.predict(table).shape == (30,)
    assert pipe.named_steps["model"].n_features_per_step_ == 2


def test_grid_search_with_time_series_split():
    X_sine, y_sine = sine_windows()
    search = GridSearchCV(
        reg(max_epochs=3),
        {"hidden_size": [4, 8], "cell": ["lstm", "gru"]},
        cv=TimeSeriesSplit(n_splits=2),
        scoring="neg_mean_squared_error",
    )
    search.fit(X_sine, y_sine)
    assert set(search.best_params_) == {"hidden_size", "cell"}
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.predict(X_sine[:3]).shape == (3,)


def test_cross_val_score():
    X_sine, y_sine = sine_windows()
    scores = cross_val_score(reg(max_epochs=3), X_sine, y_sine, cv=TimeSeriesSplit(n_splits=2))
    assert scores.shape == (2,) and np.isfinite(scores).all()


def test_joblib_round_trip(tmp_path):
    model = reg(validation_fraction=0.25).fit(X, Y)
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.get_params() == model.get_params()
    assert len(loaded.history_) == 2
    assert loaded.net_.train_split is None  # the validation data is not kept in the model
    loaded.fit(X, Y)  # and it can be refitted
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_pickle_maps_callbacks_like_the_module():
    """skorch unpickles its CUDA-dependent attributes onto the CPU when CUDA is missing. The
    callbacks hold tensors too (the LR scheduler keeps the optimizer), so they must travel
    the same way, or a model trained on a GPU cannot be loaded on a CPU-only machine."""
    model = reg(early_stopping=True).fit(X, Y)
    state = model.net_.__getstate__()
    assert not {"callbacks", "callbacks_", "train_split"} & {k for k, v in state.items() if v is not None}
    assert "__cuda_dependent_attributes__" in state


# ----------------------------------------------------------------- reproducibility
@pytest.mark.parametrize(
    "params",
    [{}, dict(dropout=0.3, num_layers=2, cell="gru", validation_fraction=0.2, early_stopping=True)],
)
def test_same_random_state_same_predictions(params):
    first = reg(**params).fit(X, Y).predict(X)
    torch.manual_seed(123)  # the global seed does not matter
    np.random.seed(123)  # noqa: NPY002 - the global state must not matter
    second = reg(**params).fit(X, Y).predict(X)
    np.testing.assert_array_equal(first, second)
    other = reg(**{**params, "random_state": 1}).fit(X, Y).predict(X)
    assert not np.array_equal(first, other)


def test_predictions_do_not_depend_on_the_batch():
    model = reg().fit(X, Y)
    together = model.predict(X)
    alone = np.array([model.predict(X[i : i + 1])[0] for i in range(len(X))])
    np.testing.assert_array_equal(together, alone)


# ------------------------------------------------------------ sequences of any length
LENGTHS = [3, 7, 5, 2, 6, 4, 7, 3, 5, 6] * 2
SEQUENCES = [RNG.normal(size=(n, 2)).astype(np.float32) for n in LENGTHS]
SEQ_Y = np.array([s[:, 0].sum() for s in SEQUENCES])


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("pooling", POOLINGS)
def test_padding_never_changes_a_prediction(pooling, bidirectional):
    model = reg(pooling=pooling, bidirectional=bidirectional, num_layers=2).fit(SEQUENCES, SEQ_Y)
    batch = model.predict(SEQUENCES)
    alone = np.array([model.predict(seq[None])[0] for seq in SEQUENCES])
    np.testing.assert_array_equal(batch, alone)
    assert model.n_features_in_ == 2


@pytest.mark.parametrize("front", [dict(conv_channels=4), dict(projection_size=5)])
def test_padding_never_changes_a_prediction_with_front_ends(front):
    model = reg(pooling="mean", **front).fit(SEQUENCES, SEQ_Y)
    alone = np.array([model.predict(seq[None])[0] for seq in SEQUENCES])
    np.testing.assert_array_equal(model.predict(SEQUENCES), alone)


def test_univariate_sequences_and_later_2d_input():
    """1-D sequences are one feature per step; a model fitted on sequences reads a 2-D X as
    sequences of one feature, of any length."""
    seqs = [s[:, 0] for s in SEQUENCES]
    model = reg().fit(seqs, SEQ_Y)
    assert model.n_features_in_ == 1
    batch = model.predict(seqs)
    np.testing.assert_array_equal(batch[:1], model.predict([seqs[0]]))
    np.testing.assert_array_equal(batch[:1], model.predict(seqs[0][None, :]))
    np.testing.assert_array_equal(batch[:1], model.predict(seqs[0][None, :, None]))


def test_sequences_of_one_length_match_the_array():
    model = reg().fit(X, Y)
    np.testing.assert_array_equal(model.predict(list(X)), model.predict(X))


def test_a_long_sequence_in_the_batch_does_not_change_a_short_one():
    model = reg(pooling="max").fit(SEQUENCES, SEQ_Y)
    short = SEQUENCES[3]
    long = RNG.normal(size=(40, 2)).astype(np.float32)
    np.testing.assert_array_equal(model.predict([short, long])[:1], model.predict([short]))


# -------------------------------------------------------------------------- bad input
@pytest.fixture(scope="module")
def fitted():
    return reg(max_epochs=1).fit(X, Y)


@pytest.fixture(scope="module")
def fitted_2d():
    return reg(max_epochs=1).fit(X[:, :, 0], Y)


def with_nan(array, value=np.nan):
    array = np.array(array, dtype=np.float64)
    array.flat[3] = value
    return array


BAD_FIT = [
    ("nan-X-3d", lambda: (with_nan(X), Y), ValueError, r"Input X contains NaN"),
    ("inf-X-3d", lambda: (with_nan(X, np.inf), Y), ValueError, r"Input X contains infinity"),
    ("nan-X-2d", lambda: (with_nan(X[:, :, 0]), Y), ValueError, r"Input X contains NaN"),
    ("nan-X-sequences", lambda: ([with_nan(SEQUENCES[0]), SEQUENCES[1]], Y[:2]), ValueError,
     r"Input X contains NaN or infinity"),
    ("nan-y", lambda: (X, with_nan(Y)), ValueError, r"Input y contains NaN"),
    ("inf-y", lambda: (X, with_nan(Y, -np.inf)), ValueError, r"Input y contains infinity"),
    ("1d-X", lambda: (X[:, 0, 0], Y), ValueError,
     r"Found array with dim 1 \(a 1-D X of shape \(40,\)\); expected a 3-D X of shape "
     r"\(n_samples, timesteps, n_features\)"),
    ("4d-X", lambda: (X[..., None], Y), ValueError, r"Found array with dim 4 .*expected a 3-D X"),
    ("scalar-X", lambda: (3.0, Y), ValueError, r"Found array with dim 0"),
    ("3d-y", lambda: (X, np.zeros((40, 2, 2))), ValueError,
     r"y must be 1-D \(n_samples,\) or 2-D \(n_samples, n_outputs\); got shape \(40, 2, 2\)"),
    ("empty", lambda: (X[:0], Y[:0]), ValueError, r"0 sample\(s\)"),
    ("no-timesteps", lambda: (X[:, :0], Y), ValueError, r"X must have at least one time step; got 0"),
    ("no-features", lambda: (X[:, :, :0], Y), ValueError,
     r"X must have at least one feature per time step; got 0"),
    ("empty-sequence", lambda: ([SEQUENCES[0], SEQUENCES[1][:0]], Y[:2]), ValueError,
     r"X\[1\] must have shape \(timesteps,\) or \(timesteps, n_features\) with at least one step"),
    ("sequences-feature-mismatch", lambda: ([SEQUENCES[0], SEQUENCES[1][:, :1]], Y[:2]),
     ValueError, r"same number of features; got \[1, 2\]"),
    ("length-mismatch", lambda: (X, Y[:-1]), ValueError, r"inconsistent numbers of samples: \[40, 39\]"),
    ("y-none", lambda: (X, None), ValueError, r"requires y to be passed"),
    ("text-X", lambda: (np.full((40, 6), "abc"), Y), ValueError,
     r"X must hold numbers; could not convert it to numbers: could not convert string"),
    ("text-X-3d", lambda: (np.full((40, 6, 2), "abc"), Y), ValueError, r"X must hold numbers"),
    ("text-frame", lambda: (pd.DataFrame({"a": ["x"] * 40, "b": 1.0}), Y), ValueError,
     r"X must hold numbers"),
    ("text-sequence", lambda: (["abc", "de"], Y[:2]), ValueError,
     r"X\[0\] must be a numeric sequence"),
    ("text-y", lambda: (X, np.array(["a", "b"] * 20)), ValueError, r"y must hold numbers"),
    ("sparse-X", lambda: (sparse.csr_matrix(X[:, :, 0]), Y), TypeError,
     r"Sparse data was passed for X, but dense data is required"),
    ("object-dict-X", lambda: (np.array([[{"a": 1}] * 6] * 40, dtype=object), Y), TypeError,
     r"X must hold numbers; .*argument must be a string or a (real )?number"),
]


@pytest.mark.parametrize("data, error, message", [c[1:] for c in BAD_FIT], ids=[c[0] for c in BAD_FIT])
def test_bad_fit_input(data, error, message):
    X_bad, y_bad = data()
    with pytest.raises(error, match=message):
        reg(max_epochs=1).fit(X_bad, y_bad)


BAD_PREDICT = [
    ("fewer-features", "fitted", lambda: X[:, :, :1], ValueError,
     r"X has 1 features per time step, but LSTMRegressor is expecting 2 features"),
    ("more-features", "fitted", lambda: np.concatenate([X, X], axis=2), ValueError,
     r"X has 4 features per time step, but LSTMRegressor is expecting 2 features"),
    ("2d-after-3d-fit", "fitted", lambda: X[:, :, 0], ValueError,
     r"X is 2-D, read as \(n_samples, timesteps\) of 1 feature, but this model was fitted on 2 "
     r"features per step; pass X of shape \(n_samples, timesteps, 2\)"),
    ("sequences-feature-change", "fitted", lambda: [s[:, :1] for s in SEQUENCES], ValueError,
     r"X has 1 features per time step, but LSTMRegressor is expecting 2"),
    ("2d-width-change", "fitted_2d", lambda: X[:, :4, 0], ValueError,
     r"X has 4 features, but LSTMRegressor is expecting 6 features"),
    ("3d-features-after-2d-fit", "fitted_2d", lambda: X, ValueError,
     r"X has 2 features per time step, but LSTMRegressor is expecting 1"),
    ("nan", "fitted", lambda: with_nan(X), ValueError, r"Input X contains NaN"),
    ("1d", "fitted", lambda: X[0, :, 0], ValueError, r"Found array with dim 1"),
    ("empty", "fitted", lambda: X[:0], ValueError, r"0 sample\(s\)"),
]


@pytest.mark.parametrize("which, data, error, message", [c[1:] for c in BAD_PREDICT],
                         ids=[c[0] for c in BAD_PREDICT])
def test_bad_predict_input(which, data, error, message, request):
    model = request.getfixturevalue(which)
    with pytest.raises(error, match=message):
        model.predict(data())


BAD_PARAMS = [
    ("hidden_size", 0, ValueError, r"The 'hidden_size' parameter of LSTMRegressor must be"),
    ("hidden_size", True, ValueError, r"The 'hidden_size' parameter of LSTMRegressor must be"),
    ("hidden_size", 8.0, ValueError, r"The 'hidden_size' parameter of LSTMRegressor must be"),
    ("num_layers", 0, ValueError, r"The 'num_layers' parameter of LSTMRegressor must be"),
    ("num_layers", False, ValueError, r"The 'num_layers' parameter of LSTMRegressor must be"),
    ("batch_size", -4, ValueError, r"The 'batch_size' parameter of LSTMRegressor must be"),
    ("batch_size", True, ValueError, r"The 'batch_size' parameter of LSTMRegressor must be"),
    ("max_epochs", -1, ValueError, r"The 'max_epochs' parameter of LSTMRegressor must be"),
    ("max_epochs", True, ValueError, r"The 'max_epochs' parameter of LSTMRegressor must be"),
    ("patience", 0, ValueError, r"The 'patience' parameter of LSTMRegressor must be"),
    ("projection_size", 0, ValueError, r"The 'projection_size' parameter of LSTMRegressor must be"),
    ("conv_channels", -2, ValueError, r"The 'conv_channels' parameter of LSTMRegressor must be"),
    ("cell", "lstmx", ValueError, r"The 'cell' parameter of LSTMRegressor must be"),
    ("pooling", "attention", ValueError, r"The 'pooling' parameter of LSTMRegressor must be"),
    ("optimizer", "adamax", ValueError, r"optimizer must be one of \[.*\] or a torch.optim.Optimizer"),
    ("optimizer", 3, ValueError, r"The 'optimizer' parameter of LSTMRegressor must be"),
    ("optimizer", torch.optim.Optimizer, TypeError, r"optimizer must be a name such as 'adam' or a "
                                                    r"torch.optim.Optimizer subclass"),
    ("lr", 0.0, ValueError, r"The 'lr' parameter of LSTMRegressor must be a float in the range \(0.0, inf\)"),
    ("lr", float("inf"), ValueError, r"The 'lr' parameter of LSTMRegressor must be a float in the range"),
    ("forget_bias", float("inf"), ValueError, r"forget_bias must be a finite number; got inf"),
    ("lr_schedule", "step", ValueError, r"The 'lr_schedule' parameter of LSTMRegressor must be"),
    ("dropout", 1.0, ValueError, r"The 'dropout' parameter of LSTMRegressor must be"),
    ("dropout", -0.1, ValueError, r"The 'dropout' parameter of LSTMRegressor must be"),
    ("weight_decay", -1.0, ValueError, r"The 'weight_decay' parameter of LSTMRegressor must be"),
    ("clip_norm", 0.0, ValueError, r"The 'clip_norm' parameter of LSTMRegressor must be"),
    ("clip_value", -1.0, ValueError, r"The 'clip_value' parameter of LSTMRegressor must be"),
    ("validation_fraction", 1.0, ValueError, r"The 'validation_fraction' parameter of LSTMRegressor must be"),
    ("validation_fraction", 0.99, ValueError, r"validation_fraction=0.99 leaves no training or no "
                                              r"validation sample out of 40"),
    ("bidirectional", 1, ValueError, r"The 'bidirectional' parameter of LSTMRegressor must be"),
    ("shuffle", "yes", ValueError, r"The 'shuffle' parameter of LSTMRegressor must be"),
    ("early_stopping", None, ValueError, r"The 'early_stopping' parameter of LSTMRegressor must be"),
    ("standardize", "no", ValueError, r"The 'standardize' parameter of LSTMRegressor must be"),
    ("verbose", -1, ValueError, r"The 'verbose' parameter of LSTMRegressor must be"),
    ("callbacks", "progress", ValueError, r"The 'callbacks' parameter of LSTMRegressor must be"),
    ("optimizer_kwargs", [("momentum", 0.9)], ValueError,
     r"The 'optimizer_kwargs' parameter of LSTMRegressor must be"),
    ("forget_bias", float("nan"), ValueError, r"forget_bias must be a finite number"),
    ("device", "tpu", ValueError, r"device must be 'auto', 'cpu', 'cuda' or 'cuda:<index>'; got 'tpu'"),
]


@pytest.mark.parametrize("name, value, error, message", BAD_PARAMS,
                         ids=[f"{c[0]}={c[1]!r}" for c in BAD_PARAMS])
def test_bad_parameters(name, value, error, message):
    with pytest.raises(error, match=message):
        reg(**{name: value}).fit(X, Y)


def test_predict_before_fit():
    with pytest.raises(NotFittedError):
        reg().predict(X)
    with pytest.raises(NotFittedError):
        reg().score(X, Y)


def test_failed_fit_keeps_parameters():
    model = reg(hidden_size=0)
    with pytest.raises(ValueError):
        model.fit(X, Y)
    assert model.hidden_size == 0 and not hasattr(model, "net_")


def test_reversed_and_negatively_strided_arrays_are_plain_input():
    X = np.random.default_rng(0).normal(size=(30, 5, 2)).astype(np.float32)
    y = X[:, -1, 0]
    model = reg().fit(X[::-1], y[::-1])
    np.testing.assert_array_equal(model.predict(X[::-1]), model.predict(np.ascontiguousarray(X[::-1])))
    assert model.predict(X[:, ::-1]).shape == (30,)
