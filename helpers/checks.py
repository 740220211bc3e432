"""Comparisons for test cells.

Every check raises ``AssertionError`` with a message that says *which function*, *which output*,
*expected vs got*, *where*, and *the tolerance*, so that a student knows what to fix. They accept
NumPy arrays, Python scalars and sequences, and PyTorch tensors (compared as float64 NumPy arrays).

The NumPy functions used below are bound when this module is imported (before any student code
runs), so a notebook that later replaces ``np.allclose`` or ``np.abs`` does not change the verdicts.
"""

from __future__ import annotations

import numpy as _np

_asarray = _np.asarray
_abs = _np.abs
_isfinite = _np.isfinite
_isnan = _np.isnan
_argmax = _np.argmax
_unravel_index = _np.unravel_index
_maximum = _np.maximum
_count_nonzero = _np.count_nonzero
_array_equal = _np.array_equal
_float64 = _np.float64
_ndarray = _np.ndarray


def _who(func: str | None, name: str) -> str:
    return f"{func}: output `{name}`" if func else f"`{name}`"


def _fmt(value) -> str:
    if isinstance(value, (float, _np.floating)):
        return f"{float(value):.6g}"
    return repr(value)


def _index(flat_position, shape) -> tuple:
    return tuple(int(i) for i in _unravel_index(flat_position, shape))


def _hint(hint: str | None) -> str:
    return f"\nHint: {hint}" if hint else ""


def _to_numpy(value, *, name: str, func: str | None) -> _ndarray:
    """Return ``value`` as a float64 array; tensors are detached and moved to the CPU."""
    if value is None:
        raise AssertionError(
            f"{_who(func, name)} is None. Did the function forget to `return` it?"
        )
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch.Tensor
        value = value.detach().cpu().numpy()
    try:
        arr = _asarray(value, dtype=_float64)
    except (TypeError, ValueError) as err:
        raise AssertionError(
            f"{_who(func, name)} should be numeric (an array or a number), "
            f"got {type(value).__name__}: {err}"
        ) from None
    return arr


def rel_error(x, y, eps: float = 1e-12) -> float:
    """Largest elementwise relative error ``|x - y| / max(|x| + |y|, eps)``.

    Symmetric in ``x`` and ``y``; 0 for identical inputs. For float64 code a correct result is
    typically below 1e-8; float32 round-off alone gives about 1e-7.
    """
    x = _to_numpy(x, name="x", func="rel_error")
    y = _to_numpy(y, name="y", func="rel_error")
    if x.shape != y.shape:
        raise ValueError(f"rel_error: shapes differ, {x.shape} vs {y.shape}")
    if x.size == 0:
        return 0.0
    return float((_abs(x - y) / _maximum(_abs(x) + _abs(y), eps)).max())


def assert_shape(got, expected_shape, *, name: str, func: str | None = None, hint: str | None = None):
    """Check that ``got`` has exactly ``expected_shape``."""
    arr = _to_numpy(got, name=name, func=func)
    expected_shape = tuple(int(s) for s in expected_shape)
    if arr.shape != expected_shape:
        raise AssertionError(
            f"{_who(func, name)} has shape {arr.shape}, expected {expected_shape}."
            + _hint(hint)
        )


def assert_close(
    got,
    expected,
    *,
    name: str,
    func: str | None = None,
    rtol: float = 1e-7,
    atol: float = 1e-9,
    hint: str | None = None,
):
    """Check ``|got - expected| <= atol + rtol * |expected|`` elementwise (NumPy's isclose rule).

    The message reports the shape first, then non-finite values, then how many entries are off,
    the worst one (index, expected, got) and the tolerance.
    """
    g = _to_numpy(got, name=name, func=func)
    e = _to_numpy(expected, name=f"expected {name}", func=None)
    if g.shape != e.shape:
        raise AssertionError(
            f"{_who(func, name)} has shape {g.shape}, expected {e.shape}." + _hint(hint)
        )
    bad_finite = ~_isfinite(g) & _isfinite(e)
    if bad_finite.any():
        idx = _index(_argmax(bad_finite), g.shape) if g.ndim else ()
        kind = "NaN" if _isnan(g[idx]) else "infinite"
        raise AssertionError(
            f"{_who(func, name)} has {_count_nonzero(bad_finite)} non-finite value(s); "
            f"the first is {kind} at index {idx} (expected {_fmt(e[idx])}). "
            f"Look for a division by zero or a square root of a negative number." + _hint(hint)
        )
    diff = _abs(g - e)
    limit = atol + rtol * _abs(e)
    wrong = ~(diff <= limit) & ~(~_isfinite(e) & (g == e))
    if wrong.any():
        excess = _np.where(wrong, diff - limit, -_np.inf)
        idx = _index(_argmax(excess), g.shape) if g.ndim else ()
        where = f" at index {idx}" if g.ndim else ""
        raise AssertionError(
            f"{_who(func, name)} is wrong in {_count_nonzero(wrong)} of {g.size} entries. "
            f"Worst{where}: expected {_fmt(e[idx])}, got {_fmt(g[idx])} "
            f"(|difference| {diff[idx]:.3g}; tolerance atol={atol:g} + rtol={rtol:g}*|expected|)."
            + _hint(hint)
        )


