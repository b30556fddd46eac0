"""Long fits resume from skorch checkpoints (Checkpoint + LoadInitState passed as callbacks)."""

import numpy as np
import pytest
from skorch.callbacks import Checkpoint, LoadInitState

from lstm_forecast import LSTMClassifier, LSTMRegressor, make_windows


def _regression_task():
    return make_windows(np.sin(np.arange(300) / 6.0).astype(np.float32), timesteps=8)


def _classification_task():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 8, 1)).astype(np.float32)
    y = np.where(X[:, -3:, 0].mean(axis=1) > 0, "up", "down")
    return X, y


@pytest.mark.parametrize(
    ("estimator_class", "make_task"),
    [(LSTMRegressor, _regression_task), (LSTMClassifier, _classification_task)],
    ids=["regressor", "classifier"],
)
def test_a_fit_resumes_from_its_checkpoint(tmp_path, estimator_class, make_task):
    X, y = make_task()
    params = dict(hidden_size=8, batch_size=32, lr_schedule=None, random_state=0)
    first = estimator_class(max_epochs=3, callbacks=[Checkpoint(monitor=None, dirname=str(tmp_path))],
                            **params).fit(X, y)
    assert (tmp_path / "params.pt").is_file() and len(first.history_) == 3

    checkpoint = Checkpoint(monitor=None, dirname=str(tmp_path))
    resumed = estimator_class(max_epochs=2, callbacks=[checkpoint, LoadInitState(checkpoint)],
                              **params).fit(X, y)
    assert len(resumed.history_) == 5  # the loaded history goes on where it stopped
    assert resumed.history_[-1, "train_loss"] < first.history_[0, "train_loss"]
    assert resumed.predict(X[:4]).shape == (4,)


def test_resuming_starts_from_the_saved_weights_not_from_scratch(tmp_path):
    """The first epoch after a resume must start where the checkpointed fit ended."""
    X, y = _regression_task()
    params = dict(hidden_size=8, batch_size=32, lr_schedule=None, random_state=0, shuffle=False)
    long_fit = LSTMRegressor(max_epochs=4, **params).fit(X, y)

    LSTMRegressor(max_epochs=2, callbacks=[Checkpoint(monitor=None, dirname=str(tmp_path))],
                  **params).fit(X, y)
    checkpoint = Checkpoint(monitor=None, dirname=str(tmp_path))
    resumed = LSTMRegressor(max_epochs=2, callbacks=[checkpoint, LoadInitState(checkpoint)],
                            **params).fit(X, y)
    # Same weights and optimizer state after epoch 2, same batches: epochs 3-4 match the long fit.
    np.testing.assert_allclose(resumed.history_[:, "train_loss"], long_fit.history_[:, "train_loss"],
                               rtol=1e-5)
