"""The network the estimators build: cells, stacking, pooling, gate biases, front ends.

Networks are built with ``max_epochs=0`` (initialised, not trained), so every test is fast.
"""

import numpy as np
import pytest
import torch
from torch import nn

from lstm_forecast import LSTMClassifier, LSTMRegressor
from lstm_forecast._network import CELLS, POOLINGS, RecurrentNetwork

RNG = np.random.RandomState(0)
X = RNG.normal(size=(12, 5, 3)).astype(np.float32)
Y = RNG.normal(size=12)


def built(**params):
    """An untrained module (weights as initialised), in eval mode."""
    params = {"hidden_size": 8, "max_epochs": 0, "random_state": 0, "device": "cpu", **params}
    return LSTMRegressor(**params).fit(X, Y).net_.module_


def _standardised(module, x):
    """The input the recurrent layers see (the module standardises with training statistics)."""
    return (x - module.input_shift) / module.input_scale


def _summary(module, x):
    """What the head of ``module`` receives for ``x``: recorded by a forward hook."""
    seen = {}
    handle = module.head.register_forward_hook(lambda m, args, out: seen.update(x=args[0]))
    with torch.no_grad():
        module(x)
    handle.remove()
    return seen["x"]


@pytest.mark.parametrize(
    "cell, rnn_class, nonlinearity",
    [("lstm", nn.LSTM, None), ("gru", nn.GRU, None), ("rnn", nn.RNN, "tanh"),
     ("rnn_relu", nn.RNN, "relu")],
)
def test_cells(cell, rnn_class, nonlinearity):
    module = built(cell=cell)
    assert type(module.rnn) is rnn_class
    if nonlinearity is not None:
        assert module.rnn.nonlinearity == nonlinearity
    assert set(CELLS) == {"lstm", "gru", "rnn", "rnn_relu"}


def test_rnn_relu_and_tanh_compute_different_functions():
    tanh, relu = built(cell="rnn"), built(cell="rnn_relu")
    x = torch.as_tensor(X)
    with torch.no_grad():
        assert not torch.allclose(tanh(x), relu(x))


@pytest.mark.parametrize("num_layers", [1, 3])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_stacking_and_directions(num_layers, bidirectional):
    module = built(num_layers=num_layers, bidirectional=bidirectional)
    assert module.rnn.num_layers == num_layers
    assert module.rnn.bidirectional is bidirectional
    assert module.head.in_features == 8 * (2 if bidirectional else 1)
    with torch.no_grad():
        assert module(torch.as_tensor(X)).shape == (12, 1)


def test_bidirectional_summary_holds_both_full_readings():
    """pooling="last": the forward half is the output after the last step, the backward half
    the output at the first step (the backward direction has read the whole sequence)."""
    module = built(bidirectional=True)
    x = torch.as_tensor(X)
    with torch.no_grad():
        outputs, _ = module.rnn(_standardised(module, x))
    summary = _summary(module, x)
    torch.testing.assert_close(summary[:, :8], outputs[:, -1, :8])
    torch.testing.assert_close(summary[:, 8:], outputs[:, 0, 8:])


def test_dropout_between_layers_and_before_the_head():
    module = built(num_layers=2, dropout=0.3)
    assert module.rnn.dropout == pytest.approx(0.3)
    assert isinstance(module.dropout, nn.Dropout) and module.dropout.p == pytest.approx(0.3)
    x = torch.as_tensor(X)
    with torch.no_grad():
        assert torch.equal(module(x), module(x))  # eval: no dropout
        module.train()
        torch.manual_seed(0)
        first = module(x)
        assert not torch.equal(first, module(x))  # train: dropout is active
    # A single layer has nothing to drop between: PyTorch gets 0 (and does not warn).
    assert built(num_layers=1, dropout=0.3).rnn.dropout == 0.0
    assert isinstance(built(dropout=0.0).dropout, nn.Identity)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("pooling", POOLINGS)
def test_pooling_summarises_the_hidden_states(pooling, bidirectional):
    module = built(pooling=pooling, bidirectional=bidirectional, num_layers=2)
    x = torch.as_tensor(X)
    with torch.no_grad():
        outputs, (h_n, c_n) = module.rnn(_standardised(module, x))
    top = lambda state: torch.cat([state[-2], state[-1]], 1) if bidirectional else state[-1]  # noqa: E731
    expected = {
        "last": top(h_n),
        "mean": outputs.mean(dim=1),
        "max": outputs.amax(dim=1),
        "cell": top(c_n),
    }[pooling]
    torch.testing.assert_close(_summary(module, x), expected)
    if pooling == "last" and not bidirectional:
        torch.testing.assert_close(expected, outputs[:, -1])


def test_pooling_cell_needs_an_lstm():
    with pytest.raises(ValueError, match="pooling='cell' reads the LSTM cell state and needs cell='lstm'"):
        built(pooling="cell", cell="gru")


