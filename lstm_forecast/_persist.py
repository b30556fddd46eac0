"""What each estimator stores in a model file: an explicit list of its fitted state.

Every class names its fitted attributes in ``_persist_attributes`` (the names of its bases
are included); :func:`~lstm_forecast.save_model` writes exactly those, and
:func:`~lstm_forecast.load_model` sets exactly those, so the file format is a deliberate
contract, not whatever attributes an instance happens to hold. Estimators with a network add
its weights and training history through ``_get_persist_weights`` /
``_set_persist_weights``.
"""

from __future__ import annotations

import contextlib


class PersistentMixin:
    """``_get_persist_state`` / ``_set_persist_state`` from ``_persist_attributes``."""

    _persist_attributes: tuple[str, ...] = ()

    @classmethod
    def _persisted_names(cls) -> tuple[str, ...]:
        names: list[str] = []
        for klass in reversed(cls.__mro__):
            for name in vars(klass).get("_persist_attributes", ()):
                if name not in names:
                    names.append(name)
        return tuple(names)

    def _get_persist_state(self) -> dict:
        """The fitted attributes this instance holds, by name (empty when unfitted)."""
        held = vars(self)
        return {name: held[name] for name in self._persisted_names() if name in held}

    def _set_persist_state(self, state: dict) -> None:
        allowed = set(self._persisted_names())
        unknown = sorted(set(state) - allowed)
        if unknown:
            raise ValueError(
                f"{', '.join(map(repr, unknown))} is not a fitted attribute of "
                f"{type(self).__name__} (it stores {sorted(allowed)})."
            )
        for name, value in state.items():
            setattr(self, name, value)

    def _get_persist_weights(self):
        """Network weights (a dict of tensors) or ``None`` for estimators without one."""
        return None

    @contextlib.contextmanager
    def _previous_state_kept_on_failure(self):
        """Start from no fitted state; if the block raises, put the previous state back.

        Fitted state is what ``save_model`` stores and any attribute ending in ``_``;
        scikit-learn's own private bookkeeping (callback contexts, metadata requests) is left
        alone.
        """
        previous = {key: value for key, value in vars(self).items() if self._is_fitted_state(key)}
        for key in previous:
            del self.__dict__[key]
        try:
            yield
        except BaseException:
            for key in [key for key in vars(self) if self._is_fitted_state(key)]:
                del self.__dict__[key]
            self.__dict__.update(previous)
            raise

    def _is_fitted_state(self, key: str) -> bool:
        return (key.endswith("_") and not key.startswith("__")) or key in self._persisted_names()
