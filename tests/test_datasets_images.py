"""Tests for the image loaders and the download/cache helper, on tiny generated files.

Nothing here touches the network: downloads go through a fake ``urlopen``.
"""

import gzip
import hashlib
import io
import struct
import urllib.error
import zipfile

import numpy as np
import pytest

from lstm_forecast.datasets import _download, images
from lstm_forecast.datasets._download import (
    DATA_HOME_ENV,
    ChecksumError,
    DownloadError,
    fetch_file,
    file_hash,
    get_data_home,
)
from lstm_forecast.datasets.images import (
    load_digits_rows,
    load_fashion_mnist,
    load_mnist,
    load_mnist_csv_zip,
    read_idx,
)
from lstm_forecast.sequences import RowSequence

RNG = np.random.default_rng(0)
TRAIN_X = RNG.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
TRAIN_Y = np.array([5, 0, 4, 1, 9], dtype=np.uint8)
TEST_X = RNG.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
TEST_Y = np.array([7, 2, 1], dtype=np.uint8)


def idx_bytes(array, magic=None, *, compress=True):
    """IDX encoding of an uint8 array (optionally with a forced magic number)."""
    if magic is None:
        magic = 0x0800 | array.ndim
    raw = struct.pack(f">I{array.ndim}I", magic, *array.shape) + array.tobytes()
    return gzip.compress(raw, mtime=0) if compress else raw


FILES = {
    "train-images-idx3-ubyte.gz": idx_bytes(TRAIN_X),
    "train-labels-idx1-ubyte.gz": idx_bytes(TRAIN_Y),
    "t10k-images-idx3-ubyte.gz": idx_bytes(TEST_X),
    "t10k-labels-idx1-ubyte.gz": idx_bytes(TEST_Y),
}
MD5 = {name: hashlib.md5(data).hexdigest() for name, data in FILES.items()}


@pytest.fixture
def tiny_md5(monkeypatch):
    """Make the loaders expect the MD5 of the tiny generated files."""
    monkeypatch.setitem(images._MD5, "mnist", dict(MD5))
    monkeypatch.setitem(images._MD5, "fashion_mnist", dict(MD5))


@pytest.fixture
def no_download(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("the loader tried to download a file that is in the cache")

    monkeypatch.setattr(_download, "_download", fail)


class FakeServer:
    """Stands in for urllib.request.urlopen: serves bytes by URL, records requests."""

    def __init__(self, files, *, down=()):
        self.files, self.down, self.requests = dict(files), set(down), []

    def __call__(self, request, timeout=None):
        url = request.full_url
        self.requests.append(url)
        if any(url.startswith(prefix) for prefix in self.down):
            raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")
        for name, data in self.files.items():
            if url.endswith("/" + name):
                return io.BytesIO(data)
        raise urllib.error.HTTPError(url, 404, "Not Found", None, None)


@pytest.fixture
def server(monkeypatch):
    fake = FakeServer(FILES)
    monkeypatch.setattr(_download.urllib.request, "urlopen", fake)
    return fake


def put_in_cache(folder, files=FILES):
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)


# ----------------------------------------------------------------------------- cache dir


