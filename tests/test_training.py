"""Training options do what they say: optimizers, learning rate, batches, epochs, clipping,
shuffling, validation, early stopping, callbacks, verbosity, divergence and interruption."""

import copy
import re
import sys

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback, EpochTimer

from lstm_forecast import LSTMClassifier, LSTMRegressor, _net, make_windows
from lstm_forecast._net import cpu_supports_bf16_lstm

RNG = np.random.RandomState(0)
X = RNG.normal(size=(40, 5, 2)).astype(np.float32)
Y = X[:, -1, 0] + 0.5 * X[:, :, 1].mean(axis=1)
LABELS = np.where(X[:, -1, 0] > 0, "up", "down")
FAST = dict(hidden_size=8, max_epochs=2, batch_size=16, random_state=0, device="cpu")


def reg(**params):
    return LSTMRegressor(**{**FAST, **params})


def clf(**params):
    return LSTMClassifier(**{**FAST, **params})


class Spy(Callback):
    """Records what skorch shows a callback: gradients, batches, validation data, weights."""

    def __init__(self):
        self.grad_norms, self.grad_max, self.batches_y, self.valid_y, self.weights = [], [], [], [], []

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        self.batches_y.append([])
        self.valid_y.append(None if dataset_valid is None else np.asarray(dataset_valid.y))

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training:
            self.batches_y[-1].append(np.asarray(batch[1]))

    def on_grad_computed(self, net, named_parameters, **kwargs):
        grads = [p.grad.detach() for _, p in named_parameters if p.grad is not None]
        self.grad_norms.append(float(torch.linalg.vector_norm(torch.cat([g.ravel() for g in grads]))))
        self.grad_max.append(float(max(g.abs().max() for g in grads)))

    def on_epoch_end(self, net, **kwargs):
        self.weights.append(copy.deepcopy(net.module_.state_dict()))


def spy_of(estimator):
    return dict(estimator.net_.callbacks_)["spy"]


# ------------------------------------------------------------------------- optimizers
@pytest.mark.parametrize(
    "name, cls",
    [("adam", torch.optim.Adam), ("adamw", torch.optim.AdamW), ("rmsprop", torch.optim.RMSprop),
     ("adagrad", torch.optim.Adagrad), ("sgd", torch.optim.SGD), ("Adam", torch.optim.Adam)],
)
def test_optimizer_by_name(name, cls):
    model = reg(optimizer=name, max_epochs=1).fit(X, Y)
    assert type(model.net_.optimizer_) is cls
    assert model.optimizer == name  # the parameter is kept as given


def test_optimizer_as_a_class_with_its_arguments():
    model = reg(optimizer=torch.optim.SGD, optimizer_kwargs={"momentum": 0.9, "nesterov": True},
                lr=0.05, lr_schedule=None, max_epochs=1).fit(X, Y)
    group = model.net_.optimizer_.param_groups[0]
    assert type(model.net_.optimizer_) is torch.optim.SGD
    assert (group["momentum"], group["nesterov"], group["lr"]) == (0.9, True, 0.05)
    assert model.optimizer_kwargs == {"momentum": 0.9, "nesterov": True}


def test_optimizer_without_weight_decay_argument():
    """LBFGS takes no weight_decay; the default (None) passes none."""
    model = reg(optimizer=torch.optim.LBFGS, lr=0.5, max_epochs=1, lr_schedule=None).fit(X, Y)
    assert type(model.net_.optimizer_) is torch.optim.LBFGS
    assert np.isfinite(model.predict(X)).all()


