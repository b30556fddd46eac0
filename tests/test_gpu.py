"""Training on a GPU: the CUDA-graph step trains exactly like the eager one, and falls back
where it cannot run. Skipped where there is no CUDA device (run on the lent GPU machine)."""

import pickle

import numpy as np
import pytest
import torch

from lstm_forecast import LSTMClassifier, LSTMRegressor, _cuda_graphs, _net, make_windows

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

SERIES = np.sin(np.arange(500) / 6.0).astype(np.float32)
X, Y = make_windows(SERIES, timesteps=12)  # 488 windows: batches of 32 end with one of 8


@pytest.fixture
def captures(monkeypatch):
    """Counts the graphs captured during a fit."""
    made = []
    original = _cuda_graphs.GraphedStep.__init__

    def spy(self, *args, **kwargs):
        made.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(_cuda_graphs.GraphedStep, "__init__", spy)
    return made


def _fit_both(monkeypatch, make, X, y):
    graphed = make().fit(X, y)
    monkeypatch.setattr(_net._RecurrentNet, "use_cuda_graphs", False)
    eager = make().fit(X, y)
    monkeypatch.setattr(_net._RecurrentNet, "use_cuda_graphs", True)
    return graphed, eager


@pytest.mark.parametrize(
    "params",
    [
        dict(hidden_size=16),
        dict(hidden_size=16, num_layers=2, clip_norm=0.5),
        dict(hidden_size=16, bidirectional=True, pooling="mean", optimizer="sgd", lr=0.05),
        dict(hidden_size=16, conv_channels=8, dropout=0.2),
        dict(hidden_size=16, precision="bf16-mixed"),
    ],
    ids=["plain", "stacked-clipped", "bidirectional-sgd", "conv-batchnorm-dropout", "bf16"],
)
def test_graphed_training_matches_eager_training(monkeypatch, captures, params):
    def make():
        return LSTMRegressor(max_epochs=3, batch_size=32, random_state=0, device="cuda", **params)

    graphed, eager = _fit_both(monkeypatch, make, X, Y)
    assert len(captures) == 2  # one per batch shape: 32 and the last batch of 8
    np.testing.assert_allclose(graphed.history_[:, "train_loss"], eager.history_[:, "train_loss"],
                               rtol=1e-5)
    np.testing.assert_allclose(graphed.predict(X), eager.predict(X), rtol=1e-5, atol=1e-6)


def test_graphed_classifier_with_early_stopping(monkeypatch, captures):
    labels = np.where(Y > 0, "up", "down")

    def make():
        return LSTMClassifier(hidden_size=16, max_epochs=4, early_stopping=True, random_state=0,
                              device="cuda")

    graphed, eager = _fit_both(monkeypatch, make, X, labels)
    assert captures
    np.testing.assert_array_equal(graphed.predict(X), eager.predict(X))
    assert graphed.score(X, labels) > 0.9


def test_ragged_input_and_interlayer_dropout_train_eagerly(captures):
    ragged = [SERIES[i : i + 5 + i % 7, None] for i in range(200)]
    LSTMRegressor(hidden_size=8, max_epochs=2, device="cuda").fit(ragged, np.arange(200.0))
    LSTMRegressor(hidden_size=8, num_layers=2, dropout=0.3, max_epochs=2, device="cuda").fit(X, Y)
    assert captures == []


def test_fitted_model_holds_no_graph_and_pickles(captures):
    model = LSTMRegressor(hidden_size=8, max_epochs=2, device="cuda").fit(X, Y)
    assert captures and "_cuda_graphs" not in model.net_.__dict__
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X[:10]), model.predict(X[:10]))


def test_refit_recaptures_for_the_new_module(captures):
    model = LSTMRegressor(hidden_size=8, max_epochs=1, device="cuda", random_state=0)
    first = model.fit(X, Y).predict(X[:5])
    second = model.fit(X, Y).predict(X[:5])
    assert len(captures) == 4
    np.testing.assert_allclose(first, second, rtol=1e-5)  # cuDNN's backward may sum in any order


def test_freezing_the_head_mid_fit_recaptures_and_trains_like_eager(monkeypatch, captures):
    from skorch.callbacks import Freezer

    def make():
        return LSTMRegressor(hidden_size=8, max_epochs=3, device="cuda", random_state=0,
                             lr_schedule=None, callbacks=[Freezer("head.*", at=2)])

    graphed, eager = _fit_both(monkeypatch, make, X, Y)
    assert len(captures) == 4  # the two batch shapes, captured again once the head froze
    np.testing.assert_allclose(graphed.predict(X), eager.predict(X), rtol=1e-5, atol=1e-6)


def test_a_failed_capture_falls_back_to_eager_training(monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("CUDA error: out of memory")

    monkeypatch.setattr(_net, "GraphedStep", fail)
    with pytest.warns(RuntimeWarning, match="Training without CUDA graphs"):
        model = LSTMRegressor(hidden_size=8, max_epochs=2, device="cuda", random_state=0).fit(X, Y)
    assert model.history_[-1, "train_loss"] < model.history_[0, "train_loss"]
