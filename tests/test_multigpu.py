"""The ``accelerator`` parameter: training through Hugging Face Accelerate.

On the CPU: a single-process ``Accelerator(cpu=True)`` trains exactly the model that
``device="cpu"`` trains, and a real two-process data-parallel run (``torch.distributed.run``,
gloo) shows both processes training on half of every epoch and ending with the same weights:
those of one process with the doubled batch. The GPU tests run only where CUDA is.
"""

import io
import json
import os
import pickle
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

import lstm_forecast.regressor as regressor
from lstm_forecast import LSTMClassifier, LSTMRegressor, _net, load_model, make_windows, save_model

accelerate = pytest.importorskip("accelerate")

ROOT = Path(__file__).resolve().parents[1]
SERIES = np.sin(np.arange(266, dtype=np.float32) / 7)
X, Y = make_windows(SERIES, 10)  # 256 windows
RNG = np.random.RandomState(0)
X_CLS = RNG.normal(size=(96, 6, 2)).astype(np.float32)
Y_CLS = np.where(X_CLS[:, -1, 0] + X_CLS[:, -2, 1] > 0, "up", "down")
FAST = dict(hidden_size=6, max_epochs=3, batch_size=16, random_state=0)


@pytest.fixture(autouse=True)
def _fresh_accelerate_state():
    """Accelerate keeps one state per process (its device, its precision): each test makes
    its own accelerator."""
    yield
    from accelerate.state import AcceleratorState

    AcceleratorState._reset_state(reset_partial_state=True)


@pytest.fixture
def cpu_accelerator():
    return accelerate.Accelerator(cpu=True)


# ------------------------------------------------------------------ the parameter
@pytest.mark.parametrize("Estimator", [LSTMRegressor, LSTMClassifier])
def test_parameter_is_stored_untouched_and_documented(Estimator, cpu_accelerator):
    assert Estimator().accelerator is None
    model = Estimator(accelerator=cpu_accelerator)
    assert model.get_params()["accelerator"] is cpu_accelerator
    assert clone(model).get_params()["accelerator"] is not None
    assert "accelerator : accelerate.Accelerator or None, default=None" in Estimator.__doc__


@pytest.mark.parametrize(
    ("accelerator", "params", "error", "message"),
    [
        ("cuda", {}, TypeError, "accelerator must be an accelerate.Accelerator or None"),
        (object(), {}, TypeError, "accelerator must be an accelerate.Accelerator or None"),
        ("cpu-accelerator", {"device": "cuda:0"}, ValueError, "device='cuda:0' but the accelerator"),
    ],
    ids=["string", "object", "device-mismatch"],
)
def test_bad_accelerator_is_refused_in_fit(cpu_accelerator, accelerator, params, error, message,
                                          monkeypatch):
    accelerator = cpu_accelerator if accelerator == "cpu-accelerator" else accelerator
    # As if this machine had a GPU, so that only the mismatch is wrong.
    monkeypatch.setattr(_net, "resolve_device", lambda device: torch.device(device))
    model = LSTMRegressor(**FAST, accelerator=accelerator, **params)  # stored, not checked
    with pytest.raises(error, match=message):
        model.fit(X, Y)


def test_without_accelerate_installed_the_message_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "accelerate", None)  # import accelerate fails
    with pytest.raises(TypeError, match=r"lstm-forecast\[multigpu\]"):
        LSTMRegressor(**FAST, accelerator=object()).fit(X, Y)


# ------------------------------------------------------- single process, on the CPU
@pytest.mark.parametrize("targets_in_loss", [False, True])
def test_cpu_accelerator_trains_the_same_regressor(cpu_accelerator, monkeypatch, targets_in_loss):
    if targets_in_loss:  # the path of very many targets: a loss holding float64 buffers
        monkeypatch.setattr(regressor, "_TARGETS_COPIED_UP_TO", 0)
    params = dict(FAST, validation_fraction=0.2)
    plain = LSTMRegressor(**params, device="cpu").fit(X, Y)
    accelerated = LSTMRegressor(**params, accelerator=cpu_accelerator).fit(X, Y)
    np.testing.assert_array_equal(accelerated.predict(X), plain.predict(X))
    for key in ("train_loss", "valid_loss", "event_lr"):
        assert accelerated.history_[:, key] == plain.history_[:, key]


