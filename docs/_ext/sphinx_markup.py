"""Griffe extension: render the Sphinx markup of numpydoc docstrings as Markdown.

The package's docstrings follow scikit-learn's numpydoc style, which cross-references
with reStructuredText roles (``:class:`~sklearn.pipeline.Pipeline```, ``:func:`make_windows```)
and numbers citations with ``.. [1]``. mkdocstrings reads docstrings as Markdown, where
those show up verbatim. This extension rewrites them before rendering:

- a role naming one of the library's public objects (``lstm_forecast.__all__`` and
  ``lstm_forecast.datasets.__all__``, documented on the API pages) becomes a link to it;
- any other role (``:meth:`fit```, ``:func:`joblib.dump```, ``:mod:``...) becomes code;
- ``.. [1] text`` becomes ``[1] text``.

The docstrings themselves are not changed (``help()`` and doctests read them as before).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import griffe

_ROOT = Path(__file__).resolve().parents[2]
_ROLE = re.compile(r":(?:py:)?(?P<role>[a-z]+):`(?P<tilde>~?)(?P<target>[^`<>]+?)(?:\(\))?`")
_CITATION = re.compile(r"^(?P<indent>[ \t]*)\.\. \[(?P<label>[^\]]+)\]", re.MULTILINE)
_LINKED_ROLES = {"class", "func", "obj", "data", "exc", "attr"}


def _public_names(init_file, module):
    """``{name: "module.name"}`` for the names in ``__all__`` of an ``__init__.py``."""
    tree = ast.parse(init_file.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return {name: f"{module}.{name}" for name in ast.literal_eval(node.value)}
    return {}


_PUBLIC = {
    **_public_names(_ROOT / "lstm_forecast" / "datasets" / "__init__.py", "lstm_forecast.datasets"),
    **_public_names(_ROOT / "lstm_forecast" / "__init__.py", "lstm_forecast"),
}


def _replace_role(match):
    target = match["target"].strip()
    shown = target.rsplit(".", 1)[-1] if match["tilde"] else target
    name = target.rsplit(".", 1)[-1]
    internal = target == name or target.startswith("lstm_forecast.")
    if match["role"] in _LINKED_ROLES and internal and name in _PUBLIC:
        return f"[`{shown}`][{_PUBLIC[name]}]"
    return f"`{shown}`"


def to_markdown(text):
    """``text`` with its Sphinx roles and citation labels rewritten as Markdown."""
    text = _ROLE.sub(_replace_role, text)
    return _CITATION.sub(r"\g<indent>[\g<label>]", text)


class SphinxMarkup(griffe.Extension):
    """Rewrite every docstring of the loaded objects with :func:`to_markdown`."""

    def on_instance(self, *, obj, **kwargs):
        if obj.docstring is not None:
            obj.docstring.value = to_markdown(obj.docstring.value)


# Classes whose docstring is assembled at import time (``__doc__ = estimator_doc(...)``) and
# whose ``__init__`` may be assigned (``with_defaults``): static analysis sees neither.
_LIVE_CLASSES = {"lstm_forecast.regressor": "LSTMRegressor",
                 "lstm_forecast.classifier": "LSTMClassifier"}


class LiveDocstrings(griffe.Extension):
    """Give those classes the docstring and ``__init__`` signature of the imported class."""

    def on_package(self, *, pkg, **kwargs):
        import importlib
        import inspect

        if pkg.path != "lstm_forecast":
            return
        for module, name in _LIVE_CLASSES.items():
            live = getattr(importlib.import_module(module), name)
            cls = pkg.get_member(module.split(".", 1)[1]).get_member(name)
            cls.docstring = griffe.Docstring(to_markdown(inspect.cleandoc(live.__doc__)),
                                             parent=cls, parser="numpy")
            parameters = [griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword)]
            for parameter in inspect.signature(live.__init__).parameters.values():
                if parameter.name == "self":
                    continue
                parameters.append(griffe.Parameter(
                    parameter.name, kind=griffe.ParameterKind.keyword_only,
                    default=repr(parameter.default).replace("'", '"')))
            init = griffe.Function("__init__", parameters=griffe.Parameters(*parameters),
                                   parent=cls)
            cls.set_member("__init__", init)
