"""The PyTorch module behind every estimator: a stacked recurrent network with a linear head."""

from __future__ import annotations

import math
from typing import cast

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

CELLS = ("lstm", "gru", "rnn", "rnn_relu")
POOLINGS = ("last", "mean", "max", "cell")
# Added to a sequence's standard deviation (relative to the training set's) before its log.
STATS_FLOOR = 1e-6


class RecurrentNetwork(nn.Module):
    """Stacked LSTM/GRU/RNN over ``(batch, time, features)`` with a linear output layer.

    Recurrent weights start as in Keras: Glorot-uniform input weights, orthogonal recurrent
    weights (per gate) and zero biases. The layers, in order: optional token embedding
    (``vocab_size``), fixed input standardisation (buffers ``input_shift``/``input_scale``),
    optional per-sequence normalisation (``series_norm``, ``series_stats``), optional per-step
    linear projection (``projection_size``), optional convolutional front end
    (``conv_channels``, ``downsample``), the recurrent stack, a summary of the sequence
    (``pooling``, ``conv_summary``), dropout, and the head.

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
    conv_channels : int, tuple of int or None
        A convolutional front end applied along time before the recurrent stack. An int is
        one block (``Conv1d(k=conv_kernel_size)``, batch normalisation, ReLU), as in
        LSTM-FCN; a tuple is a stack of such blocks, one per entry, with the kernel sizes in
        the tuple ``conv_kernel_size`` (FCN's stack is ``(128, 256, 128)`` with ``(8, 5, 3)``).
    conv_kernel_size : int or tuple of int
        Kernel width of the single block, or of each block of a stack.
    downsample : int
        With a stack: max-pool the output of its first block over windows of this many steps
        (stride the same), so the later blocks and the recurrent layers read a sequence that
        many times shorter. Padding is excluded: a sequence of ``n`` valid steps becomes
        ``ceil(n / downsample)`` steps.
    conv_summary : bool
        With a stack: the head also reads the mean over time of the stack's output (FCN's
        global average pooling), concatenated to the recurrent summary as in LSTM-FCN.
    series_norm : bool
        Z-normalise every sequence per feature over its valid steps (after the fixed input
        standardisation): offsets and scales that differ between sequences do not matter.
    series_stats : bool
        With ``series_norm``: give every step, next to each normalised feature, the
        sequence's mean and log standard deviation of that feature (3 inputs per feature),
        so a level or scale that does tell the classes apart is not lost.
    stats_floor : float or None
        With ``series_norm``: the statistics are taken on the raw inputs and ``stats_floor``
        (``STATS_FLOOR``, 1e-6) is added to the standard deviation, in units of the
        training set's, before its log, so that scales a thousand times below the data set's
        stay apart. ``None`` is the normalisation of models saved before 0.6: after the
        fixed standardisation, with a floor of 1e-3.
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
        conv_channels: int | tuple[int, ...] | None = None,
        conv_kernel_size: int | tuple[int, ...] = 7,
        downsample: int = 1,
        conv_summary: bool = False,
        series_norm: bool = False,
        series_stats: bool = False,
        stats_floor: float | None = STATS_FLOOR,
    ):
        super().__init__()
        self.series_norm = series_norm
        self.series_stats = bool(series_norm and series_stats)
        self.stats_floor = None if stats_floor is None else float(stats_floor)
        self.cell = cell
        self.pooling = pooling
        self.bidirectional = bidirectional
        # Outputs pooled over time need no packing: the outputs of a forward-only network up
        # to a sequence's length never see the padding after it, and the pooling masks the
        # rest. Reading the padded batch densely is several times faster on the CPU.
        self.packed = bidirectional or pooling in ("last", "cell")
        self.embedding = None
        if vocab_size is not None:
            self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
            n_features = self.embedding.embedding_dim
        self.register_buffer("input_shift", torch.zeros(n_features))
        self.register_buffer("input_scale", torch.ones(n_features))
        if self.series_stats:
            n_features *= 3
        self.projection = None
        if projection_size is not None:
            self.projection = nn.Linear(n_features, projection_size)
            n_features = projection_size
        self.conv = None  # the single block (an int conv_channels)
        self.conv_blocks = None  # the stack (a tuple)
        self.downsample = 1
        self.conv_summary = False
        if isinstance(conv_channels, int):
            self.conv = _conv_block(n_features, conv_channels, cast(int, conv_kernel_size))
            n_features = conv_channels
        elif conv_channels is not None:
            blocks = []
            for channels, kernel in zip(conv_channels, cast(tuple, conv_kernel_size), strict=True):
                blocks.append(_conv_block(n_features, channels, kernel))
                n_features = channels
            self.conv_blocks = nn.ModuleList(blocks)
            self.downsample = int(downsample)
            self.conv_summary = bool(conv_summary)
        conv_features = n_features
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
        summary = hidden_size * (2 if bidirectional else 1)
        self.head = nn.Linear(summary + (conv_features if self.conv_summary else 0), n_outputs)

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
        elif self.series_norm and self.stats_floor is not None:
            x = _normalise_each_sequence(x, lengths, self.input_shift, self.input_scale,
                                         stats=self.series_stats, floor=self.stats_floor)
        else:
            x = (x - self.input_shift) / self.input_scale
            if self.series_norm:
                x = _normalise_standardised(x, lengths, stats=self.series_stats)
        if self.projection is not None:
            x = self.projection(x)
        if self.conv is not None:
            mask = None if lengths is None else _valid_mask(lengths, x.shape[1], x.device).unsqueeze(1)
            x = x.transpose(1, 2)
            x = _run_block(self.conv, x if mask is None else x * mask, mask).transpose(1, 2)
        conv_summary = None
        if self.conv_blocks is not None:
            x, lengths, conv_summary = self._conv_stack(x, lengths)
        if lengths is None or not self.packed:
            outputs, state = self.rnn(x)
        else:
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            packed_outputs, state = self.rnn(packed)
            outputs, _ = pad_packed_sequence(packed_outputs, batch_first=True, total_length=x.shape[1])
        summary = self._summarise(outputs, state, lengths)
        if conv_summary is not None:
            summary = torch.cat([summary, conv_summary], dim=1)
        return self.head(self.dropout(summary))

    def _conv_stack(self, x, lengths):
        """The convolution blocks on ``(batch, time, features)``: their output, the valid
        lengths after downsampling and the global average of the output (or ``None``).

        Padded steps are zeroed before every block and left out of the batch statistics, so
        a block reads a padded sequence exactly as the sequence alone with the convolution's
        own zero padding.
        """
        x = x.transpose(1, 2)
        mask = None if lengths is None else _valid_mask(lengths, x.shape[2], x.device).unsqueeze(1)
        for index, block in enumerate(self.conv_blocks):
            if mask is not None:
                x = x * mask
            x = _run_block(block, x, mask)
            if index == 0 and self.downsample > 1:
                # ReLU outputs are >= 0, so zeroed padding never wins a window's maximum.
                if mask is not None:
                    x = x * mask
                x = nn.functional.max_pool1d(x, self.downsample, ceil_mode=True)
                if lengths is not None:
                    lengths = torch.div(lengths + self.downsample - 1, self.downsample,
                                        rounding_mode="floor")
                    mask = _valid_mask(lengths, x.shape[2], x.device).unsqueeze(1)
        summary = None
        if mask is not None:
            x = x * mask
        if self.conv_summary:
            steps = x.shape[2] if lengths is None else lengths.to(x.device, x.dtype).unsqueeze(1)
            summary = x.sum(dim=2) / steps
        return x.transpose(1, 2), lengths, summary

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


def _conv_block(in_channels: int, out_channels: int, kernel_size: int) -> nn.Sequential:
    """Convolution keeping the length (zero padding as ``padding="same"``), batch norm, ReLU."""
    if kernel_size % 2:
        conv = [nn.Conv1d(in_channels, out_channels, kernel_size, padding="same")]
    else:  # explicit, as torch warns about "same" with an even kernel on every call
        left = (kernel_size - 1) // 2
        conv = [nn.ConstantPad1d((left, kernel_size - 1 - left), 0.0),
                nn.Conv1d(in_channels, out_channels, kernel_size)]
    return nn.Sequential(*conv, nn.BatchNorm1d(out_channels), nn.ReLU())


def _run_block(block: nn.Sequential, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """One convolution block on ``(batch, channels, time)``, its batch statistics taken over
    the valid steps only (``mask``, ``(batch, 1, time)``) when training on padded batches."""
    for module in block:
        if mask is not None and isinstance(module, nn.BatchNorm1d) and module.training:
            x = _masked_batch_norm(module, x, mask)
        else:
            x = module(x)
    return x


def _masked_batch_norm(norm: nn.BatchNorm1d, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``norm`` in training mode with the mean and variance of the valid steps, the running
    statistics updated from them as ``BatchNorm1d`` does (unbiased variance). Computed in
    float32 whatever the input's precision, as ``BatchNorm1d`` is under autocast."""
    dtype = x.dtype
    x = x.float()
    count = mask.sum().to(x.dtype).clamp_min(2.0)
    valid = x * mask
    mean = valid.sum(dim=(0, 2)) / count
    var = ((valid * x).sum(dim=(0, 2)) / count - mean.square()).clamp_min(0.0)
    if norm.track_running_stats:
        with torch.no_grad():
            momentum = norm.momentum if norm.momentum is not None else 0.1
            norm.num_batches_tracked += 1
            norm.running_mean.lerp_(mean.detach().to(norm.running_mean.dtype), momentum)
            unbiased = var.detach() * count / (count - 1)
            norm.running_var.lerp_(unbiased.to(norm.running_var.dtype), momentum)
    scale = torch.rsqrt(var + norm.eps)
    if norm.affine:
        scale = scale * norm.weight
        shift = norm.bias - mean * scale
    else:
        shift = -mean * scale
    return torch.addcmul(shift[None, :, None], x, scale[None, :, None]).to(dtype)


def _valid_mask(lengths: torch.Tensor, total: int, device) -> torch.Tensor:
    steps = torch.arange(total, device=device)
    return steps.unsqueeze(0) < lengths.to(device).unsqueeze(1)


def _moments(x: torch.Tensor, lengths: torch.Tensor | None):
    """The valid-step mask ``(batch, time, 1)`` (None without lengths), and each sequence's
    mean, centred values (0 on padding) and standard deviation per feature."""
    mask = None
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
    return mask, mean, centred, var.sqrt()


def _normalise_each_sequence(
    x: torch.Tensor,
    lengths: torch.Tensor | None,
    shift: torch.Tensor,
    scale: torch.Tensor,
    *,
    stats: bool = False,
    floor: float = STATS_FLOOR,
) -> torch.Tensor:
    """``(x - mean) / std`` per sequence and feature over the valid steps; 0 where constant.

    The statistics are taken on the raw ``x``: standardising by the training set's
    ``shift`` and ``scale`` first would cancel the variation of a sequence whose amplitude
    is a millionth of the others' in float32 (PLAID's currents). A sequence is constant
    where its std is below a millionth of its mean's magnitude (float32 rounding) or
    ``1e-10 * scale``. With ``stats`` its mean and ``log(std + floor)``, both in the units of the
    standardised inputs (``(mean - shift) / scale``, ``std / scale``), follow as two more
    blocks of features (``(batch, time, 3 * features)``), 0 on padded steps.
    """
    mask, mean, centred, std = _moments(x, lengths)
    constant = std <= 1e-6 * mean.abs() + 1e-10 * scale
    normalised = centred / torch.where(constant, torch.ones_like(std), std)
    normalised = torch.where(constant, torch.zeros_like(normalised), normalised)
    if not stats:
        return normalised
    level = ((mean - shift) / scale).expand_as(x)
    spread = torch.log(std / scale + floor).expand_as(x)
    if mask is not None:
        level, spread = level * mask, spread * mask
    return torch.cat([normalised, level, spread], dim=-1)