@pytest.mark.parametrize(
    "params, error, message",
    [
        (dict(optimizer="adam", optimizer_kwargs={"momentum": 0.9}), TypeError,
         r"optimizer_kwargs: Adam does not accept \['momentum'\]; it accepts \[.*'betas'"),
        (dict(optimizer=torch.optim.LBFGS, weight_decay=0.1), TypeError,
         r"weight_decay: LBFGS does not accept \['weight_decay'\] \(set weight_decay=None\)"),
        (dict(optimizer_kwargs={"lr": 0.1}), ValueError,
         r"optimizer_kwargs must not set 'lr'; use the lr parameter"),
        (dict(weight_decay=0.1, optimizer_kwargs={"weight_decay": 0.2}), ValueError,
         r"weight_decay=0.1 and optimizer_kwargs\['weight_decay'\]=0.2 disagree"),
        (dict(optimizer=torch.nn.Linear), TypeError,
         r"optimizer must be a name such as 'adam' or a torch.optim.Optimizer subclass"),
    ],
)
def test_optimizer_argument_errors(params, error, message):
    with pytest.raises(error, match=message):
        reg(**params).fit(X, Y)


@pytest.mark.parametrize("lr", [1e-3, 0.3])
def test_learning_rate_constant_or_cosine(lr):
    constant = reg(lr=lr, lr_schedule=None, max_epochs=3).fit(X, Y)
    assert constant.net_.optimizer_.param_groups[0]["lr"] == lr
    cosine = reg(lr=lr, max_epochs=3).fit(X, Y)
    # Annealed per epoch from lr towards 0: lr * (1 + cos(pi * t / T)) / 2 after epoch t.
    assert cosine.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-12)
    assert cosine.net_.lr == lr


def test_weight_decay():
    plain = reg(optimizer="sgd", lr=0.1, lr_schedule=None, max_epochs=3).fit(X, Y)
    decayed = reg(optimizer="sgd", lr=0.1, lr_schedule=None, max_epochs=3, weight_decay=0.5).fit(X, Y)
    assert plain.net_.optimizer_.param_groups[0]["weight_decay"] == 0
    assert decayed.net_.optimizer_.param_groups[0]["weight_decay"] == 0.5
    norm = lambda m: sum(float(p.detach().norm()) for p in m.net_.module_.parameters())  # noqa: E731
    assert norm(decayed) < norm(plain)


def test_adamw_keeps_its_own_weight_decay_by_default():
    model = reg(optimizer="adamw", max_epochs=1).fit(X, Y)
    assert model.net_.optimizer_.param_groups[0]["weight_decay"] == 0.01


# ----------------------------------------------------------------- batches and epochs
@pytest.mark.parametrize("batch_size, n_batches", [(7, 6), (40, 1), (100, 1)])
def test_batch_size(batch_size, n_batches):
    model = reg(batch_size=batch_size, max_epochs=1, callbacks=[("spy", Spy())]).fit(X, Y)
    sizes = [len(b) for b in spy_of(model).batches_y[0]]
    assert len(sizes) == n_batches == len(model.history_[0]["batches"])
    assert sum(sizes) == 40 and max(sizes) == min(batch_size, 40)


@pytest.mark.parametrize("max_epochs", [0, 1, 3])
def test_max_epochs(max_epochs):
    model = reg(max_epochs=max_epochs).fit(X, Y)
    assert len(model.history_) == model.n_epochs_ == max_epochs
    assert np.isfinite(model.predict(X)).all()


def test_shuffle():
    """Without shuffling every epoch sees the batches in order; with it, in a new order."""
    spy = Spy()
    model = reg(shuffle=False, max_epochs=2, standardize=False, callbacks=[("spy", spy)]).fit(X, Y)
    epochs = spy_of(model).batches_y
    np.testing.assert_array_equal(np.concatenate(epochs[0]).ravel(), Y.astype(np.float32))
    np.testing.assert_array_equal(np.concatenate(epochs[1]).ravel(), Y.astype(np.float32))
    model = reg(shuffle=True, max_epochs=2, standardize=False, callbacks=[("spy", spy)]).fit(X, Y)
    epochs = [np.concatenate(e).ravel() for e in spy_of(model).batches_y]
    assert not np.array_equal(epochs[0], Y.astype(np.float32))
    assert not np.array_equal(epochs[0], epochs[1])
    np.testing.assert_array_equal(np.sort(epochs[0]), np.sort(Y.astype(np.float32)))


