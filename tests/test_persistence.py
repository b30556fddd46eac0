"""save_model/load_model: exact round trips, atomic writes, and files that must never load."""

import copy
import hashlib
import io
import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import zipfile

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import EpochTimer

from lstm_forecast import (
    LSTMClassifier,
    LSTMRegressor,
    NaiveForecaster,
    SeasonalNaiveForecaster,
    _archive,
    persistence,
)
from lstm_forecast._persist import PersistentMixin
from lstm_forecast.forecaster import LSTMForecaster
from lstm_forecast.persistence import FORMAT_VERSION, load_model, save_model

SMALL = dict(hidden_size=4, max_epochs=2, batch_size=16, device="cpu", random_state=0)


def _sequences(n=32, timesteps=5, n_features=2, seed=0):
    rng = np.random.RandomState(seed)
    return rng.normal(size=(n, timesteps, n_features)).astype(np.float32)


def _same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype == object:
        return b.dtype == object and a.shape == b.shape and a.tolist() == b.tolist()
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _fitted_state(estimator):
    params = estimator.get_params(deep=False)
    return {k: v for k, v in vars(estimator).items() if k not in params and k not in ("net_", "history_")}


def _assert_same_state(original, restored):
    expected, got = _fitted_state(original), _fitted_state(restored)
    assert sorted(got) == sorted(expected)
    for name, value in expected.items():
        if isinstance(value, np.ndarray):
            assert _same_bits(got[name], value), name
        else:
            assert got[name] == value and type(got[name]) is type(value), name


@pytest.fixture(scope="module")
def regressor():
    X = _sequences()
    y = X[:, :, 0].sum(axis=1).astype(np.float64)
    return LSTMRegressor(**SMALL).fit(X, y), X


@pytest.fixture(scope="module")
def classifier():
    rng = np.random.RandomState(1)
    tokens = rng.randint(0, 12, size=(36, 7))
    labels = np.array(["cat", "dog", "emu"])[tokens[:, 0] % 3]
    clf = LSTMClassifier(vocab_size=12, embedding_dim=3, **SMALL).fit(tokens, labels)
    return clf, tokens


@pytest.fixture
def model_file(tmp_path, regressor):
    path = tmp_path / "model.lstmf"
    save_model(regressor[0], path)
    return path


def _rewrite(path, edit, *, consistent=True):
    """Rewrite the archive at ``path``; ``edit(members)`` changes the dict of member bytes.

    ``consistent`` also updates the sizes, digests and the digest of the whole that meta.json
    declares, as someone who knows the format would (so each test reaches the check it
    means); ``consistent=False`` edits the bytes only, as a damaged disk or transfer would.
    """
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    edit(members)
    if consistent and "meta.json" in members:
        try:
            meta = json.loads(members["meta.json"])
        except (ValueError, RecursionError):
            meta = None
        if isinstance(meta, dict) and isinstance(meta.get("members"), dict):
            meta["members"] = {
                name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                for name, data in members.items() if name != "meta.json"
            }
            meta["digest"] = persistence._digest(meta)
            members["meta.json"] = json.dumps(meta).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            compression = zipfile.ZIP_DEFLATED if name.endswith(".json") else zipfile.ZIP_STORED
            archive.writestr(name, data, compress_type=compression)


def _edit_meta(path, change):
    def edit(members):
        meta = json.loads(members["meta.json"])
        change(meta)
        members["meta.json"] = json.dumps(meta).encode()

    _rewrite(path, edit)


# ------------------------------------------------------------------------------ round trips
def test_regressor_round_trip_is_exact(regressor, tmp_path):
    model, X = regressor
    path = tmp_path / "reg.lstmf"
    assert save_model(model, path) is None
    restored = load_model(path)
    assert type(restored) is LSTMRegressor
    assert restored.get_params() == model.get_params()
    _assert_same_state(model, restored)
    assert _same_bits(restored.predict(X), model.predict(X))
    assert restored.predict(X).shape == (len(X),)
    assert len(restored.history_) == model.n_epochs_ == restored.n_epochs_
    assert restored.history_[-1, "train_loss"] == model.history_[-1, "train_loss"]
    assert restored.net_.history is restored.history_
    assert restored.score(X, model.predict(X)) == 1.0


