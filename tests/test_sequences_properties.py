"""Property tests (hypothesis) for RowSequence and pad_sequences / PadSequences."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lstm_forecast.sequences import PadSequences, RowSequence, pad_sequences

FAST = settings(max_examples=60, deadline=None, derandomize=True)

dims = st.integers(min_value=1, max_value=6)


@st.composite
def images(draw):
    """A float32 array of images: flat square, (n, H, W) or (n, H, W, C)."""
    n, h, w, c = draw(dims), draw(dims), draw(dims), draw(st.integers(1, 3))
    layout = draw(st.sampled_from(["flat", "hw", "hwc"]))
    shape = {"flat": (n, h * h), "hw": (n, h, w), "hwc": (n, h, w, c)}[layout]
    X = draw(hnp.arrays(np.float32, shape, elements=st.floats(-1e3, 1e3, width=32)))
    return X, layout


def as_nhwc(X, layout):
    if layout == "flat":
        side = int(round(np.sqrt(X.shape[1])))
        return X.reshape(X.shape[0], side, side, 1)
    return X if layout == "hwc" else X[..., None]


@FAST
@given(images())
def test_row_sequence_every_step_is_an_image_row(data):
    X, layout = data
    Xt = RowSequence().fit_transform(X)
    img = as_nhwc(X, layout)
    n, h, w, c = img.shape
    assert Xt.shape == (n, h, w * c)
    assert Xt.dtype == np.float32
    for i in range(n):
        for t in range(h):
            np.testing.assert_array_equal(Xt[i, t], img[i, t].ravel())
    # float32 C-contiguous input: the output is a view, never a copy
    assert np.shares_memory(X, Xt)


@FAST
@given(images())
def test_row_sequence_columns_is_rows_of_the_transposed_image(data):
    X, layout = data
    Xt = RowSequence(order="columns").fit_transform(X)
    img = as_nhwc(X, layout)
    expected = RowSequence().fit_transform(np.ascontiguousarray(img.transpose(0, 2, 1, 3)))
    np.testing.assert_array_equal(Xt, expected)
    if img.shape[3] == 1:
        assert np.shares_memory(X, Xt)


@FAST
@given(dims, dims, dims, st.sampled_from([np.uint8, np.float64]))
def test_row_sequence_image_shape_reads_flat_rows(n, h, w, dtype):
    X = np.arange(n * h * w).reshape(n, h * w).astype(dtype)
    Xt = RowSequence(image_shape=(h, w)).fit_transform(X)
    np.testing.assert_array_equal(Xt, X.reshape(n, h, w).astype(np.float32))
    np.testing.assert_array_equal(RowSequence(image_shape=(-1, w)).fit_transform(X), Xt)
    np.testing.assert_array_equal(RowSequence(image_shape=(h, -1)).fit_transform(X), Xt)


# ----------------------------------------------------------------------------- padding


def keras_pad_reference(sequences, maxlen=None, padding="pre", truncating="pre", value=0):
    """Straightforward per-sequence port of Keras' pad_sequences, for comparison."""
    if maxlen is None:
        maxlen = max(len(s) for s in sequences)
    out = np.full((len(sequences), maxlen), value, dtype="int32")
    for i, s in enumerate(sequences):
        if not len(s):
            continue
        trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        trunc = np.asarray(trunc, dtype="int32")
        if padding == "post":
            out[i, : len(trunc)] = trunc
        else:
            out[i, -len(trunc) :] = trunc
    return out


token_lists = st.lists(
    st.lists(st.integers(-(2**31), 2**31 - 1), max_size=12), min_size=1, max_size=8
).filter(lambda seqs: any(seqs))
pad_side = st.sampled_from(["pre", "post"])
maxlens = st.one_of(st.none(), st.integers(1, 15))


@FAST
@given(token_lists, maxlens, pad_side, pad_side, st.integers(-5, 5))
def test_pad_sequences_equals_keras_reference(seqs, maxlen, padding, truncating, value):
    out = pad_sequences(seqs, maxlen=maxlen, padding=padding, truncating=truncating, value=value)
    ref = keras_pad_reference(seqs, maxlen, padding, truncating, value)
    assert out.dtype == np.int32
    assert out.shape == (len(seqs), maxlen or max(len(s) for s in seqs))
    np.testing.assert_array_equal(out, ref)


@FAST
@given(token_lists, maxlens, pad_side, pad_side)
def test_pad_transformer_equals_function_and_keeps_tokens(seqs, maxlen, padding, truncating):
    pad = PadSequences(maxlen=maxlen, padding=padding, truncating=truncating, value=0)
    out = pad.fit_transform(seqs)
    np.testing.assert_array_equal(out, pad.transform(seqs))
    np.testing.assert_array_equal(out, pad_sequences(seqs, maxlen, "int32", padding, truncating))
    # the kept tokens, read in order, are the (truncated) sequence itself
    width = out.shape[1]
    for row, s in zip(out, seqs, strict=True):
        k = min(len(s), width)
        kept = row[width - k :] if padding == "pre" else row[:k]
        expected = s[len(s) - k :] if truncating == "pre" else s[:k]
        np.testing.assert_array_equal(kept, np.asarray(expected, dtype=np.int64))


@FAST
@given(
    st.lists(
        hnp.arrays(np.int64, st.integers(0, 10), elements=st.integers(0, 99)),
        min_size=1,
        max_size=6,
    ).filter(lambda arrs: any(a.size for a in arrs)),
    pad_side,
)
def test_pad_sequences_array_input_is_same_as_list_input(arrays, padding):
    as_lists = [a.tolist() for a in arrays]
    np.testing.assert_array_equal(
        pad_sequences(arrays, padding=padding), pad_sequences(as_lists, padding=padding)
    )
