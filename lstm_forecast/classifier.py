"""LSTMClassifier: a scikit-learn classifier backed by a skorch-trained recurrent network."""

from __future__ import annotations

import copy

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_y, check_consistent_length
from skorch.callbacks import EpochScoring

from . import _architecture
from ._base import RecurrentEstimatorBase, _check_int


def _plain(value):
    """A NumPy scalar as the Python value it holds, for messages (``'a'``, not ``np.str_('a')``)."""
    return value.item() if isinstance(value, np.generic) else value


def _accuracy(net, X, y):
    logits = net.predict(X)
    y = y.cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
    return float((logits.argmax(axis=1) == y).mean())


class LSTMClassifier(ClassifierMixin, RecurrentEstimatorBase):
    """Stacked recurrent network (LSTM, GRU or RNN) for sequence classification.

    ``X`` holds one sequence per sample, ``(n_samples, timesteps, n_features)``; a 2-D ``X``
    (array or DataFrame) is read as ``(n_samples, timesteps)`` of a single feature, or as
    integer token ids when ``vocab_size`` is set. A list of sequences of different lengths is
    padded and packed: padding never changes a prediction. Labels may be of any type.

    The network ends in one logit per class and is trained with cross-entropy through
    skorch, on the GPU when there is one (``device="auto"``). Nothing else happens unless
    asked for: no validation split and no early stopping by default.

    The defaults (``conv_channels="auto"``, ``standardize="auto"``, ``pooling="max"``,
    ``batch_size=16``) are an LSTM-FCN-style network chosen for real series, images read by
    rows and token ids alike, resolved in ``fit`` from the data: see "The defaults" in the
    classification guide (``docs/classification.md``) for what they do and the benchmark
    behind them. The reference tutorials' plain LSTM that reads its last state is
    ``conv_channels=None, standardize=True, pooling="last"``.

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
    pooling : {"last", "mean", "max", "cell"}, default="max"
        How the sequence is summarised for the output layer: the maximum of the hidden states
        over time (finds a pattern wherever it occurs), their mean, the hidden state after the
        last step (as in the reference tutorials; close to chance on series of hundreds of
        steps), or the final LSTM cell state.
    forget_bias : float or None, default=None
        Initial forget-gate bias of the LSTM layers (``cell="lstm"`` only); ``1.0``
        reproduces TensorFlow's ``forget_bias=1.0``. ``None`` leaves it at 0 like every
        other bias.
    vocab_size : int or None, default=None
        Read ``X`` as integer token ids in ``[0, vocab_size)`` through an embedding; id 0 is
        padding and never changes a prediction (Keras ``mask_zero`` semantics).
    embedding_dim : int, default=32
        Size of the token embedding (used only with ``vocab_size``).
    projection_size : int or None, default=None
        Width of a linear layer applied to every time step before the recurrent layers.
    conv_channels : "auto", int or None, default="auto"
        Convolutional front end applied along time before the recurrent layers. ``"auto"``:
        for real-valued sequences of 8 steps or more, three blocks of 64 channels (kernels 8,
        5 and 3, batch norm, ReLU; FCN's stack), whose first block's output is max-pooled so
        that the recurrent layers read at most 128 steps, and whose output averaged over time
        is also read by the output layer (LSTM-FCN); none for token ids or shorter sequences.
        What was chosen is in ``conv_channels_`` and ``downsample_``. An int is one
        convolution of that many channels (kernel 7, batch norm, ReLU); None is none.
    standardize : "auto", bool, "series" or "series+stats", default="auto"
        Input scaling (not of token ids). ``True`` standardises each input feature with
        training-set statistics. ``"series"`` also z-normalises every sequence over its own
        time steps (per feature, at fit and predict), for series whose offsets and scales
        differ from one sample to the next. ``"series+stats"`` does both and gives the network
        each sequence's mean and log standard deviation as extra inputs, so a level or a
        scale that tells the classes apart is kept. ``"auto"`` is ``"series+stats"`` (False
        for token ids), in ``standardize_``.
    max_epochs : int, default=50
        Passes over the training data.
    batch_size : int, default=16
        Samples per gradient step (small training sets need the steps: UCR sets have tens to
        hundreds of series).
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
        Hold out this stratified fraction of the training samples for validation; the
        validation loss and accuracy (and the training accuracy) are recorded in
        ``history_`` every epoch.
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
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` is the PyTorch module.
    history_ : skorch.History
        Per-epoch (and per-batch) training record.
    n_epochs_ : int
        Epochs actually trained.
    n_features_in_ : int
        Columns of a 2-D ``X`` (its time steps: a 2-D ``X`` at predict must have as many),
        or features per time step of a 3-D ``X`` or of a list of sequences (1 for token ids); sequences
        of any length are accepted then.
    n_features_per_step_ : int
        Features the network reads at every time step (1 for token ids).
    conv_channels_ : tuple of int, int or None
        The convolutional front end that was built (``conv_channels`` resolved).
    downsample_ : int
        Steps of the input per step of the recurrent layers (1 without the ``"auto"`` stack).
    standardize_ : bool or str
        The input scaling that was applied (``standardize`` resolved).
    feature_names_in_ : ndarray of str
        Column names, when ``X`` was a DataFrame with string column names.

    See Also
    --------
    LSTMRegressor : The same network for regression.
    RowSequence : Images to row sequences.
    PadSequences : Token lists to a padded array.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from lstm_forecast import LSTMClassifier
    >>> digits = load_digits()
    >>> X = digits.images  # (n, 8, 8): each image is 8 time steps of 8 pixels
    >>> clf = LSTMClassifier(hidden_size=16, max_epochs=2, random_state=0)
    >>> clf.fit(X[:200], digits.target[:200]).predict(X[:3]).shape
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
        pooling="max",
        forget_bias=None,
        vocab_size=None,
        embedding_dim=32,
        projection_size=None,
        conv_channels="auto",
        standardize="auto",
        max_epochs=50,
        batch_size=16,
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
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
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
        """Train the network on sequences ``X`` with labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, timesteps, n_features) or (n_samples, timesteps)
            Input sequences (token ids when ``vocab_size`` is set), or a list of sequences of
            different lengths.
        y : array-like of shape (n_samples,)
            Class labels of any type.

        Returns
        -------
        self : LSTMClassifier
            The fitted estimator.
        """
        self._validate_params()
        self._check_y_given(y)
        if self.vocab_size is not None:
            _check_int("vocab_size", self.vocab_size, minimum=2)
            _check_int("embedding_dim", self.embedding_dim)
        X, lengths = self._validate_X(X, reset=True)
        y = _check_y(y)
        check_consistent_length(X, y)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                f"LSTMClassifier needs samples of at least 2 classes; got 1 class "
                f"({_plain(self.classes_[0])!r})."
            )
        self._resolve_architecture(X)
        return self._fit_network(X, lengths, encoder.transform(y), len(self.classes_))

    def predict_proba(self, X):
        """Class probabilities for the sequences ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, timesteps, n_features) or (n_samples, timesteps)
            Input sequences.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``; each row sums to 1.
        """
        logits = self._forward(X)
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Predict the class of each sequence in ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, timesteps, n_features) or (n_samples, timesteps)
            Input sequences.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        logits = self._forward(X)
        return self.classes_[logits.argmax(axis=1)]

    @property
    def _token_input(self):
        return self.vocab_size is not None

    # -------------------------------------------- "auto" parameters (_architecture.py)
    def _validate_params(self):
        _architecture.check_auto_parameters(self)
        # The shared checks read stand-ins for the values only the classifier takes.
        stand_in = copy.copy(self)
        vars(stand_in).update(_architecture.stand_ins(self))
        super(LSTMClassifier, stand_in)._validate_params()

    def _resolve_architecture(self, X):
        vars(self).update(_architecture.resolve(self, X))

    def _build_module(self, n_outputs):
        return _architecture.build_network(self, n_outputs)

    def _criterion(self):
        return torch.nn.CrossEntropyLoss

    def _split_indices(self, n_samples, n_valid, y_encoded):
        from sklearn.model_selection import train_test_split

        indices = np.arange(n_samples)
        counts = np.bincount(y_encoded)
        stratify = y_encoded if counts.min() >= 2 and n_valid >= len(counts) else None
        train, valid = train_test_split(
            indices, test_size=n_valid, stratify=stratify,
            random_state=np.random.RandomState(0) if self.random_state is None
            else self.random_state,
        )
        return np.sort(train), np.sort(valid)

    def _extra_callbacks(self, has_validation):
        if not has_validation:
            return []
        return [
            ("train_acc", EpochScoring(_accuracy, name="train_acc", lower_is_better=False,
                                       on_train=True)),
            ("valid_acc", EpochScoring(_accuracy, name="valid_acc", lower_is_better=False)),
        ]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags
