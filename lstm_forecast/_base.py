"""Shared machinery of the estimators: parameters, input validation, and the skorch net."""

from __future__ import annotations

import copy
import functools
import inspect
import numbers
import warnings

import numpy as np
import torch
from scipy.sparse import issparse
from sklearn.base import BaseEstimator
from sklearn.utils import assert_all_finite, check_random_state
from sklearn.utils.validation import check_array, check_is_fitted, validate_data
from skorch import NeuralNet
from skorch.callbacks import (
    EarlyStopping,
    EpochTimer,
    GradientNormClipping,
    LRScheduler,
    PassthroughScoring,
    PrintLog,
    ProgressBar,
)
from skorch.dataset import Dataset, get_len
from skorch.helper import predefined_split
from skorch.utils import TeeGenerator
from torch.optim.lr_scheduler import CosineAnnealingLR

from ._callbacks import GradientValueClipping, NonFiniteLossError, StopOnNonFiniteLoss
from ._cuda_graphs import GraphedStep, batch_capturable, training_capturable
from ._data import (
    TensorBatches,
    as_tensor,
    compact_tokens,
    feature_statistics,
    is_ragged,
    module_inputs,
    move_inputs,
    pad_ragged,
    resident_nbytes,
    viewed_series,
)
from ._inference import inference_module, run_invariant
from ._network import CELLS, POOLINGS, RecurrentNetwork

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
    "sgd": torch.optim.SGD,
}

PRECISIONS = ("float32", "bf16-mixed")

# Data that fits in this share of the free GPU memory stays on the device for the whole fit.
_DEVICE_RESIDENT_SHARE = 0.25
# Samples per forward pass in predict.
_PREDICT_CHUNK = 4096