def test_data_home_argument_env_and_default(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_HOME_ENV, str(tmp_path / "from_env"))
    assert get_data_home() == tmp_path / "from_env"
    assert (tmp_path / "from_env").is_dir()
    assert get_data_home(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.setenv(DATA_HOME_ENV, "")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert get_data_home() == tmp_path / "home" / ".cache" / "lstm_forecast"


def test_data_home_type_error(tmp_path):
    with pytest.raises(TypeError, match="data_home must be"):
        get_data_home(3.5)


# ----------------------------------------------------------------------------- MNIST


def test_load_mnist_from_cache_does_not_download(tmp_path, tiny_md5, no_download):
    put_in_cache(tmp_path / "mnist")
    X, y = load_mnist(tmp_path)
    assert X.dtype == np.uint8 and X.shape == (5, 28, 28)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(X, TRAIN_X)
    np.testing.assert_array_equal(y, TRAIN_Y)
    X, y = load_mnist(tmp_path, kind="test", download=False)
    np.testing.assert_array_equal(X, TEST_X)
    np.testing.assert_array_equal(y, TEST_Y)


def test_load_mnist_uses_env_var(tmp_path, monkeypatch, tiny_md5, no_download):
    put_in_cache(tmp_path / "mnist")
    monkeypatch.setenv(DATA_HOME_ENV, str(tmp_path))
    np.testing.assert_array_equal(load_mnist(kind="test")[1], TEST_Y)


def test_load_fashion_mnist_from_its_own_folder(tmp_path, tiny_md5, no_download):
    put_in_cache(tmp_path / "fashion_mnist")
    X, y = load_fashion_mnist(tmp_path, kind="test")
    np.testing.assert_array_equal(X, TEST_X)
    with pytest.raises(FileNotFoundError, match="download=False"):
        load_mnist(tmp_path, kind="test", download=False)  # mnist/ is empty


def test_download_then_cache(tmp_path, tiny_md5, server):
    X, y = load_mnist(tmp_path, kind="train")
    np.testing.assert_array_equal(X, TRAIN_X)
    assert server.requests == [
        images.MNIST_URLS[0] + "train-images-idx3-ubyte.gz",
        images.MNIST_URLS[0] + "train-labels-idx1-ubyte.gz",
    ]
    assert sorted(p.name for p in (tmp_path / "mnist").iterdir()) == [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
    ]  # no temporary file left behind
    load_mnist(tmp_path, kind="train")
    assert len(server.requests) == 2  # the second call reads the cache


def test_download_falls_back_to_the_next_mirror(tmp_path, tiny_md5, server):
    server.down.add(images.FASHION_MNIST_URLS[0])
    X, _ = load_fashion_mnist(tmp_path, kind="test")
    np.testing.assert_array_equal(X, TEST_X)
    assert server.requests[1].startswith(images.FASHION_MNIST_URLS[1])


def test_offline_error_names_url_and_cache_dir(tmp_path, tiny_md5, server):
    server.down.update(images.MNIST_URLS)
    with pytest.raises(DownloadError) as info:
        load_mnist(tmp_path, kind="test")
    assert isinstance(info.value, ConnectionError) and isinstance(info.value, OSError)
    message = str(info.value)
    for base in images.MNIST_URLS:
        assert base + "t10k-images-idx3-ubyte.gz" in message
    assert str(tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz") in message
    assert "no internet access" in message and DATA_HOME_ENV in message
    assert list((tmp_path / "mnist").iterdir()) == []


def test_download_with_wrong_checksum_is_discarded(tmp_path, monkeypatch, server):
    monkeypatch.setitem(images._MD5, "mnist", {name: "0" * 32 for name in MD5})
    with pytest.raises(ChecksumError, match="corrupt or the file has changed"):
        load_mnist(tmp_path, kind="test")
    assert list((tmp_path / "mnist").iterdir()) == []


def test_corrupt_cached_file_is_downloaded_again(tmp_path, tiny_md5, server):
    put_in_cache(tmp_path / "mnist")
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"garbage")
    with pytest.raises(ChecksumError, match="download=True"):
        load_mnist(tmp_path, kind="test", download=False)
    with pytest.warns(UserWarning, match="downloading it again"):
        _, y = load_mnist(tmp_path, kind="test")
    np.testing.assert_array_equal(y, TEST_Y)
    assert server.requests == [images.MNIST_URLS[0] + "t10k-labels-idx1-ubyte.gz"]


@pytest.mark.parametrize(
    "name, data, match",
    [
        ("t10k-images-idx3-ubyte.gz", b"not gzip at all", "not a valid gzip file"),
        ("t10k-images-idx3-ubyte.gz", idx_bytes(TEST_X)[:-20], "not a valid gzip file"),
        ("t10k-images-idx3-ubyte.gz", idx_bytes(TEST_X, magic=2049), "magic number 2049"),
        ("t10k-labels-idx1-ubyte.gz", idx_bytes(TEST_Y, magic=2051), "magic number 2051"),
        ("t10k-images-idx3-ubyte.gz", idx_bytes(TEST_X[:2]), "3 labels"),
        (
            "t10k-images-idx3-ubyte.gz",
            gzip.compress(idx_bytes(TEST_X, compress=False)[:-5], mtime=0),
            "is corrupt: its header announces shape",
        ),
        (
            "t10k-labels-idx1-ubyte.gz",
            gzip.compress(idx_bytes(TEST_Y, compress=False) + b"\x00", mtime=0),
            "is corrupt",
        ),
        ("t10k-labels-idx1-ubyte.gz", gzip.compress(b"\x00\x00", mtime=0), "not an IDX file"),
        ("t10k-labels-idx1-ubyte.gz", gzip.compress(b"\x00\x00\x08\x01", mtime=0), "truncated"),
    ],
    # Named ids: ids made from the bytes would hold gzip's timestamp (unless mtime=0) and
    # differ between pytest-xdist workers collecting in different seconds.
    ids=["not-gzip", "cut-gzip", "images-magic", "labels-magic", "count-mismatch", "short-body",
         "long-body", "not-idx", "cut-header"],
)
def test_corrupt_files_give_a_clear_value_error(
    tmp_path, monkeypatch, no_download, name, data, match
):
    monkeypatch.setitem(images._MD5, "mnist", {})  # no checksum: the parser must catch it
    put_in_cache(tmp_path / "mnist")
    (tmp_path / "mnist" / name).write_bytes(data)
    with pytest.raises(ValueError, match=match):
        load_mnist(tmp_path, kind="test")


def test_bad_kind(tmp_path):
    with pytest.raises(ValueError, match='kind must be "train" or "test"'):
        load_mnist(tmp_path, kind="validation")


def test_read_idx_other_types_and_uncompressed(tmp_path):
    data = np.arange(6, dtype=">i4").reshape(2, 3)
    path = tmp_path / "ints-idx2-int"
    path.write_bytes(struct.pack(">III", 0x0C02, 2, 3) + data.tobytes())
    out = read_idx(path)
    assert out.dtype == np.dtype("int32") and out.dtype.isnative
    np.testing.assert_array_equal(out, data)
    path.write_bytes(struct.pack(">III", 0x0702, 2, 3) + data.tobytes())
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(path)


def test_mnist_to_sequences():
    Xt = RowSequence().fit_transform(TRAIN_X)
    assert Xt.shape == (5, 28, 28) and Xt.dtype == np.float32


# ----------------------------------------------------------------------------- fetch_file


def test_fetch_file_sha256_and_single_url(tmp_path, monkeypatch):
    data = b"hello"
    monkeypatch.setattr(_download.urllib.request, "urlopen", FakeServer({"hello.txt": data}))
    sha = hashlib.sha256(data).hexdigest()
    path = fetch_file(
        "hello.txt", "https://example.org/hello.txt", data_home=tmp_path, sha256=sha.upper()
    )
    assert path.read_bytes() == data and file_hash(path) == sha
    assert file_hash(path, "md5") == hashlib.md5(data).hexdigest()


def test_fetch_file_single_mirror_offline_message(tmp_path, monkeypatch):
    server = FakeServer({}, down=["https://example.org"])
    monkeypatch.setattr(_download.urllib.request, "urlopen", server)
    with pytest.raises(DownloadError, match=r"https://example.org/a.bin \(.*name resolution"):
        fetch_file("a.bin", "https://example.org/a.bin", data_home=tmp_path)
    with pytest.raises(DownloadError, match="Not Found"):
        fetch_file("a.bin", "https://example.com/a.bin", data_home=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_download_leaves_nothing(tmp_path, monkeypatch):
    class Broken(io.BytesIO):
        def read(self, *args):
            raise KeyboardInterrupt

    monkeypatch.setattr(_download.urllib.request, "urlopen", lambda *a, **k: Broken(b"x"))
    with pytest.raises(KeyboardInterrupt):
        fetch_file("a.bin", "https://example.org/a.bin", data_home=tmp_path)
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- CSV in zip


def make_zip(path, members):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return path


def csv_rows(matrix):
    return "".join(",".join(f"{v:g}" for v in row) + "\n" for row in matrix)


IMAGES_TRAIN = RNG.random((4, 784)).round(3).astype(np.float32)
LABELS_TRAIN = np.array([3, 0, 9, 3])
IMAGES_TEST = RNG.random((2, 784)).round(3).astype(np.float32)
LABELS_TEST = np.array([1, 7])


def one_hot(labels):
    return np.eye(10, dtype=int)[labels]


@pytest.fixture
def s0_zip(tmp_path):
    return make_zip(
        tmp_path / "mnist.zip",
        {
            "mnist_train_images.csv": csv_rows(IMAGES_TRAIN),
            "mnist_train_labels.csv": csv_rows(one_hot(LABELS_TRAIN)),
            "mnist_test_images.csv": csv_rows(IMAGES_TEST),
            "mnist_test_labels.csv": csv_rows(one_hot(LABELS_TEST)),
        },
    )


def test_csv_zip_train_and_test(s0_zip):
    X, y = load_mnist_csv_zip(s0_zip)
    assert X.dtype == np.float32 and X.shape == (4, 784)
    np.testing.assert_array_equal(X, IMAGES_TRAIN)
    np.testing.assert_array_equal(y, LABELS_TRAIN)
    assert y.dtype == np.int64
    X, y = load_mnist_csv_zip(str(s0_zip), kind="test")
    np.testing.assert_array_equal(X, IMAGES_TEST)
    np.testing.assert_array_equal(y, LABELS_TEST)
    assert RowSequence().fit_transform(X).shape == (2, 28, 28)


def test_csv_zip_in_a_folder_with_headers_and_integer_labels(tmp_path):
    header = ",".join(f"px{i}" for i in range(784)) + "\n"
    path = make_zip(
        tmp_path / "nested.zip",
        {
            "data/": "",
            "data/mnist_train_images.csv": header + csv_rows(IMAGES_TRAIN),
            "data/mnist_train_labels.csv": "label\n" + csv_rows(LABELS_TRAIN[:, None]),
            "__MACOSX/data/._mnist_train_images.csv": "junk",
        },
    )
    X, y = load_mnist_csv_zip(path)
    np.testing.assert_array_equal(X, IMAGES_TRAIN)
    np.testing.assert_array_equal(y, LABELS_TRAIN)


@pytest.mark.parametrize(
    "members, match",
    [
        ({"mnist_train_images.csv": "1,2\n"}, "has no mnist_train_labels.csv"),
        (
            {"mnist_train_images.csv": "1,2\n3,4\n", "mnist_train_labels.csv": "0,1\n"},
            "has 2 rows but",
        ),
        (
            {"mnist_train_images.csv": "1,2\n", "mnist_train_labels.csv": "1,1\n"},
            "row 0 is not one-hot",
        ),
        ({"mnist_train_images.csv": "1,2\n", "mnist_train_labels.csv": "0.5,0.5\n"}, "not one-hot"),
        (
            {"mnist_train_images.csv": "1,2\n", "mnist_train_labels.csv": "1.5\n"},
            "labels must be integers",
        ),
        (
            {"mnist_train_images.csv": "1,2\nx,3\n", "mnist_train_labels.csv": "1\n2\n"},
            "not a CSV file of numbers",
        ),
        (
            {"mnist_train_images.csv": "1,2\n3,\n", "mnist_train_labels.csv": "1\n2\n"},
            "missing value",
        ),
        ({"mnist_train_images.csv": "", "mnist_train_labels.csv": "1\n"}, "is empty"),
    ],
)
def test_csv_zip_errors(tmp_path, members, match):
    path = make_zip(tmp_path / "bad.zip", members)
    with pytest.raises(ValueError, match=match):
        load_mnist_csv_zip(path)


def test_csv_zip_not_a_zip(tmp_path):
    path = tmp_path / "mnist.zip"
    path.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a valid zip file"):
        load_mnist_csv_zip(path)
    with pytest.raises(ValueError, match="kind must be"):
        load_mnist_csv_zip(path, kind="valid")


# ----------------------------------------------------------------------------- digits


def test_load_digits_rows():
    X, y = load_digits_rows()
    assert X.shape == (1797, 8, 8) and X.dtype == np.float32
    assert y.dtype == np.int64 and set(np.unique(y)) == set(range(10))
    X2, y2 = load_digits_rows(n_class=2)
    assert set(np.unique(y2)) == {0, 1} and X2.shape[1:] == (8, 8)
    assert RowSequence().fit_transform(X).shape == (1797, 8, 8)


@pytest.mark.parametrize("n_class, error", [(0, ValueError), (11, ValueError), (2.0, TypeError)])
def test_load_digits_rows_bad_n_class(n_class, error):
    with pytest.raises(error, match="n_class must be"):
        load_digits_rows(n_class=n_class)
