"""standardize="series": every sequence z-normalised over its own steps, at fit and predict."""

import numpy as np
import pytest

from lstm_forecast import LSTMClassifier, LSTMRegressor, load_model, save_model

RNG = np.random.default_rng(0)
SHAPES = np.stack([np.sin(np.linspace(0, 6, 24)), np.sign(np.sin(np.linspace(0, 6, 24)))])
LABELS = RNG.integers(0, 2, size=120)
# Each series: its class shape plus noise, then a random scale and offset of its own.
X = (SHAPES[LABELS] + 0.2 * RNG.normal(size=(120, 24)))[..., None]
SCALE = np.exp(RNG.uniform(-2.3, 2.3, size=(120, 1, 1)))
OFFSET = RNG.normal(scale=10, size=(120, 1, 1))
X_RAW = (X * SCALE + OFFSET).astype(np.float32)


def test_predictions_ignore_each_sequences_offset_and_scale():
    params = dict(hidden_size=16, max_epochs=20, pooling="max", batch_size=16, random_state=0,
                  device="cpu")
    model = LSTMClassifier(standardize="series", **params).fit(X_RAW[:80], LABELS[:80])
    proba = model.predict_proba(X_RAW[80:])
    moved = X_RAW[80:] * 3.0 - 7.0
    np.testing.assert_allclose(model.predict_proba(moved), proba, atol=1e-4)  # float32 input rounding
    # Seeds 0-2 score 0.95-1.0 with it and 0.55-0.6 with the training set's statistics only.
    assert model.score(X_RAW[80:], LABELS[80:]) >= 0.9
    global_only = LSTMClassifier(standardize=True, **params).fit(X_RAW[:80], LABELS[:80])
    assert global_only.score(X_RAW[80:], LABELS[80:]) <= 0.7


def test_padding_and_constant_sequences():
    sequences = [X_RAW[i, : 10 + i % 14] for i in range(40)] + [np.full((8, 1), 5.0, np.float32)]
    model = LSTMRegressor(hidden_size=8, max_epochs=2, standardize="series", random_state=0,
                          device="cpu").fit(sequences, np.arange(41.0))
    batch = model.predict(sequences)
    alone = np.array([model.predict(s[None])[0] for s in sequences])
    np.testing.assert_array_equal(batch, alone)
    assert np.isfinite(batch).all()  # a constant sequence normalises to zeros, not NaN


def test_saved_model_keeps_the_option(tmp_path):
    model = LSTMRegressor(hidden_size=8, max_epochs=2, standardize="series", random_state=0,
                          device="cpu").fit(X_RAW[:40], LABELS[:40].astype(float))
    save_model(model, tmp_path / "m.lstmf")
    loaded = load_model(tmp_path / "m.lstmf")
    assert loaded.standardize == "series"
    np.testing.assert_array_equal(loaded.predict(X_RAW[40:60]), model.predict(X_RAW[40:60]))


@pytest.mark.parametrize("value", ["global", 2, None])
def test_other_values_are_refused(value):
    with pytest.raises(ValueError, match=r"The 'standardize' parameter of LSTMRegressor must be"):
        LSTMRegressor(standardize=value).fit(X_RAW[:10], np.zeros(10))