@pytest.mark.parametrize("shuffle", [False, True])
def test_ragged_batches_are_cut_after_their_longest_sequence(shuffle):
    """Padding beyond a batch's longest sequence is dead work: every batch is only as long
    as its own longest sequence, with its rows and targets in step."""
    from skorch.dataset import Dataset

    from lstm_forecast._data import TensorBatches, module_inputs, pad_ragged

    lengths = RNG.randint(1, 60, size=37)
    lengths[5] = 90  # one long sequence: only its batch is that long
    padded, lengths = pad_ragged([RNG.normal(size=(n, 2)) for n in lengths], dtype=np.float32)
    targets = torch.arange(len(lengths))
    batches = list(TensorBatches(Dataset(module_inputs(padded, lengths), targets),
                                 batch_size=8, shuffle=shuffle))
    assert sorted(torch.cat([b[1] for b in batches]).tolist()) == list(range(37))
    widths = []
    for X_batch, rows in batches:
        width = int(lengths[rows.numpy()].max())
        assert X_batch["x"].shape[1] == width
        np.testing.assert_array_equal(X_batch["x"].numpy(), padded[rows.numpy(), :width])
        np.testing.assert_array_equal(X_batch["lengths"].numpy(), lengths[rows.numpy()])
        widths.append(width)
    assert widths.count(90) == 1 and max(w for w in widths if w != 90) < 60


def test_ragged_training_batches_by_length_group_similar_lengths():
    """``by_length``: batches from pools of batches sorted by length: every sample once per
    epoch, at most one short batch, far less padding than random batches, a new grouping
    every epoch."""
    from skorch.dataset import Dataset

    from lstm_forecast._data import TensorBatches, module_inputs, pad_ragged

    rng = np.random.RandomState(1)
    padded, lengths = pad_ragged([rng.normal(size=(n, 1)) for n in rng.randint(1, 200, 300)],
                                 dtype=np.float32)
    batches = TensorBatches(Dataset(module_inputs(padded, lengths), torch.arange(300)),
                            batch_size=16, shuffle=True, by_length=True)
    epochs = [list(batches) for _ in range(2)]
    for epoch in epochs:
        rows = torch.cat([b[1] for b in epoch])
        assert sorted(rows.tolist()) == list(range(300)) and len(epoch) == len(batches)
        assert sum(len(b[1]) != 16 for b in epoch) <= 1
        for X_batch, rows in epoch:
            assert X_batch["x"].shape[1] == int(lengths[rows.numpy()].max())
    padding = sum(b[0]["x"].shape[1] * len(b[1]) for b in epochs[0]) - lengths.sum()
    random_batches = [lengths[rng.permutation(300)[i : i + 16]] for i in range(0, 300, 16)]
    random_padding = sum(b.max() * len(b) for b in random_batches) - lengths.sum()
    assert padding < 0.5 * random_padding
    assert not torch.equal(torch.cat([b[1] for b in epochs[0]]), torch.cat([b[1] for b in epochs[1]]))


@pytest.mark.parametrize(("conv_channels", "by_length"), [(None, True), (8, False), ("auto", False)])
def test_batches_group_lengths_only_for_networks_without_batch_norm(conv_channels, by_length):
    from lstm_forecast import LSTMClassifier

    sequences = [RNG.normal(size=(n, 1)).astype(np.float32) for n in RNG.randint(10, 30, 24)]
    model = LSTMClassifier(hidden_size=4, max_epochs=1, conv_channels=conv_channels,
                           random_state=0).fit(sequences, np.arange(24) % 2)
    assert model.net_.get_iterator(model.net_.get_dataset(
        {"x": torch.zeros(2, 3, 1), "lengths": torch.tensor([3, 2])}, torch.zeros(2)),
        training=True).by_length is by_length


# --------------------------------------------------------------------------- clipping
def test_clip_norm_clips_the_global_gradient_norm():
    unclipped = reg(max_epochs=1, callbacks=[("spy", Spy())]).fit(X, Y)
    assert max(spy_of(unclipped).grad_norms) > 0.01
    clipped = reg(max_epochs=1, clip_norm=0.01, callbacks=[("spy", Spy())]).fit(X, Y)
    norms = spy_of(clipped).grad_norms
    assert len(norms) == 3 and max(norms) <= 0.01 * (1 + 1e-5)


