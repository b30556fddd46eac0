"""scikit-learn's estimator checks over every estimator of the library, at default settings."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from lstm_forecast import LSTMClassifier, LSTMRegressor, RowSequence, SlidingWindow
from lstm_forecast.windows import _expected_failed_checks as sliding_window_expected_failures

ESTIMATORS = [
    LSTMRegressor(random_state=0),
    LSTMClassifier(random_state=0),
    RowSequence(image_shape=(-1, 1)),
    SlidingWindow(timesteps=1),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@parametrize_with_checks(
    [SlidingWindow(timesteps=3)], expected_failed_checks=sliding_window_expected_failures
)
def test_sliding_window_checks(estimator, check):
    """A window reads the rows before it: subset and order invariance cannot hold by design."""
    check(estimator)