class _RecurrentNet(NeuralNet):
    """skorch's ``NeuralNet``, with everything that holds tensors pickled like ``module_``.

    skorch unpickles ``module_``, ``optimizer_`` and ``criterion_`` onto the CPU when CUDA is
    missing, but other attributes hold CUDA tensors too: the ``module`` parameter (the
    instance we pass, the same object as ``module_``) and the callbacks (the LR scheduler
    keeps the optimizer and its state, scoring callbacks their cached predictions). Listing
    ``module`` and ``callbacks`` (prefixes, so ``callbacks_`` too) among the CUDA-dependent
    attributes sends them through the same device-mapping unpickler, so a model trained on
    a GPU loads on a CPU-only machine.
    """

    cuda_dependent_attributes_ = ["module", "callbacks"]

    # ---- speed: skorch's loop without per-batch host synchronisation (benchmarks/speed.py)
    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """skorch's epoch, reading the batch losses with one ``tolist()`` per epoch.

        skorch calls ``loss.item()`` after every batch; on a GPU that stalls the host until
        the step has finished, so the next step's kernel launches never overlap it. The
        losses stay on the device and are written into the same per-batch history entries
        before the epoch-end callbacks read them. A callback that reads the batch loss from
        the history during the epoch (``ProgressBar``, or any user callback) gets skorch's
        own loop back.
        """
        if iterator is None or not self._defer_batch_losses:
            return super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)
        losses, sizes = [], []
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            losses.append(step["loss"].detach())
            sizes.append(get_len(batch[0]))
            self.notify("on_batch_end", batch=batch, training=training, **step)
        if losses:
            values = torch.stack(losses).float().tolist()  # the one host sync of the epoch
            entries = self.history[-1]["batches"][-len(losses):]
            for entry, value, size in zip(entries, values, sizes, strict=True):
                entry[prefix + "_loss"] = value
                entry[prefix + "_batch_size"] = size
        self.history.record(prefix + "_batch_count", len(losses))

    @property
    def _defer_batch_losses(self):
        own = (StopOnNonFiniteLoss, GradientNormClipping, GradientValueClipping, LRScheduler,
               EarlyStopping, EpochTimer, PassthroughScoring, PrintLog)
        return all(
            isinstance(cb, own)
            # A scheduler stepped every batch may read that batch's loss (ReduceLROnPlateau).
            and not (isinstance(cb, LRScheduler) and cb.step_every == "batch")
            for _, cb in self.callbacks_
        )

    def _set_training(self, training=True):
        # skorch calls module.train() (a walk over every submodule) before every batch.
        if self.module_.training != training or self.criterion_.training != training:
            super()._set_training(training)

    # The dtype of autocast during training (``precision="bf16-mixed"``), or None.
    autocast_dtype = None

    def infer(self, x, **fit_params):
        if self.autocast_dtype is None:
            return self._infer(x, **fit_params)
        # Without the cast-weights cache, so the step can be captured in a CUDA graph.
        with torch.autocast(self._module_device.type, dtype=self.autocast_dtype, cache_enabled=False):
            return self._infer(x, **fit_params).float()

    def _infer(self, x, **fit_params):
        # TensorBatches already put the batch on the training device: skip to_tensor.
        if isinstance(x, torch.Tensor) and x.device == self._module_device:
            return self.module_(x, **fit_params)
        return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if isinstance(y_true, torch.Tensor) and y_true.device == y_pred.device:
            return self.criterion_(y_pred, y_true)
        return super().get_loss(y_pred, y_true, X=X, training=training)

    @property
    def _module_device(self):
        return next(self.module_.parameters()).device

    # ---- speed: forward + backward replayed from a CUDA graph (_cuda_graphs.py)
    use_cuda_graphs = True

    def train_step(self, batch, **fit_params):
        graphed = self._graphed_step(batch, fit_params)
        if graphed is None:
            return super().train_step(batch, **fit_params)
        self._set_training(True)
        loss, y_pred = graphed.run(*batch)
        self.notify(
            "on_grad_computed",
            named_parameters=TeeGenerator(self.get_all_learnable_params()),
            batch=batch,
            training=True,
        )
        self._step_optimizer(None)
        return {"loss": loss, "y_pred": y_pred}

    def _graphed_step(self, batch, fit_params):
        """The captured step for this batch's shape (captured on first use), or ``None``."""
        if not self.use_cuda_graphs or fit_params or not batch_capturable(*batch):
            return None
        # The graphs hold the module, the criterion, which parameters train and their .grad
        # tensors; a callback that changes any of them (Freezer, zero_grad(set_to_none=True),
        # a new criterion or optimizer) makes them stale.
        signature = self._graph_signature()
        cache = self.__dict__.get("_cuda_graphs")
        if cache is None or not _identical(cache["signature"], signature):
            optimizers = [getattr(self, name + "_") for name in self._optimizers]
            cache = self.__dict__["_cuda_graphs"] = {
                "signature": signature,
                "capturable": training_capturable(self.module_, optimizers),
                "steps": [],
            }
        if not cache["capturable"]:
            return None
        for step in cache["steps"]:
            if step.matches(*batch):
                return step
        self._set_training(True)
        try:
            step = GraphedStep(self.module_, self.criterion_, *batch, forward=self.infer)
        except (RuntimeError, torch.cuda.OutOfMemoryError) as error:
            # Capturing needs memory of its own; train eagerly rather than fail the fit.
            warnings.warn(f"Training without CUDA graphs: capturing the step failed ({error}).",
                          RuntimeWarning, stacklevel=2)
            self.use_cuda_graphs = False
            self.release_cuda_graphs()
            self._zero_grad_optimizer()
            return None
        cache["steps"].append(step)
        cache["signature"] = self._graph_signature()  # the capture gave every trained one a .grad
        return step

    def _graph_signature(self):
        params = list(self.module_.parameters())
        optimizers = [getattr(self, name + "_") for name in self._optimizers]
        return (self.module_, self.criterion_, *optimizers,
                *(p.requires_grad for p in params), *(p.grad for p in params))

    def release_cuda_graphs(self):
        """Free the captured steps and their memory (done at the end of each fit)."""
        self.__dict__.pop("_cuda_graphs", None)

    def __getstate__(self):
        self.release_cuda_graphs()
        return super().__getstate__()

    def __setstate__(self, state):
        super().__setstate__(state)
        # Unpickled cuDNN weights are separate tensors again: one chunk, as cuDNN wants them.
        module = self.__dict__.get("module_")
        if module is not None and next(module.parameters()).is_cuda:
            for layer in module.modules():
                if isinstance(layer, torch.nn.RNNBase):
                    layer.flatten_parameters()


