"""LSTMForecaster on panels: one network for all series, per-series scale, short and ragged
series, new series, covariates per series, calibrated quantiles."""

import numpy as np
import pandas as pd
import pytest

from lstm_forecast import LSTMForecaster, LSTMRegressor


def tiny(epochs=3, **params):
    return LSTMRegressor(hidden_size=8, max_epochs=epochs, batch_size=32, random_state=0, **params)


def seasonal_panel(n_series=30, length=40, season=4, seed=0):
    """Series sharing a seasonal shape, at levels from 1 to 10,000, with 5% noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    shape = 1 + 0.3 * np.sin(2 * np.pi * t / season)
    levels = 10 ** rng.uniform(0, 4, size=n_series)
    return {f"s{i}": pd.Series(level * shape * np.exp(rng.normal(scale=0.05, size=length)),
                               index=pd.period_range("2000Q1", periods=length, freq="Q"))
            for i, level in enumerate(levels)}


def test_one_network_for_the_whole_panel():
    panel = seasonal_panel()
    model = LSTMForecaster(tiny(), horizon=4, n_models=2, random_state=0).fit(panel)
    assert len(model.estimators_) == 2 and model.n_series_ == 30 and model.season_ == 4
    forecasts = model.predict()
    assert list(forecasts) == list(panel)
    for key, series in panel.items():
        assert forecasts[key].index[0] == series.index[-1] + 1
        # Per-series scale: every forecast is at its own series' level.
        assert 0.5 < forecasts[key].mean() / series.iloc[-8:].mean() < 2


def test_forecasts_scale_with_the_series():
    panel = seasonal_panel(n_series=10)
    model = LSTMForecaster(tiny(), horizon=4, n_models=1, random_state=0).fit(panel)
    series = panel["s0"]
    small, large = model.predict(y=[series, series * 1000.0])
    np.testing.assert_allclose(large.to_numpy(), 1000.0 * small.to_numpy(), rtol=1e-6)


def test_short_and_ragged_series_train_and_forecast():
    rng = np.random.default_rng(1)
    panel = [50 + rng.normal(size=n).cumsum() for n in (6, 9, 40, 7)]  # horizon 4: 6 is enough
    model = LSTMForecaster(tiny(), horizon=4, n_models=1, random_state=0).fit(panel)
    forecasts = model.predict()
    assert [f.shape for f in forecasts] == [(4,)] * 4
    assert np.isfinite(np.concatenate(forecasts)).all()
    one_value = model.predict(y=[np.array([51.0])])[0]
    assert one_value.shape == (4,) and np.isfinite(one_value).all()
    with pytest.raises(ValueError, match=r"needs at least 6 observations in every series; series 1"):
        LSTMForecaster(tiny(), horizon=4).fit([panel[2], panel[0][:5]])


def test_series_with_zeros_and_negative_values():
    rng = np.random.default_rng(2)
    panel = {"counts": rng.poisson(2.0, size=40).astype(float),  # zeros: not in logs
             "signed": rng.normal(size=40), "positive": 100 + rng.normal(size=40)}
    model = LSTMForecaster(tiny(), horizon=3, n_models=1, random_state=0).fit(panel)
    assert model.log_[:, 0].tolist() == [False, False, True]
    intervals = model.predict_interval(coverage=0.8)
    for key in panel:
        assert np.isfinite(intervals[key].to_numpy()).all()


def test_new_series_forecast_without_refitting():
    panel = seasonal_panel(n_series=12)
    model = LSTMForecaster(tiny(), horizon=4, n_models=1, random_state=0).fit(panel)
    networks = [id(net) for net in model.estimators_]
    unseen = seasonal_panel(n_series=3, seed=9)
    forecasts = model.predict(y=unseen)
    assert list(forecasts) == list(unseen)
    assert [id(net) for net in model.estimators_] == networks
    again = model.predict(y=panel)
    for key, forecast in model.predict().items():
        pd.testing.assert_series_equal(again[key], forecast)


def test_covariates_of_each_series_are_used():
    rng = np.random.default_rng(3)
    n, h = 60, 3
    promo = {f"s{i}": rng.integers(0, 2, size=n + h).astype(float) for i in range(20)}
    y = {k: 100.0 * (1 + 0.5 * p[:n]) * np.exp(rng.normal(scale=0.02, size=n)) for k, p in promo.items()}
    X = {k: p[:n, None] for k, p in promo.items()}
    model = LSTMForecaster(tiny(epochs=30), horizon=h, n_models=1, random_state=0).fit(y, X)
    future = {k: p[n:, None] for k, p in promo.items()}
    forecasts = model.predict(future)
    truth = {k: 100.0 * (1 + 0.5 * p[n:]) for k, p in promo.items()}
    error = np.mean([np.abs(forecasts[k] - truth[k]).mean() for k in y])
    flipped = model.predict({k: 1.0 - v for k, v in future.items()})
    flipped_error = np.mean([np.abs(flipped[k] - truth[k]).mean() for k in y])
    assert error < flipped_error / 3


def test_quantiles_grow_with_alpha_and_the_median_is_the_forecast():
    panel = seasonal_panel(n_series=15)
    model = LSTMForecaster(tiny(), horizon=4, n_models=1, random_state=0).fit(panel)
    quantiles = model.predict_quantiles(alpha=[0.005, 0.1, 0.5, 0.9, 0.995])
    forecasts = model.predict()
    for key, q in quantiles.items():
        values = q.to_numpy()
        assert (np.diff(values, axis=1) >= 0).all()
        np.testing.assert_allclose(values[:, 2], forecasts[key].to_numpy())


def test_intervals_cover_new_draws_at_about_their_level():
    """Noise around a level: 80% intervals cover about 80% of the next values of other series."""
    rng = np.random.default_rng(4)
    n_series, n, h = 200, 30, 2
    panel = [100 * np.exp(rng.normal(scale=0.1, size=n)) for _ in range(n_series)]
    model = LSTMForecaster(tiny(epochs=10), horizon=h, n_models=1, random_state=0).fit(panel)
    new = [100 * np.exp(rng.normal(scale=0.1, size=n + h)) for _ in range(n_series)]
    intervals = model.predict_interval(y=[s[:n] for s in new], coverage=0.8)
    inside = [((s[n:] >= i.iloc[:, 0]) & (s[n:] <= i.iloc[:, 1])).mean()
              for s, i in zip(new, intervals, strict=True)]
    assert 0.7 < np.mean(inside) < 0.9


def test_same_forecast_in_one_chunk_or_many(monkeypatch):
    import lstm_forecast.forecaster as module

    panel = seasonal_panel(n_series=10)
    model = LSTMForecaster(tiny(), horizon=4, n_models=1, random_state=0).fit(panel)
    whole = model.predict_quantiles(alpha=[0.1, 0.9])
    monkeypatch.setattr(module, "_PREDICT_CHUNK", 3)
    chunked = model.predict_quantiles(alpha=[0.1, 0.9])
    for key in panel:
        pd.testing.assert_frame_equal(chunked[key], whole[key])


class _Curve:
    """A stand-in for a trained network: only its validation curve."""

    def __init__(self, losses):
        self.history_ = [{"valid_loss": loss} for loss in losses]


def test_epochs_from_the_smoothed_validation_curve():
    from lstm_forecast._quantile_network import best_epoch

    # One deep dip early in a noisy stretch; a lower plateau later: the plateau wins.
    noisy_then_flat = [1.0, 0.8, 0.58, 0.75, 0.7, 0.74, 0.62, 0.61, 0.61, 0.62, 0.61, 0.66, 0.7]
    assert int(np.argmin(noisy_then_flat)) + 1 == 3
    assert best_epoch(_Curve(noisy_then_flat)) == 9
    # Without smoothing (or a curve shorter than the average), the raw minimum.
    assert best_epoch(_Curve(noisy_then_flat), smoothing=1) == 3
    assert best_epoch(_Curve([0.5, 0.3, 0.4])) == 2
    assert best_epoch(_Curve([])) == 1


def test_default_network_waits_out_a_flat_validation_curve():
    from lstm_forecast._quantile_network import default_estimator

    assert default_estimator(5000).patience == 10
    model = LSTMForecaster(tiny(epochs=12, early_stopping=True, patience=10), horizon=4,
                           n_models=1, random_state=0).fit(seasonal_panel())
    assert 1 <= model.n_epochs_ <= 12 and len(model.estimators_) == 1


def test_no_training_target_of_the_probe_is_a_validation_target(monkeypatch):
    calls = []
    original = LSTMForecaster._training_set

    def recording(self, padded, series, positions, *args):
        calls.append((np.array(series), np.array(positions)))
        return original(self, padded, series, positions, *args)

    monkeypatch.setattr(LSTMForecaster, "_training_set", recording)
    horizon = 4
    LSTMForecaster(tiny(epochs=2, early_stopping=True), horizon=horizon, n_models=1,
                   random_state=0).fit(seasonal_panel(n_series=5, length=40))
    (train_series, train_positions), (valid_series, valid_positions) = calls[:2]
    for i in np.unique(valid_series):
        last_train_target = train_positions[train_series == i].max() + horizon
        first_valid_target = valid_positions[valid_series == i].min() + 1
        assert last_train_target < first_valid_target
    # At least one horizon of origins per series validates.
    assert np.bincount(valid_series).min() >= horizon


def test_a_short_series_keeps_a_probe_trained_on_most_of_its_windows(monkeypatch):
    """Holding out a whole horizon (and the values its targets share) would leave 4 of 31
    windows here: the probe's epochs would not be the final network's; fewer are held out."""
    calls = []
    original = LSTMForecaster._training_set

    def recording(self, padded, series, positions, *args):
        calls.append(np.array(positions))
        return original(self, padded, series, positions, *args)

    monkeypatch.setattr(LSTMForecaster, "_training_set", recording)
    y = np.sin(np.arange(40.0)) + 10
    LSTMForecaster(tiny(epochs=2, early_stopping=True), horizon=8, n_models=1,
                   random_state=0).fit(y)
    probe_train, valid, final = calls
    assert len(final) == 31 and len(valid) == 20
    assert len(probe_train) >= 0.3 * len(final)