def test_clip_value_clips_every_gradient_element():
    unclipped = reg(max_epochs=1, callbacks=[("spy", Spy())]).fit(X, Y)
    assert max(spy_of(unclipped).grad_max) > 1e-3
    clipped = reg(max_epochs=1, clip_value=1e-3, callbacks=[("spy", Spy())]).fit(X, Y)
    assert max(spy_of(clipped).grad_max) <= np.float32(1e-3)


# ------------------------------------------------------------ validation and stopping
def test_defaults_do_no_hidden_work():
    model = reg().fit(X, Y)
    assert "valid_loss" not in model.history_[-1]
    assert not any(key.startswith("valid") for key in model.history_[-1]["batches"][0])
    names = {name for name, _ in model.net_.callbacks_}
    assert "early_stopping" not in names and "progress_bar" not in names
    assert model.n_epochs_ == 2


def test_validation_fraction_records_valid_loss():
    model = reg(validation_fraction=0.25).fit(X, Y)
    assert all(np.isfinite(entry["valid_loss"]) for entry in model.history_)
    assert model.n_epochs_ == 2  # no early stopping unless asked for
    model = clf(validation_fraction=0.25).fit(X, LABELS)
    for key in ("valid_loss", "valid_acc", "train_acc"):
        assert all(np.isfinite(entry[key]) for entry in model.history_), key
    assert all(0 <= entry["valid_acc"] <= 1 for entry in model.history_)


def test_regressor_validates_on_the_chronological_tail():
    model = reg(validation_fraction=0.25, standardize=False, callbacks=[("spy", Spy())]).fit(X, Y)
    valid = spy_of(model).valid_y[0].ravel()
    np.testing.assert_array_equal(valid, Y[-10:].astype(np.float32))
    trained = np.concatenate(spy_of(model).batches_y[0]).ravel()
    np.testing.assert_array_equal(np.sort(trained), np.sort(Y[:30].astype(np.float32)))


def test_classifier_validation_is_stratified():
    labels = np.array(["a"] * 30 + ["b"] * 10)
    model = clf(validation_fraction=0.2, callbacks=[("spy", Spy())]).fit(X, labels)
    valid = spy_of(model).valid_y[0]
    assert len(valid) == 8
    assert np.bincount(valid, minlength=2).tolist() == [6, 2]  # the 3:1 ratio of the data


def _noise_regressor(**params):
    """Targets that are pure noise: the validation loss soon stops improving."""
    y = np.random.RandomState(1).normal(size=40)
    return reg(**params), y


def test_early_stopping_stops_and_restores_the_best_weights():
    model, y = _noise_regressor(early_stopping=True, patience=2, max_epochs=40, lr=0.05,
                                lr_schedule=None, validation_fraction=0.25, callbacks=[("spy", Spy())])
    model.fit(X, y)
    losses = [entry["valid_loss"] for entry in model.history_]
    assert model.n_epochs_ < 40
    best = int(np.argmin(losses))
    assert model.n_epochs_ == best + 1 + 2  # stopped after `patience` epochs without improvement
    restored = model.net_.module_.state_dict()
    for name, weight in spy_of(model).weights[best].items():
        torch.testing.assert_close(restored[name], weight, rtol=0, atol=0)
    # The restored model's loss on the validation tail is the best one recorded.
    pred = model.predict(X[30:])
    loss = np.mean(((pred - y[30:]) / model.y_scale_[0]) ** 2)
    assert loss == pytest.approx(min(losses), rel=1e-4)


def test_early_stopping_defaults_to_a_tenth_for_validation():
    model, y = _noise_regressor(early_stopping=True, max_epochs=2, callbacks=[("spy", Spy())])
    model.fit(X, y)
    assert len(spy_of(model).valid_y[0]) == 4


# -------------------------------------------------------------------------- callbacks
class Counter(Callback):
    def __init__(self):
        self.epochs = 0

    def on_epoch_end(self, net, **kwargs):
        self.epochs += 1
        net.history.record("counted", self.epochs)


def test_extra_callbacks_run_and_the_users_objects_are_not_mutated():
    counter, timer = Counter(), EpochTimer()
    timer_state = dict(vars(timer))
    model = reg(max_epochs=3, callbacks=[counter, ("timer", timer)]).fit(X, Y)
    assert [entry["counted"] for entry in model.history_] == [1, 2, 3]
    assert all(entry["dur"] >= 0 for entry in model.history_)
    assert counter.epochs == 0 and vars(timer) == timer_state
    assert model.callbacks[0] is counter  # the parameter is stored untouched
    model.fit(X, Y)  # a refit starts from fresh copies again
    assert [entry["counted"] for entry in model.history_] == [1, 2, 3]


def test_verbose_prints_the_epoch_table_and_a_progress_bar_on_a_terminal(capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    reg(max_epochs=2, verbose=1, validation_fraction=0.25).fit(X, Y)
    out, err = capsys.readouterr()
    lines = out.splitlines()
    header = next(line for line in lines if "epoch" in line)
    assert "train_loss" in header and "valid_loss" in header and "dur" in header
    assert any(re.match(r"\s*1\s", line) for line in lines)
    assert any(re.match(r"\s*2\s", line) for line in lines)
    assert "it/s" in err or "s/it" in err or "%" in err  # tqdm's progress bar


def test_verbose_into_a_log_has_the_table_without_colours_or_a_progress_bar(capsys):
    reg(max_epochs=3, verbose=1, validation_fraction=0.25).fit(X, Y)  # capsys is no terminal
    out, err = capsys.readouterr()
    assert "train_loss" in out and "\x1b[" not in out
    assert err == ""


def test_quiet_by_default(capsys):
    reg(validation_fraction=0.25).fit(X, Y)
    out, err = capsys.readouterr()
    assert out == "" and err == ""


# ------------------------------------------------------------ divergence, interruption
def test_divergence_raises_a_clear_error():
    with pytest.raises(ValueError, match=r"Training diverged: the training loss became (nan|inf) "
                                         r"at epoch \d+\. Lower lr"):
        reg(optimizer="sgd", lr=1e6, lr_schedule=None, max_epochs=5).fit(X, Y)


class PoisonWeights(Callback):
    """Puts a NaN into the weights at the start of epoch ``at`` (1-based: skorch has
    already opened the epoch's history row)."""

    def __init__(self, at):
        self.at = at

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == self.at:
            with torch.no_grad():
                next(net.module_.parameters())[0] = float("nan")


def test_divergence_with_early_stopping_restores_the_best_weights():
    model, y = _noise_regressor(early_stopping=True, max_epochs=10, lr=0.01, lr_schedule=None,
                                validation_fraction=0.25, callbacks=[("spy", Spy()), PoisonWeights(4)])
    with pytest.warns(RuntimeWarning, match=r"Training diverged \(loss nan at epoch 4\); restored "
                                            r"the weights of epoch \d"):
        model.fit(X, y)
    losses = [entry["valid_loss"] for entry in model.history_[:3]]
    best = int(np.argmin(losses))
    restored = model.net_.module_.state_dict()
    for name, weight in spy_of(model).weights[best].items():
        torch.testing.assert_close(restored[name], weight, rtol=0, atol=0)
    assert np.isfinite(model.predict(X)).all()


def test_divergence_in_the_first_epoch_with_early_stopping_raises():
    model, y = _noise_regressor(early_stopping=True, callbacks=[PoisonWeights(1)])
    with pytest.raises(ValueError, match="Training diverged"):
        model.fit(X, y)


class Interrupt(Callback):
    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == 2:
            raise KeyboardInterrupt


@pytest.mark.parametrize("early_stopping", [False, True])
def test_keyboard_interrupt_leaves_a_usable_model(early_stopping):
    model = reg(max_epochs=10, early_stopping=early_stopping, callbacks=[Interrupt()]).fit(X, Y)
    assert model.n_epochs_ == 2
    assert model.predict(X).shape == (40,) and np.isfinite(model.predict(X)).all()
    assert model.score(X, Y) > -10


# ---------------------------------------------------------------------------- device
def test_device_parameter_is_kept_as_given():
    model = reg(device="auto", max_epochs=1).fit(X, Y)
    assert model.get_params()["device"] == "auto"
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert next(model.net_.module_.parameters()).device.type == expected


# ------------------------------------------------------------ mixed precision
@pytest.mark.skipif(not cpu_supports_bf16_lstm(), reason="this CPU has no bfloat16 LSTM kernels")
def test_bf16_mixed_precision_trains_and_predicts_in_full_precision(monkeypatch):
    seen = []
    original = torch.autocast.__init__

    def spy(self, device_type, dtype=None, *args, **kwargs):
        seen.append((device_type, dtype, kwargs.get("cache_enabled")))
        original(self, device_type, dtype, *args, **kwargs)

    monkeypatch.setattr(torch.autocast, "__init__", spy)
    X, y = make_windows(np.sin(np.arange(400) / 6.0).astype(np.float32), timesteps=8)
    model = LSTMRegressor(hidden_size=16, max_epochs=15, precision="bf16-mixed", random_state=0,
                          device="cpu").fit(X, y)
    assert seen and all(dtype is torch.bfloat16 and cache is False for _, dtype, cache in seen)
    assert model.history_[-1, "train_loss"] < 0.5 * model.history_[0, "train_loss"]
    n_calls = len(seen)
    assert model.predict(X).dtype == np.float64
    assert len(seen) == n_calls  # predict runs without autocast
    assert np.sqrt(np.mean((model.predict(X) - y) ** 2)) < 0.2


def test_precision_is_validated():
    with pytest.raises(ValueError, match=r"The 'precision' parameter of LSTMRegressor must be a str among"):
        LSTMRegressor(precision="fp16").fit(np.zeros((4, 3, 1)), np.zeros(4))


def test_bf16_on_a_cpu_without_bf16_lstm_kernels_says_so(monkeypatch):
    monkeypatch.setattr(_net, "cpu_supports_bf16_lstm", lambda: False)
    X, y = make_windows(np.sin(np.arange(60) / 6.0).astype(np.float32), timesteps=8)
    with pytest.raises(ValueError, match=r"precision='bf16-mixed' with cell='lstm' needs a CPU whose "
                                         r"oneDNN has bfloat16 LSTM kernels.*Use precision='float32'"):
        LSTMRegressor(precision="bf16-mixed", device="cpu", max_epochs=1).fit(X, y)
    # A GRU has bfloat16 kernels everywhere: allowed.
    LSTMRegressor(precision="bf16-mixed", device="cpu", cell="gru", max_epochs=1, hidden_size=4).fit(X, y)


def test_bf16_support_probe_matches_what_the_cpu_does():
    X = torch.zeros(2, 3, 2)
    try:
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
            torch.nn.LSTM(2, 2, batch_first=True)(X)
        works = True
    except RuntimeError:
        works = False
    assert cpu_supports_bf16_lstm() is works



def test_a_per_batch_plateau_scheduler_reads_each_batch_loss():
    """ReduceLROnPlateau stepped every batch reads the batch's loss during the epoch."""
    from skorch.callbacks import LRScheduler
    from torch.optim.lr_scheduler import ReduceLROnPlateau

    X, y = make_windows(np.sin(np.arange(200) / 6.0).astype(np.float32), timesteps=8)
    scheduler = LRScheduler(ReduceLROnPlateau, monitor="train_loss", step_every="batch", patience=0,
                            factor=0.5)
    model = LSTMRegressor(hidden_size=8, max_epochs=2, lr_schedule=None, random_state=0, device="cpu",
                          callbacks=[scheduler]).fit(X, y)
    assert model.net_.optimizer_.param_groups[0]["lr"] < 1e-2  # it did step on the batch losses