def test_archive_layout(model_file):
    with zipfile.ZipFile(model_file) as archive:
        assert sorted(archive.namelist()) == ["arrays.safetensors", "meta.json", "weights.safetensors"]
        meta = json.loads(archive.read("meta.json"))
    assert meta["format"] == "lstm_forecast.model"
    assert meta["format_version"] == FORMAT_VERSION
    assert meta["versions"]["lstm_forecast"]
    assert meta["estimator"]["class"] == "LSTMRegressor"
    assert meta["estimator"]["params"]["hidden_size"] == 4
    assert meta["estimator"]["network"] == {"member": "weights.safetensors"}
    assert meta["estimator"]["state"]["network_config_"]["type"] == "dict"
    assert sorted(meta["members"]) == ["arrays.safetensors", "weights.safetensors"]
    assert meta["digest"] == persistence._digest(meta)


def test_multi_output_dataframe_regressor(tmp_path):
    X = _sequences(n=30, timesteps=6, n_features=1)[:, :, 0]
    frame = pd.DataFrame(X, columns=[f"t{i}" for i in range(6)])
    y = np.column_stack([X.sum(axis=1), X[:, -1]])
    model = LSTMRegressor(**{**SMALL, "num_layers": 2, "cell": "gru", "bidirectional": True}).fit(frame, y)
    save_model(model, tmp_path / "multi.lstmf")
    restored = load_model(tmp_path / "multi.lstmf")
    assert restored.feature_names_in_.dtype == object
    assert list(restored.feature_names_in_) == list(frame.columns)
    assert restored.predict(frame).shape == (30, 2)
    assert _same_bits(restored.predict(frame), model.predict(frame))
    _assert_same_state(model, restored)


def test_classifier_string_labels_and_tokens(classifier, tmp_path):
    clf, tokens = classifier
    save_model(clf, tmp_path / "clf.lstmf")
    restored = load_model(tmp_path / "clf.lstmf")
    assert restored.classes_.dtype == clf.classes_.dtype == np.dtype("<U3")
    assert list(restored.classes_) == ["cat", "dog", "emu"]
    assert _same_bits(restored.predict_proba(tokens), clf.predict_proba(tokens))
    assert list(restored.predict(tokens)) == list(clf.predict(tokens))
    assert restored.get_params() == clf.get_params()


def test_object_labels_round_trip(tmp_path):
    X = _sequences(n=24)
    clf = LSTMClassifier(**SMALL).fit(X, np.where(X[:, 0, 0] > 0, "pos", "neg"))
    clf.classes_ = np.array(["pos", 7], dtype=object)  # mixed labels: an object array
    save_model(clf, tmp_path / "obj.lstmf")
    restored = load_model(tmp_path / "obj.lstmf")
    assert restored.classes_.dtype == object
    assert list(restored.classes_) == ["pos", 7]
    assert type(restored.classes_[1]) is int


def test_non_json_parameters_round_trip(tmp_path):
    params = dict(
        optimizer=torch.optim.RMSprop,
        optimizer_kwargs={"alpha": 0.9, "eps": 1e-7, "momentum": 0.0},
        random_state=np.random.RandomState(3),
        forget_bias=float("inf"),
    )
    model = LSTMRegressor(**{**SMALL, **params})
    save_model(model, tmp_path / "params.lstmf")
    restored = load_model(tmp_path / "params.lstmf")
    assert restored.optimizer is torch.optim.RMSprop
    assert restored.optimizer_kwargs == params["optimizer_kwargs"]
    assert restored.forget_bias == float("inf")
    expected, got = params["random_state"].get_state(), restored.random_state.get_state()
    assert expected[0] == got[0] and np.array_equal(expected[1], got[1]) and expected[2:] == got[2:]


