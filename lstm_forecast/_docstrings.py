"""What LSTMRegressor and LSTMClassifier share in their public face: the parameter and
attribute sections of their docs, and a signature with per-estimator defaults.

Written once, formatted into each estimator's docstring (as skorch builds its classifier's
docstring from the net's): the parameters whose defaults differ (``pooling``,
``conv_channels``, ``standardize``, ``max_epochs``, ``batch_size``, ``lr``),
``validation_fraction`` and some attributes differ between the two.
"""

import types

SHARED_PARAMETERS = """\
    hidden_size : int, default=64
        Units of each recurrent layer (per direction).
    num_layers : int, default=1
        Number of stacked recurrent layers.
    cell : {{"lstm", "gru", "rnn", "rnn_relu"}}, default="lstm"
        Recurrent cell; ``"rnn"`` is the tanh Elman RNN and ``"rnn_relu"`` its ReLU variant.
    bidirectional : bool, default=False
        Read each sequence in both directions and concatenate the two summaries.
    dropout : float, default=0.0
        Dropout between stacked recurrent layers and on the summary before the output layer.
{pooling}    forget_bias : float or None, default=None
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
{conv_channels}{standardize}{max_epochs}{batch_size}{lr}    lr_schedule : {{"cosine", None}}, default="cosine"
        ``"cosine"`` anneals the learning rate to zero over ``max_epochs`` (per epoch);
        ``None`` keeps it constant, as in most tutorials.
    optimizer : str or torch.optim.Optimizer subclass, default="adam"
        ``"adam"``, ``"adamw"``, ``"rmsprop"``, ``"adagrad"``, ``"sgd"`` or an optimizer class.
    optimizer_kwargs : dict or None, default=None
        Further optimizer arguments, e.g. ``{{"momentum": 0.9}}`` for ``"sgd"``; checked
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
        {validation_fraction}
    early_stopping : bool, default=False
        Stop when the validation loss has not improved for ``patience`` epochs and restore
        the best weights. Uses ``validation_fraction`` (0.1 when it is None).
    patience : int, default=10
        Epochs without improvement before early stopping.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks (e.g. ``LRScheduler``, ``Checkpoint``), copied at fit time.
    device : str, default="auto"
        ``"auto"`` trains on CUDA when available, else on the CPU; or ``"cpu"``, ``"cuda:0"``.
    precision : {{"float32", "bf16-mixed"}}, default="float32"
        Training arithmetic. ``"bf16-mixed"`` runs the forward pass under bfloat16 autocast
        (weights, optimizer state and loss stay float32): less memory and faster steps for
        large networks on GPUs with bfloat16 (Ampere or newer) and on CPUs with bfloat16
        kernels (AVX512-BF16 or AMX; ``fit`` says so on a CPU without them); small networks
        gain nothing. Predictions are computed in full precision either way.
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
    n_threads : int or None, default=None
        CPU threads used by ``fit`` and ``predict``. ``None`` picks by the size of the work:
        one thread for small networks (whose many tiny operations slow down badly when
        threads wait for each other on a shared CPU), torch's thread count for larger ones.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and dropout; the same value gives the same
        predictions on the CPU.
    verbose : int, default=0
        ``1`` prints the per-epoch table (without colours when the output is not a
        terminal) and, on a terminal, a progress bar; ``2`` draws the bar anywhere.
"""

SHARED_ATTRIBUTES = """\
    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` is the PyTorch module.
    history_ : skorch.History
        Per-epoch (and per-batch) training record.
    max_epochs_ : int
        The number of epochs ``fit`` was asked to train (``max_epochs``, resolved).
    lr_ : float
        The initial learning rate ``fit`` trained with (``lr``, resolved).
    batch_size_ : int
        The samples per gradient step ``fit`` trained with (``batch_size``, resolved).
    n_epochs_ : int
        Epochs actually trained.
    interrupted_ : bool
        Whether training was stopped by a keyboard interrupt (Ctrl-C): the model holds the
        weights reached by then (a warning says so when it happens).
    network_config_ : dict
        The architecture of the fitted network (hidden size, layers, cell, pooling...), as
        resolved in ``fit``; predictions and saved models use it, not the current parameters.
    n_features_in_ : int
        Columns of a 2-D ``X`` (its time steps: a 2-D ``X`` at predict must have as many),
        or features per time step of a 3-D ``X`` or of a list of sequences (1 for token
        ids); sequences of any length are accepted then.
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
"""

