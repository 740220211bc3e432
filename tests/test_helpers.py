"""Unit tests for the helpers package shared by notebooks and tests."""

import numpy as np
import pytest

import helpers
from helpers import (
    assert_close,
    assert_equal,
    assert_shape,
    assert_true,
    check_gradient,
    numerical_gradient,
    rel_error,
    seed_everything,
)


def test_rel_error_is_zero_for_identical_and_symmetric():
    x = np.array([1.0, -2.0, 3.0])
    assert rel_error(x, x) == 0.0
    y = x + 1e-3
    assert rel_error(x, y) == pytest.approx(rel_error(y, x))
    assert rel_error([1.0], [3.0]) == pytest.approx(0.5)


def test_rel_error_rejects_shape_mismatch():
    with pytest.raises(ValueError, match="shapes differ"):
        rel_error(np.zeros(3), np.zeros(4))


def test_assert_close_passes_within_tolerance_and_reports_the_worst_entry():
    assert_close(np.ones(3) + 1e-12, np.ones(3), name="out")
    got = np.array([[1.0, 2.0], [3.0, 4.5]])
    with pytest.raises(AssertionError) as info:
        assert_close(got, np.array([[1.0, 2.0], [3.0, 4.0]]), name="out", func="f", hint="check the sign")
    msg = str(info.value)
    for part in ("f: output `out`", "1 of 4 entries", "(1, 1)", "expected 4", "got 4.5", "rtol=", "Hint: check the sign"):
        assert part in msg, f"missing {part!r} in {msg!r}"


def test_assert_close_reports_shape_none_and_nan():
    with pytest.raises(AssertionError, match=r"shape \(3,\), expected \(1, 3\)"):
        assert_close(np.zeros(3), np.zeros((1, 3)), name="out")
    with pytest.raises(AssertionError, match="is None"):
        assert_close(None, np.zeros(3), name="out", func="f")
    with pytest.raises(AssertionError, match="NaN at index"):
        assert_close(np.array([0.0, np.nan]), np.zeros(2), name="out")
    with pytest.raises(AssertionError, match="should be numeric"):
        assert_close("abc", np.zeros(1), name="out")


def test_assert_close_accepts_torch_tensors_and_scalars():
    torch = pytest.importorskip("torch")
    assert_close(torch.ones(2, requires_grad=True) * 2, [2.0, 2.0], name="t")
    assert_close(3.0, 3.0, name="s")
    with pytest.raises(AssertionError, match="expected 2, got 3"):
        assert_close(3.0, 2.0, name="s")


def test_assert_close_is_not_fooled_by_a_replaced_numpy():
    original = np.abs
    try:
        np.abs = lambda x: x * 0  # a tampered np.abs would make every difference vanish
        with pytest.raises(AssertionError):
            assert_close(np.array([1.0]), np.array([2.0]), name="out")
    finally:
        np.abs = original


def test_assert_shape_and_equal_and_true():
    assert_shape(np.zeros((2, 3)), (2, 3), name="x")
    with pytest.raises(AssertionError, match=r"shape \(2, 3\), expected \(3, 2\)"):
        assert_shape(np.zeros((2, 3)), (3, 2), name="x")
    assert_equal(3, 3, name="n")
    assert_equal(np.array([1, 2]), [1, 2], name="v")
    with pytest.raises(AssertionError, match="expected 3, got 4"):
        assert_equal(4, 3, name="n")
    with pytest.raises(AssertionError, match="should be of type str"):
        assert_equal(3, "3", name="n")
    with pytest.raises(AssertionError, match=r"expected \[1, 2\], got \[1, 3\]"):
        assert_equal(np.array([1, 3]), [1, 2], name="v")
    assert_true(True, "never shown")
    with pytest.raises(AssertionError, match="explain"):
        assert_true(False, "explain")


def test_numerical_gradient_matches_known_derivatives_and_leaves_input_alone():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    x_before = x.copy()
    dout = rng.standard_normal((3, 4))
    grad = numerical_gradient(np.sin, x, dout)
    assert np.abs(grad - np.cos(x) * dout).max() < 1e-9
    assert np.array_equal(x, x_before)
    # scalar function, no dout
    g = numerical_gradient(lambda v: (v ** 2).sum(), np.array([1.0, -3.0]))
    assert np.abs(g - np.array([2.0, -6.0])).max() < 1e-8


