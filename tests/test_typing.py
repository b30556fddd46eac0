"""The public API is typed: every public function and method annotates its parameters and its
return, the annotations resolve, the package ships ``py.typed``, and mypy accepts the package.

The public API is every name of ``lstm_forecast.__all__`` and ``lstm_forecast.datasets.__all__``,
the public functions of the public modules, ``cli.main``, and the public methods (and
``__init__``) of every public class, wherever in the package they are defined (the inherited
``fit`` of ``BaseForecaster`` is checked once, where it is written). Methods a class inherits
from scikit-learn or the standard library are not the package's and are not checked.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import subprocess
import sys
import time
import typing
from pathlib import Path

import pytest

import lstm_forecast
import lstm_forecast.datasets

ROOT = Path(__file__).resolve().parents[1]

PUBLIC_MODULES = (
    "lstm_forecast.backtest",
    "lstm_forecast.baselines",
    "lstm_forecast.datasets",
    "lstm_forecast.metrics",
    "lstm_forecast.persistence",
    "lstm_forecast.plotting",
    "lstm_forecast.presets",
    "lstm_forecast.sequences",
    "lstm_forecast.windows",
)

# Functions of modules that other branches were rewriting when the annotations were added
# (issue 16.9): the type-hints branch lists the signatures they need. Remove an entry once its
# annotations land; test_not_yet_annotated_entries_are_current fails on an entry that is
# annotated, or that no longer exists.
NOT_YET_ANNOTATED: set[str] = set()


def _module(name):
    # ``lstm_forecast.backtest`` is the function once imported: read the module itself.
    importlib.import_module(name)
    return sys.modules[name]


def _own(obj):
    """Whether ``obj`` (a function or class) is written in this package."""
    return (getattr(obj, "__module__", None) or "").split(".")[0] == "lstm_forecast"


def _public_objects():
    """Every public function and class, once."""
    found = {}
    names = [(lstm_forecast, n) for n in lstm_forecast.__all__]
    names += [(lstm_forecast.datasets, n) for n in lstm_forecast.datasets.__all__]
    for module_name in PUBLIC_MODULES:
        module = _module(module_name)
        listed = getattr(module, "__all__", None)
        if listed is None:
            listed = [n for n, v in vars(module).items() if not n.startswith("_")
                      and getattr(v, "__module__", None) == module_name]
        names += [(module, n) for n in listed]
    names.append((_module("lstm_forecast.cli"), "main"))
    for module, name in names:
        obj = getattr(module, name)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and _own(obj):
            found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


def _methods(cls):
    """The public methods (and ``__init__``) of ``cls`` written in this package, by name."""
    for name in dir(cls):
        if name.startswith("_") and name != "__init__":
            continue
        raw = inspect.getattr_static(cls, name)
        function = raw.__func__ if isinstance(raw, (staticmethod, classmethod)) else raw
        if isinstance(function, property):
            function = function.fget
        if inspect.isfunction(function) and _own(function):
            yield function


def _public_functions():
    functions = {}
    for obj in _public_objects().values():
        for function in _methods(obj) if inspect.isclass(obj) else [obj]:
            functions[f"{function.__module__}.{function.__qualname__}"] = function
    return dict(sorted(functions.items()))


PUBLIC = _public_functions()
CHECKED = {name: f for name, f in PUBLIC.items() if name not in NOT_YET_ANNOTATED}


def _missing(function):
    """Names of the parameters without an annotation, and ``"return"`` when it has none."""
    signature = inspect.signature(function)
    parameters = list(signature.parameters.values())
    if "." in function.__qualname__ and parameters and parameters[0].name in ("self", "cls"):
        parameters = parameters[1:]
    missing = [p.name for p in parameters if p.annotation is inspect.Parameter.empty
               and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if signature.return_annotation is inspect.Signature.empty:
        missing.append("return")
    return missing


def test_the_public_api_is_found():
    # A walk that silently found nothing would pass every test below.
    assert len(PUBLIC) > 50
    for name in ("lstm_forecast._base.RecurrentEstimatorBase.fit",
                 "lstm_forecast._forecaster_base.BaseForecaster.predict_interval",
                 "lstm_forecast.sequences.PadSequences.fit_transform",
                 "lstm_forecast.backtest.BacktestResult.summary", "lstm_forecast.cli.main",
                 "lstm_forecast.datasets.series.load_csv_series"):
        assert name in PUBLIC, name


@pytest.mark.parametrize("name", list(CHECKED))
def test_public_function_is_annotated(name):
    missing = _missing(CHECKED[name])
    assert not missing, f"{name} lacks annotations for: {', '.join(missing)}"


@pytest.mark.parametrize("name", list(CHECKED))
def test_annotations_resolve(name):
    function = CHECKED[name]
    try:
        typing.get_type_hints(function)
    except Exception as error:  # noqa: BLE001 - any failure is a broken annotation
        pytest.fail(f"typing.get_type_hints({name}) fails: {type(error).__name__}: {error}")


def test_not_yet_annotated_entries_are_current():
    stale = [name for name in sorted(NOT_YET_ANNOTATED)
             if name not in PUBLIC or not _missing(PUBLIC[name])]
    assert not stale, f"remove from NOT_YET_ANNOTATED (annotated, or gone): {stale}"


def test_py_typed_marker_ships():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    assert (ROOT / "lstm_forecast" / "py.typed").is_file()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "py.typed" in config["tool"]["setuptools"]["package-data"]["lstm_forecast"]


# What a user's type checker reads of typical calls: the package's own types, not Any (the
# estimators' bases are scikit-learn's, which are untyped), and a typo in an option is an error.
USAGE = """
import numpy as np
from lstm_forecast import LSTMRegressor, NaiveForecaster, PadSequences, backtest, mae, make_windows

