"""The ``lstm-forecast`` command: forecast a CSV without writing Python.

Exit codes: 0 success; 2 a mistake in the command, its files or the paths it writes (one
line on stderr, nothing trained or written); 130 interrupted (Ctrl-C: a model being fitted
is not saved, the previous file stays); 1 an unexpected error (a bug: the traceback is
printed). Also run as ``python -m lstm_forecast`` or ``python -m lstm_forecast.cli``.

This module only builds the argument parser, so that ``--help`` answers at once; the
commands (``_cli_commands``, ``_cli_demo``) import pandas and torch when they run.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from contextlib import contextmanager
from typing import NoReturn

EXAMPLES = """examples:
  lstm-forecast demo --output-dir out/
  lstm-forecast fit sales.csv --target sales --time-column date --timesteps 24 --horizon 12 \\
      --model sales.lstmf
  lstm-forecast predict sales.lstmf --output forecast.csv
  lstm-forecast predict sales.lstmf --data recent_sales.csv
  lstm-forecast evaluate sales.csv --target sales --time-column date --horizon 12 --folds 3
  lstm-forecast fit stores.csv --id-column store --target sales --time-column date \
      --horizon 12 --model stores.lstmf       # one model for every store of a long CSV
  lstm-forecast predict stores.lstmf --coverage 0.8 0.95 --output forecast.csv

exit codes: 0 success, 2 bad usage, input or output path (one line on stderr),
130 interrupted (no model written), 1 unexpected error (a bug: please report it)
"""

_FILLS = ["ffill", "bfill", "interpolate", "zero"]


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the epilog's layout and appends each option's default (when it has one)."""

    def _get_help_string(self, action):
        text = action.help or ""
        default = action.default
        if "%(default)" in text or default is None or default is False or \
                default is argparse.SUPPRESS or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)"


def _integer(minimum):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    parse.__name__ = f"integer >= {minimum}"
    return parse


def _separator(text):
    text = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(text, text)
    if len(text) != 1:
        raise argparse.ArgumentTypeError(f"expected one character (or 'tab'), got {text!r}")
    return text


def _decimal(text):
    if text not in (".", ","):
        raise argparse.ArgumentTypeError(f"expected '.' or ',', got {text!r}")
    return text


def _add_reading_options(sub, *, freq=True):
    group = sub.add_argument_group("reading the CSV")
    group.add_argument("--sep", type=_separator, metavar="CHAR",
                       help="column delimiter, e.g. ';' or tab (default: read from the header "
                            "line: comma, semicolon, tab or |)")
    group.add_argument("--decimal", type=_decimal, default=".", metavar="CHAR",
                       help="decimal mark of the numbers: . or ,")
    group.add_argument("--dayfirst", action="store_true",
                       help="dates such as 01/03/1958 are day-first (1 March) (default: decided "
                            "by which reading gives a regular series; ambiguous files are refused)")
    group.add_argument("--date-format", metavar="FORMAT",
                       help="strptime format of the time column, e.g. %%d.%%m.%%Y or %%Y%%m "
                            "(default: guessed)")
    if freq:
        group.add_argument("--freq", metavar="FREQ",
                           help="frequency of the time column: a pandas alias such as D, MS, "
                                "QS, h; Y reads integer years (default: inferred)")
    group.add_argument("--fill", choices=_FILLS,
                       help="how to fill missing values and gaps (default: refuse them)")


def _add_id_column(sub, text="the series-id column of a long CSV holding many series (one row "
                                   "per series and time step): one model is fitted on all of them "
                                   "(default: the file holds one series)"):
    sub.add_argument("--id-column", metavar="COL", help=text)


def _add_data_options(sub):
    sub.add_argument("data", help="CSV file with a header row")
    sub.add_argument("--target", required=True, metavar="COL", help="column to forecast")
    sub.add_argument("--time-column", metavar="COL",
                     help="column of dates, quarters (1958Q1) or integers such as years; gives "
                          "the forecast its dates and the season (default: rows in file order)")
    sub.add_argument("--covariates", nargs="+", metavar="COL",
                     help="covariate columns; predict then needs their future values")
    _add_id_column(sub)
    _add_reading_options(sub)
    model = sub.add_argument_group("the model")
    model.add_argument("--timesteps", type=_integer(1), metavar="N",
                       help="input window length (default: two seasons, at least 8)")
    model.add_argument("--horizon", type=_integer(1), default=1, metavar="H",
                       help="number of values to forecast")
    model.add_argument("--season", type=_integer(1), metavar="N",
                       help="seasonal period (default: from the time column's frequency: 12 "
                            "monthly, 4 quarterly, 7 daily, ...; 1 otherwise)")
    model.add_argument("--max-epochs", type=_integer(1), default=100, metavar="N",
                       help="training epochs at most (early stopping on the last 20%% of the "
                            "windows)")
    model.add_argument("--hidden-size", type=_integer(1), default=32, metavar="N",
                       help="LSTM units")
    model.add_argument("--n-models", type=_integer(1), default=1, metavar="N",
                       help="networks trained from different seeds and averaged")
    model.add_argument("--seed", type=int, default=0, metavar="N", help="random seed")


