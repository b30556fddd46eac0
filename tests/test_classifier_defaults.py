"""LSTMClassifier's defaults: the "auto" architecture resolved in fit, and the configurations of
earlier versions left as they were (their saved weights still load)."""

import copy

import numpy as np
import pytest
import torch
from torch import nn

from lstm_forecast import LSTMClassifier, LSTMRegressor, _architecture, load_model, save_model

RNG = np.random.RandomState(0)
SERIES = RNG.normal(size=(24, 300)).astype(np.float32)
LABELS = np.arange(24) % 2
QUICK = dict(hidden_size=8, max_epochs=0, random_state=0, device="cpu")


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def fitted(X, y=LABELS, **params):
    return LSTMClassifier(**{**QUICK, **params}).fit(X, y)


def test_defaults():
    params = LSTMClassifier().get_params()
    assert (params["conv_channels"], params["standardize"], params["pooling"],
            params["batch_size"], params["max_epochs"], params["lr"]) == (
                "auto", "auto", "max", "auto", "auto", "auto")
    assert LSTMRegressor().get_params()["batch_size"] == 32
    assert LSTMRegressor().get_params()["max_epochs"] == 50
    assert LSTMRegressor().get_params()["lr"] == 1e-2


@pytest.mark.parametrize(
    "X, params, lr",
    [(SERIES, {}, 1e-3),  # the convolution stack: Adam's usual rate
     (SERIES[:, :5], {}, 1e-2),  # too short for the stack: the recurrent network's rate
     (RNG.randint(1, 20, (24, 30)), {"vocab_size": 20}, 1e-2),  # token ids
     (SERIES, {"conv_channels": 4}, 1e-2),  # an explicit front end
     (SERIES, {"lr": 0.05}, 0.05)],
    ids=["stack", "short", "tokens", "explicit-conv", "explicit-lr"],
)
def test_auto_learning_rate_follows_the_front_end(X, params, lr):
    """Resolved in fit into ``lr_``, which the optimizer starts from (the cosine schedule
    anneals from it), and saved."""
    model = fitted(X, **{"max_epochs": 1, **params})
    assert model.lr_ == lr
    assert model.net_.optimizer_.param_groups[0]["initial_lr"] == lr
    assert LSTMRegressor(**{**QUICK, "lr": "auto", "conv_channels": "auto", **params}).fit(
        X, LABELS.astype(float)).lr_ == lr


@pytest.mark.parametrize(("n_train", "batch_size"), [(5, 1), (24, 2), (30, 3), (165, 16), (5000, 16)])
def test_auto_batch_size_is_a_tenth_of_the_training_set_at_most_16(n_train, batch_size):
    assert _architecture.resolve_batch_size("auto", n_train) == batch_size
    assert _architecture.resolve_batch_size(7, n_train) == 7


def test_auto_batch_size_is_resolved_in_fit_and_trained_with():
    """24 training series: batches of 2, so an epoch is 12 optimizer steps; a held-out
    fraction leaves fewer training samples and so smaller batches."""
    model = fitted(SERIES, max_epochs=1)
    assert model.batch_size_ == 2 and model.net_.batch_size == 2
    assert len(model.net_.get_iterator(model.net_.get_dataset(SERIES[:, :, None], LABELS),
                                       training=True)) == 12
    assert fitted(SERIES, max_epochs=1, batch_size=5).batch_size_ == 5
    assert LSTMRegressor(**{**QUICK, "max_epochs": 1}).fit(SERIES, LABELS.astype(float)).batch_size_ == 32


@pytest.mark.parametrize(
    "steps, conv, downsample",
    [(300, (64, 64, 64), 3), (128, (64, 64, 64), 1), (129, (64, 64, 64), 2), (8, (64, 64, 64), 1),
     (7, None, 1), (2, None, 1)],
)
def test_real_valued_series_get_the_stack_when_long_enough(steps, conv, downsample):
    model = fitted(SERIES[:, :steps])
    assert (model.conv_channels_, model.downsample_, model.standardize_) == (
        conv, downsample, "series+stats")
    module = model.net_.module_
    assert module.series_norm and module.series_stats
    if conv is None:
        assert module.conv_blocks is None and module.rnn.input_size == 3  # value, mean, log std
    else:
        convs = [m for block in module.conv_blocks for m in block if isinstance(m, nn.Conv1d)]
        kernels = [conv.kernel_size[0] for conv in convs]
        assert kernels == [8, 5, 3] and module.downsample == downsample
        assert module.head.in_features == 8 + 64  # LSTM max pooling + conv global average