def _normalise_standardised(
    x: torch.Tensor, lengths: torch.Tensor | None, *, stats: bool = False
) -> torch.Tensor:
    """The per-sequence normalisation of models saved before 0.6 (``stats_floor=None``), on
    inputs already standardised: 0 where the std is below 1e-6, a log floor of 1e-3."""
    mask, mean, centred, std = _moments(x, lengths)
    normalised = centred / torch.where(std > 1e-6, std, torch.ones_like(std))
    if not stats:
        return normalised
    level = mean.expand_as(x)
    scale = torch.log(std + 1e-3).expand_as(x)
    if mask is not None:
        level, scale = level * mask, scale * mask
    return torch.cat([normalised, level, scale], dim=-1)


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
# Keys added with the convolution stack; models saved before them have their defaults.
CONFIG_DEFAULTS = {"conv_kernel_size": 7, "downsample": 1, "conv_summary": False,
                   "series_stats": False, "stats_floor": None}
_MAX_CONV_BLOCKS = 16


def _conv_problem(config) -> str | None:
    channels, kernels = config["conv_channels"], config["conv_kernel_size"]
    if isinstance(channels, (list, tuple)):
        if not 1 <= len(channels) <= _MAX_CONV_BLOCKS or not isinstance(kernels, (list, tuple)) \
                or len(kernels) != len(channels):
            return (f"network_config_ has a convolution stack of 1 to {_MAX_CONV_BLOCKS} blocks, "
                    f"with one kernel size per block.")
        values = [*channels, *kernels]
    else:
        values = [kernels] if channels is None else [channels, kernels]
    downsample = config["downsample"]
    for value, high in [(v, 1 << 16) for v in values] + [(downsample, 1 << 16)]:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
            return f"network_config_ convolution sizes must be integers in [1, {high}]."
    if not isinstance(config["conv_summary"], bool) or not isinstance(config["series_stats"], bool):
        return "network_config_ flags must be booleans."
    return None


def config_problem(config) -> str | None:
    """What is wrong with a stored network configuration (``network_config_``), or ``None``.

    Checked before any network is built from a model file: exact keys, plain types, and
    sizes within bounds.
    """
    if not isinstance(config, dict):
        return "network_config_ is missing or not an object."
    if not _CONFIG_KEYS <= set(config) <= _CONFIG_KEYS | set(CONFIG_DEFAULTS):
        return f"network_config_ must have the keys {sorted(_CONFIG_KEYS | set(CONFIG_DEFAULTS))}."
    config = {**CONFIG_DEFAULTS, **config}
    problem = _conv_problem(config)
    if problem is not None:
        return problem
    bounds = [(key, low, high, False) for key, (low, high) in _CONFIG_INTS.items()]
    bounds += [(key, low, high, True) for key, (low, high) in _CONFIG_OPTIONAL_INTS.items()
               if key != "conv_channels"]
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
    floor = config["stats_floor"]
    if floor is not None and (isinstance(floor, bool) or not isinstance(floor, (int, float))
                              or not 0 < floor <= 1):
        return "network_config_['stats_floor'] must be a number in (0, 1] or null."
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