def _add_quiet(sub):
    sub.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS,
                     help="print only results and errors")


def _parser():
    parser = argparse.ArgumentParser(
        prog="lstm-forecast",
        description="Train LSTM forecasters on CSV series and forecast their future.",
        epilog=EXAMPLES,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--quiet", action="store_true", help="print only results and errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, text):
        return commands.add_parser(name, help=text, description=text,
                                   formatter_class=_HelpFormatter)

    demo = command("demo", "train on bundled data, print metrics, write plots")
    demo.add_argument("--output-dir", default="lstm_forecast_demo", metavar="DIR",
                      help="where the PNG plots go")
    _add_quiet(demo)

    fit = command("fit", "train a forecaster on a CSV series and save it")
    _add_data_options(fit)
    fit.add_argument("--model", required=True, metavar="PATH",
                     help="where to save the model (checked before training)")
    _add_quiet(fit)

    predict = command("predict", "forecast the values after the series")
    predict.add_argument("model", help="a model saved by 'lstm-forecast fit'")
    predict.add_argument("--data", metavar="CSV",
                         help="recent history to forecast from, same columns as the training "
                              "file (default: the end of the training series)")
    predict.add_argument("--future-covariates", metavar="CSV",
                         help="the covariates' future values: one row per forecast step, columns "
                              "named as in --covariates (any order; the time column may be there)")
    predict.add_argument("--output", metavar="CSV", help="write the forecast to this CSV "
                                                         "(default: stdout)")
    predict.add_argument("--float-format", metavar="FORMAT",
                         help="printf-style format of the forecast values, e.g. %%.2f or %%.4g "
                              "(default: six significant digits at the series' scale)")
    predict.add_argument("--coverage", nargs="+", metavar="LEVEL",
                         help="add prediction intervals of these coverages, e.g. 0.8 0.95: columns "
                              "lower_80, upper_80, lower_95, upper_95")
    _add_id_column(predict, "the series-id column of --data, a long CSV of many series, seen in "
                            "training or new (default: the model's, for a model fitted with "
                            "--id-column)")
    predict.add_argument("--trust-pickle", action="store_true",
                         help="also load joblib/pickle files, which can run code: only your own")
    _add_reading_options(predict, freq=False)
    _add_quiet(predict)

    evaluate = command("evaluate", "rolling-origin backtest against a seasonal naive baseline")
    _add_data_options(evaluate)
    evaluate.add_argument("--folds", type=_integer(1), default=3, metavar="N",
                          help="forecast origins, one horizon apart, ending at the end of the "
                               "series")
    evaluate.add_argument("--plot", metavar="PNG",
                          help="write a plot of the folds' forecasts to this PNG")
    _add_quiet(evaluate)
    return parser


@contextmanager
def _ctrl_c_raises(exception):
    """Make Ctrl-C raise ``exception`` (unless SIGINT is ignored, or off the main thread)."""
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        yield
        return

    def handler(signum, frame):
        raise exception

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _error(message):
    message = message.strip()
    line = message.splitlines()[0] if message else "unknown error"
    print(f"lstm-forecast: error: {line}", file=sys.stderr)


def _interrupted(args):
    if args.command == "fit" and hasattr(args, "model_existed"):
        kept = "the previous file is unchanged" if args.model_existed else "nothing was written"
        return f"lstm-forecast: interrupted; {args.model}: {kept}"
    return "lstm-forecast: interrupted"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    from ._cli_commands import COMMANDS
    from ._cli_errors import Interrupted, UsageError, for_cli

    try:
        with _ctrl_c_raises(Interrupted):
            return COMMANDS[args.command](args)
    except (Interrupted, KeyboardInterrupt):
        print(_interrupted(args), file=sys.stderr)
        return 130
    except UsageError as error:
        _error(str(error))
    except (ValueError, TypeError, ImportError) as error:
        _error(for_cli(str(error), args) or type(error).__name__)
    except BrokenPipeError:
        raise  # console_main ends quietly, as Unix tools do
    except OSError as error:
        where = f": {error.filename}" if error.filename else ""
        _error(f"{error.strerror or error}{where}")
    return 2


def console_main() -> NoReturn:  # the [project.scripts] entry point
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (``| head``) closed the pipe: stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    sys.exit(code)


if __name__ == "__main__":
    console_main()
