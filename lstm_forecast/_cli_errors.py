"""How the ``lstm-forecast`` command reports errors: in its own words, flags and files.

The library's messages name Python parameters (``fill=``, ``time_column=None``, ``X``,
``y``), which is right in Python and wrong on a command line. :func:`for_cli` rewrites them
with the flags and the CSV files of the command being run; each rule names the library
message it targets, and ``tests/test_cli.py`` triggers every one of them through the command.
"""

from __future__ import annotations

import re

__all__ = ["Interrupted", "UsageError", "for_cli"]


class UsageError(Exception):
    """A mistake of the user's: reported in one line with exit code 2."""


class Interrupted(BaseException):  # noqa: N818 - reads as "the run was interrupted"
    """Ctrl-C, raised by the command's SIGINT handler.

    Not a ``KeyboardInterrupt``: skorch catches that inside its training loop and returns
    as if training had finished, and the command would then save a half-trained model.
    """


_FILLS = "{ffill,bfill,interpolate,zero}"

# (pattern, replacement) in order; replacements may name {series}, {more}, {history},
# {future}, {whole}, {data}, {in_file} and {in_data} (see _files).
_RULES = [
    # forecaster.fit: the series is too short for the window and the horizon
    (r"LSTMForecaster needs at least (\d+) observations in y, got (\d+)\.",
     "{series} has \\2 values; at least \\1 (--horizon + 2) are needed: lower --horizon{more}."),
    (r"timesteps \+ horizon = (.*?) is more than the longest series \((\d+) values\): no "
     r"window would be complete\. Use a shorter timesteps, or None to choose it from the series\.",
     "--timesteps + --horizon = \\1 is more than {series} holds (\\2 values): lower --horizon or "
     "--timesteps{more}."),
    # forecaster.predict with new history or covariates
    (r"The forecaster was fitted with covariates: pass X with their future values \((\d+) rows "
     r"per series\)\.",
     "the model was fitted with --covariates: pass --future-covariates FILE with their next \\1 "
     "values."),
    (r"X was given to predict, but the forecaster was fitted without X\.",
     "--future-covariates was given, but the model was fitted without --covariates."),
    (r"X must have horizon=(\d+) rows, got (\d+)\.", "{future} must have \\1 rows; got \\2."),
    (r"X has no \(finite\) values for (series '[^']*') at (.*?): covariates are needed for the "
     r"horizon steps forecast\.",
     "{future} has no (finite) values for \\1 at \\2: every series needs its covariates for "
     "each forecast step."),
    (r"X must have len\(y\) \+ horizon = (\d+) rows, got (\d+)\.",
     "{future} must have \\1 rows (those of {history}, then the future ones); got \\2."),
    # backtest: too few values for the folds
    (r"y is too short for (?:the default )?n_folds=(\d+) with horizon=(\d+) and step=\d+: (\d+) "
     r"observations are needed, len\(y\)=(\d+)\. At most (\d+) folds fit; lower n_folds, step "
     r"or horizon\.",
     "{whole} is too short for --folds \\1 with --horizon \\2: \\3 values are needed, it has "
     "\\4. At most \\5 folds fit; lower --folds or --horizon."),
    # panels (--id-column): messages that name a series of y
    (r"\w+ needs at least (\d+) observations in every series; series (.+?) of y has (\d+)\.",
     "every series needs at least \\1 values (--horizon + 2) to train on; series \\2 {in_file} "
     "has \\3: drop it from the file or lower --horizon{more}."),
    (r"series (.+?) of y is too short for n_folds=(\d+) with horizon=(\d+) and step=\d+: (\d+) "
     r"observations are needed, it has (\d+)\. Lower n_folds, step or horizon\.",
     "series \\1 in {data} is too short for --folds \\2 with --horizon \\3: \\4 values are "
     "needed, it has \\5. Lower --folds or --horizon, or drop the series from the file."),
    (r"y has the frequency (\S+); the forecaster was fitted on series of frequency (\S+)\.",
     "{history} has the frequency \\1; the model was fitted on series of frequency \\2."),
    (r"\bseries ('[^']*'|\S+) of y\b", "series \\1 {in_data}"),
    # load_csv_series
    (r"Pass fill= one of \([^)]*\)", "Pass --fill " + _FILLS),
    (r"\bfill='(\w+)'", "--fill \\1"),
    (r"target and time_column are the same column", "--target and --time-column name the same column"),
    (r"covariates must be distinct columns other than the target and the time column",
     "--covariates must name distinct columns other than --target and --time-column"),
    (r"target and covariate columns must be numeric", "--target and --covariates columns must be "
     "numeric"),
    (r"unknown target column", "unknown --target column"),
    (r"unknown covariate column", "unknown --covariates column"),
    (r"unknown time_column", "unknown --time-column"),
    (r"use time_column=None", "drop --time-column"),
    (r"\btime_column\b", "--time-column"),
    (r"date_format=('[^']*')", "--date-format \\1"),
    (r"\bdate_format\b", "--date-format"),
    (r"dayfirst=True", "--dayfirst"),
    (r"an annual freq such as freq='Y'", "an annual --freq such as --freq Y"),
    (r"\bfreq=('[^']*')", "--freq \\1"),
    (r"\bfreq ('[^']*') is not", "--freq \\1 is not"),
    (r"\bdecimal=(','|'\.')", "--decimal \\1"),
    (r"\bsep=('[^']*')", "--sep \\1"),
    # whatever names a parameter the command sets from a flag
    (r"\bn_folds=(\d+)", "--folds \\1"),
    (r"\bhorizon=(\d+)", "--horizon \\1"),
    (r"\btimesteps=(\d+)", "--timesteps \\1"),
    (r"\bseasonal_period\b", "--season"),
]
_COMPILED = [(re.compile(pattern), replacement) for pattern, replacement in _RULES]


def _files(args):
    """The words for the files of the command: the series, the history, the future covariates."""
    command = getattr(args, "command", None)
    data = getattr(args, "data", None)
    if command == "evaluate":
        series = "the first backtest fold's training part"
        more = " or --folds"
        whole = f"the series in {data}"
        in_file = f"in the first backtest fold of {data}"
    else:
        series = f"the series in {data}" if data else "the series"
        more = ""
        whole = series
        in_file = None
    in_data = (f"in --data {data}" if command == "predict" else f"in {data}") if data \
        else "of the model"
    return {
        "series": series,
        "more": more,
        "history": f"--data {data}" if command == "predict" and data else "the history",
        "future": f"--future-covariates {getattr(args, 'future_covariates', None) or 'FILE'}",
        "whole": whole,
        "data": str(data),
        "in_file": in_file or in_data,
        "in_data": in_data,
    }


def _with_words(text, words):
    for key, value in words.items():
        text = text.replace("{" + key + "}", value)
    return text


def for_cli(message, args):
    """``message`` of a library error, in the command line's words (flags, file names)."""
    words = _files(args)
    for pattern, replacement in _COMPILED:
        message = pattern.sub(lambda m, r=replacement: _with_words(m.expand(r), words), message)
    return message
