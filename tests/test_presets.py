"""The time-series classification preset (now the classifier's defaults) learns
position-independent patterns."""

import numpy as np

from lstm_forecast import LSTMClassifier, time_series_classifier


def test_preset_is_the_default_classifier_with_overrides():
    clf = time_series_classifier(max_epochs=3)
    assert isinstance(clf, LSTMClassifier)
    assert clf.get_params() == LSTMClassifier(max_epochs=3).get_params()


def test_preset_finds_a_bump_anywhere_in_a_long_series():
    rng = np.random.RandomState(0)
    n, length = 120, 100
    X = rng.normal(scale=0.3, size=(n, length))
    y = np.arange(n) % 2
    starts = rng.randint(0, length - 10, size=n)
    for i in np.flatnonzero(y):
        X[i, starts[i] : starts[i] + 10] += 2.0
    clf = time_series_classifier(hidden_size=16, max_epochs=15, random_state=0)
    clf.fit(X[:80], y[:80])
    assert clf.score(X[80:], y[80:]) >= 0.9
