"""Settings for grading, read from the course's ``nbgrader_config.py``.

Folders, the gradebook URL and the per-cell timeout are nbgrader's own settings
(``c.CourseDirectory.*``, ``c.ExecutePreprocessor.timeout``), so nbgrader and this package always
agree. Settings only this package uses live in the same file under ``c.CourseGrading``:

    c.CourseGrading.submission_timeout = 900     # seconds for one whole submission
    c.CourseGrading.max_output_bytes = 1_000_000 # outputs kept per cell; the rest is dropped
    c.CourseGrading.workers = 0                  # parallel submissions; 0 = one per CPU core
    c.CourseGrading.probe_timeout = 10           # seconds a kernel may take to answer after a timeout
    c.CourseGrading.sandbox = "auto"             # "auto" | "required" | "off" (see grading.sandbox)
    c.CourseGrading.memory_limit = 4 * 2**30     # bytes per submission; 0 = no limit (so for the rest)
    c.CourseGrading.max_processes = 512          # processes and threads per submission (sandbox only)
    c.CourseGrading.max_file_bytes = 2**30       # size of any one file a submission writes
    c.CourseGrading.disk_limit = 2**30           # size of the sandbox's /work and of its /tmp
    c.CourseGrading.max_result_bytes = 64 * 2**20  # what a worker may send back
    c.CourseGrading.scheduler = "tcp://host:8786" # grade on this Dask cluster; "" = on this machine

The file is parsed rather than executed (see :func:`read_literal_config`). Command-line options
override the file.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, replace
from pathlib import Path

CONFIG_FILE = "nbgrader_config.py"


class ConfigError(Exception):
    """A setting is missing or wrong; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    root: Path
    source_dir: str = "source"
    release_dir: str = "release"
    submitted_dir: str = "submitted"
    autograded_dir: str = "autograded"
    feedback_dir: str = "feedback"
    db_url: str = "sqlite:///gradebook.db"
    cell_timeout: float = 120.0
    submission_timeout: float = 900.0
    max_output_bytes: int = 1_000_000
    workers: int = 0
    probe_timeout: float = 10.0
    report_dir: str = "reports"
    grades_csv: str = "grades.csv"
    sandbox: str = "auto"
    memory_limit: int = 4 << 30
    max_processes: int = 512
    max_file_bytes: int = 1 << 30
    disk_limit: int = 1 << 30
    max_result_bytes: int = 64 << 20
    scheduler: str = ""  # a Dask scheduler's address (grading.cluster); empty: grade on this machine

    def limits(self):
        from .sandbox import Limits

        return Limits(memory=self.memory_limit, processes=self.max_processes, file_bytes=self.max_file_bytes,
                      disk=self.disk_limit)

    def path(self, which: str) -> Path:
        return self.root / getattr(self, f"{which}_dir")

    def source_notebook(self, aid: str) -> Path:
        return self.path("source") / aid / f"{aid}.ipynb"

    def release_notebook(self, aid: str) -> Path:
        return self.path("release") / aid / f"{aid}.ipynb"

    def n_workers(self) -> int:
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)

    def assignments(self) -> list[str]:
        """Assignment ids that have a source notebook ``<source>/<id>/<id>.ipynb``."""
        src = self.path("source")
        if not src.is_dir():
            return []
        return sorted(p.name for p in src.iterdir() if (p / f"{p.name}.ipynb").is_file())

    def with_overrides(self, **kw) -> "Settings":
        return replace(self, **{k: v for k, v in kw.items() if v is not None})


def read_literal_config(path: Path) -> dict[str, dict]:
    """The ``c.<Section>.<key> = <literal>`` assignments of an nbgrader config file.

    The file is parsed, not executed: executing it imports nbgrader and nbconvert, which takes
    seconds, and every grading process reads it. Values that are not Python literals (computed
    expressions other than arithmetic on numbers, e.g. ``4 * 2**30``) are ignored; use the command-line options or ``COURSE_DB_URL`` for those.
    """
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, ValueError) as err:
        raise ConfigError(f"{path} could not be read: {type(err).__name__}: {err}") from None
    out: dict[str, dict] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Attribute)
                    and isinstance(target.value.value, ast.Name) and target.value.value.id == "c"):
                try:
                    value = _literal(node.value)
                except (ValueError, SyntaxError, TypeError, ZeroDivisionError, OverflowError):
                    continue
                out.setdefault(target.value.attr, {})[target.attr] = value
    return out