def test_token_ids_get_no_convolution():
    tokens = RNG.randint(1, 20, size=(24, 40))
    model = fitted(tokens, vocab_size=20)
    assert (model.conv_channels_, model.downsample_, model.standardize_) == (None, 1, False)
    assert model.net_.module_.rnn.input_size == 32


@pytest.mark.parametrize(
    "params, conv, standardize",
    [(dict(conv_channels=None, standardize=True), None, True),
     (dict(conv_channels=6, standardize="series"), 6, "series"),
     (dict(conv_channels=None, standardize=False), None, False)],
)
def test_explicit_values_are_used_as_given(params, conv, standardize):
    model = fitted(SERIES[:, :20], **params)
    assert (model.conv_channels_, model.downsample_, model.standardize_) == (conv, 1, standardize)
    assert model.net_.module_.series_stats is False


@pytest.mark.parametrize(
    "params, message",
    [(dict(conv_channels="big"), r"The 'conv_channels' parameter of LSTMClassifier must be "
      r"an int in the range \[1, inf\), a str among \{'auto'\} or None\. Got 'big'"),
     (dict(conv_channels=0), r"The 'conv_channels' parameter .* Got 0"),
     (dict(conv_channels=True), r"The 'conv_channels' parameter of LSTMClassifier must be an "
      r"int, not a bool\. Got True"),
     (dict(standardize="global"), r"The 'standardize' parameter of LSTMClassifier must be .*"
      r"'series\+stats'.* Got 'global'"),
     (dict(pooling="auto"), r"The 'pooling' parameter of LSTMClassifier must be a str among"),
     (dict(batch_size=0), r"The 'batch_size' parameter .* Got 0")],
)
def test_bad_values_are_refused(params, message):
    with pytest.raises(ValueError, match=message):
        fitted(SERIES[:, :20], **params)


def test_padding_never_changes_a_prediction_with_the_downsampled_stack():
    sequences = [SERIES[i, : RNG.randint(5, 301)] for i in range(24)]
    model = fitted(sequences, max_epochs=1)
    assert model.downsample_ == 3
    together = model.predict_proba(sequences)
    alone = np.vstack([model.predict_proba(s[None]) for s in sequences])
    np.testing.assert_array_equal(together, alone)
    # Multivariate sequences of different lengths, too.
    multi = [RNG.normal(size=(n, 3)).astype(np.float32) for n in RNG.randint(9, 200, size=24)]
    model = fitted(multi, max_epochs=1)
    np.testing.assert_array_equal(
        model.predict_proba(multi), np.vstack([model.predict_proba(s[None]) for s in multi]))


@pytest.mark.parametrize(
    "n_train, batch_size, epochs",
    [(36, 16, 500), (100, 16, 215), (537, 16, 50), (10_000, 16, 50), (100, 100, 500)],
)
def test_auto_epochs_give_small_training_sets_more_passes(n_train, batch_size, epochs):
    assert _architecture.resolve_epochs("auto", n_train, batch_size) == epochs
    assert _architecture.resolve_epochs(7, n_train, batch_size) == 7


def test_auto_epochs_count_the_training_samples_only(monkeypatch):
    """Resolved in fit from the samples left after the validation split, shown in
    ``max_epochs_``, trained for (the cosine schedule included) and saved."""
    monkeypatch.setattr(_architecture, "AUTO_MIN_STEPS", 6)
    monkeypatch.setattr(_architecture, "AUTO_EPOCHS", (1, 5))
    X = SERIES[:, :20]
    model = fitted(X, max_epochs="auto", batch_size=8)  # 3 batches: 2 epochs
    assert (model.max_epochs_, model.n_epochs_) == (2, 2)
    model = fitted(X, max_epochs="auto", batch_size=8, validation_fraction=0.5)  # 2 batches
    assert (model.max_epochs_, model.n_epochs_) == (3, 3)
    lr = model.net_.callbacks_[[n for n, _ in model.net_.callbacks_].index("lr_schedule")][1]
    assert lr.lr_scheduler_.T_max == 3
    model = fitted(X, max_epochs=4)
    assert (model.max_epochs_, model.n_epochs_) == (4, 4)


