"""JupyterLab in a real browser for tests/test_browser.py: a throwaway lab server, Debian's chromium
driven by Playwright, and screenshots of every step that are kept when a step fails.

``Lab`` runs ``jupyter lab`` on a free loopback port with a random token, a given root folder and
working folder (nbgrader's server extensions read ``nbgrader_config.py`` from the working folder),
and a private HOME and Jupyter/IPython folders, so nothing of the user's settings or workspaces
leaks in; it waits for ``/api/status``, and when stopped it ends the server and every process the
server started (kernels included).
``Steps`` takes a screenshot after each named step into a folder of its own; a step that raises
saves one more, with the server log, and the error names that folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
# Debian's chromium on a closed network: no sandbox (root), no GPU, nothing that phones home.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
SHOTS = ROOT / "tests" / "browser_screenshots"  # git-ignored; a folder per test, kept only when it fails
BIN = Path(sys.executable).parent
LAB_START_TIMEOUT = 60  # seconds until /api/status answers

# JupyterLab user settings for every test lab: no news or update checks (closed network, and their
# prompts would cover the page), and every cell in the DOM (no windowing), so selectors see all cells.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def sync_playwright_or_skip():
    """Playwright's sync API; skip without chromium or Playwright, fail instead under CI=true."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    missing = [what for what, ok in ((f"Debian package chromium ({CHROMIUM})", CHROMIUM.is_file()),
                                     ("Python package playwright", sync_playwright is not None)) if not ok]
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser tests; missing: {', '.join(missing)}")
        pytest.skip(f"browser tests need {', '.join(missing)}")
    return sync_playwright


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def private_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a lab or nbgrader command: this venv first on PATH, HOME and every
    Jupyter/IPython folder inside ``home`` (created), plus ``extra``."""
    dirs = {"HOME": home, "JUPYTER_CONFIG_DIR": home / ".jupyter", "JUPYTER_DATA_DIR": home / ".local/share/jupyter",
            "JUPYTER_RUNTIME_DIR": home / ".local/share/jupyter/runtime", "IPYTHONDIR": home / ".ipython",
            "MPLCONFIGDIR": home / ".config/matplotlib", "XDG_CACHE_HOME": home / ".cache"}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_", "IPYTHON"))}
    env.update({k: str(v) for k, v in dirs.items()})
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    """Run a command; raise with its output when it fails."""
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"`{' '.join(map(str, cmd))}` exited {proc.returncode} in {cwd}:\n"
                             f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


class Lab:
    """A JupyterLab server on loopback, its root ``root_dir``, started in ``cwd`` with the jupyter of
    ``bindir`` (default: this environment's)."""

    def __init__(self, root_dir: Path, cwd: Path, home: Path, log: Path, bindir: Path | None = None):
        self.root_dir, self.cwd, self.home, self.log_path = Path(root_dir), Path(cwd), Path(home), Path(log)
        self.bindir = Path(bindir) if bindir else BIN
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.proc: subprocess.Popen | None = None
        self.env = private_env(self.home)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "lab") -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}/{path.lstrip('/')}{sep}token={self.token}"

    def _write_settings(self):
        cfg = Path(self.env["JUPYTER_CONFIG_DIR"])
        (cfg / "jupyter_server_config.json").write_text(json.dumps({
            # window.jupyterapp lets the tests wait on the kernel's state instead of on how it is drawn
            "LabApp": {"news_url": None, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
                       "expose_app_in_browser": True}}))
        for name, values in LAB_SETTINGS.items():
            plugin, _, file = name.rpartition("/")
            path = cfg / "lab" / "user-settings" / plugin / file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))

    def start(self) -> "Lab":
        self._write_settings()
        cmd = [str(self.bindir / "jupyter"), "lab", "--no-browser", f"--port={self.port}", "--ServerApp.port_retries=0",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.token={self.token}", f"--ServerApp.root_dir={self.root_dir}"]
        if os.getuid() == 0:
            cmd.append("--allow-root")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("w")
        self.proc = subprocess.Popen(cmd, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        deadline = time.monotonic() + LAB_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"jupyter lab exited {self.proc.returncode} before answering:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base}/api/status?token={self.token}", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)  # polling a socket that is not open yet: no event to wait for
        raise AssertionError(f"jupyter lab did not answer /api/status within {LAB_START_TIMEOUT} s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.is_file() else "(no log)"

    def descendants(self) -> list[int]:
        """Process ids started by the server, however deep (kernels run in sessions of their own)."""
        found, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            for children in Path(f"/proc/{pid}/task").glob("*/children"):
                with contextlib.suppress(OSError):
                    kids = [int(k) for k in children.read_text().split()]
                    found += kids
                    todo += kids
        return found

    def stop(self):
        """Stop the server (it shuts its kernels down), then kill whatever it started that is left."""
        if self.proc is None or self.proc.poll() is not None:
            return
        started = self.descendants()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        for pid in started:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


class Steps:
    """Named steps of a browser test: a screenshot after each; on an error, a last screenshot and
    the server log are saved and the error says where. ``failed`` tells the fixture to keep them."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.page = None
        self.lab: Lab | None = None
        self.count = 0
        self.failed = False
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)

    def shot(self, name: str):
        if self.page is None or self.page.is_closed():
            return
        self.count += 1
        with contextlib.suppress(Exception):  # a screenshot of a crashed page must not hide the real error
            self.page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), timeout=10_000)

    @contextlib.contextmanager
    def step(self, name: str):
        try:
            yield
        except BaseException as exc:
            self.failed = True
            self.shot(f"FAILED-{name}")
            if self.lab is not None:
                (self.folder / "server.log").write_text(self.lab.log_tail(200_000))
            exc.add_note(f"browser step '{name}' failed; screenshots and server log: {self.folder}")
            raise
        self.shot(name)