def test_weights_start_as_in_keras():
    """Orthogonal recurrent weights per gate, zero biases (what ``forget_bias=None`` means)."""
    module = built(num_layers=2)
    for name, weight in module.rnn.named_parameters():
        if name.startswith("bias_"):
            assert torch.count_nonzero(weight) == 0, name
        elif name.startswith("weight_hh"):
            for gate in weight.detach().split(8):
                torch.testing.assert_close(gate @ gate.T, torch.eye(8), atol=1e-5, rtol=0)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_forget_bias_sets_the_forget_gate(bidirectional):
    """PyTorch orders the LSTM gates (input, forget, cell, output): the 1.0 goes to the
    second block of ``bias_ih`` in every layer and direction, nothing else changes."""
    module = built(forget_bias=1.0, num_layers=2, bidirectional=bidirectional)
    biases = {n: p.detach() for n, p in module.rnn.named_parameters() if n.startswith("bias_")}
    assert len(biases) == 2 * 2 * (2 if bidirectional else 1)
    for name, bias in biases.items():
        i, f, g, o = bias.split(8)
        expected_f = 1.0 if name.startswith("bias_ih") else 0.0
        assert torch.equal(f, torch.full((8,), expected_f)), name
        assert torch.count_nonzero(torch.cat([i, g, o])) == 0, name


def test_forget_bias_behaves_as_a_forget_gate():
    """With all weights zero, one step gives c_1 = sigmoid(b_f) * c_0 + sigmoid(b_i) * tanh(b_g):
    forget_bias=1.0 keeps sigmoid(1.0) of the previous cell state."""
    rnn = built(forget_bias=1.0).rnn
    with torch.no_grad():
        for name, weight in rnn.named_parameters():
            if name.startswith("weight_"):
                weight.zero_()
        h0, c0 = torch.zeros(1, 1, 8), torch.ones(1, 1, 8)
        _, (_, c1) = rnn(torch.ones(1, 1, 3), (h0, c0))
    torch.testing.assert_close(c1, torch.sigmoid(torch.tensor(1.0)).expand(1, 1, 8))


@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_forget_bias_needs_an_lstm(cell):
    with pytest.raises(ValueError, match="forget_bias sets the LSTM forget gate and needs cell='lstm'"):
        built(cell=cell, forget_bias=1.0)


def test_token_embedding():
    tokens = RNG.randint(1, 20, size=(12, 6))
    clf = LSTMClassifier(hidden_size=8, vocab_size=20, embedding_dim=5, max_epochs=0,
                         random_state=0, device="cpu").fit(tokens, np.arange(12) % 2)
    module = clf.net_.module_
    assert isinstance(module.embedding, nn.Embedding)
    assert module.embedding.num_embeddings == 20 and module.embedding.embedding_dim == 5
    assert module.embedding.padding_idx == 0
    assert torch.count_nonzero(module.embedding.weight[0]) == 0
    assert module.rnn.input_size == 5


def test_projection_is_applied_to_every_step():
    """Tutorial S0: Linear 28 -> 128 on each of the 28 rows, then LSTM(128, forget_bias 1.0)
    and the head on the final cell state."""
    images = RNG.normal(size=(6, 28, 28)).astype(np.float32)
    clf = LSTMClassifier(hidden_size=16, projection_size=128, forget_bias=1.0, pooling="cell",
                         conv_channels=None, standardize=True, max_epochs=0, random_state=0,
                         device="cpu").fit(images, np.arange(6) % 3)
    module = clf.net_.module_
    assert (module.projection.in_features, module.projection.out_features) == (28, 128)
    assert module.rnn.input_size == 128
    seen = {}
    module.projection.register_forward_hook(lambda m, args, out: seen.update(i=args[0].shape, o=out.shape))
    clf.predict(images)
    assert seen == {"i": (6, 28, 28), "o": (6, 28, 128)}


def test_convolution_front_end():
    module = built(conv_channels=6)
    conv, norm, relu = module.conv
    assert (conv.in_channels, conv.out_channels, conv.kernel_size) == (3, 6, (7,))
    assert isinstance(norm, nn.BatchNorm1d) and isinstance(relu, nn.ReLU)
    assert module.rnn.input_size == 6
    seen = {}
    conv.register_forward_hook(lambda m, args, out: seen.update(o=out.shape))
    with torch.no_grad():
        module(torch.as_tensor(X))
    assert seen["o"] == (12, 6, 5)  # (batch, channels, time): the length is kept


def test_module_can_be_used_alone():
    module = RecurrentNetwork(n_features=3, n_outputs=4, hidden_size=8, num_layers=2,
                              cell="gru", pooling="max")
    with torch.no_grad():
        out = module(torch.as_tensor(X), lengths=torch.tensor([5, 3] * 6))
    assert out.shape == (12, 4) and torch.isfinite(out).all()