def _identical(a, b):
    """Whether two tuples hold the very same objects, in order."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def resolve_device(device) -> torch.device:
    """``"auto"`` is CUDA when available, else the CPU; anything else is parsed by torch."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda' or 'cuda:<index>'; got {device!r}."
        ) from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available here.")
    return resolved


def _check_int(name, value, *, minimum=1, allow_none=False):
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        expected = f"an integer >= {minimum}" + (" or None" if allow_none else "")
        raise ValueError(f"{name} must be {expected}; got {value!r}.")


def _check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False; got {value!r}.")


def _keyword_parameters(cls):
    """Names ``cls(...)`` accepts, or ``None`` when it takes ``**kwargs`` (anything goes)."""
    try:
        parameters = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return None
    return {p.name for p in parameters if p.kind is not inspect.Parameter.VAR_POSITIONAL}


def _check_float(name, value, *, low, high=None, low_inclusive=True, allow_none=False):
    if value is None and allow_none:
        return
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
    if ok:
        ok = value >= low if low_inclusive else value > low
        ok = ok and (high is None or value < high)
    if not ok:
        bound = f"{'>=' if low_inclusive else '>'} {low}" + (f" and < {high}" if high else "")
        raise ValueError(f"{name} must be a finite number {bound}; got {value!r}.")


