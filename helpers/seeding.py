"""One call to make a notebook deterministic."""

from __future__ import annotations

import random
import sys

import numpy as np


def seed_everything(seed: int = 0) -> np.random.Generator:
    """Seed Python's ``random``, NumPy's global state and PyTorch (if the caller imported it).

    Returns a fresh ``np.random.Generator`` seeded with ``seed``: pass it around instead of using
    the global NumPy state. PyTorch is seeded and limited to deterministic algorithms (warning
    where it cannot be) only when it is already imported, so import torch *before* calling this;
    NumPy-only notebooks then do not pay the seconds that importing torch costs.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)
        torch.use_deterministic_algorithms(True, warn_only=True)
    return np.random.default_rng(seed)
