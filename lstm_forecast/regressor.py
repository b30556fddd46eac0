"""LSTMRegressor: a scikit-learn regressor backed by a skorch-trained recurrent network."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import RegressorMixin
from sklearn.utils.validation import _check_y, check_consistent_length

from ._base import RecurrentEstimatorBase

# Up to this many target values, the standardised targets are one float32 copy made up front;
# beyond it they are standardised in the loss, batch by batch, to the same float32 values bit
# for bit, so that the targets of a memory-mapped series are never copied whole.
_TARGETS_COPIED_UP_TO = 1 << 22
# Targets are summarised in chunks of this many values (float64 temporaries stay small).
_TARGET_CHUNK = 1 << 20


class LSTMRegressor(RegressorMixin, RecurrentEstimatorBase):
    """Stacked recurrent network (LSTM, GRU or RNN) for sequence regression.

    ``X`` holds one sequence per sample, ``(n_samples, timesteps, n_features)``; a 2-D ``X``
    (array or DataFrame) is read as ``(n_samples, timesteps)`` of a single feature, and a list
    of arrays of different lengths is padded and packed (padding never changes a prediction).
    ``y`` is ``(n_samples,)`` or ``(n_samples, n_outputs)``; ``predict`` returns the same shape.

    The network is trained with skorch on the GPU when there is one (``device="auto"``).
    Inputs and targets are standardised with training statistics (``standardize=True``), and
    predictions are returned in the original units. Nothing else happens unless asked for:
    no validation split and no early stopping by default.

    Parameters
    ----------
    hidden_size : int, default=64
        Units of each recurrent layer (per direction).
    num_layers : int, default=1
        Number of stacked recurrent layers.
    cell : {"lstm", "gru", "rnn", "rnn_relu"}, default="lstm"
        Recurrent cell; ``"rnn"`` is the tanh Elman RNN and ``"rnn_relu"`` its ReLU variant.
    bidirectional : bool, default=False
        Read each sequence in both directions and concatenate the two summaries.
    dropout : float, default=0.0
        Dropout between stacked recurrent layers and on the summary before the output layer.
    pooling : {"last", "mean", "max", "cell"}, default="last"
        How the sequence is summarised for the output layer: the hidden state after the last
        step (as in the reference tutorials), the mean or maximum of the hidden states over
        time (stronger on long sequences), or the final LSTM cell state.
    forget_bias : float or None, default=None
        Initial forget-gate bias of the LSTM layers (``cell="lstm"`` only); ``1.0``
        reproduces TensorFlow's ``forget_bias=1.0``. ``None`` leaves it at 0 like every
        other bias.
    projection_size : int or None, default=None
        Width of a linear layer applied to every time step before the recurrent layers.
    conv_channels : int or None, default=None
        Channels of a 1-D convolution (kernel 7, batch norm, ReLU) applied along time before
        the recurrent layers, as in LSTM-FCN.
    standardize : bool or "series", default=True
        Standardise each input feature, and the targets, with training-set statistics.
        ``"series"`` also z-normalises every sequence over its own time steps (per feature,
        at fit and predict), for series whose offsets and scales differ from one sample to
        the next (raw sensor series; UCR-style benchmarks are normalised this way).
    max_epochs : int, default=50
        Passes over the training data.
    batch_size : int, default=32
        Samples per gradient step.
    lr : float, default=1e-2
        Initial learning rate.
    lr_schedule : {"cosine", None}, default="cosine"
        ``"cosine"`` anneals the learning rate to zero over ``max_epochs`` (per epoch);
        ``None`` keeps it constant, as in most tutorials.
    optimizer : str or torch.optim.Optimizer subclass, default="adam"
        ``"adam"``, ``"adamw"``, ``"rmsprop"``, ``"adagrad"``, ``"sgd"`` or an optimizer class.
    optimizer_kwargs : dict or None, default=None
        Further optimizer arguments, e.g. ``{"momentum": 0.9}`` for ``"sgd"``; checked
        against the optimizer's signature (``lr`` is set by ``lr``).
    weight_decay : float or None, default=None
        Weight decay passed to the optimizer (an L2 penalty; decoupled for ``"adamw"``).
        ``None`` keeps the optimizer's own default: 0, or 0.01 for AdamW.
    clip_norm : float or None, default=None
        Clip gradients to this global norm before each step.
    clip_value : float or None, default=None
        Clip every gradient element to ``[-clip_value, clip_value]``.
    shuffle : bool, default=True
        Shuffle the training samples every epoch.
    validation_fraction : float or None, default=None
        Hold out this chronological tail of the training samples for validation; the
        validation loss is recorded in ``history_`` every epoch.
    early_stopping : bool, default=False
        Stop when the validation loss has not improved for ``patience`` epochs and restore
        the best weights. Uses ``validation_fraction`` (0.1 when it is None).
    patience : int, default=10
        Epochs without improvement before early stopping.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks (e.g. ``LRScheduler``, ``Checkpoint``), copied at fit time.
    device : str, default="auto"
        ``"auto"`` trains on CUDA when available, else on the CPU; or ``"cpu"``, ``"cuda:0"``.
    precision : {"float32", "bf16-mixed"}, default="float32"
        Training arithmetic. ``"bf16-mixed"`` runs the forward pass under bfloat16 autocast
        (weights, optimizer state and loss stay float32): less memory and faster steps for
        large networks on GPUs with bfloat16 (Ampere or newer); small networks gain nothing.
        Predictions are computed in full precision either way.
    accelerator : accelerate.Accelerator or None, default=None
        Train through Hugging Face Accelerate (``pip install "lstm-forecast[multigpu]"``):
        data-parallel over the processes ``accelerate launch`` starts (each process trains on
        its share of every epoch; the batch of one gradient step is ``batch_size`` times the
        number of processes), or in its mixed precision (``Accelerator(mixed_precision=
        "bf16")``; on one GPU ``precision="bf16-mixed"`` does that without an accelerator).
        The accelerator places the network, so ``device`` must be ``"auto"`` or its device.
        Checked in ``fit``, used only for training: the fitted network is a plain one. Like
        ``callbacks``, it cannot be stored by :func:`save_model`: call
        ``set_params(accelerator=None)`` first. See the "Scaling out" guide.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and dropout; the same value gives the same
        predictions on the CPU.
    verbose : int, default=0
        ``1`` prints a progress bar and the per-epoch table.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` is the PyTorch module.
    history_ : skorch.History
        Per-epoch (and per-batch) training record.
    n_epochs_ : int
        Epochs actually trained.
    n_features_in_ : int
        Columns of a 2-D ``X`` (its time steps: a 2-D ``X`` at predict must have as many),
        or features per time step of a 3-D ``X`` or of a list of sequences; sequences
        of any length are accepted then.
    n_features_per_step_ : int
        Features the network reads at every time step.
    feature_names_in_ : ndarray of str
        Column names, when ``X`` was a DataFrame with string column names.
    n_outputs_ : int
        Number of regression targets.

    See Also
    --------
    LSTMClassifier : The same network for classification.
    LSTMForecaster : A series in, its future out.

    Examples
    --------
    >>> import numpy as np
    >>> from lstm_forecast import LSTMRegressor, make_windows
    >>> series = np.sin(np.linspace(0, 20, 300)).astype(np.float32)
    >>> X, y = make_windows(series, timesteps=10)
    >>> model = LSTMRegressor(hidden_size=16, max_epochs=5, random_state=0).fit(X, y)
    >>> model.predict(X[:3]).shape
    (3,)
    """

    def __init__(
        self,
        *,
        hidden_size=64,
        num_layers=1,
        cell="lstm",
        bidirectional=False,
        dropout=0.0,
        pooling="last",
        forget_bias=None,
        projection_size=None,
        conv_channels=None,
        standardize=True,
        max_epochs=50,
        batch_size=32,
        lr=1e-2,
        lr_schedule="cosine",
        optimizer="adam",
        optimizer_kwargs=None,
        weight_decay=None,
        clip_norm=None,
        clip_value=None,
        shuffle=True,
        validation_fraction=None,
        early_stopping=False,
        patience=10,
        callbacks=None,
        device="auto",
        precision="float32",
        accelerator=None,
        random_state=None,
        verbose=0,
    ):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.cell = cell
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.pooling = pooling
        self.forget_bias = forget_bias
        self.projection_size = projection_size
        self.conv_channels = conv_channels
        self.standardize = standardize
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.optimizer = optimizer
        self.optimizer_kwargs = optimizer_kwargs
        self.weight_decay = weight_decay
        self.clip_norm = clip_norm
        self.clip_value = clip_value
        self.shuffle = shuffle
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.patience = patience
        self.callbacks = callbacks
        self.device = device
        self.precision = precision
        self.accelerator = accelerator
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y):
        """Train the network on sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, timesteps, n_features) or (n_samples, timesteps)
            Input sequences; or a list of arrays of different lengths.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.

        Returns
        -------
        self : LSTMRegressor
            The fitted estimator.
        """
        self._validate_params()
        self._check_y_given(y)
        X, lengths = self._validate_X(X, reset=True)
        try:
            y_ndim = y.ndim if hasattr(y, "ndim") else np.asarray(y).ndim
        except ValueError:  # a ragged list: _check_y says so
            y_ndim = None
        if y_ndim is not None and y_ndim > 2:
            raise ValueError(
                f"y must be 1-D (n_samples,) or 2-D (n_samples, n_outputs); got shape "
                f"{np.shape(y)}."
            )
        y = _check_y(y, multi_output=True, y_numeric=True)
        if y.dtype.kind not in "biuf":  # _check_y lets strings through
            try:
                y = y.astype(np.float64)
            except (TypeError, ValueError) as error:
                raise type(error)(
                    f"y must hold numbers (regression targets); could not convert it: {error}"
                ) from None
            y = _check_y(y, multi_output=True)
        check_consistent_length(X, y)
        self._y_ndim = y.ndim
        y2 = y.reshape(len(y), -1)
        self.n_outputs_ = y2.shape[1]
        if self.standardize:
            self.y_mean_, scale = _target_statistics(y2)
            self.y_scale_ = np.where(scale < 1e-12, 1.0, scale)
        else:
            self.y_mean_ = np.zeros(self.n_outputs_)
            self.y_scale_ = np.ones(self.n_outputs_)
        if y2.size > _TARGETS_COPIED_UP_TO:
            criterion = _StandardizedMSELoss(self.y_mean_, self.y_scale_)
            return self._fit_network(X, lengths, y2, self.n_outputs_, criterion=criterion)
        y_scaled = ((y2.astype(np.float64) - self.y_mean_) / self.y_scale_).astype(np.float32)
        return self._fit_network(X, lengths, y_scaled, self.n_outputs_)

    def predict(self, X):
        """Predict targets for the sequences ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, timesteps, n_features) or (n_samples, timesteps)
            Input sequences.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions in the units of the training targets.
        """
        output = self._forward(X) * self.y_scale_ + self.y_mean_
        return output.ravel() if self._y_ndim == 1 else output

    def _criterion(self):
        return torch.nn.MSELoss

    def _split_indices(self, n_samples, n_valid, y_encoded):
        # The chronological tail: later windows validate a model trained on earlier ones.
        return slice(0, n_samples - n_valid), slice(n_samples - n_valid, n_samples)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def _target_statistics(y2):
    """Mean and standard deviation of each column of ``y2`` (n_samples, n_outputs), in float64.

    Small targets go through ``y2.astype(np.float64)`` in one go; larger ones (a view of a
    memory-mapped series, say) are read in chunks, so no float64 copy of them is made.
    """
    rows = max(1, _TARGET_CHUNK // y2.shape[1])
    if len(y2) <= rows:
        y64 = y2.astype(np.float64)
        return y64.mean(axis=0), y64.std(axis=0)
    chunks = range(0, len(y2), rows)
    total = sum(np.asarray(y2[start : start + rows], dtype=np.float64).sum(axis=0) for start in chunks)
    mean = total / len(y2)
    squares = sum(
        np.square(np.asarray(y2[start : start + rows], dtype=np.float64) - mean).sum(axis=0)
        for start in chunks
    )
    return mean, np.sqrt(squares / len(y2))


class _StandardizedMSELoss(torch.nn.MSELoss):
    """Mean squared error against targets standardised in the loss, batch by batch.

    ``(y - mean) / scale`` in float64, rounded to float32: the values that standardising all
    targets up front gives, bit for bit, without a copy of the targets (used beyond
    ``_TARGETS_COPIED_UP_TO`` values).
    """

    def __init__(self, mean, scale):
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float64))
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float64))

    def forward(self, input, target):
        target = ((target.to(torch.float64) - self.mean) / self.scale).to(torch.float32)
        return super().forward(input, target)