POOLING = """\
    pooling : {{"last", "mean", "max", "cell"}}, default={default}
        How the sequence is summarised for the output layer: {text}
"""

CONV_CHANNELS = """\
    conv_channels : int, "auto" or None, default={default}
        Convolutional front end applied along time before the recurrent layers. An int is
        one convolution of that many channels (kernel 7, batch norm, ReLU), as in LSTM-FCN;
        None is none. ``"auto"``: for real-valued sequences of 8 steps or more, the three
        blocks of FCN (64 channels each, kernels 8, 5 and 3, batch norm, ReLU), whose first
        block's output is max-pooled so that the recurrent layers read at most 128 steps,
        and whose output averaged over time is also read by the output layer (LSTM-FCN);
        none for token ids or shorter sequences. What was built is in ``conv_channels_``
        and ``downsample_``.
"""

STANDARDIZE = """\
    standardize : bool, "series", "series+stats" or "auto", default={default}
        Input scaling (never of token ids). ``True`` standardises each input feature with
        training-set statistics{target}. ``"series"`` also z-normalises every sequence over
        its own time steps (per feature, at fit and predict), for series whose offsets and
        scales differ from one sample to the next: predictions ignore level and scale.
        ``"series+stats"`` does both and gives the network each sequence's mean and log
        standard deviation as extra inputs, so a level or a scale that tells samples apart
        is kept. ``"auto"`` is ``"series+stats"`` (False for token ids). What was applied is
        in ``standardize_``.
"""

MAX_EPOCHS = """\
    max_epochs : int or "auto", default={default}
        Passes over the training data. ``"auto"`` trains as many as give at least 1,500
        optimizer steps, from 50 to 500 epochs (small training sets need many passes),
        resolved in ``fit`` into ``max_epochs_``.
"""

LR = """\
    lr : float or "auto", default={default}
        Initial learning rate. ``"auto"`` is 1e-3 with the ``"auto"`` convolution stack
        (Adam's usual rate, as FCN and InceptionTime train) and 1e-2 otherwise (token ids,
        sequences too short for the stack, explicit front ends), resolved in ``fit`` into
        ``lr_``.
"""

BATCH_SIZE = """\
    batch_size : int or "auto", default={default}
        Samples per gradient step{text}. ``"auto"`` is a tenth of the training samples, at
        most 16 (FCN's and ResNet's rule), resolved in ``fit`` into ``batch_size_``.
"""


def estimator_doc(template: str, **sections: str) -> str:
    """``template`` with the shared sections (and the given, per-estimator ones) filled in."""
    parameters = SHARED_PARAMETERS.format(**sections)
    return template.replace("{parameters}", parameters.rstrip("\n")).replace(
        "{attributes}", SHARED_ATTRIBUTES.rstrip("\n"))


def with_defaults(init, module, qualname, **defaults):
    """A copy of the keyword-only ``init`` with other ``defaults``: a subclass's own
    signature (what ``get_params``, ``clone`` and the docs read) without repeating it.
    ``module`` and ``qualname`` are the copy's (``"LSTMClassifier.__init__"``): it pickles by
    name."""
    unknown = set(defaults) - set(init.__kwdefaults__)
    if unknown:
        raise TypeError(f"{sorted(unknown)} are not keyword parameters of {init.__qualname__}.")
    copy_ = types.FunctionType(init.__code__, init.__globals__, init.__name__, init.__defaults__,
                               init.__closure__)
    copy_.__kwdefaults__ = {**init.__kwdefaults__, **defaults}
    copy_.__annotations__ = dict(init.__annotations__)
    copy_.__doc__, copy_.__module__, copy_.__qualname__ = init.__doc__, module, qualname
    return copy_
