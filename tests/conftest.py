import random

import numpy as np
import pytest
import torch


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