def test_batch_statistics_leave_padding_out():
    """In training mode too (batch normalisation uses the batch's statistics), the outputs
    of a batch do not depend on how far it is padded."""
    sequences = [SERIES[i, : 20 + 10 * i] for i in range(6)]
    model = fitted(sequences, LABELS[:6], max_epochs=1)
    module = model.net_.module_
    lengths = torch.tensor([len(s) for s in sequences])

    def padded(total):
        x = torch.zeros(len(sequences), total, 1)
        for row, series in enumerate(sequences):
            x[row, : len(series), 0] = torch.from_numpy(series)
        return x

    module.train()
    twin = copy.deepcopy(module)
    short = module(padded(int(lengths.max())), lengths)
    long = twin(padded(3 * int(lengths.max())), lengths)
    torch.testing.assert_close(short, long)
    # The running statistics, which predictions use, moved alike.
    for norm, twin_norm in zip(*[[m for m in net.modules() if isinstance(m, nn.BatchNorm1d)]
                                 for net in (module, twin)], strict=True):
        torch.testing.assert_close(norm.running_mean, twin_norm.running_mean)
        torch.testing.assert_close(norm.running_var, twin_norm.running_var)
    module.eval()


def test_batch_statistics_of_unpadded_steps_are_batch_norms():
    """Where no step is padding, the masked statistics are ``BatchNorm1d``'s, running ones
    included."""
    from lstm_forecast._network import _masked_batch_norm

    torch.manual_seed(0)
    norm = nn.BatchNorm1d(4).train()
    with torch.no_grad():
        norm.weight.uniform_(0.5, 2.0)
        norm.bias.uniform_(-1.0, 1.0)
    twin = copy.deepcopy(norm)
    for _ in range(3):
        x = torch.randn(5, 4, 11) * 3 + 1
        everything = torch.ones(5, 1, 11, dtype=torch.bool)
        torch.testing.assert_close(_masked_batch_norm(norm, x, everything), twin(x))
    torch.testing.assert_close(norm.running_mean, twin.running_mean)
    torch.testing.assert_close(norm.running_var, twin.running_var)
    assert int(norm.num_batches_tracked) == int(twin.num_batches_tracked) == 3


def test_series_stats_keep_level_and_scale():
    """Two classes that differ only in their level: per-series z-normalisation alone cannot
    tell them apart; with the series' mean as an input the network can."""
    X = RNG.normal(size=(80, 20)).astype(np.float32) + 3.0 * (np.arange(80) % 2)[:, None]
    y = np.arange(80) % 2
    params = dict(hidden_size=8, max_epochs=15, conv_channels=None, random_state=0, device="cpu")
    assert LSTMClassifier(**params).fit(X[:60], y[:60]).score(X[60:], y[60:]) >= 0.95
    assert LSTMClassifier(standardize="series", **params).fit(X[:60], y[:60]).score(
        X[60:], y[60:]) <= 0.75


def test_series_statistics_survive_amplitudes_a_millionth_of_the_data_sets():
    """A sequence whose amplitude is a millionth of the training set's spread, far from its
    mean (PLAID's smallest currents): its normalised shape is its float64 z-score (the
    standardisation by the data set's statistics used to round it to a few levels first),
    and the log standard deviations of sequences a thousandth and a ten-thousandth of it
    differ by the log of 10 (less the floor's share; 1e-3 left 0.03 between them)."""
    from lstm_forecast._network import _normalise_each_sequence

    shape = np.random.RandomState(1).normal(size=50)
    raw = np.stack([0.1 + 3e-5 * shape, 0.1 + 1e-3 * shape, 0.1 + 1e-4 * shape,
                    20.0 * shape])[..., None]
    x = torch.tensor(raw, dtype=torch.float32)
    out = _normalise_each_sequence(x, torch.tensor([50] * 4), torch.tensor([10.455]),
                                   torch.tensor([32.05]), stats=True).numpy()
    exact = (shape - shape.mean()) / shape.std()
    for row in range(4):
        np.testing.assert_allclose(out[row, :, 0], exact, atol=2e-3)
    log_std = out[:, 0, 2]
    np.testing.assert_allclose(log_std[1], np.log(1e-3 * shape.std() / 32.05 + 1e-6), rtol=1e-4)
    assert log_std[1] - log_std[2] > 0.85 * np.log(10)


def test_constant_sequences_normalise_to_zero():
    from lstm_forecast._network import _normalise_each_sequence

    x = torch.tensor([[[1e4]] * 7, [[0.0]] * 7, [[2.5]] * 3 + [[0.0]] * 4], dtype=torch.float32)
    out = _normalise_each_sequence(x, torch.tensor([7, 7, 3]), torch.tensor([1.0]),
                                   torch.tensor([2.0]), stats=True)
    assert torch.all(out[..., 0] == 0)
    assert torch.isfinite(out).all()