def test_cpu_accelerator_trains_the_same_classifier(cpu_accelerator):
    params = dict(FAST, validation_fraction=0.25)  # scoring callbacks call net.predict
    plain = LSTMClassifier(**params, device="cpu").fit(X_CLS, Y_CLS)
    accelerated = LSTMClassifier(**params, accelerator=cpu_accelerator).fit(X_CLS, Y_CLS)
    np.testing.assert_array_equal(accelerated.predict_proba(X_CLS), plain.predict_proba(X_CLS))
    assert accelerated.history_[:, "valid_acc"] == plain.history_[:, "valid_acc"]


def test_fitted_model_is_plain_and_saves(cpu_accelerator, tmp_path):
    model = LSTMRegressor(**FAST, accelerator=cpu_accelerator).fit(X, Y)
    assert type(model.net_).__name__ == "_RecurrentNet"  # no accelerator, wrapper or optimizer
    assert not (cpu_accelerator._models or cpu_accelerator._optimizers)  # nothing kept alive
    expected = model.predict(X)
    buffer = io.BytesIO()
    joblib.dump(model, buffer)  # the accelerator parameter pickles too
    buffer.seek(0)
    np.testing.assert_array_equal(joblib.load(buffer).predict(X), expected)
    with pytest.raises(ValueError, match=r"accelerator holds a Hugging Face Accelerator.*"
                       r"set_params\(accelerator=None\)"):
        save_model(model, tmp_path / "refused.lstm")
    save_model(model.set_params(accelerator=None), tmp_path / "model.lstm")
    # device="cpu": with device="auto" a GPU machine would load it onto its GPU.
    loaded = load_model(tmp_path / "model.lstm", device="cpu")
    np.testing.assert_array_equal(loaded.predict(X), expected)


@pytest.mark.parametrize("verbose", [0, 1])
def test_verbose_is_respected(cpu_accelerator, capsys, verbose):
    LSTMRegressor(**FAST, accelerator=cpu_accelerator, verbose=verbose).fit(X, Y)
    printed = capsys.readouterr().out
    assert ("train_loss" in printed) == bool(verbose)


def test_grid_search_with_an_accelerator(cpu_accelerator):
    grid = {"hidden_size": [4, 6]}
    plain = GridSearchCV(LSTMRegressor(**FAST, device="cpu"), grid, cv=2).fit(X, Y)
    search = GridSearchCV(LSTMRegressor(**FAST, accelerator=cpu_accelerator), grid, cv=2).fit(X, Y)
    np.testing.assert_array_equal(
        search.cv_results_["mean_test_score"], plain.cv_results_["mean_test_score"]
    )