_ARITHMETIC = {ast.Mult: lambda a, b: a * b, ast.Pow: lambda a, b: a ** b, ast.Add: lambda a, b: a + b,
               ast.Sub: lambda a, b: a - b}


def _literal(node):
    """A Python literal, or arithmetic on numbers such as ``4 * 2**30`` (sizes read better so)."""
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        left, right = _literal(node.left), _literal(node.right)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right)):
            raise ValueError("arithmetic on numbers only")
        if isinstance(node.op, ast.Pow) and abs(right) > 64:
            raise ValueError("exponent too large")
        return _ARITHMETIC[type(node.op)](left, right)
    return ast.literal_eval(node)


def _absolute_db_url(url: str, root: Path) -> str:
    """Relative SQLite paths are relative to the course root, not to the current directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str((root / url[len(prefix):]).resolve())
    return url


def load_settings(root: str | os.PathLike | None = None, **overrides) -> Settings:
    """Settings of the course at ``root`` (default: the current directory)."""
    root = Path(root or os.getcwd()).resolve()
    values: dict = {}
    cfg_path = root / CONFIG_FILE
    if cfg_path.is_file():
        cfg = read_literal_config(cfg_path)
        cd = cfg.get("CourseDirectory", {})
        for key in ("source_directory", "release_directory", "submitted_directory",
                    "autograded_directory", "feedback_directory"):
            if key in cd:
                values[key.replace("_directory", "_dir")] = str(cd[key])
        if "db_url" in cd:
            values["db_url"] = str(cd["db_url"])
        if "root" in cd and str(cd["root"]) not in ("", "."):
            root = (root / str(cd["root"])).resolve()
        ep = cfg.get("ExecutePreprocessor", {})
        if "timeout" in ep and ep["timeout"] is not None:
            values["cell_timeout"] = float(ep["timeout"])
        cg = cfg.get("CourseGrading", {})
        for key, kind in (("submission_timeout", float), ("max_output_bytes", int), ("workers", int),
                          ("probe_timeout", float), ("report_dir", str), ("grades_csv", str), ("sandbox", str),
                          ("memory_limit", int), ("max_processes", int), ("max_file_bytes", int),
                          ("disk_limit", int), ("max_result_bytes", int), ("scheduler", str)):
            if key in cg:
                try:
                    values[key] = kind(cg[key])
                except (TypeError, ValueError) as err:
                    raise ConfigError(f"c.CourseGrading.{key} in {cfg_path} must be {kind.__name__}: {err}") from None
    env_db = os.environ.get("COURSE_DB_URL")
    if env_db:
        values["db_url"] = env_db
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = Settings(root=root, **values)
    for key in ("cell_timeout", "submission_timeout", "probe_timeout"):
        if getattr(settings, key) <= 0:
            raise ConfigError(f"{key} must be a positive number of seconds, got {getattr(settings, key)}")
    if settings.sandbox not in ("auto", "required", "off"):
        raise ConfigError(f"c.CourseGrading.sandbox must be 'auto', 'required' or 'off', got {settings.sandbox!r}")
    for key in ("memory_limit", "max_processes", "max_file_bytes", "disk_limit"):
        if getattr(settings, key) < 0:
            raise ConfigError(f"c.CourseGrading.{key} must be 0 (no limit) or positive, got {getattr(settings, key)}")
    if 0 < settings.memory_limit < 256 << 20:
        raise ConfigError(f"c.CourseGrading.memory_limit must be at least 256 MiB (a kernel needs it), got {settings.memory_limit}")
    if settings.max_result_bytes < 1 << 20:
        raise ConfigError(f"c.CourseGrading.max_result_bytes must be at least 1 MiB, got {settings.max_result_bytes}")
    if settings.scheduler and ":" not in settings.scheduler:
        raise ConfigError(f"c.CourseGrading.scheduler (--scheduler) must be a Dask scheduler's address such as "
                          f"tcp://host:8786, got {settings.scheduler!r}")
    if settings.max_output_bytes < 1000:
        raise ConfigError(f"max_output_bytes must be at least 1000, got {settings.max_output_bytes}")
    return replace(settings, db_url=_absolute_db_url(settings.db_url, root))
