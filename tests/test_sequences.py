"""Tests for lstm_forecast.sequences: RowSequence, PadSequences, pad_sequences."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline

from lstm_forecast.sequences import PadSequences, RowSequence, pad_sequences

# ----------------------------------------------------------------------------- RowSequence


def test_flat_square_images_are_read_row_by_row():
    X = np.arange(3 * 784, dtype=np.float32).reshape(3, 784)
    Xt = RowSequence().fit_transform(X)
    assert Xt.shape == (3, 28, 28)
    assert Xt.dtype == np.float32
    np.testing.assert_array_equal(Xt[2, 5], X[2, 5 * 28 : 6 * 28])
    assert np.shares_memory(X, Xt)


@pytest.mark.parametrize(
    "shape, image_shape, expected",
    [
        ((4, 12), (3, 4), (4, 3, 4)),
        ((4, 12), (4, 3), (4, 4, 3)),
        ((4, 12), (2, 2, 3), (4, 2, 6)),
        ((4, 12), (-1, 1), (4, 12, 1)),
        ((4, 12), (1, -1), (4, 1, 12)),
        ((4, 12), (2, -1, 3), (4, 2, 6)),
        ((4, 5, 6), None, (4, 5, 6)),
        ((4, 5, 6), (5, 6), (4, 5, 6)),
        ((4, 5, 6), (5, -1), (4, 5, 6)),
        ((4, 5, 6, 3), None, (4, 5, 18)),
        ((4, 5, 6, 3), (5, 6), (4, 5, 18)),
        ((4, 5, 6, 3), (5, 6, 3), (4, 5, 18)),
    ],
)
def test_output_shapes(shape, image_shape, expected):
    X = np.zeros(shape, dtype=np.float32)
    assert RowSequence(image_shape=image_shape).fit_transform(X).shape == expected


def test_channels_last_row_is_all_pixels_and_channels():
    rng = np.random.default_rng(0)
    X = rng.random((2, 3, 4, 2), dtype=np.float32)
    Xt = RowSequence().fit_transform(X)
    np.testing.assert_array_equal(Xt[1, 2], X[1, 2].ravel())
    assert np.shares_memory(X, Xt)


def test_columns_order():
    rng = np.random.default_rng(0)
    X = rng.random((2, 3, 4), dtype=np.float32)
    Xt = RowSequence(order="columns").fit_transform(X)
    assert Xt.shape == (2, 4, 3)
    np.testing.assert_array_equal(Xt[1, 2], X[1, :, 2])
    assert np.shares_memory(X, Xt)  # a transposed view for one channel

    X4 = rng.random((2, 3, 4, 2), dtype=np.float32)
    Xt4 = RowSequence(order="columns").fit_transform(X4)
    assert Xt4.shape == (2, 4, 6)
    np.testing.assert_array_equal(Xt4[0, 3], X4[0, :, 3].ravel())


@pytest.mark.parametrize("dtype", [np.uint8, np.int64, np.float64])
def test_other_dtypes_become_float32(dtype):
    X = np.arange(2 * 9).reshape(2, 9).astype(dtype)
    Xt = RowSequence().fit_transform(X)
    assert Xt.dtype == np.float32
    np.testing.assert_array_equal(Xt, X.reshape(2, 3, 3).astype(np.float32))


def test_dataframe_and_list_input():
    X = np.arange(2 * 4, dtype=np.float32).reshape(2, 4)
    df = pd.DataFrame(X, columns=[f"p{i}" for i in range(4)])
    np.testing.assert_array_equal(RowSequence().fit_transform(df), X.reshape(2, 2, 2))
    np.testing.assert_array_equal(RowSequence().fit_transform(X.tolist()), X.reshape(2, 2, 2))


def test_stateless_transform_without_fit():
    X = np.zeros((2, 16), dtype=np.float32)
    assert RowSequence().transform(X).shape == (2, 4, 4)


def test_n_features_in_and_mismatch():
    rs = RowSequence().fit(np.zeros((2, 16)))
    assert rs.n_features_in_ == 16
    with pytest.raises(ValueError, match="X has 9 features, but RowSequence is expecting 16"):
        rs.transform(np.zeros((2, 9)))


@pytest.mark.parametrize(
    "X, params, match",
    [
        (np.zeros((2, 10)), {}, "10 values per row, which is not a square image"),
        (
            np.zeros((2, 10)),
            {"image_shape": (3, 3)},
            r"image_shape=\(3, 3\) cannot read rows of 10",
        ),
        (np.zeros((2, 10)), {"image_shape": (-1, 3)}, "cannot read rows of 10"),
        (np.zeros((2, 4, 4)), {"image_shape": (4, 5)}, "does not match the images in X"),
        (np.zeros((2, 4, 4, 3)), {"image_shape": (4, 4, 1)}, "does not match the images in X"),
        (np.zeros(16), {}, r"got an array of shape \(16,\)"),
        (np.zeros((1, 2, 2, 2, 2)), {}, r"got an array of shape \(1, 2, 2, 2, 2\)"),
    ],
)
def test_shapes_it_cannot_read(X, params, match):
    with pytest.raises(ValueError, match=match):
        RowSequence(**params).fit_transform(X)


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"order": "diagonal"}, ValueError, "The 'order' parameter of RowSequence must be a str among"),
        ({"image_shape": (0, 4)}, ValueError, "image_shape must be"),
        ({"image_shape": (4,)}, ValueError, "image_shape must be"),
        ({"image_shape": (-1, -1)}, ValueError, "image_shape must be"),
        ({"image_shape": (2.0, 2)}, ValueError, "image_shape must be"),
        ({"image_shape": 4}, TypeError, "The 'image_shape' parameter of RowSequence must be an instance of"),
    ],
)
def test_bad_parameters_are_reported_in_fit(params, error, match):
    with pytest.raises(error, match=match):
        RowSequence(**params).fit(np.zeros((2, 16)))


def test_nan_is_rejected():
    X = np.zeros((2, 4))
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        RowSequence().fit_transform(X)


def test_in_a_pipeline_with_clone():
    pipe = make_pipeline(RowSequence(image_shape=(2, 8)))
    Xt = clone(pipe).fit_transform(np.ones((3, 16)))
    assert Xt.shape == (3, 2, 8)


def test_tags():
    tags = RowSequence().__sklearn_tags__()
    assert tags.input_tags.three_d_array
    assert tags.input_tags.two_d_array
    assert not tags.requires_fit
    assert tags.transformer_tags.preserves_dtype == ["float32"]


# ----------------------------------------------------------------------------- pad_sequences

SEQS = [[1], [2, 3], [4, 5, 6]]


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({}, [[0, 0, 1], [0, 2, 3], [4, 5, 6]]),
        ({"value": -1}, [[-1, -1, 1], [-1, 2, 3], [4, 5, 6]]),
        ({"padding": "post"}, [[1, 0, 0], [2, 3, 0], [4, 5, 6]]),
        ({"maxlen": 2}, [[0, 1], [2, 3], [5, 6]]),
        ({"maxlen": 2, "truncating": "post"}, [[0, 1], [2, 3], [4, 5]]),
        ({"maxlen": 2, "truncating": "post", "padding": "post"}, [[1, 0], [2, 3], [4, 5]]),
        ({"maxlen": 4}, [[0, 0, 0, 1], [0, 0, 2, 3], [0, 4, 5, 6]]),
        ({"maxlen": 1}, [[1], [3], [6]]),
    ],
)
def test_pad_sequences_keras_examples(kwargs, expected):
    out = pad_sequences(SEQS, **kwargs)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, expected)


def test_pad_sequences_empty_sequence_is_all_padding():
    out = pad_sequences([[], [7, 8]], value=9)
    np.testing.assert_array_equal(out, [[9, 9], [7, 8]])


def test_pad_sequences_input_kinds():
    expected = [[0, 1, 2], [3, 4, 5]]
    arrays = [np.array([1, 2]), np.array([3, 4, 5])]
    obj = np.empty(2, dtype=object)
    obj[:] = arrays
    for seqs in (
        [[1, 2], [3, 4, 5]],
        arrays,
        obj,
        pd.Series([[1, 2], [3, 4, 5]]),
        ([1, 2], (3, 4, 5)),
        (s for s in [[1, 2], [3, 4, 5]]),
        [[1.0, 2.0], [3, 4, 5]],
    ):
        np.testing.assert_array_equal(pad_sequences(seqs), expected)
    # a 2-D array or DataFrame is one sequence per row
    two_d = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int64)
    np.testing.assert_array_equal(pad_sequences(two_d, maxlen=2), [[2, 3], [5, 6]])
    np.testing.assert_array_equal(pad_sequences(pd.DataFrame(two_d)), two_d)


def test_pad_sequences_dtype():
    out = pad_sequences(SEQS, dtype="int64")
    assert out.dtype == np.int64
    out = pad_sequences(SEQS, dtype=np.float32, value=0.5)
    assert out.dtype == np.float32
    assert out[0, 0] == 0.5


@pytest.mark.parametrize(
    "seqs, kwargs, error, match",
    [
        ([], {}, ValueError, "sequences is empty"),
        (np.zeros((0, 3), dtype=int), {}, ValueError, "sequences is empty"),
        ([[], []], {}, ValueError, "every sequence is empty"),
        (SEQS, {"maxlen": 0}, ValueError, "maxlen must be an integer >= 1 or None; got 0"),
        (SEQS, {"maxlen": -3}, ValueError, "maxlen must be an integer >= 1 or None; got -3"),
        (SEQS, {"maxlen": 2.5}, TypeError, "maxlen must be an integer >= 1 or None; got 2.5"),
        (SEQS, {"maxlen": True}, TypeError, "maxlen must be"),
        (SEQS, {"padding": "middle"}, ValueError, "padding must be"),
        (SEQS, {"truncating": "both"}, ValueError, "truncating must be"),
        (SEQS, {"dtype": "str"}, TypeError, "dtype must be"),
        (SEQS, {"dtype": "not-a-dtype"}, TypeError, "dtype must be"),
        (SEQS, {"value": "x"}, TypeError, "value must be a number"),
        (SEQS, {"value": 0.5}, ValueError, "value must be an integer"),
        (SEQS, {"value": 300, "dtype": "uint8"}, ValueError, "does not fit in dtype"),
        ([[1, 2.5]], {}, TypeError, "token ids must be integers; found 2.5"),
        ([[1, np.nan]], {}, TypeError, "token ids must be integers"),
        ([["a", "b"]], {}, TypeError, "token ids must be integers"),
        ([[True, False]], {}, TypeError, "token ids must be integers"),
        ([[1, 300]], {"dtype": "uint8"}, ValueError, "does not fit in dtype"),
        ([1, 2, 3], {}, TypeError, r"sequences\[0\] is not a sequence"),
        (["abc"], {}, TypeError, r"sequences\[0\] is a string"),
        ([[[1, 2]]], {}, ValueError, r"sequences\[0\] has shape \(1, 2\)"),
        ("abc", {}, TypeError, "sequences must be a list"),
        (None, {}, TypeError, "sequences must be a list"),
        (5, {}, TypeError, "sequences must be a list"),
        (np.arange(3), {}, ValueError, "got an array of shape"),
    ],
)
def test_pad_sequences_errors(seqs, kwargs, error, match):
    with pytest.raises(error, match=match):
        pad_sequences(seqs, **kwargs)


# ----------------------------------------------------------------------------- PadSequences


def test_pad_transformer_learns_maxlen():
    pad = PadSequences().fit(SEQS)
    assert pad.maxlen_ == 3
    np.testing.assert_array_equal(pad.transform([[1, 2, 3, 4, 5], []]), [[3, 4, 5], [0, 0, 0]])


def test_pad_transformer_fixed_maxlen_and_fit_transform():
    pad = PadSequences(maxlen=2, padding="post", truncating="post", value=-1)
    out = pad.fit_transform(SEQS)
    np.testing.assert_array_equal(out, [[1, -1], [2, 3], [4, 5]])
    assert pad.maxlen_ == 2
    np.testing.assert_array_equal(out, pad.transform(SEQS))


def test_pad_transformer_matches_function():
    for kw in ({}, {"maxlen": 2, "padding": "post"}, {"truncating": "post", "maxlen": 1}):
        np.testing.assert_array_equal(
            PadSequences(**kw).fit_transform(SEQS), pad_sequences(SEQS, **kw)
        )


def test_pad_transformer_unfitted():
    with pytest.raises(NotFittedError):
        PadSequences(maxlen=3).transform(SEQS)


def test_pad_transformer_validates_in_fit_not_init():
    pad = PadSequences(maxlen=-1, padding="nope")  # __init__ only stores
    assert pad.get_params()["padding"] == "nope"
    with pytest.raises(ValueError, match="maxlen"):
        pad.fit(SEQS)


def test_pad_transformer_in_pipeline_and_clone():
    pipe = make_pipeline(PadSequences(maxlen=4))
    out = clone(pipe).fit_transform(SEQS)
    assert out.shape == (3, 4)


def test_pad_transformer_tags():
    tags = PadSequences().__sklearn_tags__()
    assert not tags.input_tags.two_d_array  # ragged integer sequences, not a 2-D float table
