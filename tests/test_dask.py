"""Hyper-parameter search and cross-validation on a dask.distributed cluster.

A two-process ``LocalCluster`` on the loopback interface runs scikit-learn's searches through
joblib's dask backend. Every result must be the same as a local run, bit for bit: the fits
are the same computations on the same CPU, and dask's nanny starts each worker with one
BLAS/OpenMP thread, the torch thread count the test session uses too (tests/conftest.py).
Fitted models travel back to the client by pickle and predict there.
"""

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    RandomizedSearchCV,
    TimeSeriesSplit,
    cross_validate,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from lstm_forecast import LSTMClassifier, LSTMRegressor, SlidingWindow, make_windows

distributed = pytest.importorskip("distributed")

FAST = dict(hidden_size=4, max_epochs=2, batch_size=16, random_state=0, device="cpu")
SERIES = np.sin(np.linspace(0, 16 * np.pi, 130)).astype(np.float32)
X_WIN, Y_WIN = make_windows(SERIES, timesteps=6)
RNG = np.random.RandomState(0)
X_CLS = RNG.normal(size=(60, 5, 2)).astype(np.float32)
Y_CLS = np.where(X_CLS[:, -1, 0] > 0, "up", "down")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
        dashboard_address=None,
    )
    try:
        with distributed.Client(cluster) as dask_client:
            yield dask_client
    finally:
        cluster.close()


def on_cluster(func, *args, **kwargs):
    with joblib.parallel_backend("dask"):
        return func(*args, **kwargs)


def worker_pids(client):
    return set(client.run(lambda: __import__("os").getpid()).values())


def scores(results):
    return {key: np.asarray(value) for key, value in results.cv_results_.items()
            if key.startswith(("split", "mean_test", "std_test", "rank_test"))}


def assert_same_scores(local, remote):
    local, remote = scores(local), scores(remote)
    assert local.keys() == remote.keys() and local
    for key, value in local.items():
        np.testing.assert_array_equal(remote[key], value, err_msg=key)


def test_workers_are_separate_processes_with_one_torch_thread(client):
    import os

    pids = worker_pids(client)
    assert len(pids) == 2 and os.getpid() not in pids
    assert set(client.run(torch.get_num_threads).values()) == {torch.get_num_threads()} == {1}


def test_grid_search_on_the_cluster_matches_a_local_run(client):
    grid = {"hidden_size": [4, 8], "lr": [1e-2, 3e-2]}
    search = GridSearchCV(LSTMRegressor(**FAST), grid, cv=TimeSeriesSplit(n_splits=3))
    local = clone(search).fit(X_WIN, Y_WIN)
    remote = on_cluster(clone(search).fit, X_WIN, Y_WIN)
    assert_same_scores(local, remote)
    assert remote.best_params_ == local.best_params_
    # The refit runs on the client; its predictions match the local refit's exactly.
    np.testing.assert_array_equal(
        remote.best_estimator_.predict(X_WIN[-5:]), local.best_estimator_.predict(X_WIN[-5:])
    )


def test_randomized_search_over_a_pipeline_on_the_cluster(client):
    # Rows in time order, the next value as target: the pipeline windows the rows itself.
    frame = np.stack([SERIES[:-1], np.cos(np.arange(len(SERIES) - 1) / 3)], axis=1)
    target = SERIES[1:]
    pipeline = Pipeline([
        ("scale", StandardScaler()),
        ("window", SlidingWindow(timesteps=4)),
        ("lstm", LSTMRegressor(**FAST)),
    ])
    space = {"window__timesteps": [2, 4, 6], "lstm__hidden_size": [4, 8],
             "lstm__cell": ["lstm", "gru"]}
    search = RandomizedSearchCV(pipeline, space, n_iter=3, cv=TimeSeriesSplit(n_splits=2),
                                random_state=0)
    local = clone(search).fit(frame, target)
    remote = on_cluster(clone(search).fit, frame, target)
    assert_same_scores(local, remote)
    assert remote.best_params_ == local.best_params_
    np.testing.assert_array_equal(remote.predict(frame[-5:]), local.predict(frame[-5:]))


def test_cross_validate_classifier_returns_worker_fitted_models(client):
    model = LSTMClassifier(**FAST)
    cv = KFold(n_splits=3)
    local = cross_validate(model, X_CLS, Y_CLS, cv=cv, return_estimator=True)
    remote = on_cluster(cross_validate, model, X_CLS, Y_CLS, cv=cv, return_estimator=True)
    np.testing.assert_array_equal(remote["test_score"], local["test_score"])
    for here, there in zip(local["estimator"], remote["estimator"], strict=True):
        # Fitted on a worker, unpickled on the client: same classes, same probabilities.
        assert list(there.classes_) == ["down", "up"]
        np.testing.assert_array_equal(there.predict_proba(X_CLS), here.predict_proba(X_CLS))


def test_model_fitted_inside_client_submit_predicts_on_the_client(client):
    def fit_on_worker(model, X, y):
        import os

        return model.fit(X, y), os.getpid()

    future = client.submit(fit_on_worker, LSTMRegressor(**FAST), X_WIN, Y_WIN, pure=False)
    fitted, pid = future.result()
    assert pid in worker_pids(client)
    expected = LSTMRegressor(**FAST).fit(X_WIN, Y_WIN)
    np.testing.assert_array_equal(fitted.predict(X_WIN), expected.predict(X_WIN))
    assert fitted.n_epochs_ == 2 and fitted.score(X_WIN, Y_WIN) == expected.score(X_WIN, Y_WIN)


def test_backtest_folds_of_a_panel_run_on_the_cluster(client):
    from lstm_forecast import DriftForecaster, backtest

    rng = np.random.RandomState(1)
    panel = {name: 10 + rng.normal(size=n).cumsum() for name, n in [("a", 30), ("b", 24)]}
    kwargs = {"horizon": 3, "n_folds": 4, "metrics": ("mae", "coverage")}
    local = backtest(DriftForecaster(), panel, **kwargs)
    remote = on_cluster(backtest, DriftForecaster(), panel, **kwargs)
    assert len(remote.folds) == 8
    columns = ["mae", "coverage_0.95"]
    np.testing.assert_array_equal(remote.folds[columns], local.folds[columns])
    np.testing.assert_array_equal(remote.forecasts["y_pred"], local.forecasts["y_pred"])
