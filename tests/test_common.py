"""scikit-learn's estimator checks over every estimator and transformer of the library, once.

Estimators run at default settings (the classifier at 50 epochs). The transformers' expected
failures are by design and listed with their reason (strict: a check that starts passing must
leave the list).
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from lstm_forecast import (
    LSTMClassifier,
    LSTMRegressor,
    PadSequences,
    RowSequence,
    SlidingWindow,
)

ESTIMATORS = [
    LSTMRegressor(random_state=0),
    # max_epochs="auto" would give the checks' tiny data sets 500 epochs each: ten times the
    # time for the same verdicts.
    LSTMClassifier(random_state=0, max_epochs=50),
    RowSequence(image_shape=(-1, 1)),
    RowSequence(image_shape=(1, -1), order="columns"),
    SlidingWindow(timesteps=1),
    SlidingWindow(),
    SlidingWindow(3, padding="zero"),
    SlidingWindow(2, padding="nan"),
    SlidingWindow(4, padding="constant", fill_value=-1.5),
    RowSequence(),
    PadSequences(),
    PadSequences(maxlen=4, padding="post", dtype="float32"),
]

# A window holds the rows before it: subset and order invariance cannot hold by design.
_ORDER_DEPENDENT = {
    "check_methods_subset_invariance": (
        "a window holds the rows before it, so transforming a subset of the rows gives other "
        "windows than transforming all of them"
    ),
    "check_methods_sample_order_invariance": (
        "a window holds the rows before it, so shuffling the rows changes the windows"
    ),
}

# The default RowSequence only reads square images; the generic checks feed 2-D data with
# 2, 3, 5 or 10 columns, so every check that transforms it gets the "not a square image" error.
_NOT_SQUARE = "generic check data has 2, 3, 5 or 10 columns: not a square image"
_ROW_SEQUENCE_DEFAULT = dict.fromkeys(
    [
        "check_dict_unchanged", "check_dtype_object", "check_estimators_dtypes",
        "check_estimators_pickle", "check_f_contiguous_array_estimator", "check_fit_idempotent",
        "check_fit_score_takes_y", "check_methods_sample_order_invariance",
        "check_methods_subset_invariance", "check_pipeline_consistency",
        "check_transformer_data_not_an_array", "check_transformer_general",
        "check_transformer_preserve_dtypes", "check_transformers_unfitted_stateless",
    ],
    _NOT_SQUARE,
)


def expected_failed_checks(estimator):
    if isinstance(estimator, SlidingWindow) and estimator.timesteps != 1:
        return _ORDER_DEPENDENT
    if isinstance(estimator, RowSequence) and estimator.image_shape is None:
        return _ROW_SEQUENCE_DEFAULT
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks, xfail_strict=True)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
