"""Run an assembled notebook in a fresh kernel: per-cell timeouts, capped outputs, the guard.

The outcome of a test cell is the kernel's execute reply (``ok`` or ``error``), never its printed
output. Around every test cell the guard (:mod:`grading.guard`) checks for tampering; a test during
which tampering happened does not count. A cell that loops forever is interrupted after the
per-cell timeout; if the kernel then stays busy, or dies, the remaining cells are not run.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from traitlets.config import Config

TIMEOUT_ENAME = "CellTimeoutError"


@dataclass
class CellOutcome:
    status: str  # ok | error | timeout | not_run
    ename: str = ""
    evalue: str = ""


@dataclass
class RunResult:
    outcomes: dict[int, CellOutcome] = field(default_factory=dict)
    voided: dict[int, str] = field(default_factory=dict)  # test cell index -> why it does not count
    tampering: list[str] = field(default_factory=list)
    kernel_died_at: int | None = None
    hung_at: int | None = None
    truncated_cells: list[int] = field(default_factory=list)
    guard_broken: bool = False


class _CappedClient(NotebookClient):
    """A NotebookClient that keeps at most ``max_output_bytes`` of output per cell."""

    max_output_bytes = 1_000_000

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self._used: dict[int, int] = {}
        self.truncated: set[int] = set()

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = len(content.get("text", "") or "")
        for value in (content.get("data") or {}).values():
            size += len(value) if isinstance(value, str) else len(json.dumps(value))
        size += sum(len(line) for line in content.get("traceback", []) or [])
        key = id(outs)
        used = self._used.get(key, 0)
        if used + size > self.max_output_bytes:
            if cell_index not in self.truncated:
                self.truncated.add(cell_index)
                outs.append(nbformat.v4.new_output(
                    "stream", name="stderr",
                    text=f"\n[grader: output beyond {self.max_output_bytes} bytes in this cell was dropped]\n"))
            self._used[key] = used + size
            return None
        self._used[key] = used + size
        return super().output(outs, msg, display_id, cell_index)


def _guard_source(code: str) -> str:
    # One expression, no names left in the notebook's namespace.
    return f"__import__('grading.guard', fromlist=['guard']).{code}"


def ipc_kernel_config(folder: Path) -> Config:
    """Kernel-manager settings for a kernel reached over Unix sockets in ``folder`` (IPC), not TCP."""
    return Config({"KernelManager": {"transport": "ipc", "ip": str(Path(folder) / "kernel")}})


def run(nb, workdir: Path, *, cell_timeout: float, probe_timeout: float, max_output_bytes: int,
        bindings=(), watch=None, skip=frozenset(), pid_file: Path | None = None,
        guard: bool = True) -> RunResult:
    """Execute ``nb`` (in place: outputs are written into its cells) and return what happened."""
    nonce = "@@grading-guard-" + secrets.token_hex(16) + "@@"
    result = RunResult()
    replies: dict[int, dict] = {}

    # The kernel talks to this process over Unix sockets in a private folder (IPC transport), not
    # over loopback TCP: no port another local user could connect to, and no warning from ipykernel
    # about unencrypted TCP in every run's output.
    ipc_dir = tempfile.mkdtemp(prefix="grading-ipc-")
    config = ipc_kernel_config(Path(ipc_dir))
    try:
        return _run(nb, workdir, config, nonce, result, replies, cell_timeout=cell_timeout,
                    probe_timeout=probe_timeout, max_output_bytes=max_output_bytes, bindings=bindings,
                    watch=watch, skip=skip, pid_file=pid_file, guard=guard)
    finally:
        shutil.rmtree(ipc_dir, ignore_errors=True)


def _run(nb, workdir, config, nonce, result, replies, *, cell_timeout, probe_timeout, max_output_bytes,
         bindings, watch, skip, pid_file, guard) -> RunResult:
    client = _CappedClient(
        nb, config=config, timeout=cell_timeout, interrupt_on_timeout=True, allow_errors=True,
        error_on_timeout={"ename": TIMEOUT_ENAME,
                          "evalue": f"the cell ran longer than the {cell_timeout:g} s limit and was interrupted",
                          "traceback": []},
        kernel_name="python3", resources={"metadata": {"path": str(workdir)}},
        record_timing=False, shutdown_kernel="immediate", iopub_timeout=10,
    )
    client.max_output_bytes = max_output_bytes
    client.on_cell_executed = lambda cell, cell_index, execute_reply: replies.__setitem__(id(cell), execute_reply)

    def execute(cell, index) -> CellOutcome:
        if index < 0:  # a cell of the grader's own: run it as a temporary last cell of the notebook
            nb.cells.append(cell)
            try:
                client.execute_cell(cell, len(nb.cells) - 1, store_history=False)
            finally:
                nb.cells.pop()
        else:
            client.execute_cell(cell, index)
        reply = (replies.pop(id(cell), None) or {}).get("content", {})
        if reply.get("status") == "ok":
            return CellOutcome("ok")
        ename = str(reply.get("ename", "Error"))
        evalue = str(reply.get("evalue", ""))
        return CellOutcome("timeout" if ename == TIMEOUT_ENAME else "error", ename, evalue)

    def run_guard(code: str) -> list[str] | None:
        """Run a guard call; its report, or None when the kernel stopped answering."""
        cell = nbformat.v4.new_code_cell(_guard_source(code))
        outcome = execute(cell, -1)
        if outcome.status == "timeout":
            return None
        reports = []
        for out in cell.outputs:
            if out.get("output_type") == "stream":
                for line in out.get("text", "").splitlines():
                    if line.startswith(nonce):
                        try:
                            reports.append(json.loads(line[len(nonce):])["tampering"])
                        except (ValueError, KeyError, TypeError):
                            reports.append(["the guard's report was garbled"])
        if len(reports) != 1 or outcome.status != "ok":
            result.guard_broken = True
            why = f"{outcome.ename}: {outcome.evalue}" if outcome.status != "ok" else f"{len(reports)} reports"
            return [f"the grader's integrity check could not run normally ({why})"]
        return reports[0]

    with client.setup_kernel():
        if pid_file is not None:
            try:
                pid = client.km.provisioner.pid
                Path(pid_file).write_text(str(pid))
            except Exception:
                pass
        stop_at = None
        current = -1
        try:
            if guard:
                client.timeout = max(cell_timeout, 120.0)  # importing the watched modules may be slow
                first = run_guard(f"snapshot(get_ipython(), {nonce!r}, {list(bindings)!r}, {watch!r})")
                client.timeout = cell_timeout
                if first is None or first:
                    raise RuntimeError(f"the grader's guard failed to start: {first}")
            last_test = None  # index of the previous code cell, if it was a test
            for index, cell in enumerate(nb.cells):
                if cell.get("cell_type") != "code" or not cell.get("source", "").strip():
                    continue
                role = cell.metadata.get("grading", {}).get("role")
                is_test = role == "test"
                if index in skip:
                    continue
                current = index
                if guard and (is_test or last_test is not None) and not result.guard_broken:
                    found = run_guard(f"check(get_ipython(), {nonce!r})")
                    if found is None:
                        result.hung_at = index
                        stop_at = index
                        break
                    if found:
                        result.tampering.extend(f for f in found if f not in result.tampering)
                        if last_test is not None:
                            result.voided[last_test] = "tampering was detected while this test ran: " + "; ".join(found)
                if result.guard_broken and is_test:
                    result.voided[index] = "the grader's integrity check was disabled by code in the notebook"
                outcome = execute(cell, index)
                result.outcomes[index] = outcome
                last_test = index if is_test else None
                if outcome.status == "timeout":
                    client.timeout = probe_timeout
                    probe = execute(nbformat.v4.new_code_cell("pass"), -1)
                    client.timeout = cell_timeout
                    if probe.status == "timeout":
                        result.hung_at = index
                        stop_at = index + 1
                        break
            else:
                if guard and last_test is not None and not result.guard_broken:
                    found = run_guard(f"check(get_ipython(), {nonce!r})")
                    if found:
                        result.tampering.extend(f for f in found if f not in result.tampering)
                        result.voided[last_test] = "tampering was detected while this test ran: " + "; ".join(found)
        except DeadKernelError:
            died = max(current, 0)
            result.kernel_died_at = died
            result.outcomes[died] = CellOutcome("error", "DeadKernelError", "the kernel died while running this cell")
            stop_at = died + 1
        if stop_at is not None:
            for index in range(stop_at, len(nb.cells)):
                if nb.cells[index].get("cell_type") == "code" and index not in result.outcomes:
                    result.outcomes[index] = CellOutcome("not_run")
    result.truncated_cells = sorted(i for i in client.truncated if i >= 0)
    return result