# --------------------------------------------------- two processes, data-parallel on CPU
WORKER = textwrap.dedent(
    """
    import json, sys
    import numpy as np, torch
    from accelerate import Accelerator
    from lstm_forecast import LSTMClassifier, LSTMRegressor, make_windows

    torch.set_num_threads(1)
    accelerator = Accelerator(cpu=True)
    series = np.sin(np.arange(266, dtype=np.float32) / 7)
    X, y = make_windows(series, 10)
    reg = LSTMRegressor(hidden_size=6, max_epochs=3, batch_size=16, random_state=0,
                        accelerator=accelerator).fit(X, y)
    rng = np.random.RandomState(0)
    Xc = rng.normal(size=(96, 6, 2)).astype(np.float32)
    yc = np.where(Xc[:, -1, 0] + Xc[:, -2, 1] > 0, "up", "down")
    clf = LSTMClassifier(hidden_size=6, max_epochs=3, batch_size=16, random_state=0,
                         validation_fraction=0.25, early_stopping=True, patience=1,
                         accelerator=accelerator).fit(Xc, yc)
    weights = lambda model: {k: v.tolist() for k, v in model.net_.module_.state_dict().items()}
    seen = [sum(b["train_batch_size"] for b in epoch["batches"]) for epoch in reg.history_]
    json.dump({
        "world": accelerator.num_processes, "type": str(accelerator.distributed_type),
        "seen": seen, "train_loss": reg.history_[:, "train_loss"], "weights": weights(reg),
        "clf_history": [clf.history_[:, k] for k in ("train_loss", "valid_loss", "valid_acc")],
        "clf_weights": weights(clf),
    }, open(f"{sys.argv[1]}/rank{accelerator.process_index}.json", "w"))
    """
)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def two_process_run(tmp_path_factory):
    """The worker above, launched as two gloo processes by torch.distributed.run."""
    if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():
        pytest.skip("torch.distributed with gloo is not available")
    out = tmp_path_factory.mktemp("ddp")
    (out / "worker.py").write_text(WORKER)
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
               "--master_addr", "127.0.0.1", "--master_port", str(free_port()),
               str(out / "worker.py"), str(out)]
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    # No GPU for this CPU run: on a GPU machine accelerate's barrier would pick CUDA device
    # <rank> even for gloo on the CPU (torch 2.11, accelerate 1.15), and there is one GPU.
    env = {**os.environ, "PYTHONPATH": path, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return [json.loads((out / f"rank{rank}.json").read_text()) for rank in (0, 1)]


@pytest.mark.parametrize("shuffle", [False, True])
def test_ragged_shards_are_cut_after_their_longest_sequence(shuffle):
    """Each process's batch of ragged sequences is only as long as its own longest one, and
    the processes still share the epoch's samples between them."""
    from skorch.dataset import Dataset

    from lstm_forecast._accelerate import ShardedBatches
    from lstm_forecast._data import module_inputs, pad_ragged

    rng = np.random.RandomState(1)
    lengths = rng.randint(1, 40, size=29)
    lengths[3] = 70
    padded, lengths = pad_ragged([rng.normal(size=(n, 2)) for n in lengths], dtype=np.float32)
    dataset = Dataset(module_inputs(padded, lengths), torch.arange(len(lengths)))
    seen, widths = [], []
    for rank in (0, 1):
        torch.manual_seed(0)  # every process draws the same order
        for X_batch, rows in ShardedBatches(dataset, batch_size=4, shuffle=shuffle,
                                            num_processes=2, process_index=rank):
            width = int(lengths[rows.numpy()].max())
            assert X_batch["x"].shape[1] == width
            np.testing.assert_array_equal(X_batch["x"].numpy(), padded[rows.numpy(), :width])
            seen += rows.tolist()
            widths.append(width)
    assert sorted(set(seen)) == list(range(29)) and len(seen) == 30  # one sample repeated
    assert widths.count(70) == 1 and max(w for w in widths if w != 70) < 40


def test_two_processes_each_train_on_half_and_agree(two_process_run):
    first, second = two_process_run
    for rank in (first, second):
        assert rank["world"] == 2 and rank["type"] == "DistributedType.MULTI_CPU"
        assert rank["seen"] == [128, 128, 128]  # 256 windows split between 2 processes
    assert first["train_loss"] == second["train_loss"]  # the mean over both processes
    assert first["weights"] == second["weights"]
    # Early stopping and scoring see all validation samples in both: the same decisions.
    assert first["clf_history"] == second["clf_history"]
    assert first["clf_weights"] == second["clf_weights"]


def test_two_processes_of_batch_16_train_like_one_of_batch_32(two_process_run):
    """Data parallelism: each step averages the gradients of 2 x 16 samples, the same samples
    a single process takes in one batch of 32 (the same shuffle), so the weights match up to
    the rounding of the gradient average; a single process with batch 16 is far away."""
    weights = {k: np.array(v) for k, v in two_process_run[0]["weights"].items()}

    def distance(batch_size):
        model = LSTMRegressor(**dict(FAST, batch_size=batch_size), device="cpu").fit(X, Y)
        state = model.net_.module_.state_dict()
        return max(float(np.abs(weights[k] - state[k].numpy()).max()) for k in state), model

    same, model = distance(32)
    assert same < 1e-5
    np.testing.assert_allclose(two_process_run[0]["train_loss"], model.history_[:, "train_loss"],
                               rtol=1e-5)
    assert distance(16)[0] > 100 * max(same, 1e-7)


# ----------------------------------------------------------------------- on a GPU
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@cuda
@pytest.mark.parametrize("mixed_precision", ["no", "bf16"])
def test_gpu_accelerator_fits_and_predicts(mixed_precision):
    accelerator = accelerate.Accelerator(mixed_precision=mixed_precision)
    assert accelerator.device.type == "cuda"
    model = LSTMRegressor(**dict(FAST, max_epochs=20), accelerator=accelerator).fit(X, Y)
    assert next(model.net_.module_.parameters()).device.type == "cuda"
    assert model.score(X, Y) > 0.9
    if mixed_precision == "no":  # the accelerator changes nothing else about the fit
        plain = LSTMRegressor(**dict(FAST, max_epochs=20), device="cuda").fit(X, Y)
        np.testing.assert_allclose(model.predict(X), plain.predict(X), atol=1e-5)


def test_a_failed_fit_leaves_nothing_in_the_accelerator(cpu_accelerator):
    from skorch.callbacks import Callback

    class Boom(Callback):
        def on_epoch_end(self, net, **kwargs):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        LSTMRegressor(**FAST, accelerator=cpu_accelerator, callbacks=[Boom()]).fit(X, Y)
    assert not (cpu_accelerator._models or cpu_accelerator._optimizers)
    pickle.dumps(cpu_accelerator)  # still a plain parameter value
