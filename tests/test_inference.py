"""CPU predictions do not depend on which other samples share the batch (``_inference.py``)."""

import numpy as np
import pytest
import torch

from lstm_forecast import _inference
from lstm_forecast._network import RecurrentNetwork

CONFIGS = [
    dict(),
    dict(num_layers=2),
    dict(bidirectional=True, pooling="mean"),
    dict(pooling="max"),
    dict(pooling="cell"),
    dict(projection_size=8),
    dict(conv_channels=8, conv_kernel_size=3),
    dict(vocab_size=50, embedding_dim=8),
    dict(hidden_size=48, num_layers=3, pooling="mean"),
    dict(cell="gru"),
    dict(cell="rnn", bidirectional=True),
]


def _predict_in_batches(runner, X, size):
    return torch.cat([_inference.run_invariant(runner, X[i : i + size]) for i in range(0, len(X), size)])


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("params", CONFIGS, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items())
                         or "lstm")
def test_a_sample_gets_the_same_bits_whatever_its_batch(params, threads):
    torch.manual_seed(0)
    module = RecurrentNetwork(n_features=3, n_outputs=2, **{"hidden_size": 24, **params}).eval()
    runner = _inference.inference_module(module)
    if "vocab_size" in params:
        X = torch.randint(1, 50, (150, 20))
    else:
        X = torch.randn(150, 20, 3, dtype=torch.float64)
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with torch.no_grad():
            whole = _inference.run_invariant(runner, X)
            for size in (1, 2, 3, 7, 64):
                torch.testing.assert_close(_predict_in_batches(runner, X, size), whole, rtol=0, atol=0)
            order = torch.randperm(len(X))
            torch.testing.assert_close(_inference.run_invariant(runner, X[order]), whole[order],
                                       rtol=0, atol=0)
            # The result is the float32 network's, to float32 precision.
            torch.testing.assert_close(whole, module(X.float() if X.is_floating_point() else X),
                                       rtol=1e-4, atol=1e-5)
    finally:
        torch.set_num_threads(previous)


@pytest.mark.parametrize(
    ("params", "fast"),
    [(dict(), True), (dict(pooling="mean", num_layers=2), True), (dict(cell="gru"), False),
     (dict(bidirectional=True), False), (dict(pooling="cell"), False)],
)
def test_forward_only_lstms_take_the_fast_mixed_path(params, fast):
    module = RecurrentNetwork(n_features=1, n_outputs=1, hidden_size=8, **params)
    runner = _inference.inference_module(module)
    assert isinstance(runner.rnn, _inference._Float32Recurrent) is fast
    assert next(runner.head.parameters()).dtype == torch.float64
    if fast:  # a float32 copy of the trained recurrent layers, the rest in float64
        assert next(runner.rnn.rnn.parameters()).dtype == torch.float32
        for copied, trained in zip(runner.rnn.rnn.parameters(), module.rnn.parameters(), strict=True):
            assert copied is not trained and torch.equal(copied, trained)


@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
def test_ragged_batches_match_each_sequence_alone(pooling):
    torch.manual_seed(0)
    module = RecurrentNetwork(n_features=2, n_outputs=1, hidden_size=8, num_layers=2, pooling=pooling).eval()
    runner = _inference.inference_module(module)
    lengths = torch.tensor([5, 9, 2, 9, 7])
    X = torch.randn(5, 9, 2, dtype=torch.float64) * (torch.arange(9)[None, :, None] < lengths[:, None, None])
    with torch.no_grad():
        batch = _inference.run_invariant(runner, X, lengths=lengths)
        alone = torch.cat([_inference.run_invariant(runner, X[i : i + 1, :n]) for i, n in enumerate(lengths)])
        reference = module(X.float(), lengths=lengths)
    torch.testing.assert_close(batch, alone, rtol=0, atol=0)
    torch.testing.assert_close(batch, reference, rtol=1e-4, atol=1e-5)


def test_the_copy_follows_the_weights():
    module = RecurrentNetwork(n_features=1, n_outputs=1, hidden_size=8).eval()
    x = torch.randn(4, 5, 1, dtype=torch.float64)
    with torch.no_grad():
        before = _inference.run_invariant(_inference.inference_module(module), x)
        module.head.bias.add_(1.0)
        after = _inference.run_invariant(_inference.inference_module(module), x)
    np.testing.assert_allclose((after - before).numpy(), 1.0, rtol=1e-6)


def test_a_chunk_holding_one_ragged_sequence_matches_the_batch(monkeypatch):
    """Ragged sequences are predicted in length order, in chunks cut after their longest
    sequence: 257 of them leave one in the last chunk, which goes through as two copies, its
    length included (``_RAGGED_PREDICT_CHUNK`` shrunk to 4 to make that case small). The
    predictions come back in the order of the input."""
    from lstm_forecast import LSTMRegressor, _base

    rng = np.random.default_rng(0)
    for seed in range(6):  # a batch of one differs from a batch of two in ~half the draws
        sequences = [rng.normal(size=(rng.integers(3, 40), 3)).astype(np.float32) for _ in range(9)]
        model = LSTMRegressor(hidden_size=32, num_layers=2, max_epochs=1, random_state=seed,
                              device="cpu").fit(sequences, rng.normal(size=9))
        whole = model.predict(sequences)
        alone = np.concatenate([model.predict([s]) for s in sequences])
        np.testing.assert_array_equal(whole, alone)
        monkeypatch.setattr(_base, "_RAGGED_PREDICT_CHUNK", 4)
        np.testing.assert_array_equal(model.predict(sequences), whole)
        monkeypatch.undo()


def test_the_copy_follows_weights_replaced_by_new_tensors():
    torch.manual_seed(0)
    module = RecurrentNetwork(n_features=1, n_outputs=1, hidden_size=8).eval()
    other = RecurrentNetwork(n_features=1, n_outputs=1, hidden_size=8).eval()
    x = torch.randn(4, 5, 1, dtype=torch.float64)
    with torch.no_grad():
        _inference.run_invariant(_inference.inference_module(module), x)
        module.load_state_dict(other.state_dict(), assign=True)
        got = _inference.run_invariant(_inference.inference_module(module), x)
        expected = _inference.run_invariant(_inference.inference_module(other), x)
    torch.testing.assert_close(got, expected, rtol=0, atol=0)