def test_adam_betas_tuple_round_trip(tmp_path):
    model = LSTMRegressor(optimizer="adamw", optimizer_kwargs={"betas": (0.8, 0.95)})
    save_model(model, tmp_path / "betas.lstmf")
    assert load_model(tmp_path / "betas.lstmf").optimizer_kwargs == {"betas": (0.8, 0.95)}


def test_unfitted_estimator_round_trip(tmp_path):
    model = LSTMClassifier(hidden_size=7, cell="rnn_relu", vocab_size=100)
    save_model(model, tmp_path / "unfitted.lstmf")
    restored = load_model(tmp_path / "unfitted.lstmf")
    assert restored.get_params() == model.get_params()
    with pytest.raises(NotFittedError):
        check_is_fitted(restored)


def test_same_model_gives_same_bytes(regressor, tmp_path):
    save_model(regressor[0], tmp_path / "a.lstmf")
    save_model(regressor[0], tmp_path / "b.lstmf")
    assert (tmp_path / "a.lstmf").read_bytes() == (tmp_path / "b.lstmf").read_bytes()


def test_load_on_cpu_when_saved_device_is_missing(model_file):
    if torch.cuda.is_available():
        pytest.skip("tests the fallback of a CPU-only machine")
    _edit_meta(model_file, lambda meta: meta["estimator"]["params"].update(device="cuda:0"))
    restored = load_model(model_file)
    assert restored.device == "cuda:0"
    assert next(restored.net_.module_.parameters()).device.type == "cpu"
    assert load_model(model_file, device="cpu").predict(_sequences(n=2)).shape == (2,)


@pytest.mark.parametrize(
    "y",
    [
        pd.Series(np.arange(12.0), index=pd.date_range("2024-01-01", periods=12, freq="D",
                                                       tz="Europe/Paris", name="when")),
        pd.Series(np.arange(12.0), index=pd.period_range("2020Q1", periods=12, freq="Q")),
        pd.DataFrame({"a": np.arange(12.0), "b": np.ones(12)}, index=pd.RangeIndex(3, 27, 2)),
        np.arange(12.0),
    ],
    ids=["datetime-tz", "period", "range-frame", "array"],
)
def test_baseline_forecasters_round_trip(y, tmp_path):
    model = SeasonalNaiveForecaster(horizon=3, seasonal_period=4).fit(y)
    save_model(model, tmp_path / "naive.lstmf")
    restored = load_model(tmp_path / "naive.lstmf")
    expected, got = model.predict(), restored.predict()
    if isinstance(expected, np.ndarray):
        assert _same_bits(got, expected)
    else:
        assert got.equals(expected) and got.index.equals(expected.index)
        assert getattr(got.index, "freq", None) == getattr(expected.index, "freq", None)
    assert restored.index_ is None if model.index_ is None else restored.index_.equals(model.index_)


class _Wrapper(PersistentMixin, BaseEstimator):
    """A stand-in for a meta-estimator (such as LSTMForecaster) holding fitted estimators."""

    _persist_attributes = ("estimator_", "members_", "offsets_", "when_", "_private_")

    def __init__(self, estimator=None, *, scale=1.0):
        self.estimator = estimator
        self.scale = scale

    def fit(self, X, y):
        self.estimator_ = clone(self.estimator).fit(X, y * self.scale)
        self.members_ = [clone(self.estimator).set_params(random_state=1).fit(X, y)]
        self.offsets_ = np.arange(3, dtype=np.float32)
        self.when_ = pd.Timestamp("2024-03-01 12:00", tz="UTC")
        self._private_ = {"n": 1, (1, 2): None}
        return self

    def predict(self, X):
        return self.estimator_.predict(X) / self.scale + self.members_[0].predict(X)


