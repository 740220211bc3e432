"""``python -m grading``: see :mod:`grading.cli`."""

import sys

from . import skip_slow_optional_imports

skip_slow_optional_imports()

from .cli import main  # noqa: E402

sys.exit(main())