X, y = make_windows(np.sin(np.arange(100.0)), timesteps=10)
reveal_type(y)
reveal_type(make_windows(np.arange(20.0), timesteps=10, horizon=0)[1])
model = LSTMRegressor(hidden_size=8).fit(X, y)
reveal_type(model)
reveal_type(model.predict(X))
reveal_type(NaiveForecaster(horizon=2).fit([1.0, 2.0, 3.0]))
reveal_type(backtest(NaiveForecaster(horizon=2), np.arange(30.0), metrics=["mae", mae]))
reveal_type(mae([1.0], [2.0]))
reveal_type(PadSequences().fit([[1, 2], [3]]))
LSTMRegressor(cell="lstmm")
"""
REVEALED = [  # what each revealed type starts with (numpy's own spelling varies with its version)
    "numpy.ndarray[", "None", "lstm_forecast.regressor.LSTMRegressor", "numpy.ndarray[",
    "lstm_forecast.baselines.NaiveForecaster", "lstm_forecast.backtest.BacktestResult", "float",
    "lstm_forecast.sequences.PadSequences",
]


def _mypy(*args, cache):
    return subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(cache), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None,
                    reason="mypy is not installed (it is in the dev extra)")
def test_mypy_accepts_the_package_and_its_types_reach_users(tmp_path):
    start = time.perf_counter()
    result = _mypy(cache=tmp_path / "cache")  # the files of pyproject's [tool.mypy]
    assert result.returncode == 0, result.stdout + result.stderr
    print(f"mypy took {time.perf_counter() - start:.1f} s")

    usage = tmp_path / "usage.py"
    usage.write_text(USAGE)
    result = _mypy(str(usage), cache=tmp_path / "cache")
    lines = result.stdout.splitlines()
    revealed = [line.split('Revealed type is "', 1)[1][:-1] for line in lines if "Revealed type" in line]
    assert len(revealed) == len(REVEALED), result.stdout
    for got, expected in zip(revealed, REVEALED, strict=True):
        assert got.startswith(expected), (got, expected)
    assert "float64" in revealed[3], revealed[3]  # LSTMRegressor.predict
    errors = [line for line in lines if ": error:" in line]
    assert len(errors) == 1 and "lstmm" in errors[0], result.stdout