def test_numerical_gradient_works_in_float64_even_for_float32_input():
    x = np.array([0.5, 1.5], dtype=np.float32)
    g = numerical_gradient(lambda v: v ** 3, x, np.ones(2))
    assert g.dtype == np.float64
    assert np.abs(g - 3 * x.astype(np.float64) ** 2).max() < 1e-8


def test_check_gradient_accepts_correct_and_rejects_wrong_gradients():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(5)
    dout = rng.standard_normal(5)
    err = check_gradient(np.tanh, x, dout, (1 - np.tanh(x) ** 2) * dout, name="dx", func="tanh")
    assert err < 1e-8
    with pytest.raises(AssertionError, match="max relative error"):
        check_gradient(np.tanh, x, dout, dout, name="dx", func="tanh")
    with pytest.raises(AssertionError, match="shape of the input"):
        check_gradient(np.tanh, x, dout, dout[:3], name="dx", func="tanh")


def _batchnorm(x, eps=1e-5):
    x_hat = (x - x.mean(0)) / np.sqrt(x.var(0) + eps)
    return x_hat


def _batchnorm_backward(dout, x, eps=1e-5):
    n = x.shape[0]
    inv_std = 1 / np.sqrt(x.var(0) + eps)
    x_hat = (x - x.mean(0)) * inv_std
    return inv_std / n * (n * dout - dout.sum(0) - x_hat * (dout * x_hat).sum(0))


def test_check_gradient_ignores_round_off_in_near_zero_entries_but_not_real_errors():
    """A correct BN backward on large offsets: the plain elementwise ratio flags round-off in entries
    near zero; check_gradient's floored ratio does not, and still rejects real mistakes."""
    rng = np.random.default_rng(3)
    plain, floored = [], []
    for _ in range(40):
        x = 5 * rng.standard_normal((32, 8)) + 12
        dout = rng.standard_normal((32, 8))
        dx = _batchnorm_backward(dout, x)
        plain.append(rel_error(dx, numerical_gradient(_batchnorm, x, dout)))
        floored.append(check_gradient(_batchnorm, x, dout, dx, name="dx", func="batchnorm_backward"))
    assert max(plain) > 1e-7, f"the plain ratio never exceeded 1e-7 (worst {max(plain):.2e}): this test shows nothing"
    assert max(floored) < 2e-8, f"a correct backward reached {max(floored):.2e} with the floored ratio"
    x = 0.01 * rng.standard_normal((8, 4))
    dout = rng.standard_normal((8, 4))
    no_eps = _batchnorm_backward(dout, x, eps=0.0)
    with pytest.raises(AssertionError, match="max relative error"):
        check_gradient(_batchnorm, x, dout, no_eps, name="dx", func="batchnorm_backward")
    no_mean_path = (dout - (dout * _batchnorm(x)).mean(0) * _batchnorm(x)) / np.sqrt(x.var(0) + 1e-5)
    with pytest.raises(AssertionError, match="max relative error"):
        check_gradient(_batchnorm, x, dout, no_mean_path, name="dx", func="batchnorm_backward")


def test_seed_everything_is_deterministic():
    a = seed_everything(3).standard_normal(4)
    first_global = np.random.rand()
    b = seed_everything(3).standard_normal(4)
    assert np.array_equal(a, b)
    assert np.random.rand() == first_global
    torch = pytest.importorskip("torch")
    seed_everything(5)
    t1 = torch.randn(3)
    seed_everything(5)
    assert torch.equal(t1, torch.randn(3))


def test_seed_everything_leaves_torch_unimported_in_numpy_only_code():
    import subprocess
    import sys

    code = "import sys, helpers; helpers.seed_everything(1); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", f"seed_everything imported torch: {out.stdout!r} {out.stderr[-500:]!r}"


def test_plotting_helpers_draw_one_artist_per_series():
    import matplotlib

    matplotlib.use("Agg")
    from helpers.plotting import plot_curves, plot_histograms

    ax = plot_curves({"a": [3, 2, 1], "b": [1, 2, 3]}, ylabel="loss", logy=True)
    assert len(ax.get_lines()) == 2 and ax.get_yscale() == "log"
    ax = plot_histograms({"x": np.arange(10.0), "y": np.ones(5)}, bins=5)
    assert len(ax.get_legend().get_texts()) == 2


def test_helpers_exports_what_it_documents():
    for name in helpers.__all__:
        assert hasattr(helpers, name), name