def test_nested_estimators_round_trip(tmp_path, monkeypatch):
    registry = persistence._allowed_classes
    monkeypatch.setattr(persistence, "_allowed_classes", lambda: {**registry(), "_Wrapper": _Wrapper})
    X = _sequences(n=24)
    y = X[:, -1, 0].astype(np.float64)
    model = _Wrapper(LSTMRegressor(hidden_size=3, max_epochs=1, device="cpu", random_state=0), scale=2.0)
    model.fit(X, y)
    save_model(model, tmp_path / "nested.lstmf")
    with zipfile.ZipFile(tmp_path / "nested.lstmf") as archive:
        names = set(archive.namelist())
    assert {"weights/estimator_.safetensors", "weights/members_.0.safetensors"} <= names
    restored = load_model(tmp_path / "nested.lstmf")
    assert _same_bits(restored.predict(X), model.predict(X))
    assert isinstance(restored.estimator, LSTMRegressor) and not hasattr(restored.estimator, "net_")
    assert restored.when_ == model.when_ and restored._private_ == model._private_
    assert _same_bits(restored.offsets_, model.offsets_)


def test_forecaster_round_trip(tmp_path):
    index = pd.date_range("2020-01-31", periods=40, freq="ME")
    y = pd.Series(100 + 10 * np.sin(np.arange(40) * np.pi / 6) + np.arange(40), index=index, name="sales")
    X = pd.DataFrame({"promo": (np.arange(40) % 3 == 0).astype(float)}, index=index)
    network = LSTMRegressor(hidden_size=3, max_epochs=1, batch_size=16, device="cpu")
    model = LSTMForecaster(network, horizon=3, n_models=2, random_state=0).fit(y, X)
    save_model(model, tmp_path / "forecaster.lstmf")
    with zipfile.ZipFile(tmp_path / "forecaster.lstmf") as archive:
        assert {"weights/estimators_.0.safetensors", "weights/estimators_.1.safetensors"} <= set(
            archive.namelist()
        )
    restored = load_model(tmp_path / "forecaster.lstmf")
    assert restored.get_params(deep=False).keys() == model.get_params(deep=False).keys()
    assert restored.estimator.get_params() == network.get_params()
    assert restored.index_.equals(model.index_) and restored.index_.freq == model.index_.freq
    future = pd.DataFrame({"promo": [1.0, 0.0, 0.0]})
    expected, got = model.predict(future), restored.predict(future)
    assert got.index.equals(expected.index) and got.name == "sales"
    assert _same_bits(got.to_numpy(), expected.to_numpy())
    recent = np.asarray(y)[-30:] * 1.1
    history_X = np.concatenate([np.asarray(X)[-30:], future.to_numpy()])
    assert _same_bits(restored.predict(history_X, y=recent), model.predict(history_X, y=recent))


# ------------------------------------------------------------------------------ determinism
def test_same_random_state_gives_bit_identical_predictions(tmp_path):
    X = _sequences(n=40, timesteps=6)
    y = X[:, :, 1].mean(axis=1)
    params = dict(hidden_size=5, max_epochs=3, batch_size=8, dropout=0.2, device="cpu", random_state=42)
    first = LSTMRegressor(**params).fit(X, y)
    second = LSTMRegressor(**params).fit(X, y)
    assert _same_bits(first.predict(X), second.predict(X))
    save_model(first, tmp_path / "first.lstmf")
    assert _same_bits(load_model(tmp_path / "first.lstmf").predict(X), first.predict(X))
    for a, b in zip(first.net_.module_.parameters(), second.net_.module_.parameters(), strict=True):
        assert torch.equal(a, b)


def test_joblib_still_works(regressor, tmp_path):
    model, X = regressor
    joblib.dump(model, tmp_path / "model.joblib")
    assert _same_bits(joblib.load(tmp_path / "model.joblib").predict(X), model.predict(X))


# ------------------------------------------------------------------------------ refusals
def test_callbacks_are_refused_with_a_way_out(regressor, tmp_path):
    model = LSTMRegressor(callbacks=[EpochTimer()])
    with pytest.raises(ValueError, match=r"callbacks.*set_params\(callbacks=None\).*joblib"):
        save_model(model, tmp_path / "cb.lstmf")
    assert not list(tmp_path.iterdir())
    save_model(model.set_params(callbacks=None), tmp_path / "cb.lstmf")


