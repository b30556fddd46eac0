"""Tests for the IMDB loader, on a tiny imdb.npz written by the tests.

The reference below is a plain-Python port of ``keras.datasets.imdb.load_data`` (Keras 3):
the loader must give the same reviews, labels and order.
"""

import hashlib
import io
import json
import os
import urllib.error

import numpy as np
import pytest

from lstm_forecast.datasets import _download, text
from lstm_forecast.datasets._download import ChecksumError, DownloadError
from lstm_forecast.datasets.text import IMDB_SHA256, get_imdb_word_index, load_imdb
from lstm_forecast.sequences import pad_sequences

RNG = np.random.default_rng(1)


def object_array(lists):
    out = np.empty(len(lists), dtype=object)
    out[:] = lists
    return out


def make_reviews(n, rng):
    return [rng.integers(1, 30, size=rng.integers(0, 12)).tolist() for _ in range(n)]


X_TRAIN, X_TEST = make_reviews(9, RNG), make_reviews(7, RNG)
X_TRAIN[3] = []  # an empty review
Y_TRAIN, Y_TEST = RNG.integers(0, 2, size=9), RNG.integers(0, 2, size=7)


def npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


NPZ = npz_bytes(
    x_train=object_array(X_TRAIN),
    y_train=Y_TRAIN,
    x_test=object_array(X_TEST),
    y_test=Y_TEST,
)
NPZ_SHA256 = hashlib.sha256(NPZ).hexdigest()


@pytest.fixture
def data_home(tmp_path):
    (tmp_path / "imdb").mkdir()
    (tmp_path / "imdb" / "imdb.npz").write_bytes(NPZ)
    return tmp_path


@pytest.fixture
def no_download(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("tried to download a cached file")

    monkeypatch.setattr(_download, "_download", fail)


def keras_reference(
    num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2, index_from=3
):
    """keras.datasets.imdb.load_data on (X_TRAIN, Y_TRAIN, X_TEST, Y_TEST)."""
    x_train, labels_train = object_array(X_TRAIN), Y_TRAIN
    x_test, labels_test = object_array(X_TEST), Y_TEST
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x_train))
    rng.shuffle(indices)
    x_train, labels_train = x_train[indices], labels_train[indices]
    indices = np.arange(len(x_test))
    rng.shuffle(indices)
    x_test, labels_test = x_test[indices], labels_test[indices]
    if start_char is not None:
        x_train = [[start_char] + [w + index_from for w in x] for x in x_train]
        x_test = [[start_char] + [w + index_from for w in x] for x in x_test]
    else:
        x_train = [[w + index_from for w in x] for x in x_train]
        x_test = [[w + index_from for w in x] for x in x_test]
    if maxlen:
        keep = [i for i, x in enumerate(x_train) if len(x) < maxlen]
        x_train, labels_train = [x_train[i] for i in keep], labels_train[keep]
        keep = [i for i, x in enumerate(x_test) if len(x) < maxlen]
        x_test, labels_test = [x_test[i] for i in keep], labels_test[keep]
    xs = x_train + x_test
    labels = np.concatenate([labels_train, labels_test])
    if not num_words:
        num_words = max(max(x) for x in xs if x)
    if oov_char is not None:
        xs = [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]
    idx = len(x_train)
    return (xs[:idx], labels[:idx]), (xs[idx:], labels[idx:])


def assert_same(ours, reference):
    for (x, y), (x_ref, y_ref) in zip(ours, reference, strict=True):
        assert len(x) == len(x_ref)
        for seq, seq_ref in zip(x, x_ref, strict=True):
            assert seq.tolist() == list(seq_ref)
        np.testing.assert_array_equal(y, y_ref)


@pytest.mark.parametrize(
    "params",
    [
        {"num_words": 20},
        {"num_words": 20, "skip_top": 5},
        {"num_words": 15, "oov_char": None},
        {"num_words": 25, "start_char": None},
        {"num_words": 25, "start_char": None, "index_from": 0},
        {"num_words": 30, "maxlen": 8},
        {"num_words": 12, "skip_top": 4, "oov_char": None, "maxlen": 10, "seed": 7},
        {"num_words": 1000, "start_char": 7, "oov_char": 9, "index_from": 10, "seed": 0},
    ],
)
def test_same_as_keras(data_home, no_download, params):
    assert_same(load_imdb(data_home, sha256=NPZ_SHA256, **params), keras_reference(**params))


def test_num_words_none_keeps_every_word(data_home, no_download):
    ours = load_imdb(data_home, sha256=NPZ_SHA256)
    # Keras' code would turn the largest code into oov_char; its docs (and we) keep it.
    largest = max(max(x) for x in X_TRAIN + X_TEST if x) + 3
    assert_same(ours, keras_reference(num_words=largest + 1))
    codes = np.concatenate(list(ours[0][0]) + list(ours[1][0]))
    assert codes.max() == largest


def test_output_types(data_home, no_download):
    (x_train, y_train), (x_test, y_test) = load_imdb(data_home, sha256=NPZ_SHA256)
    assert x_train.dtype == object and x_train.shape == (9,)
    assert all(isinstance(s, np.ndarray) and s.dtype == np.int32 for s in x_train)
    assert y_train.dtype == np.int64 and y_test.shape == (7,)
    assert sum(len(s) == 1 for s in x_train) == 1  # the empty review is just start_char
    padded = pad_sequences(x_train, maxlen=5)
    assert padded.shape == (9, 5)


