"""The estimators' shared orchestration: parameters, ``fit`` written once, ``predict``.

:class:`RecurrentEstimatorBase` owns everything LSTMRegressor and LSTMClassifier share. A
subclass supplies only what differs:

- ``_encode_targets(y, n_samples)`` -> ``(encoded targets, n_outputs, criterion)``, setting
  the fitted target attributes (``classes_``, ``y_mean_``...);
- ``_split_indices(n_samples, n_valid, y_encoded)`` -> training and validation rows;
- ``_scoring_callbacks(has_validation)`` -> extra named skorch callbacks;
- ``_persist_attributes``: its own fitted attributes, for :func:`save_model`;
- the public ``predict`` methods, from ``_forward(X)``.
"""

from __future__ import annotations

import copy
import inspect
import sys
import warnings
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any, Literal, TypeVar

import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Callback, EarlyStopping, GradientNormClipping, LRScheduler, ProgressBar
from skorch.dataset import Dataset
from skorch.helper import predefined_split
from torch.optim.lr_scheduler import CosineAnnealingLR

from ._architecture import (
    network_config,
    recurrent_input_width,
    resolve_batch_size,
    resolve_epochs,
    resolve_lr,
)
from ._callbacks import GradientValueClipping, NonFiniteLossError, PlainPrintLog, StopOnNonFiniteLoss
from ._data import TensorBatches, as_tensor, feature_statistics, module_inputs
from ._inference import inference_module, run_invariant
from ._inputs import SequenceInputMixin
from ._net import (
    _RecurrentNet,
    auto_threads,
    check_precision,
    resolve_device,
    sigint_recorder,
    to_training_device,
    torch_threads,
)
from ._network import CELLS, CONFIG_DEFAULTS, POOLINGS, RecurrentNetwork
from ._persist import PersistentMixin
from ._validation import check_real, reject_bools, validated_fit

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
    "sgd": torch.optim.SGD,
}

PRECISIONS = ("float32", "bf16-mixed")

# Samples per forward pass in predict; sequences of different lengths go in length order, in
# smaller chunks, each cut after its longest sequence.
_PREDICT_CHUNK = 4096
_RAGGED_PREDICT_CHUNK = 256
_Self = TypeVar("_Self", bound="RecurrentEstimatorBase")  # fit returns the subclass it is called on

_INTEGER_PARAMETERS = ("hidden_size", "num_layers", "vocab_size", "embedding_dim", "projection_size",
                       "conv_channels", "max_epochs", "batch_size", "patience", "n_threads")


def _positive(kind):
    return Interval(kind, 1, None, closed="left")