class RecurrentEstimatorBase(BaseEstimator):
    """Base of :class:`LSTMRegressor` and :class:`LSTMClassifier`; not for direct use.

    Subclasses provide ``_criterion``, ``_encode_targets``, ``_n_outputs`` and the
    public ``predict`` methods, and list their parameters in their own ``__init__``.
    """

    _token_input = False

    # ----------------------------------------------------------------- parameters
    def _validate_params(self):
        _check_int("hidden_size", self.hidden_size)
        _check_int("num_layers", self.num_layers)
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}; got {self.cell!r}.")
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}; got {self.pooling!r}.")
        if self.pooling == "cell" and self.cell != "lstm":
            raise ValueError("pooling='cell' reads the LSTM cell state and needs cell='lstm'.")
        for name in ("bidirectional", "shuffle", "early_stopping"):
            _check_bool(name, getattr(self, name))
        _check_float("dropout", self.dropout, low=0.0, high=1.0)
        _check_float("forget_bias", self.forget_bias, low=-np.inf, allow_none=True)
        if self.forget_bias is not None and self.cell != "lstm":
            raise ValueError("forget_bias sets the LSTM forget gate and needs cell='lstm'.")
        _check_int("projection_size", self.projection_size, allow_none=True)
        _check_int("conv_channels", self.conv_channels, allow_none=True)
        if not (isinstance(self.standardize, (bool, np.bool_)) or self.standardize == "series"):
            raise ValueError(
                f"standardize must be True, False or 'series'; got {self.standardize!r}."
            )
        _check_int("max_epochs", self.max_epochs, minimum=0)
        _check_int("batch_size", self.batch_size)
        _check_float("lr", self.lr, low=0.0, low_inclusive=False)
        if self.lr_schedule not in ("cosine", None):
            raise ValueError(f"lr_schedule must be 'cosine' or None; got {self.lr_schedule!r}.")
        _check_float("weight_decay", self.weight_decay, low=0.0, allow_none=True)
        _check_float("clip_norm", self.clip_norm, low=0.0, low_inclusive=False, allow_none=True)
        _check_float("clip_value", self.clip_value, low=0.0, low_inclusive=False, allow_none=True)
        _check_float(
            "validation_fraction", self.validation_fraction, low=0.0, high=1.0,
            low_inclusive=False, allow_none=True,
        )
        _check_int("patience", self.patience)
        if self.callbacks is not None and not isinstance(self.callbacks, (list, tuple)):
            raise TypeError(
                f"callbacks must be a list of skorch callbacks (or of (name, callback) pairs) or "
                f"None; got {self.callbacks!r}."
            )
        verbose_ok = isinstance(self.verbose, (bool, np.bool_)) or (
            isinstance(self.verbose, numbers.Integral) and self.verbose >= 0
        )
        if not verbose_ok:
            raise ValueError(f"verbose must be an integer >= 0 or a bool; got {self.verbose!r}.")
        self._optimizer_arguments()
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}; got {self.precision!r}.")
        device = resolve_device(self.device)
        if (self.precision == "bf16-mixed" and device.type == "cuda"
                and not torch.cuda.is_bf16_supported()):
            raise ValueError(
                "precision='bf16-mixed' needs a GPU with bfloat16 support (Ampere or newer); "
                "this one has none. Use precision='float32'."
            )
        if getattr(self, "accelerator", None) is not None:
            from ._accelerate import check_accelerator

            check_accelerator(self.accelerator, self.device)

    def _optimizer_arguments(self):
        """Keyword arguments for the optimizer (beyond the parameters and ``lr``), checked
        against what the optimizer class accepts."""
        cls = self._optimizer_class()
        if self.optimizer_kwargs is not None and not isinstance(self.optimizer_kwargs, dict):
            raise TypeError(f"optimizer_kwargs must be a dict or None; got {self.optimizer_kwargs!r}.")
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
        return kwargs

    def _optimizer_class(self):
        if isinstance(self.optimizer, str):
            try:
                return OPTIMIZERS[self.optimizer.lower()]
            except KeyError:
                raise ValueError(
                    f"optimizer must be one of {sorted(OPTIMIZERS)} or a torch.optim.Optimizer "
                    f"subclass; got {self.optimizer!r}."
                ) from None
        if isinstance(self.optimizer, type) and issubclass(self.optimizer, torch.optim.Optimizer):
            return self.optimizer
        raise TypeError(
            f"optimizer must be a name such as 'adam' or a torch.optim.Optimizer subclass; "
            f"got {self.optimizer!r}."
        )

    # ---------------------------------------------------------------- input data
    def _check_y_given(self, y):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )

    def _validate_X(self, X, *, reset):
        """Return ``(array, lengths)``: ``(n, timesteps, n_features)`` floats (or
        ``(n, timesteps)`` token ids) and the valid length of each sequence (or ``None``).

        A 2-D float ``X`` is checked by :func:`validate_data`: its width (the number of time
        steps) is ``n_features_in_``, fixed at fit like any scikit-learn feature count. A 3-D
        ``X``, a list of sequences and token ids are sequences: any length is accepted, only
        the features per step must match. A model fitted on sequences also reads a 2-D ``X``
        as sequences of one feature, of any length.
        """
        lengths = None
        if not (hasattr(X, "ndim") or hasattr(X, "iloc") or is_ragged(X)):
            X = _as_numeric_array(X)
        if is_ragged(X):
            X, lengths = self._pad_sequences(X)
            self._check_step_features(X, reset=reset)
        elif self._token_input:
            X = self._token_array(X)
            self._check_step_features(X, reset=reset)
        elif getattr(X, "ndim", None) == 3:
            X = _finite_float32(X)
            self._check_step_features(X, reset=reset)
        elif getattr(X, "ndim", None) == 2:
            X = self._validate_2d(X, reset=reset)
        else:
            shape = np.shape(X)
            hint = (
                " Reshape your data: X.reshape(1, -1) if it is one sequence of one feature."
                if len(shape) == 1 else ""
            )
            raise ValueError(
                f"Found array with dim {len(shape)} (a {len(shape)}-D X of shape {shape}); expected "
                f"a 3-D X of shape (n_samples, timesteps, n_features) or a 2-D X of shape "
                f"(n_samples, timesteps).{hint}"
            )
        if X.shape[1] == 0:
            raise ValueError("X must have at least one time step; got 0.")
        if not self._token_input and X.shape[2] == 0:
            raise ValueError("X must have at least one feature per time step; got 0.")
        if self._token_input:
            X, lengths = self._check_tokens(X, lengths)
        return X, lengths

    def _validate_2d(self, X, *, reset):
        """A 2-D float ``X``, read as ``(n_samples, timesteps)`` of one feature."""
        if reset or getattr(self, "_fitted_on_2d", True):
            X = _numeric(
                functools.partial(validate_data, self), X, reset=reset, dtype=np.float32,
                ensure_all_finite=False,
            )
            _assert_finite(X, estimator_name=type(self).__name__)
            if reset:
                self.n_features_per_step_ = 1
                self._fitted_on_2d = True
        else:
            X = _numeric(check_array, X, dtype=np.float32, input_name="X", ensure_all_finite=False)
            _assert_finite(X)
        if self.n_features_per_step_ != 1:
            raise ValueError(
                f"X is 2-D, read as (n_samples, timesteps) of 1 feature, but this model was "
                f"fitted on {self.n_features_per_step_} features per step; pass X of shape "
                f"(n_samples, timesteps, {self.n_features_per_step_})."
            )
        return X[:, :, None]

    def _pad_sequences(self, X):
        """A list of sequences of different lengths: post-padded array and lengths."""
        X, lengths = pad_ragged(X, dtype=np.float64 if self._token_input else np.float32)
        self._check_finite(X)
        if self._token_input:
            if X.shape[-1] != 1:
                raise ValueError(
                    f"Token input (vocab_size set) must be sequences of integer ids; got "
                    f"sequences of {X.shape[-1]} values per step."
                )
            X = _integer_tokens(X[..., 0])
        if lengths.min() == lengths.max():
            lengths = None  # all of one length: the same as the stacked array
        return X, lengths

    def _token_array(self, X):
        if getattr(X, "ndim", None) != 2:
            raise ValueError(
                f"Token input (vocab_size set) must be 2-D (n_samples, timesteps) integer ids; "
                f"got shape {np.shape(X)}."
            )
        X = _numeric(check_array, X, dtype="numeric", input_name="X")
        return _integer_tokens(X)

    @staticmethod
    def _check_finite(X):
        if X.dtype.kind == "f" and not np.isfinite(X).all():
            raise ValueError("Input X contains NaN or infinity; clean or impute it first.")

    def _check_step_features(self, X, *, reset):
        n_step = 1 if self._token_input else X.shape[-1]
        if reset:
            self.n_features_in_ = n_step
            self.n_features_per_step_ = n_step
            self._fitted_on_2d = False
            if hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        elif n_step != self.n_features_per_step_:
            raise ValueError(
                f"X has {n_step} features per time step, but {type(self).__name__} is expecting "
                f"{self.n_features_per_step_} features as input."
            )

    def _check_tokens(self, X, lengths):
        if X.size and (X.min() < 0 or X.max() >= self.vocab_size):
            raise ValueError(
                f"Token ids must lie in [0, vocab_size={self.vocab_size}); got values in "
                f"[{X.min()}, {X.max()}]. Id 0 is padding."
            )
        if lengths is None:
            return compact_tokens(X)
        compacted, token_lengths = compact_tokens(X)
        return compacted, (lengths if token_lengths is None else np.minimum(lengths, token_lengths))

    # -------------------------------------------------------------------- fitting
    def _build_module(self, n_outputs):
        return RecurrentNetwork(
            n_features=self.n_features_per_step_,
            n_outputs=n_outputs,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            cell=self.cell,
            bidirectional=bool(self.bidirectional),
            dropout=float(self.dropout),
            pooling=self.pooling,
            forget_bias=self.forget_bias,
            vocab_size=getattr(self, "vocab_size", None),
            embedding_dim=getattr(self, "embedding_dim", None),
            projection_size=self.projection_size,
            conv_channels=self.conv_channels,
            series_norm=isinstance(self.standardize, str) and not self._token_input,
        )

    def _callbacks(self, has_validation):
        callbacks = [("stop_on_non_finite", StopOnNonFiniteLoss())]
        if self.lr_schedule == "cosine" and self.max_epochs > 0:
            callbacks.append(
                ("lr_schedule", LRScheduler(CosineAnnealingLR, T_max=self.max_epochs))
            )
        if self.clip_norm is not None:
            callbacks.append(("clip_norm", GradientNormClipping(gradient_clip_value=self.clip_norm)))
        if self.clip_value is not None:
            callbacks.append(("clip_value", GradientValueClipping(self.clip_value)))
        if self.early_stopping:
            callbacks.append(
                ("early_stopping",
                 EarlyStopping(monitor="valid_loss", patience=self.patience, load_best=True))
            )
        callbacks.extend(self._extra_callbacks(has_validation))
        if self.verbose:
            callbacks.append(("progress_bar", ProgressBar()))
        callbacks.extend(copy.deepcopy(list(self.callbacks or [])))
        return callbacks

    def _extra_callbacks(self, has_validation):
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

    def _fit_network(self, X, lengths, y_encoded, n_outputs, *, criterion=None):
        accelerator = getattr(self, "accelerator", None)
        device = resolve_device(self.device) if accelerator is None else accelerator.device
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        if accelerator is not None:
            from ._accelerate import shared_seed

            seed = shared_seed(accelerator, seed)
        train_idx, valid_idx = self._split(len(X), y_encoded)
        rng_devices = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=rng_devices):
            torch.manual_seed(seed)
            module = self._build_module(n_outputs)
            if self.standardize and not self._token_input:
                train_lengths = None if lengths is None else lengths[train_idx]
                mean, std = feature_statistics(X[train_idx], train_lengths)
                module.input_shift.copy_(torch.from_numpy(mean))
                module.input_scale.copy_(torch.from_numpy(std))
            inputs = module_inputs(X, lengths)
            targets = as_tensor(y_encoded)
            train_X, train_y = _subset(inputs, train_idx), _subset(targets, train_idx)
            train_split = None
            if valid_idx is not None:
                valid_X, valid_y = _subset(inputs, valid_idx), _subset(targets, valid_idx)
                valid_X, valid_y = _to_training_device(valid_X, valid_y, device)
                train_split = predefined_split(Dataset(valid_X, valid_y))
            train_X, train_y = _to_training_device(train_X, train_y, device)
            net = self._make_net(module, device, train_split, valid_idx is not None,
                                 criterion=criterion, accelerator=accelerator)
            try:
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
        return self

    def _make_net(self, module, device, train_split=None, n_valid=False, *, criterion=None,
                  accelerator=None):
        optimizer_params = {f"optimizer__{k}": v for k, v in self._optimizer_arguments().items()}
        net_class = _RecurrentNet
        if accelerator is not None:
            from ._accelerate import accelerated_net

            net_class = functools.partial(accelerated_net, accelerator)
        net = net_class(
            module=module,
            criterion=self._criterion() if criterion is None else criterion,
            optimizer=self._optimizer_class(),
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            iterator_train=TensorBatches,
            iterator_valid=TensorBatches,
            iterator_train__shuffle=bool(self.shuffle),
            iterator_train__device=device,
            iterator_valid__device=device,
            train_split=train_split,
            callbacks=self._callbacks(n_valid),
            device=device,
            verbose=int(self.verbose),
            **optimizer_params,
        )
        if self.precision == "bf16-mixed":
            net.autocast_dtype = torch.bfloat16
        return net

    def _restore_network(self, state_dict, n_outputs, device="cpu"):
        """Rebuild ``net_`` around saved module weights (used by :func:`load_model`).

        Needs the fitted input attributes (``n_features_per_step_``...) to be set first.
        """
        module = self._build_module(n_outputs)
        module.load_state_dict(state_dict)
        net = self._make_net(module, torch.device(device))
        net.initialize()
        net.module_.eval()
        self.net_ = net
        self.history_ = net.history
        return self

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
            stacklevel=3,
        )

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
        outputs = []
        with torch.no_grad():
            for start in range(0, len(X), _PREDICT_CHUNK):
                chunk = slice(start, start + _PREDICT_CHUNK)
                x = as_tensor(X[chunk]).to(device)
                kwargs = {} if lengths is None else {"lengths": torch.as_tensor(lengths[chunk])}
                if runner is None:
                    outputs.append(module(x, **kwargs).float().cpu())
                else:
                    x = x if self._token_input else x.double()
                    outputs.append(run_invariant(runner, x, **kwargs))
        return torch.cat(outputs).numpy().astype(np.float64, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.non_deterministic = False
        return tags


def _finite_float32(X):
    """A 3-D ``X`` as float32, checked for NaN/inf; plain float arrays skip ``check_array``.

    ``check_array``'s generic checks cost more than a small network's forward pass, which
    matters for predicting one window at a time. Overlapping windows of a series
    (``make_windows`` output) are summed over the series they view, each value once.
    """
    if type(X) is np.ndarray and X.dtype.kind == "f" and len(X) > 0:
        X = X.astype(np.float32, copy=False)
        series = viewed_series(X)
        if np.isfinite((X if series is None else series).sum(dtype=np.float64)):
            return X
        if series is not None:
            _assert_finite(X)  # scikit-learn's message, without reading every window
    return _numeric(check_array, X, allow_nd=True, dtype=np.float32, input_name="X")


def _assert_finite(X, estimator_name=None):
    """scikit-learn's finiteness check of ``X``, with its messages; overlapping windows of a
    series (``make_windows`` output) are checked on the series, each value read once, so a
    windowed view of a memory-mapped series is neither copied nor read ``timesteps`` times."""
    series = viewed_series(X)
    assert_all_finite(X if series is None else series, input_name="X",
                      estimator_name=estimator_name)


def _numeric(check, X, *, name="X", **kwargs):
    """``check(X, **kwargs)``, with a message naming ``X`` when it does not hold numbers."""
    try:
        return check(X, **kwargs)
    except (TypeError, ValueError) as error:
        if issparse(X):  # scikit-learn's message says that sparse input is not supported
            raise
        try:
            np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError) as conversion_error:
            raise type(conversion_error)(
                f"{name} must hold numbers; could not convert it to numbers: {conversion_error}"
            ) from None
        raise error


