"""The forecaster's pooled linear component: the ridge regression on the networks' windows,
blended with their median by shares chosen on the held-out windows."""

import numpy as np
import pandas as pd
import pytest

from lstm_forecast import LSTMForecaster, LSTMRegressor, load_model, save_model
from lstm_forecast import _pooled_linear as pl


def test_ridge_recovers_a_linear_map_of_the_flattened_windows():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 3, 2)).astype(np.float32)
    weights = rng.normal(size=(6, 2))
    y = X.reshape(500, -1) @ weights + np.array([1.0, -2.0])
    coef, intercept = pl.fit(X, y)
    assert coef.shape == (6, 2) and intercept.shape == (2,)
    np.testing.assert_allclose(pl.predict(coef, intercept, X[:5]), y[:5], atol=0.05)


def test_ridge_is_fitted_on_evenly_spaced_windows_of_a_large_panel(monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 2, 2)).astype(np.float32)
    y = X.reshape(1000, -1) @ rng.normal(size=(4, 1))
    y[1::2] += 100.0  # every other window is off: an even stride of 500 keeps only the others
    monkeypatch.setattr(pl, "MAX_WINDOWS", 500)
    coef, intercept = pl.fit(X, y)
    np.testing.assert_allclose(pl.predict(coef, intercept, X[::2]), y[::2], atol=0.05)


def test_blend_moves_the_median_and_keeps_the_spread():
    quantiles = np.array([[[1.0], [2.0], [4.0]]])  # one window, levels (low, median, high)
    blended = pl.blend(quantiles, np.array([[6.0]]), 0.5, median=1)
    np.testing.assert_allclose(blended[0, :, 0], [3.0, 4.0, 6.0])
    assert pl.blend(quantiles, np.array([[6.0]]), 0.0, median=1) is quantiles


@pytest.mark.parametrize(("which", "expected"), [("linear", (1.0, 1.0)), ("median", (0.0, 1.0)),
                                                 ("average", (0.5, 1.0)), ("zero", (0.0, 0.0))])
def test_shares_are_those_that_forecast_the_held_out_windows_best(which, expected):
    rng = np.random.default_rng(1)
    median, linear = rng.normal(size=(200, 3)), rng.normal(size=(200, 3))
    y = {"linear": linear, "median": median, "average": (median + linear) / 2,
         "zero": np.zeros_like(median)}[which]
    assert pl.choose_shares(median, linear, y) == expected


