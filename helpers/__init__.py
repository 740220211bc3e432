"""Shared code for the course notebooks and their tests.

Everything a notebook and a test cell have in common lives here and is imported, never pasted:

* :mod:`helpers.checks`     -- comparisons that raise an ``AssertionError`` a student can act on;
* :mod:`helpers.gradcheck`  -- numerical gradients by central differences (float64);
* :mod:`helpers.seeding`    -- one call to seed Python, NumPy and PyTorch;
* :mod:`helpers.plotting`   -- small plotting helpers used by several notebooks.

This package holds no exercise solutions: it is shipped to students as it is.
"""

from .checks import (
    assert_close,
    assert_equal,
    assert_shape,
    assert_true,
    check_gradient,
    rel_error,
)
from .gradcheck import numerical_gradient
from .seeding import seed_everything

__all__ = [
    "assert_close",
    "assert_equal",
    "assert_shape",
    "assert_true",
    "check_gradient",
    "numerical_gradient",
    "rel_error",
    "seed_everything",
]