def _as_numeric_array(X):
    """``np.asarray(X)`` for list-likes; a message naming ``X`` when it cannot be an array."""
    try:
        return np.asarray(X)
    except ValueError as error:
        raise ValueError(
            f"X must be an array of shape (n_samples, timesteps[, n_features]) or a list of "
            f"sequences; could not make an array of it: {error}"
        ) from None


def _integer_tokens(X):
    """Token ids as int64; floats must be whole numbers (1.0 is id 1, 1.5 is an error)."""
    if X.dtype.kind in "iub":
        return X.astype(np.int64, copy=False)
    if X.dtype.kind != "f":
        raise TypeError(f"Token ids must be integers; got X of dtype {X.dtype}.")
    if not np.isfinite(X).all():
        raise ValueError("Input X contains NaN or infinity; token ids must be integers.")
    whole = np.equal(np.mod(X, 1), 0)
    if not whole.all():
        raise TypeError(f"Token ids must be integers; found {float(X[~whole][0])} in X.")
    return X.astype(np.int64)


def _subset(data, index):
    """Rows ``index`` of the inputs: a view for slices, a copy for index arrays."""
    if isinstance(data, dict):
        return {key: value[index] for key, value in data.items()}
    return data[index]


def _to_training_device(X, y, device):
    """Keep the data on the training device when it fits, so batches never cross the bus."""
    if device.type != "cuda":
        return X, y
    # A windowed view of a long series moves as the series (move_inputs), so count that.
    size = resident_nbytes(X) + resident_nbytes(y)
    free, _ = torch.cuda.mem_get_info(device)
    if size > _DEVICE_RESIDENT_SHARE * free:
        return X, y
    return move_inputs(X, device), move_inputs(y, device)
