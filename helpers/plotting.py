"""Small plotting helpers shared by several notebooks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def _axes(ax, figsize=(6, 4)):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_histograms(arrays: Mapping[str, np.ndarray], *, bins: int = 50, title: str = "",
                    xlabel: str = "value", ax=None):
    """Overlay the histograms of several arrays (flattened), one label each; returns the axes."""
    ax = _axes(ax)
    for label, values in arrays.items():
        ax.hist(np.asarray(values).ravel(), bins=bins, alpha=0.5, density=True, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def plot_curves(curves: Mapping[str, Sequence[float]], *, xlabel: str = "epoch", ylabel: str = "",
                title: str = "", logy: bool = False, x=None, ax=None):
    """Plot several curves against a common x (default 1, 2, ...); returns the axes."""
    ax = _axes(ax)
    for label, values in curves.items():
        values = np.asarray(values, dtype=float)
        xs = np.arange(1, len(values) + 1) if x is None else np.asarray(x)
        ax.plot(xs, values, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax
