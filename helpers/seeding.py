"""One call to make a notebook deterministic."""

from __future__ import annotations

import random

import numpy as np


def seed_everything(seed: int = 0) -> np.random.Generator:
    """Seed Python's ``random``, NumPy's global state and PyTorch (if installed).

    Returns a fresh ``np.random.Generator`` seeded with ``seed``: pass it around instead of using
    the global NumPy state. PyTorch is also limited to deterministic algorithms where it can warn.
    """
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:  # the NumPy-only notebooks do not need torch
        pass
    else:
        torch.manual_seed(seed)
        torch.use_deterministic_algorithms(True, warn_only=True)
    return np.random.default_rng(seed)