def test_custom_optimizer_is_refused(tmp_path):
    class MyAdam(torch.optim.Adam):
        pass

    with pytest.raises(ValueError, match=r"optimizer.*torch\.optim"):
        save_model(LSTMRegressor(optimizer=MyAdam), tmp_path / "opt.lstmf")


@pytest.mark.parametrize("obj", [LinearRegression(), {"a": 1}, None], ids=["sklearn", "dict", "none"])
def test_unsupported_objects_are_refused(obj, tmp_path):
    with pytest.raises(TypeError, match=r"save_model supports .*LSTMClassifier.*LSTMRegressor.*joblib"):
        save_model(obj, tmp_path / "x.lstmf")


def test_subclasses_are_refused(tmp_path):
    class MyRegressor(LSTMRegressor):
        pass

    with pytest.raises(TypeError, match="MyRegressor"):
        save_model(MyRegressor(), tmp_path / "x.lstmf")


def test_unsupported_fitted_attribute_is_named(regressor, tmp_path):
    model = copy.deepcopy(regressor[0])
    model.y_mean_ = object()
    with pytest.raises(ValueError, match=r"LSTMRegressor\.y_mean_ of type object cannot be stored"):
        save_model(model, tmp_path / "x.lstmf")
    assert not any(tmp_path.iterdir())  # nothing written


def test_only_declared_state_is_written(regressor, tmp_path):
    model = copy.deepcopy(regressor[0])
    model.extra_ = object()  # not a fitted attribute the class declares: not part of the format
    save_model(model, tmp_path / "x.lstmf")
    assert not hasattr(load_model(tmp_path / "x.lstmf"), "extra_")


@pytest.mark.parametrize("make", ["regressor", "classifier"])
def test_every_fitted_attribute_is_declared(make, request):
    """The format is a contract: a fit that sets state the class does not declare is a bug."""
    model = request.getfixturevalue(make)[0]
    undeclared = set(_fitted_state(model)) - set(type(model)._persisted_names())
    assert not undeclared


def test_missing_directory(regressor, tmp_path):
    with pytest.raises(FileNotFoundError, match="directory"):
        save_model(regressor[0], tmp_path / "missing" / "model.lstmf")