def trending_panel(n_series=20, length=48, seed=0):
    """Seasonal series with a steady trend each: a linear map of the window forecasts them."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    return [pd.Series(np.exp(rng.uniform(0, 5) + rng.uniform(0.005, 0.03) * t
                             + 0.2 * np.sin(2 * np.pi * t / 4) + rng.normal(scale=0.01, size=length)),
                      index=pd.period_range("2000Q1", periods=length, freq="Q"))
            for _ in range(n_series)]


def untrained(**params):
    """A network that learns almost nothing in its one epoch: the ridge forecasts better."""
    return LSTMRegressor(hidden_size=4, max_epochs=1, lr=1e-5, batch_size=64, random_state=0,
                         early_stopping=True, **params)


def test_the_linear_component_is_weighed_on_the_held_out_windows():
    full = trending_panel(length=52)
    panel, future = [s.iloc[:-4] for s in full], np.stack([s.to_numpy()[-4:] for s in full])
    model = LSTMForecaster(untrained(), horizon=4, n_models=1, random_state=0).fit(panel)
    assert model.linear_share_ > 0
    assert model.linear_coef_.shape[1] == 4 and model.linear_intercept_.shape == (4,)
    blended = np.stack([f.to_numpy() for f in model.predict()])
    model.linear_share_ = 0.0
    networks = np.stack([f.to_numpy() for f in model.predict()])
    # The networks learnt next to nothing; the blend forecasts the next values better.
    error = lambda forecast: np.abs(forecast / future - 1).mean()  # noqa: E731
    assert error(blended) < 0.9 * error(networks)


def test_intervals_move_with_the_blended_median():
    model = LSTMForecaster(untrained(), horizon=4, n_models=1, random_state=0).fit(trending_panel())
    assert model.linear_share_ > 0
    point = model.predict()
    quantiles = model.predict_quantiles(alpha=[0.1, 0.5, 0.9])
    for p, q in zip(point, quantiles, strict=True):
        np.testing.assert_allclose(q.iloc[:, 1].to_numpy(), p.to_numpy(), rtol=1e-6)
        assert (q.iloc[:, 0] <= q.iloc[:, 1]).all() and (q.iloc[:, 1] <= q.iloc[:, 2]).all()


def test_without_held_out_windows_the_networks_forecast_alone():
    network = LSTMRegressor(hidden_size=4, max_epochs=1, random_state=0)
    model = LSTMForecaster(network, horizon=4, n_models=1, random_state=0).fit(trending_panel())
    assert model.linear_share_ == 0.0 and model.linear_coef_ is None


def test_saved_with_its_linear_component_and_loaded_by_older_state(tmp_path):
    model = LSTMForecaster(untrained(), horizon=4, n_models=1, random_state=0).fit(trending_panel())
    save_model(model, tmp_path / "model.lstm")
    loaded = load_model(tmp_path / "model.lstm")
    assert loaded.linear_share_ == model.linear_share_
    for a, b in zip(loaded.predict(), model.predict(), strict=True):
        pd.testing.assert_series_equal(a, b)
    # A model saved before the linear component (0.4) has none of its attributes.
    for name in ("linear_share_", "linear_coef_", "linear_intercept_"):
        delattr(loaded, name)
    model.linear_share_ = 0.0
    for a, b in zip(loaded.predict(), model.predict(), strict=True):
        pd.testing.assert_series_equal(a, b)


def test_too_few_windows_per_input_leave_the_networks_alone():
    """One short series: fewer than 10 windows per input of the ridge, which would fit the
    held-out windows by chance (the airline passengers: MAPE 10.9% against 4.35%)."""
    series = trending_panel(n_series=1, length=60)[0]
    model = LSTMForecaster(untrained(), horizon=8, n_models=1, random_state=0).fit(series)
    assert model.linear_share_ == 0.0 and model.linear_coef_ is None
    assert not pl.usable(np.zeros((99, 10, 1))) and pl.usable(np.zeros((100, 10, 1)))


def test_recursive_forecasts_feed_back_the_blended_median():
    model = LSTMForecaster(untrained(), horizon=4, strategy="recursive", n_models=1,
                           random_state=0).fit(trending_panel())
    assert model.linear_share_ > 0 and model.linear_coef_.shape[1] == 1  # one step ahead
    blended = np.stack([f.to_numpy() for f in model.predict()])
    model.linear_share_ = 0.0
    networks = np.stack([f.to_numpy() for f in model.predict()])
    assert np.isfinite(blended).all() and not np.allclose(blended, networks)


@pytest.mark.parametrize("change, match", [
    (lambda s: s.pop("linear_coef_"), "needs linear_coef_"),
    (lambda s: s.update(linear_intercept_=s["linear_share_"]), "linear_intercept_ must be"),
    (lambda s: s.update(linear_share_=1.5), r"in \[0, 1\]"),
])
def test_a_file_whose_linear_component_does_not_fit_is_refused_at_load(tmp_path, change, match):
    import json
    import zipfile

    from lstm_forecast import persistence

    model = LSTMForecaster(untrained(), horizon=4, n_models=1, random_state=0).fit(trending_panel())
    assert model.linear_share_ > 0
    path = tmp_path / "model.lstm"
    save_model(model, path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    meta = json.loads(members["meta.json"])
    change(meta["estimator"]["state"])
    meta["digest"] = persistence._digest(meta)
    members["meta.json"] = json.dumps(meta).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match=match):
        load_model(path)
