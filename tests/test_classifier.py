"""LSTMClassifier as a scikit-learn classifier: labels, probabilities, accuracy on digits,
token input, sequences of different lengths and bad input."""

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline

from lstm_forecast import LSTMClassifier, PadSequences

RNG = np.random.RandomState(0)
X = RNG.normal(size=(48, 5, 2)).astype(np.float32)
TARGET = (X[:, :, 0].sum(axis=1) > 0).astype(int) + (X[:, -1, 1] > 1).astype(int)
FAST = dict(hidden_size=8, max_epochs=3, batch_size=16, random_state=0, device="cpu")
POOLINGS = ["last", "mean", "max", "cell"]


def clf(**params):
    return LSTMClassifier(**{**FAST, **params})


# ------------------------------------------------------------------ labels and proba
@pytest.mark.parametrize(
    "labels",
    [
        np.array(["yes", "no"])[(X[:, 0, 0] > 0).astype(int)],  # binary strings
        np.array(["cat", "dog", "emu"])[TARGET],  # multiclass strings
        (X[:, 0, 0] > 0),  # booleans
        np.array([-5, 10, 7])[TARGET],  # integers in no order
    ],
    ids=["binary-str", "multiclass-str", "bool", "int"],
)
def test_labels_of_any_type(labels):
    model = clf().fit(X, labels)
    np.testing.assert_array_equal(model.classes_, np.unique(labels))
    pred = model.predict(X)
    assert pred.dtype == model.classes_.dtype and set(pred) <= set(model.classes_)
    proba = model.predict_proba(X)
    assert proba.shape == (48, len(model.classes_))
    assert (proba >= 0).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], pred)
    assert 0 <= model.score(X, labels) <= 1


def test_learns_a_simple_rule():
    labels = np.where(X[:, :, 0].mean(axis=1) > 0, "pos", "neg")
    model = clf(max_epochs=30, hidden_size=8).fit(X, labels)
    assert model.score(X, labels) >= 0.9


def test_fitted_attributes_and_clone():
    model = clf().fit(X, TARGET)
    assert model.n_features_in_ == 2 and model.n_features_per_step_ == 2
    assert model.net_.module_.head.out_features == 3
    copy = clone(model)
    assert copy.get_params() == model.get_params() and not hasattr(copy, "classes_")