class RecurrentEstimatorBase(PersistentMixin, SequenceInputMixin, BaseEstimator):
    """Base of :class:`LSTMRegressor` and :class:`LSTMClassifier`; not for direct use."""

    _parameter_constraints: dict = {
        "hidden_size": [_positive(Integral)],
        "num_layers": [_positive(Integral)],
        "cell": [StrOptions(set(CELLS))],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "pooling": [StrOptions(set(POOLINGS))],
        "forget_bias": [Real, None],
        "vocab_size": [Interval(Integral, 2, None, closed="left"), None],
        "embedding_dim": [_positive(Integral)],
        "projection_size": [_positive(Integral), None],
        "conv_channels": [_positive(Integral), StrOptions({"auto"}), None],
        "standardize": ["boolean", StrOptions({"series", "series+stats", "auto"})],
        "max_epochs": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "batch_size": [_positive(Integral), StrOptions({"auto"})],
        "lr": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "lr_schedule": [StrOptions({"cosine"}), None],
        "optimizer": [str, type],
        "optimizer_kwargs": [dict, None],
        "weight_decay": [Interval(Real, 0, None, closed="left"), None],
        "clip_norm": [Interval(Real, 0, None, closed="neither"), None],
        "clip_value": [Interval(Real, 0, None, closed="neither"), None],
        "shuffle": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "early_stopping": ["boolean"],
        "patience": [_positive(Integral)],
        "callbacks": [list, tuple, None],
        "device": [str, torch.device],
        "precision": [StrOptions(set(PRECISIONS))],
        "accelerator": "no_validation",  # an accelerate.Accelerator: checked in fit
        "n_threads": [_positive(Integral), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    _persist_attributes: tuple[str, ...] = (
        "n_features_in_", "feature_names_in_", "n_features_per_step_", "_fitted_on_2d",
        "n_epochs_", "interrupted_", "network_config_", "conv_channels_", "downsample_",
        "standardize_", "max_epochs_", "lr_", "batch_size_",
    )

    def __init__(
        self,
        *,
        hidden_size: int = 64,
        num_layers: int = 1,
        cell: Literal["lstm", "gru", "rnn", "rnn_relu"] = "lstm",
        bidirectional: bool = False,
        dropout: float = 0.0,
        pooling: Literal["last", "mean", "max", "cell"] = "last",
        forget_bias: float | None = None,
        vocab_size: int | None = None,
        embedding_dim: int = 32,
        projection_size: int | None = None,
        conv_channels: int | Literal["auto"] | None = None,
        standardize: bool | Literal["series", "series+stats", "auto"] = True,
        max_epochs: int | Literal["auto"] = 50,
        batch_size: int | Literal["auto"] = 32,
        lr: float | Literal["auto"] = 1e-2,
        lr_schedule: Literal["cosine"] | None = "cosine",
        optimizer: str | type[torch.optim.Optimizer] = "adam",
        optimizer_kwargs: dict[str, Any] | None = None,
        weight_decay: float | None = None,
        clip_norm: float | None = None,
        clip_value: float | None = None,
        shuffle: bool = True,
        validation_fraction: float | None = None,
        early_stopping: bool = False,
        patience: int = 10,
        callbacks: Sequence[Callback | type[Callback] | tuple[str, Callback | type[Callback]]] | None = None,
        device: str | torch.device = "auto",
        precision: Literal["float32", "bf16-mixed"] = "float32",
        accelerator: Any = None,  # an accelerate.Accelerator (an optional dependency)
        n_threads: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
    ) -> None:
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
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    # ----------------------------------------------------------------------- fit
    @validated_fit
    def fit(self: _Self, X: ArrayLike, y: ArrayLike) -> _Self:
        """Train the network on sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, timesteps, n_features) or (n_samples, timesteps)
            Input sequences (token ids when ``vocab_size`` is set), or a list of sequences of
            different lengths.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets: numbers for the regressor, labels of any type for the classifier.

        Returns
        -------
        self : object
            The fitted estimator. If training fails, the estimator keeps the fitted state it
            had before the call.
        """
        with self._previous_state_kept_on_failure():
            device = self._check_params()
            if y is None:
                raise ValueError(
                    f"{type(self).__name__} requires y to be passed, but the target y is None."
                )
            sequences, lengths = self._validate_X(X, reset=True)
            y_encoded, n_outputs, criterion = self._encode_targets(y, len(sequences))
            self._fit_network(sequences, lengths, y_encoded, n_outputs, device, criterion)
        return self

    def _check_params(self) -> torch.device:
        """The rules between parameters; returns the training device, resolved once."""
        reject_bools(self, _INTEGER_PARAMETERS)
        for name in ("lr", "forget_bias", "weight_decay", "clip_norm", "clip_value"):
            if getattr(self, name) not in (None, "auto"):  # the constraints let inf and NaN through
                check_real(getattr(self, name), name)
        if self.pooling == "cell" and self.cell != "lstm":
            raise ValueError("pooling='cell' reads the LSTM cell state and needs cell='lstm'.")
        if self.forget_bias is not None and self.cell != "lstm":
            raise ValueError("forget_bias sets the LSTM forget gate and needs cell='lstm'.")
        if self.early_stopping and self.max_epochs != "auto" and self.max_epochs < 1:
            raise ValueError("early_stopping=True needs max_epochs >= 1; got max_epochs=0.")
        self._checked_callbacks()
        self._optimizer_arguments(check=True)
        if self.accelerator is not None:
            from ._accelerate import check_accelerator

            check_accelerator(self.accelerator, self.device)
            device = self.accelerator.device
        else:
            device = resolve_device(self.device)
        check_precision(self.precision, device, self.cell)
        return device

    def _checked_callbacks(self):
        callbacks = list(self.callbacks or [])
        for item in callbacks:
            named = isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)
            callback = item[1] if named else item
            if not (isinstance(callback, Callback)
                    or (isinstance(callback, type) and issubclass(callback, Callback))):
                raise TypeError(
                    f"callbacks must hold skorch callbacks (skorch.callbacks.Callback instances) "
                    f"or (name, callback) pairs; got {item!r}."
                )
        return callbacks

    def _optimizer_class(self):
        if isinstance(self.optimizer, str):
            try:
                return OPTIMIZERS[self.optimizer.lower()]
            except KeyError:
                raise ValueError(
                    f"optimizer must be one of {sorted(OPTIMIZERS)} or a torch.optim.Optimizer "
                    f"subclass; got {self.optimizer!r}."
                ) from None
        if (isinstance(self.optimizer, type) and issubclass(self.optimizer, torch.optim.Optimizer)
                and self.optimizer is not torch.optim.Optimizer):
            return self.optimizer
        raise TypeError(
            f"optimizer must be a name such as 'adam' or a torch.optim.Optimizer subclass; "
            f"got {self.optimizer!r}."
        )

    def _optimizer_arguments(self, *, check=False):
        """Keyword arguments for the optimizer (beyond the parameters and ``lr``); with
        ``check``, tried on one dummy parameter so that a bad value fails here, named."""
        cls = self._optimizer_class()
        kwargs = dict(self.optimizer_kwargs or {})
        for key in ("params", "lr"):
            if key in kwargs:
                raise ValueError(
                    f"optimizer_kwargs must not set {key!r}"
                    + ("; use the lr parameter." if key == "lr" else "; the network's are used.")
                )
        if self.weight_decay is not None:
            if kwargs.get("weight_decay", self.weight_decay) != self.weight_decay:
                raise ValueError(
                    f"weight_decay={self.weight_decay!r} and optimizer_kwargs['weight_decay']="
                    f"{kwargs['weight_decay']!r} disagree; set only one of them."
                )
            kwargs["weight_decay"] = self.weight_decay
        accepted = _keyword_parameters(cls)
        if accepted is not None:
            unknown = sorted(set(kwargs) - accepted)
            if unknown:
                source = "optimizer_kwargs" if self.optimizer_kwargs else "weight_decay"
                raise TypeError(
                    f"{source}: {cls.__name__} does not accept {unknown}"
                    + (" (set weight_decay=None)" if source == "weight_decay" else "")
                    + f"; it accepts {sorted(accepted - {'params', 'lr'})}."
                )
        if check:
            try:
                cls([torch.nn.Parameter(torch.zeros(1))], lr=resolve_lr(self.lr, None), **kwargs)
            except (TypeError, ValueError, RuntimeError) as error:
                raise ValueError(
                    f"optimizer={cls.__name__} refuses lr={self.lr!r} with optimizer_kwargs="
                    f"{kwargs!r}: {error}"
                ) from None
        return kwargs

    # ------------------------------------------------------------------ network
    def _token_input(self, *, reset):
        if reset:
            return self.vocab_size is not None
        return self.network_config_["vocab_size"] is not None

    def _vocabulary_size(self, *, reset):
        return int(self.vocab_size) if reset else self.network_config_["vocab_size"]

    def _network_config(self, n_outputs, steps):
        """The network's keyword arguments (see ``_architecture.network_config``)."""
        config, resolved = network_config(self, n_outputs, steps)
        vars(self).update(resolved)
        return config

    def _callbacks(self, has_validation):
        """The named callbacks of the net: ours, then the user's (copied)."""
        callbacks = [("stop_on_non_finite", StopOnNonFiniteLoss())]
        if self.lr_schedule == "cosine" and self.max_epochs_ > 0:
            callbacks.append(("lr_schedule", LRScheduler(CosineAnnealingLR, T_max=self.max_epochs_)))
        if self.clip_norm is not None:
            callbacks.append(("clip_norm", GradientNormClipping(gradient_clip_value=self.clip_norm)))
        if self.clip_value is not None:
            callbacks.append(("clip_value", GradientValueClipping(self.clip_value)))
        # Scores first: early stopping ends the epoch it stops on, and that row keeps them.
        callbacks.extend(self._scoring_callbacks(has_validation))
        if self.early_stopping:
            callbacks.append(
                ("early_stopping",
                 EarlyStopping(monitor="valid_loss", patience=self.patience, load_best=True))
            )
        if self.verbose >= 2 or (self.verbose and _is_terminal(sys.stderr)):
            callbacks.append(("progress_bar", ProgressBar()))
        callbacks.extend(copy.deepcopy(self._checked_callbacks()))
        return callbacks

    def _scoring_callbacks(self, has_validation):
        return []

    def _split(self, n_samples, y_encoded):
        """Indices of the training and validation samples (validation ``None`` when off)."""
        fraction = self.validation_fraction
        if fraction is None and self.early_stopping:
            fraction = 0.1
        if fraction is None:
            return slice(None), None
        n_valid = int(np.ceil(fraction * n_samples))
        if n_valid < 1 or n_samples - n_valid < 1:
            raise ValueError(
                f"validation_fraction={fraction} leaves no training or no validation sample "
                f"out of {n_samples}."
            )
        return self._split_indices(n_samples, n_valid, y_encoded)

    def _threads(self, batch_size):
        config = self.network_config_
        return auto_threads(
            self.n_threads, batch_size=batch_size, n_inputs=recurrent_input_width(config),
            hidden_size=config["hidden_size"], num_layers=config["num_layers"],
            directions=2 if config["bidirectional"] else 1,
        )

    def _fit_network(self, X, lengths, y_encoded, n_outputs, device, criterion):
        accelerator = self.accelerator
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        if accelerator is not None:
            from ._accelerate import shared_seed

            seed = shared_seed(accelerator, seed)
        train_idx, valid_idx = self._split(len(X), y_encoded)
        n_train = len(X) if isinstance(train_idx, slice) else len(train_idx)
        self.batch_size_ = resolve_batch_size(self.batch_size, n_train)
        self.max_epochs_ = resolve_epochs(self.max_epochs, n_train, self.batch_size_)
        self.network_config_ = self._network_config(n_outputs, X.shape[1])
        self.lr_ = resolve_lr(self.lr, self.conv_channels_)
        rng_devices = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=rng_devices), torch_threads(self._threads(self.batch_size_)):
            torch.manual_seed(seed)
            module = RecurrentNetwork(**self.network_config_)
            if self.standardize_ and not self.network_config_["vocab_size"]:
                train_lengths = None if lengths is None else lengths[train_idx]
                mean, std = feature_statistics(X[train_idx], train_lengths)
                module.input_shift.copy_(torch.from_numpy(mean))
                module.input_scale.copy_(torch.from_numpy(std))
            inputs, targets = module_inputs(X, lengths), as_tensor(y_encoded)
            train_X, train_y = _subset(inputs, train_idx), _subset(targets, train_idx)
            train_split = None
            if valid_idx is not None:
                valid_X, valid_y = _subset(inputs, valid_idx), _subset(targets, valid_idx)
                valid_X, valid_y = to_training_device(valid_X, valid_y, device)
                train_split = predefined_split(Dataset(valid_X, valid_y))
            train_X, train_y = to_training_device(train_X, train_y, device)
            net = self._make_net(module, device, train_split, valid_idx is not None,
                                 criterion=criterion, accelerator=accelerator)
            try:
                with sigint_recorder() as interrupt:
                    net.fit(train_X, train_y)
            except NonFiniteLossError as error:
                self._recover_from_divergence(net, error)
            finally:
                net.release_cuda_graphs()
                if accelerator is not None and hasattr(net, "release_accelerator"):
                    net.release_accelerator()  # also when training raised: free the user's object
            if accelerator is not None:
                from ._accelerate import plain_net

                net = plain_net(self, net, device)
        net.module_.eval()
        # The validation set served its purpose; keep it out of the fitted model (and its pickle).
        net.train_split = None
        self.net_ = net
        self.history_ = net.history
        self.n_epochs_ = len(net.history)
        self.interrupted_ = interrupt["sigint"]
        if self.interrupted_:
            warnings.warn(
                f"Training was interrupted (KeyboardInterrupt) after {self.n_epochs_} of "
                f"{self.max_epochs_} epochs; the model keeps the weights reached by then "
                f"(interrupted_=True).",
                UserWarning,
                stacklevel=4,  # the user's fit call, through sklearn's _fit_context
            )

    def _make_net(self, module, device, train_split=None, has_validation=False, *,
                  criterion=None, accelerator=None):
        optimizer_params = {f"optimizer__{k}": v for k, v in self._optimizer_arguments().items()}
        kwargs = dict(
            module=module,
            criterion=self._default_criterion() if criterion is None else criterion,
            optimizer=self._optimizer_class(),
            lr=float(self.lr_),
            max_epochs=int(self.max_epochs_),
            batch_size=int(self.batch_size_),
            iterator_train=TensorBatches,
            iterator_valid=TensorBatches,
            iterator_train__shuffle=bool(self.shuffle),
            iterator_train__device=device,
            # Length-grouped batches would bias batch norm's statistics (the conv blocks').
            iterator_train__by_length=self.network_config_.get("conv_channels") is None,
            iterator_valid__device=device,
            train_split=train_split,
            callbacks=self._callbacks(has_validation),
            device=device,
            verbose=int(self.verbose),
            **optimizer_params,
        )
        if not _is_terminal(sys.stdout):
            kwargs["callbacks__print_log"] = PlainPrintLog()
        if accelerator is not None:
            from ._accelerate import accelerated_net

            net = accelerated_net(accelerator, **kwargs)
        else:
            net = _RecurrentNet(**kwargs)
        if self.precision == "bf16-mixed":
            net.autocast_dtype = torch.bfloat16
        return net

    def _recover_from_divergence(self, net, error):
        early_stopping = dict(net.callbacks_).get("early_stopping")
        best = getattr(early_stopping, "best_model_weights_", None)
        if best is None:
            raise ValueError(
                f"Training diverged: the training loss became {error.loss} at epoch "
                f"{error.epoch}. Lower lr, set clip_norm (e.g. 1.0) or check the data scale."
            ) from None
        net.module_.load_state_dict(best)
        warnings.warn(
            f"Training diverged (loss {error.loss} at epoch {error.epoch}); restored the weights "
            f"of epoch {early_stopping.best_epoch_}, the best on the validation set.",
            RuntimeWarning,
            stacklevel=4,
        )

    # -------------------------------------------------------------- persistence
    def _get_persist_weights(self):
        net = self.__dict__.get("net_")
        if net is None:
            return None
        return {key: tensor.detach().to("cpu").contiguous().clone()
                for key, tensor in net.module_.state_dict().items()}

    def _set_persist_weights(self, weights, history, device):
        """Rebuild ``net_`` around saved weights (``load_model`` checked their shapes)."""
        # Keys a file from an earlier version lacks take the values that version used.
        module = RecurrentNetwork(**{**CONFIG_DEFAULTS, **self.network_config_})
        module.load_state_dict(weights)
        net = self._make_net(module, torch.device(device))
        net.initialize()
        net.module_.eval()
        if history is not None:
            from skorch.history import History

            net.history_ = History(history)
        self.net_ = net
        self.history_ = net.history_

    # ------------------------------------------------------------------ predict
    def _forward(self, X):
        """Raw network outputs for ``X`` as a float64 numpy array (of float32 values).

        On the CPU a sample's prediction does not depend on which other samples share its
        batch, nor on their lengths (see ``_inference.py``): the network runs in float64 (the
        recurrent layers of a forward-only LSTM in float32, through oneDNN) and its outputs
        are rounded to float32, the precision it was trained in.
        """
        check_is_fitted(self, "net_")
        X, lengths = self._validate_X(X, reset=False)
        module = self.net_.module_
        if module.training:
            module.eval()
        device = next(module.parameters()).device
        runner = inference_module(module) if device.type == "cpu" else None
        tokens = self._token_input(reset=False)
        outputs = []
        order = None if lengths is None else np.argsort(lengths, kind="stable")
        size = _PREDICT_CHUNK if order is None else _RAGGED_PREDICT_CHUNK
        with torch.no_grad(), torch_threads(self._threads(min(len(X), size))):
            for start in range(0, len(X), size):
                kwargs = {}
                if order is None:
                    x = as_tensor(X[start : start + size])
                else:
                    rows = order[start : start + size]
                    x = torch.as_tensor(X[rows, : int(lengths[rows].max())])
                    kwargs["lengths"] = torch.as_tensor(lengths[rows])
                x = x.to(device)
                if runner is None:
                    outputs.append(module(x, **kwargs).float().cpu())
                else:
                    x = x if tokens else x.double()
                    outputs.append(run_invariant(runner, x, **kwargs))
        result = torch.cat(outputs).numpy().astype(np.float64, copy=False)
        if order is None:
            return result
        unsorted = np.empty_like(result)
        unsorted[order] = result
        return unsorted

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.non_deterministic = False
        return tags


def _keyword_parameters(cls):
    """Names ``cls(...)`` accepts, or ``None`` when it takes ``**kwargs`` (anything goes)."""
    try:
        parameters = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return None
    return {p.name for p in parameters if p.kind is not inspect.Parameter.VAR_POSITIONAL}


def _is_terminal(stream):
    """Whether progress bars and colours can be drawn: on a terminal, not into a log."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):  # a closed or detached stream
        return False


def _subset(data, index):
    """Rows ``index`` of the inputs: a view for slices, a copy for index arrays."""
    if isinstance(data, dict):
        return {key: value[index] for key, value in data.items()}
    return data[index]
