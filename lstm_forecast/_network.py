"""The PyTorch module behind every estimator: a stacked recurrent network with a linear head."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

CELLS = ("lstm", "gru", "rnn", "rnn_relu")
POOLINGS = ("last", "mean", "max", "cell")


class RecurrentNetwork(nn.Module):
    """Stacked LSTM/GRU/RNN over ``(batch, time, features)`` with a linear output layer.

    Recurrent weights start as in Keras: Glorot-uniform input weights, orthogonal recurrent
    weights (per gate) and zero biases. The layers, in order: optional token embedding
    (``vocab_size``), fixed input
    standardisation (buffers ``input_shift``/``input_scale``), optional per-step linear
    projection (``projection_size``), optional 1-D convolution front end (``conv_channels``),
    the recurrent stack, a summary of the sequence (``pooling``), dropout, and the head.

    Parameters
    ----------
    n_features : int
        Features per time step (ignored when ``vocab_size`` is given).
    n_outputs : int
        Width of the output layer (regression outputs or class logits).
    hidden_size, num_layers, cell, bidirectional, dropout :
        See :class:`lstm_forecast.LSTMRegressor`.
    pooling : {"last", "mean", "max", "cell"}
        How the sequence of hidden states is summarised for the head: the state after
        the last (valid) step, the mean or the maximum over valid steps, or the final
        LSTM cell state ``c_T`` (tutorial S0).
    forget_bias : float or None
        Initial forget-gate bias of every LSTM layer (TensorFlow's ``forget_bias=1.0``).
    vocab_size, embedding_dim : int or None
        Integer-token input: an ``nn.Embedding`` whose index 0 is padding.
    projection_size : int or None
        A linear layer applied to every step before the recurrent stack.
    conv_channels : int or None
        A convolutional front end (as in LSTM-FCN): ``Conv1d(k=conv_kernel_size)`` with
        batch normalisation and ReLU, applied along time before the recurrent stack.
    series_norm : bool
        Z-normalise every sequence per feature over its valid steps (after the fixed input
        standardisation): offsets and scales that differ between sequences do not matter.
    """

    def __init__(
        self,
        *,
        n_features: int,
        n_outputs: int,
        hidden_size: int = 64,
        num_layers: int = 1,
        cell: str = "lstm",
        bidirectional: bool = False,
        dropout: float = 0.0,
        pooling: str = "last",
        forget_bias: float | None = None,
        vocab_size: int | None = None,
        embedding_dim: int | None = None,
        projection_size: int | None = None,
        conv_channels: int | None = None,
        conv_kernel_size: int = 7,
        series_norm: bool = False,
    ):
        super().__init__()
        self.series_norm = series_norm
        self.cell = cell
        self.pooling = pooling
        self.bidirectional = bidirectional
        self.embedding = None
        if vocab_size is not None:
            self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
            n_features = embedding_dim
        self.register_buffer("input_shift", torch.zeros(n_features))
        self.register_buffer("input_scale", torch.ones(n_features))
        self.projection = None
        if projection_size is not None:
            self.projection = nn.Linear(n_features, projection_size)
            n_features = projection_size
        self.conv = None
        if conv_channels is not None:
            self.conv = nn.Sequential(
                nn.Conv1d(n_features, conv_channels, conv_kernel_size, padding="same"),
                nn.BatchNorm1d(conv_channels),
                nn.ReLU(),
            )
            n_features = conv_channels
        rnn_class, extra = {
            "lstm": (nn.LSTM, {}),
            "gru": (nn.GRU, {}),
            "rnn": (nn.RNN, {"nonlinearity": "tanh"}),
            "rnn_relu": (nn.RNN, {"nonlinearity": "relu"}),
        }[cell]
        self.rnn = rnn_class(
            input_size=n_features,
            hidden_size=hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout if num_layers > 1 else 0.0,
            **extra,
        )
        self._init_recurrent_weights(hidden_size)
        if forget_bias is not None:
            self._set_forget_bias(float(forget_bias), hidden_size)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), n_outputs)

    def _init_recurrent_weights(self, hidden_size: int) -> None:
        # Keras' initialisation (Glorot input weights, orthogonal recurrent weights, zero
        # biases) trains faster and more reliably than PyTorch's uniform default.
        with torch.no_grad():
            for name, weight in self.rnn.named_parameters():
                if name.startswith("bias_"):
                    weight.zero_()
                    continue
                init = nn.init.xavier_uniform_ if name.startswith("weight_ih") else nn.init.orthogonal_
                for gate in weight.split(hidden_size):
                    init(gate)

    def _set_forget_bias(self, value: float, hidden_size: int) -> None:
        # PyTorch orders LSTM gates (input, forget, cell, output); both biases are added.
        with torch.no_grad():
            for name, bias in self.rnn.named_parameters():
                if name.startswith("bias_"):
                    bias[hidden_size : 2 * hidden_size] = value if name.startswith("bias_ih") else 0.0

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Map ``x`` of shape ``(batch, time, features)`` (or ``(batch, time)`` tokens) to outputs.

        ``lengths`` gives the number of valid leading steps of each sequence; the steps after
        it are padding and never influence the output.
        """
        if self.embedding is not None:
            x = self.embedding(x)
        else:
            x = (x - self.input_shift) / self.input_scale
            if self.series_norm:
                x = _normalise_each_sequence(x, lengths)
        if self.projection is not None:
            x = self.projection(x)
        if self.conv is not None:
            if lengths is not None:
                x = x * _valid_mask(lengths, x.shape[1], x.device).unsqueeze(-1)
            x = self.conv(x.transpose(1, 2)).transpose(1, 2)
        if lengths is None:
            outputs, state = self.rnn(x)
        else:
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            packed_outputs, state = self.rnn(packed)
            outputs, _ = pad_packed_sequence(packed_outputs, batch_first=True, total_length=x.shape[1])
        return self.head(self.dropout(self._summarise(outputs, state, lengths)))

    def _summarise(self, outputs, state, lengths):
        if self.pooling in ("last", "cell"):
            if self.pooling == "cell":
                state = state[1]
            elif self.cell == "lstm":
                state = state[0]
            # state: (num_layers * directions, batch, hidden); keep the top layer.
            if self.bidirectional:
                return torch.cat([state[-2], state[-1]], dim=1)
            return state[-1]
        if lengths is None:
            return outputs.mean(dim=1) if self.pooling == "mean" else outputs.amax(dim=1)
        mask = _valid_mask(lengths, outputs.shape[1], outputs.device).unsqueeze(-1)
        if self.pooling == "mean":
            counts = lengths.to(outputs.device, outputs.dtype).unsqueeze(1)
            return (outputs * mask).sum(dim=1) / counts
        return outputs.masked_fill(~mask, float("-inf")).amax(dim=1)


def _valid_mask(lengths: torch.Tensor, total: int, device) -> torch.Tensor:
    steps = torch.arange(total, device=device)
    return steps.unsqueeze(0) < lengths.to(device).unsqueeze(1)


def _normalise_each_sequence(x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """``(x - mean) / std`` per sequence and feature over the valid steps; 0 where constant."""
    if lengths is None:
        mean = x.mean(dim=1, keepdim=True)
        centred = x - mean
        var = centred.square().mean(dim=1, keepdim=True)
    else:
        mask = _valid_mask(lengths, x.shape[1], x.device).unsqueeze(-1).to(x.dtype)
        counts = lengths.to(x.device, x.dtype).view(-1, 1, 1)
        mean = (x * mask).sum(dim=1, keepdim=True) / counts
        centred = (x - mean) * mask
        var = centred.square().sum(dim=1, keepdim=True) / counts
    std = var.sqrt()
    return centred / torch.where(std > 1e-6, std, torch.ones_like(std))


def expected_weight_shapes(config: dict) -> dict[str, tuple[int, ...]]:
    """The ``state_dict`` shapes of ``RecurrentNetwork(**config)``, without allocating it.

    The network is built on PyTorch's ``meta`` device, which records shapes only, so a
    model file that claims a huge network is refused before any memory is spent on it.
    """
    with torch.device("meta"):
        module = RecurrentNetwork(**config)
    return {key: tuple(tensor.shape) for key, tensor in module.state_dict().items()}


# The keys of a network configuration, with the bounds a stored one must respect.
_CONFIG_INTS = {"n_features": (1, 1 << 20), "n_outputs": (1, 1 << 20), "hidden_size": (1, 1 << 16),
                "num_layers": (1, 64)}
_CONFIG_OPTIONAL_INTS = {"vocab_size": (2, 1 << 24), "embedding_dim": (1, 1 << 16),
                         "projection_size": (1, 1 << 16), "conv_channels": (1, 1 << 16)}
_CONFIG_KEYS = {*_CONFIG_INTS, *_CONFIG_OPTIONAL_INTS, "cell", "bidirectional", "dropout", "pooling",
                "forget_bias", "series_norm"}


def config_problem(config) -> str | None:
    """What is wrong with a stored network configuration (``network_config_``), or ``None``.

    Checked before any network is built from a model file: exact keys, plain types, and
    sizes within bounds.
    """
    if not isinstance(config, dict):
        return "network_config_ is missing or not an object."
    if set(config) != _CONFIG_KEYS:
        return f"network_config_ must have the keys {sorted(_CONFIG_KEYS)}."
    bounds = [(key, low, high, False) for key, (low, high) in _CONFIG_INTS.items()]
    bounds += [(key, low, high, True) for key, (low, high) in _CONFIG_OPTIONAL_INTS.items()]
    for key, low, high, optional in bounds:
        value = config[key]
        if optional and value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            return f"network_config_[{key!r}] must be an integer in [{low}, {high}]."
    if config["cell"] not in CELLS or config["pooling"] not in POOLINGS:
        return "network_config_ names an unknown cell or pooling."
    if not isinstance(config["bidirectional"], bool) or not isinstance(config["series_norm"], bool):
        return "network_config_ flags must be booleans."
    dropout = config["dropout"]
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        return "network_config_['dropout'] must be a number in [0, 1)."
    bias = config["forget_bias"]
    if bias is not None and (isinstance(bias, bool) or not isinstance(bias, (int, float))
                             or not math.isfinite(bias)):
        return "network_config_['forget_bias'] must be a finite number or null."
    if (config["vocab_size"] is None) != (config["embedding_dim"] is None):
        return "network_config_ sets only one of vocab_size and embedding_dim."
    if config["pooling"] == "cell" and config["cell"] != "lstm":
        return "network_config_ pools the cell state of a network without LSTM cells."
    return None
