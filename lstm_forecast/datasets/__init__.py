"""Data for the examples and tutorials: bundled series, generators and download loaders."""

from ._download import ChecksumError, DownloadError, get_data_home
from .images import load_digits_rows, load_fashion_mnist, load_mnist, load_mnist_csv_zip, read_idx
from .series import load_airline, load_csv_series, load_us_macro, make_sine
from .text import IMDB_SHA256, get_imdb_word_index, load_imdb

__all__ = [
    "IMDB_SHA256",
    "ChecksumError",
    "DownloadError",
    "get_data_home",
    "get_imdb_word_index",
    "load_airline",
    "load_csv_series",
    "load_digits_rows",
    "load_fashion_mnist",
    "load_imdb",
    "load_mnist",
    "load_mnist_csv_zip",
    "load_us_macro",
    "make_sine",
    "read_idx",
]