# ------------------------------------------------------------------------------ atomic writes
def test_failed_write_leaves_previous_model_intact(model_file, monkeypatch, classifier):
    before = model_file.read_bytes()
    real_write = _archive._write_archive

    def write_half_then_fail(file, members):
        buffer = io.BytesIO()
        real_write(buffer, members)
        file.write(buffer.getvalue()[: len(buffer.getvalue()) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(_archive, "_write_archive", write_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        save_model(classifier[0], model_file)
    assert model_file.read_bytes() == before
    assert os.listdir(model_file.parent) == [model_file.name]  # no temporary file left behind
    assert isinstance(load_model(model_file), LSTMRegressor)


_KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from lstm_forecast import LSTMRegressor, _archive, persistence

    X = np.zeros((4, 3, 1), dtype=np.float32)
    big = LSTMRegressor(hidden_size=384, num_layers=2, max_epochs=0, device="cpu").fit(X, np.zeros(4))

    class SlowFile:
        def __init__(self, file):
            self.file, self.written = file, 0
        def write(self, data):
            self.file.write(data)
            self.file.flush()
            self.written += len(data)
            if self.written > 1_000_000:
                print("mid-write", flush=True)
                time.sleep(60)
            return len(data)
        def __getattr__(self, name):
            return getattr(self.file, name)

    real_write = _archive._write_archive
    _archive._write_archive = lambda file, members: real_write(SlowFile(file), members)
    persistence.save_model(big, sys.argv[1])
    """
)


@pytest.mark.slow
def test_killed_save_leaves_previous_model_intact(model_file, regressor):
    before = model_file.read_bytes()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, str(model_file)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout.readline().strip() == "mid-write"
        temporary = [p for p in model_file.parent.iterdir() if p.name.endswith(".lstmf-tmp")]
        assert len(temporary) == 1 and temporary[0].stat().st_size > 1_000_000
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    assert model_file.read_bytes() == before
    model, X = regressor
    assert _same_bits(load_model(model_file).predict(X), model.predict(X))
    # The next save to that path removes what the killed one left behind.
    assert [p for p in model_file.parent.iterdir() if p.name.endswith(".lstmf-tmp")]
    save_model(model, model_file)
    assert sorted(p.name for p in model_file.parent.iterdir()) == [model_file.name]


# ------------------------------------------------------------------------------ hostile files
class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_pickle_at_model_path_is_never_run(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.lstmf"
    path.write_bytes(pickle.dumps(_Payload(str(marker))))
    with pytest.raises(ValueError, match="not a zip archive.*never unpickles"):
        load_model(path)
    assert not marker.exists()


def test_pickles_inside_a_zip_are_never_run(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.lstmf"
    torch.save({"payload": _Payload(str(marker))}, path)  # a zip holding data.pkl
    with pytest.raises(ValueError, match="meta.json.*missing"):
        load_model(path)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("meta.json", pickle.dumps(_Payload(str(marker))))
    with pytest.raises(ValueError, match="not valid JSON"):
        load_model(path)
    assert not marker.exists()


def test_joblib_file_is_refused(regressor, tmp_path):
    joblib.dump(regressor[0], tmp_path / "model.joblib")
    with pytest.raises(ValueError, match="joblib.load"):
        load_model(tmp_path / "model.joblib")


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model file"):
        load_model(tmp_path / "nothing.lstmf")


def test_truncated_file(model_file):
    data = model_file.read_bytes()
    model_file.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a zip archive"):
        load_model(model_file)


def _set_class(meta, name):
    meta["estimator"]["class"] = name


def _set_optimizer(meta, name):
    meta["estimator"]["params"]["optimizer"] = {"type": "torch_optimizer", "name": name}


def _set_state(meta, name, value):
    meta["estimator"]["state"][name] = value


def _set_config(meta, **changes):
    config = meta["estimator"]["state"]["network_config_"]
    for pair in config["items"]:
        if pair[0] in changes:
            pair[1] = changes[pair[0]]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: _set_class(m, "subprocess.Popen"), r"class 'subprocess.Popen'.*not one of"),
        (lambda m: _set_class(m, "LinearRegression"), r"class 'LinearRegression'.*not one of"),
        (lambda m: _set_optimizer(m, "os.system"), r"'os.system' is not an optimizer class of torch.optim"),
        (lambda m: _set_optimizer(m, "torch.optim.lr_scheduler"), r"not an optimizer class"),
        (lambda m: m.update(format_version=FORMAT_VERSION + 1),
         rf"format version {FORMAT_VERSION + 1}.*Upgrade lstm_forecast"),
        (lambda m: m.update(format="pickle"), r"does not declare the format"),
        (lambda m: _set_config(m, hidden_size=5), r"weights do not fit the network described by "
                                                  r"network_config_ \(size mismatch"),
        (lambda m: m["estimator"]["params"].update(bogus=1), r"stored parameters do not fit LSTMRegressor"),
        (lambda m: _set_state(m, "__class__", "x"), r"'__class__' is not a valid fitted attribute"),
        (lambda m: _set_state(m, "predict", 1), r"'predict' is not a valid fitted attribute"),
        (lambda m: _set_state(m, "y_mean_", {"type": "eval", "code": "1"}), r"unknown value type 'eval'"),
        (lambda m: _set_state(m, "y_mean_", {"type": "dataclass", "class": "os.environ", "fields": {}}),
         r"record type 'os.environ'.*not allowed"),
        (lambda m: m["estimator"]["state"]["y_mean_"].update(shape=[3]), r"stored array is float64\[1\]"),
        (lambda m: m["estimator"]["state"]["y_mean_"].update(dtype="O"), r"holds 0 items|items"),
        (lambda m: m["estimator"]["state"]["y_mean_"].update(dtype="[('a', 'O')]"), r"not a NumPy dtype"),
        (lambda m: m["estimator"]["network"].update(member="../../etc/passwd"), r"member.*missing"),
        (lambda m: _set_state(m, "x_", 1.0), r"'x_' is not a valid fitted attribute name of LSTMRegressor"),
        (lambda m: _set_config(m, n_outputs=3), r"weights do not fit the network"),
        (lambda m: _set_config(m, hidden_size=10**9), r"network_config_\['hidden_size'\] must be an integer"),
        (lambda m: _set_config(m, cell="transformer"), r"unknown cell or pooling"),
        (lambda m: m["estimator"]["params"].update(hidden_size=-5), r"a stored parameter is not valid"),
    ],
    ids=[
        "class-popen", "class-sklearn", "optimizer-os-system", "optimizer-module", "newer-version",
        "format-name", "architecture-mismatch", "unknown-param", "dunder-attribute", "method-attribute",
        "unknown-type", "dataclass", "array-shape", "array-dtype", "structured-dtype", "member-path",
        "undeclared-attribute", "n-outputs", "huge-hidden-size", "unknown-cell", "bad-parameter",
    ],
)
def test_tampered_meta_is_refused(model_file, change, message):
    _edit_meta(model_file, change)
    with pytest.raises(ValueError, match=message):
        load_model(model_file)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda members: members.pop("weights.safetensors"), r"'weights.safetensors' is missing"),
        (lambda members: members.pop("arrays.safetensors"), r"'arrays.safetensors' is missing"),
        (lambda members: members.update({"weights.safetensors": b"\x00" * 64}), r"not a valid safetensors"),
        (lambda members: members.update({"meta.json": b"{not json"}), r"not valid JSON"),
        (lambda members: members.update({"meta.json": b'{"format": NaN}'}), r"not valid JSON"),
        (lambda members: members.update({"meta.json": b"[" * 100_000}), r"not valid JSON"),
    ],
    ids=["no-weights", "no-arrays", "garbage-weights", "bad-json", "json-nan", "deep-json"],
)
def test_damaged_members_are_refused(model_file, edit, message):
    _rewrite(model_file, edit)
    with pytest.raises(ValueError, match=message):
        load_model(model_file)


def test_weights_of_another_architecture_are_refused(model_file, tmp_path):
    other = LSTMRegressor(**{**SMALL, "hidden_size": 6}).fit(_sequences(n=8), np.zeros(8))
    save_model(other, tmp_path / "other.lstmf")
    with zipfile.ZipFile(tmp_path / "other.lstmf") as archive:
        weights = archive.read("weights.safetensors")
    _rewrite(model_file, lambda members: members.update({"weights.safetensors": weights}))
    with pytest.raises(ValueError, match=r"do not fit the network.*size mismatch"):
        load_model(model_file)


def test_corrupted_member_bytes_are_refused(model_file):
    data = bytearray(model_file.read_bytes())
    start = data.find(b"weights.safetensors") + 200  # inside the stored weights, past the header
    data[start : start + 16] = b"\xff" * 16
    model_file.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"cannot be read|not a valid"):
        load_model(model_file)


def test_naive_forecaster_survives_round_trip_without_index(tmp_path):
    model = NaiveForecaster(horizon=2).fit([1.0, 2.0, 3.0])
    save_model(model, tmp_path / "naive.lstmf")
    assert list(load_model(tmp_path / "naive.lstmf").predict()) == [3.0, 3.0]


def test_a_file_of_an_earlier_release_with_other_state_says_to_refit(tmp_path):
    """LSTMForecaster became a global model in 0.2: a 0.1 file holds the per-series state."""
    path = tmp_path / "old.lstmf"
    save_model(NaiveForecaster(horizon=2).fit(np.arange(10.0)), path)

    def as_release_0_1(meta):
        meta["versions"]["lstm_forecast"] = "0.1.0"
        meta["estimator"]["state"]["y_tail_"] = meta["estimator"]["state"]["n_series_"]

    _edit_meta(path, as_release_0_1)
    with pytest.raises(ValueError, match=r"'y_tail_' is not a valid fitted attribute name of "
                                         r"NaiveForecaster\. It was written by lstm_forecast "
                                         r"0\.1\.0, whose NaiveForecaster stored other state: "
                                         r"refit the model and save it again\."):
        load_model(path)
