"""Numerical gradients by central differences, always in float64."""

from __future__ import annotations

import numpy as np


def numerical_gradient(f, x, dout=None, h: float = 1e-5) -> np.ndarray:
    """Gradient of ``sum(f(x) * dout)`` with respect to ``x`` by central differences.

    Parameters
    ----------
    f : callable
        Maps an array shaped like ``x`` to an array (or a scalar). Called ``2 * x.size`` times.
    x : array_like
        The point at which to differentiate. It is copied to float64; the caller's array is never
        modified.
    dout : array_like or None
        The upstream gradient, shaped like ``f(x)``. ``None`` means ``f`` returns a scalar and
        its plain derivative is wanted.
    h : float
        Step size. 1e-5 balances truncation error (~h**2) and round-off (~1e-16 / h) in float64.

    Returns
    -------
    ndarray of float64, shaped like ``x``.
    """
    x = np.array(x, dtype=np.float64, copy=True)
    dout_arr = None if dout is None else np.asarray(dout, dtype=np.float64)
    grad = np.zeros_like(x)
    flat_x = x.reshape(-1)
    flat_grad = grad.reshape(-1)
    for i in range(flat_x.size):
        saved = flat_x[i]
        flat_x[i] = saved + h
        plus = np.asarray(f(x), dtype=np.float64)
        flat_x[i] = saved - h
        minus = np.asarray(f(x), dtype=np.float64)
        flat_x[i] = saved
        if dout_arr is None:
            flat_grad[i] = (plus - minus).sum() / (2 * h)
        else:
            flat_grad[i] = ((plus - minus) * dout_arr).sum() / (2 * h)
    return grad