def test_joblib_round_trip(tmp_path):
    model = clf(validation_fraction=0.25).fit(X, np.array(["a", "b", "c"])[TARGET])
    joblib.dump(model, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(loaded.classes_, model.classes_)


def test_cross_val_score_stratified():
    scores = cross_val_score(clf(), X, TARGET, cv=StratifiedKFold(n_splits=2))
    assert scores.shape == (2,) and ((0 <= scores) & (scores <= 1)).all()


def test_same_random_state_same_probabilities():
    first = clf(dropout=0.2, num_layers=2).fit(X, TARGET).predict_proba(X)
    second = clf(dropout=0.2, num_layers=2).fit(X, TARGET).predict_proba(X)
    np.testing.assert_array_equal(first, second)


# ---------------------------------------------------------------------------- digits
def test_digits_read_row_by_row_reach_97_percent():
    """sklearn's 8x8 digits, each image 8 time steps of 8 pixels (the MNIST tutorials in
    small): the defaults (lr 1e-2, cosine schedule) reach >= 97% test accuracy."""
    digits = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(
        digits.images, digits.target, test_size=0.25, stratify=digits.target, random_state=0
    )
    model = LSTMClassifier(hidden_size=64, max_epochs=30, random_state=0, device="cpu")
    model.fit(X_train, y_train)
    assert model.score(X_test, y_test) >= 0.97


# ---------------------------------------------------------------------------- tokens
VOCAB = 30
TOKEN_LISTS = [list(RNG.randint(1, VOCAB, size=n)) for n in RNG.randint(2, 12, size=40)]
TOKEN_LABELS = np.array(["short", "long"])[(np.array([len(t) for t in TOKEN_LISTS]) > 6).astype(int)]


@pytest.fixture(scope="module", params=POOLINGS)
def token_model(request):
    model = clf(vocab_size=VOCAB, embedding_dim=6, pooling=request.param, bidirectional=True)
    return model.fit(TOKEN_LISTS, TOKEN_LABELS)


def test_token_lists_of_different_lengths(token_model):
    assert token_model.n_features_in_ == 1
    proba = token_model.predict_proba(TOKEN_LISTS)
    alone = np.vstack([token_model.predict_proba([tokens]) for tokens in TOKEN_LISTS])
    np.testing.assert_array_equal(proba, alone)


def test_pre_padding_with_zero_changes_nothing(token_model):
    """Keras-style pre-padding (PadSequences) gives the unpadded sequence's prediction."""
    padded = PadSequences(maxlen=15).fit_transform(TOKEN_LISTS)
    assert (padded[:, 0] == 0).all()
    proba = token_model.predict_proba(padded)
    np.testing.assert_array_equal(proba, token_model.predict_proba(TOKEN_LISTS))
    post = PadSequences(maxlen=15, padding="post").fit_transform(TOKEN_LISTS)
    np.testing.assert_array_equal(token_model.predict_proba(post), proba)


def test_token_pipeline_with_padding():
    pipe = make_pipeline(PadSequences(maxlen=12), clf(vocab_size=VOCAB, embedding_dim=4))
    pipe.fit(TOKEN_LISTS, TOKEN_LABELS)
    model = pipe[-1]
    np.testing.assert_array_equal(pipe.predict_proba(TOKEN_LISTS[:5]),
                                  model.predict_proba(TOKEN_LISTS[:5]))


def test_tokens_as_whole_floats_are_accepted():
    tokens = PadSequences(maxlen=12).fit_transform(TOKEN_LISTS)
    model = clf(vocab_size=VOCAB).fit(tokens, TOKEN_LABELS)
    np.testing.assert_array_equal(model.predict_proba(tokens.astype(float)), model.predict_proba(tokens))


# --------------------------------------------------------- float sequences, any length
@pytest.mark.parametrize("pooling", POOLINGS)
def test_padding_never_changes_a_float_prediction(pooling):
    sequences = [RNG.normal(size=(n, 3)).astype(np.float32) for n in RNG.randint(2, 9, size=24)]
    labels = np.array([s[:, 0].mean() > 0 for s in sequences])
    model = clf(pooling=pooling, num_layers=2).fit(sequences, labels)
    together = model.predict_proba(sequences)
    alone = np.vstack([model.predict_proba(s[None]) for s in sequences])
    np.testing.assert_array_equal(together, alone)


# -------------------------------------------------------------------------- bad input
LABELS = np.array(["a", "b"] * 24)
TOKENS = RNG.randint(1, 10, size=(48, 5))

BAD_FIT = [
    ("single-class", dict(), lambda: (X, np.array(["a"] * 48)), ValueError,
     r"LSTMClassifier needs samples of at least 2 classes; got 1 class \('a'\)"),
    ("continuous-y", dict(), lambda: (X, X[:, 0, 0]), ValueError, r"Unknown label type: continuous"),
    ("2d-y", dict(), lambda: (X, np.zeros((48, 2))), ValueError, r"y should be a 1d array"),
    ("nan-y", dict(), lambda: (X, np.where(np.arange(48) == 3, np.nan, 1.0)), ValueError,
     r"Input y contains NaN"),
    ("nan-X", dict(), lambda: (np.where(X > 2, np.nan, X), LABELS), ValueError, r"Input X contains NaN"),
    ("length-mismatch", dict(), lambda: (X, LABELS[:-2]), ValueError,
     r"inconsistent numbers of samples: \[48, 46\]"),
    ("empty", dict(), lambda: (X[:0], LABELS[:0]), ValueError, r"0 sample\(s\)"),
    ("1d-X", dict(), lambda: (X[:, 0, 0], LABELS), ValueError, r"Found array with dim 1"),
    ("text-X", dict(), lambda: (np.full((48, 5), "abc"), LABELS), ValueError, r"X must hold numbers"),
    ("token-out-of-vocab", dict(vocab_size=5), lambda: (TOKENS, LABELS), ValueError,
     r"Token ids must lie in \[0, vocab_size=5\); got values in \[1, 9\]\. Id 0 is padding"),
    ("token-negative", dict(vocab_size=10), lambda: (-TOKENS, LABELS), ValueError,
     r"Token ids must lie in \[0, vocab_size=10\)"),
    ("token-list-out-of-vocab", dict(vocab_size=5), lambda: ([[1, 2, 9], [1]] * 24, LABELS), ValueError,
     r"Token ids must lie in \[0, vocab_size=5\); got values in \[0, 9\]"),
    ("token-fractional", dict(vocab_size=10), lambda: (TOKENS + 0.5, LABELS), TypeError,
     r"Token ids must be integers; found \d+\.5 in X"),
    ("token-list-fractional", dict(vocab_size=10), lambda: ([[1, 2.5], [3]] * 24, LABELS), TypeError,
     r"Token ids must be integers; found 2.5 in X"),
    ("token-nan", dict(vocab_size=10), lambda: (np.where(TOKENS > 8, np.nan, TOKENS), LABELS),
     ValueError, r"Input X contains NaN"),
    ("token-text", dict(vocab_size=10), lambda: (np.full((48, 5), "a"), LABELS), ValueError,
     r"X must hold numbers"),
    ("token-3d", dict(vocab_size=10), lambda: (X, LABELS), ValueError,
     r"Token input \(vocab_size set\) must be 2-D \(n_samples, timesteps\) integer ids; "
     r"got shape \(48, 5, 2\)"),
    ("token-1d", dict(vocab_size=10), lambda: (TOKENS[:, 0], LABELS), ValueError,
     r"Token input \(vocab_size set\) must be 2-D"),
    ("vocab-size-1", dict(vocab_size=1), lambda: (TOKENS, LABELS), ValueError,
     r"The 'vocab_size' parameter of LSTMClassifier must be"),
    ("vocab-size-bool", dict(vocab_size=True), lambda: (TOKENS, LABELS), ValueError,
     r"The 'vocab_size' parameter of LSTMClassifier must be"),
    ("embedding-dim-0", dict(vocab_size=10, embedding_dim=0), lambda: (TOKENS, LABELS), ValueError,
     r"The 'embedding_dim' parameter of LSTMClassifier must be"),
]


@pytest.mark.parametrize("params, data, error, message", [c[1:] for c in BAD_FIT],
                         ids=[c[0] for c in BAD_FIT])
def test_bad_fit_input(params, data, error, message):
    X_bad, y_bad = data()
    with pytest.raises(error, match=message):
        clf(max_epochs=1, **params).fit(X_bad, y_bad)


@pytest.fixture(scope="module")
def fitted():
    return clf(max_epochs=1).fit(X, LABELS)


@pytest.fixture(scope="module")
def fitted_tokens():
    return clf(max_epochs=1, vocab_size=10).fit(TOKENS, LABELS)


BAD_PREDICT = [
    ("fewer-features", "fitted", lambda: X[:, :, :1], ValueError,
     r"X has 1 features per time step, but LSTMClassifier is expecting 2"),
    ("2d-after-3d-fit", "fitted", lambda: X[:, :, 0], ValueError,
     r"X is 2-D, read as \(n_samples, timesteps\) of 1 feature, but this model was fitted on 2"),
    ("token-out-of-vocab", "fitted_tokens", lambda: TOKENS + 5, ValueError,
     r"Token ids must lie in \[0, vocab_size=10\); got values in \[6, 14\]"),
    ("token-3d", "fitted_tokens", lambda: X, ValueError, r"Token input \(vocab_size set\) must be 2-D"),
]


@pytest.mark.parametrize("which, data, error, message", [c[1:] for c in BAD_PREDICT],
                         ids=[c[0] for c in BAD_PREDICT])
@pytest.mark.parametrize("method", ["predict", "predict_proba"])
def test_bad_predict_input(which, data, error, message, method, request):
    model = request.getfixturevalue(which)
    with pytest.raises(error, match=message):
        getattr(model, method)(data())


@pytest.mark.parametrize("method", ["predict", "predict_proba", "score"])
def test_predict_before_fit(method):
    args = (X, LABELS) if method == "score" else (X,)
    with pytest.raises(NotFittedError):
        getattr(clf(), method)(*args)