def assert_equal(got, expected, *, name: str, func: str | None = None, hint: str | None = None):
    """Exact equality, for integers, booleans, strings, tuples and integer arrays."""
    if isinstance(expected, (_ndarray, list)) or hasattr(got, "shape"):
        g = _asarray(got.detach().cpu().numpy() if hasattr(got, "detach") else got)
        e = _asarray(expected)
        ok = g.shape == e.shape and bool(_array_equal(g, e))
        if not ok:
            raise AssertionError(
                f"{_who(func, name)} is wrong: expected {e.tolist()!r}, got {g.tolist()!r}." + _hint(hint)
            )
        return
    if type(got) is not type(expected) and not (
        isinstance(got, (int, float, _np.integer, _np.floating, _np.bool_))
        and isinstance(expected, (int, float, bool))
    ):
        raise AssertionError(
            f"{_who(func, name)} should be of type {type(expected).__name__}, "
            f"got {type(got).__name__} ({got!r})." + _hint(hint)
        )
    if got != expected:
        raise AssertionError(
            f"{_who(func, name)} is wrong: expected {expected!r}, got {got!r}." + _hint(hint)
        )


def assert_true(condition, message: str):
    """Raise ``AssertionError(message)`` unless ``condition`` holds.

    For checks that are not a comparison of values; the message must say what to fix, with numbers.
    """
    if not bool(condition):
        raise AssertionError(message)


def gradient_error(analytic, numeric, floor: float = 0.1) -> float:
    """Largest relative error of ``analytic`` against ``numeric``, each entry's denominator
    ``|analytic| + |numeric|`` floored at ``floor`` times the largest ``|numeric|`` (see
    :func:`check_gradient`). 0 for identical inputs; NaN anywhere gives NaN."""
    n = _to_numpy(numeric, name="numeric", func="gradient_error")
    scale = float(_abs(n).max()) if n.size else 0.0
    return rel_error(analytic, n, eps=max(floor * scale, 1e-12))


def check_gradient(
    f,
    x,
    dout,
    analytic,
    *,
    name: str,
    func: str | None = None,
    h: float = 1e-5,
    tol: float = 1e-7,
    hint: str | None = None,
) -> float:
    """Compare an analytic gradient with central differences; return the max relative error.

    ``f`` maps the float64 array ``x`` to an array; the gradient checked is that of
    ``sum(f(x) * dout)`` with respect to ``x``. ``f`` is called many times and must not have side
    effects that change its result (copy any state it updates).

    The error of an entry is ``|analytic - numerical| / (|analytic| + |numerical|)``, except that
    the denominator is never smaller than a tenth of the largest ``|numerical|`` entry: central
    differences carry an absolute round-off of about 1e-16 / h times the function's scale, which
    is a large *relative* error in an entry that happens to be near zero (a correct BatchNorm
    backward on inputs ``5 * randn + 12`` exceeded 1e-7 in 36 of 300 random batches with the plain
    elementwise ratio, and stays below 1e-8 with the floor). A wrong gradient is off in the large
    entries too, where the ratio is unchanged. A correct float64 backward pass reaches errors
    around 1e-9 or below; the default tolerance 1e-7 leaves two orders of margin.
    """
    from .gradcheck import numerical_gradient

    analytic_arr = _to_numpy(analytic, name=name, func=func)
    x = _asarray(x)
    if analytic_arr.shape != x.shape:
        raise AssertionError(
            f"{_who(func, name)} has shape {analytic_arr.shape}, but the gradient must have the "
            f"shape of the input it belongs to, {x.shape}." + _hint(hint)
        )
    numeric = numerical_gradient(f, x, dout, h=h)
    err = gradient_error(analytic_arr, numeric)
    if not err <= tol:
        diff = _abs(analytic_arr - numeric)
        idx = _index(_argmax(diff), diff.shape) if diff.ndim else ()
        raise AssertionError(
            f"{_who(func, name)} does not match the numerical gradient: max relative error "
            f"{err:.3g} (tolerance {tol:g}). Largest difference at index {idx}: numerical "
            f"{_fmt(numeric[idx])}, yours {_fmt(analytic_arr[idx])}." + _hint(hint)
        )
    return err