def test_files_without_stats_floor_keep_the_normalisation_they_were_trained_with(tmp_path):
    """Networks saved before ``stats_floor`` existed (0.5 and earlier) normalise after the
    fixed standardisation, with a log floor of 1e-3, and predict as they did."""
    from lstm_forecast._network import _normalise_standardised

    model = fitted(SERIES[:, :40], max_epochs=1)
    assert model.network_config_["stats_floor"] == model.net_.module_.stats_floor == 1e-6
    del model.network_config_["stats_floor"]
    model.net_.module_.stats_floor = None  # as 0.5 built it
    save_model(model, tmp_path / "old.lstmf")
    loaded = load_model(tmp_path / "old.lstmf")
    assert loaded.net_.module_.stats_floor is None
    np.testing.assert_array_equal(loaded.predict_proba(SERIES[:, :40]),
                                  model.predict_proba(SERIES[:, :40]))
    x = torch.tensor(SERIES[:2, :40, None]) * 5.0 + 3.0
    module = loaded.net_.module_
    standardised = (x - module.input_shift) / module.input_scale
    features = _normalise_standardised(standardised, None, stats=True)
    np.testing.assert_allclose(features[:, 0, 2].numpy(),
                               np.log(standardised[:, :, 0].std(1, unbiased=False).numpy() + 1e-3),
                               rtol=1e-5)


@pytest.mark.parametrize("floor", [0, -1e-3, 2.0, True, "1e-3", float("nan")])
def test_bad_stats_floor_in_a_file_is_refused(floor):
    from lstm_forecast._network import config_problem

    config = dict(fitted(SERIES[:, :40]).network_config_, stats_floor=floor)
    assert "stats_floor" in config_problem(config)


def test_saved_default_model_predicts_the_same(tmp_path):
    model = fitted([SERIES[i, : 100 + 8 * i] for i in range(24)], max_epochs=1)
    save_model(model, tmp_path / "m.lstmf")
    loaded = load_model(tmp_path / "m.lstmf")
    assert (loaded.conv_channels_, loaded.downsample_, loaded.standardize_, loaded.max_epochs_,
            loaded.lr_, loaded.batch_size_) == (model.conv_channels_, model.downsample_,
                                                model.standardize_, model.max_epochs_, model.lr_,
                                                model.batch_size_)
    np.testing.assert_array_equal(loaded.predict_proba(SERIES), model.predict_proba(SERIES))


# The weights of every configuration an earlier version could build keep their names and
# shapes, so files saved by it load into the network this version builds.
LEGACY = {
    "tutorial": (dict(pooling="last", conv_channels=None, standardize=True), {
        "input_shift": (1,), "input_scale": (1,), "rnn.weight_ih_l0": (32, 1),
        "rnn.weight_hh_l0": (32, 8), "rnn.bias_ih_l0": (32,), "rnn.bias_hh_l0": (32,),
        "head.weight": (2, 8), "head.bias": (2,)}),
    "old preset": (dict(pooling="max", conv_channels=4, standardize="series"), {
        "input_shift": (1,), "input_scale": (1,), "conv.0.weight": (4, 1, 7), "conv.0.bias": (4,),
        "conv.1.weight": (4,), "conv.1.bias": (4,), "conv.1.running_mean": (4,),
        "conv.1.running_var": (4,), "conv.1.num_batches_tracked": (), "rnn.weight_ih_l0": (32, 4),
        "rnn.weight_hh_l0": (32, 8), "rnn.bias_ih_l0": (32,), "rnn.bias_hh_l0": (32,),
        "head.weight": (2, 8), "head.bias": (2,)}),
}


@pytest.mark.parametrize("name", list(LEGACY))
def test_earlier_configurations_build_the_same_weights(name):
    params, expected = LEGACY[name]
    state = fitted(SERIES[:, :20], **params).net_.module_.state_dict()
    assert {key: tuple(value.shape) for key, value in state.items()} == expected


def test_token_ids_are_never_scaled_whatever_standardize_asks():
    tokens = RNG.randint(1, 20, (24, 10))
    model = LSTMClassifier(vocab_size=20, standardize="series+stats", hidden_size=4, max_epochs=1,
                           random_state=0).fit(tokens, np.arange(24) % 2)
    assert model.standardize_ is False and model.network_config_["series_norm"] is False


def test_the_classifiers_own_init_pickles_by_name():
    import pickle

    assert pickle.loads(pickle.dumps(LSTMClassifier.__init__)) is LSTMClassifier.__init__
