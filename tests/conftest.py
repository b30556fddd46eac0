import random
import signal

import numpy as np
import pytest
import torch
from cli_helpers import forbid_training, write_monthly_csv


@pytest.fixture(autouse=True)
def _fixed_seeds():
    """Every test starts from the same global random state."""
    random.seed(0)
    np.random.seed(0)  # noqa: NPY002 - the legacy global state is what code under test may use
    torch.manual_seed(0)
    yield


def pytest_configure(config):
    # Tiny test networks gain nothing from intra-op threads; pytest-xdist uses the cores.
    torch.set_num_threads(1)
    # The Ctrl-C tests send a real SIGINT, as a user's terminal does. A test run started in the
    # background (``cmd &`` in a script) inherits SIGINT ignored, and Python then installs no
    # KeyboardInterrupt handler: restore it, for this process and the programs it starts.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture
def monthly_csv(tmp_path):
    """``sales.csv`` of the command-line tests: 72 months of dates and sales."""
    return write_monthly_csv(tmp_path)


@pytest.fixture
def no_training(monkeypatch):
    """A command that reaches training fails the test (for checks that must come first)."""
    forbid_training(monkeypatch)
