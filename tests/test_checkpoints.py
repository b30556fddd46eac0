"""Long fits resume from skorch checkpoints (Checkpoint + LoadInitState passed as callbacks)."""

import numpy as np
from skorch.callbacks import Checkpoint, LoadInitState

from lstm_forecast import LSTMRegressor, make_windows


def test_a_fit_resumes_from_its_checkpoint(tmp_path):
    X, y = make_windows(np.sin(np.arange(300) / 6.0).astype(np.float32), timesteps=8)
    params = dict(hidden_size=8, batch_size=32, lr_schedule=None, random_state=0)
    first = LSTMRegressor(max_epochs=3, callbacks=[Checkpoint(monitor=None, dirname=str(tmp_path))],
                          **params).fit(X, y)
    assert (tmp_path / "params.pt").is_file() and len(first.history_) == 3

    checkpoint = Checkpoint(monitor=None, dirname=str(tmp_path))
    resumed = LSTMRegressor(max_epochs=2, callbacks=[checkpoint, LoadInitState(checkpoint)],
                            **params).fit(X, y)
    assert len(resumed.history_) == 5  # the loaded history goes on where it stopped
    assert resumed.history_[-1, "train_loss"] < first.history_[0, "train_loss"]