def test_default_checks_the_published_hash_and_never_unpickles(tmp_path, no_download):
    # A file whose unpickling would run code (create a folder): it must never be loaded.
    marker = tmp_path / "code-was-run"

    class Evil:
        def __reduce__(self):
            return (os.makedirs, (str(marker),))

    evil = npz_bytes(
        x_train=object_array([Evil()]), y_train=[0], x_test=object_array([[1]]), y_test=[1]
    )
    (tmp_path / "imdb").mkdir()
    (tmp_path / "imdb" / "imdb.npz").write_bytes(evil)
    with pytest.raises(ChecksumError, match="does not have the expected sha256"):
        load_imdb(tmp_path, download=False)  # the published IMDB_SHA256
    assert not marker.exists()


def test_mismatch_detected_on_the_bytes_that_are_loaded(data_home, monkeypatch):
    # even if the cache check were bypassed, the bytes read are hashed before np.load
    monkeypatch.setattr(text, "fetch_file", lambda *a, **k: data_home / "imdb" / "imdb.npz")
    monkeypatch.setattr(text.np, "load", lambda *a, **k: pytest.fail("np.load was called"))
    with pytest.raises(ChecksumError, match="refusing to unpickle"):
        load_imdb(data_home, sha256="0" * 64)


@pytest.mark.parametrize("sha256", [None, "abc", "z" * 64, 123])
def test_sha256_is_required(data_home, sha256):
    with pytest.raises(ValueError, match="sha256 must be the 64-hex-digit SHA-256"):
        load_imdb(data_home, sha256=sha256)


def test_download_and_cache(tmp_path, monkeypatch):
    requests = []

    def urlopen(request, timeout=None):
        requests.append(request.full_url)
        return io.BytesIO(NPZ)

    monkeypatch.setattr(_download.urllib.request, "urlopen", urlopen)
    first = load_imdb(tmp_path, num_words=20, sha256=NPZ_SHA256)
    second = load_imdb(tmp_path, num_words=20, sha256=NPZ_SHA256)
    assert requests == [text.IMDB_URL]
    assert_same(first, keras_reference(num_words=20))
    assert_same(second, keras_reference(num_words=20))


def test_offline(tmp_path, monkeypatch):
    def urlopen(request, timeout=None):
        raise urllib.error.URLError("Network is unreachable")

    monkeypatch.setattr(_download.urllib.request, "urlopen", urlopen)
    with pytest.raises(DownloadError, match="Network is unreachable") as info:
        load_imdb(tmp_path)
    assert text.IMDB_URL in str(info.value)
    assert str(tmp_path / "imdb" / "imdb.npz") in str(info.value)
    assert isinstance(info.value, ConnectionError)
    with pytest.raises(FileNotFoundError, match="download=False"):
        load_imdb(tmp_path, download=False)


def test_maxlen_that_keeps_nothing(data_home, no_download):
    with pytest.raises(ValueError, match="Increase maxlen"):
        load_imdb(data_home, maxlen=1, sha256=NPZ_SHA256)


def test_missing_arrays(tmp_path, no_download):
    data = npz_bytes(x_train=object_array([[1]]), y_train=[0])
    (tmp_path / "imdb").mkdir()
    (tmp_path / "imdb" / "imdb.npz").write_bytes(data)
    with pytest.raises(ValueError, match="has no x_test, y_test"):
        load_imdb(tmp_path, sha256=hashlib.sha256(data).hexdigest())


@pytest.mark.parametrize(
    "params, error",
    [
        ({"num_words": 0}, ValueError),
        ({"num_words": 2.5}, TypeError),
        ({"skip_top": -1}, ValueError),
        ({"maxlen": 0}, ValueError),
        ({"start_char": -1}, ValueError),
        ({"oov_char": "x"}, TypeError),
        ({"index_from": None}, TypeError),
        ({"seed": True}, TypeError),
    ],
)
def test_bad_parameters(data_home, params, error):
    name = next(iter(params))
    with pytest.raises(error, match=f"{name} must be"):
        load_imdb(data_home, sha256=NPZ_SHA256, **params)


def test_word_index(tmp_path, monkeypatch, no_download):
    payload = json.dumps({"the": 1, "and": 2, "film": 19}).encode()
    monkeypatch.setattr(text, "_IMDB_WORD_INDEX_MD5", hashlib.md5(payload).hexdigest())
    (tmp_path / "imdb").mkdir()
    (tmp_path / "imdb" / "imdb_word_index.json").write_bytes(payload)
    assert get_imdb_word_index(tmp_path) == {"the": 1, "and": 2, "film": 19}


def test_word_index_not_json(tmp_path, monkeypatch, no_download):
    payload = b"{not json"
    monkeypatch.setattr(text, "_IMDB_WORD_INDEX_MD5", hashlib.md5(payload).hexdigest())
    (tmp_path / "imdb").mkdir()
    (tmp_path / "imdb" / "imdb_word_index.json").write_bytes(payload)
    with pytest.raises(ValueError, match="not valid JSON"):
        get_imdb_word_index(tmp_path)


def test_published_hash_constant():
    assert IMDB_SHA256 == "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
