"""In-kernel integrity guard used while grading (imported *inside* the notebook's kernel).

Grading runs student code and the tests in one Python process, so a notebook can replace the
functions the tests rely on (``np.allclose = lambda *a, **k: True``), rebind the names the test
cells use (``assert_close = print``), or install IPython hooks that rewrite the test cells before
they run. Before any student code runs, :func:`snapshot` records the objects that matter; before
and after every test cell, :func:`check` compares the live state with that record, puts the
originals back, and prints one report line that the grader parses.

This defends against tampering done by ordinary Python code in the notebook. It is not a sandbox:
code that goes looking for this module (``sys.modules``) can defeat it. The grader treats a missing
or duplicated report as tampering, which covers the crude ways of silencing the guard.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import types

# Modules whose public and private callables are pinned (those importable in the kernel).
WATCHED_MODULES = (
    "builtins",
    "numpy",
    "numpy.testing",
    "numpy.linalg",
    "numpy.random",
    "torch",
    "torch.testing",
    "torch.nn.functional",
    "helpers",
    "helpers.checks",
    "helpers.gradcheck",
)
# Python classes whose methods a notebook could patch (C types such as numpy.ndarray cannot be).
WATCHED_CLASSES = (("torch", "Tensor"),)
# Name prefixes of modules a test cell may bind names from (``import numpy as np``).
PINNABLE_PREFIXES = ("numpy", "torch", "helpers")

# Attributes that change legitimately while a kernel runs (ipykernel swaps ``input`` per request).
VOLATILE = {"builtins": {"input", "getpass", "_", "__", "___"}}

_state: dict = {}


# Packages that swap some of their own classes lazily: only their functions and submodules are pinned.
FUNCTIONS_ONLY = ("torch",)


def _module_items(mod) -> dict:
    out = {}
    skip = VOLATILE.get(mod.__name__, set())
    functions_only = mod.__name__.split(".")[0] in FUNCTIONS_ONLY
    for name, value in list(vars(mod).items()):
        if name in skip or (functions_only and isinstance(value, type)):
            continue
        if callable(value) or isinstance(value, types.ModuleType):
            out[name] = value
    return out


def _hooks(ip) -> dict:
    """The IPython state that can change what a cell runs or how its errors are reported."""
    if ip is None:
        return {}
    events = getattr(ip, "events", None)
    callbacks = getattr(events, "callbacks", {}) if events is not None else {}
    return {
        "input_transformers_cleanup": list(getattr(ip, "input_transformers_cleanup", [])),
        "input_transformers_post": list(getattr(ip, "input_transformers_post", [])),
        "ast_transformers": list(getattr(ip, "ast_transformers", [])),
        "custom_exceptions": tuple(getattr(ip, "custom_exceptions", ())),
        "events": {k: list(v) for k, v in callbacks.items()},
        "trace": sys.gettrace(),
        "profile": sys.getprofile(),
    }


def _restore_hooks(ip, saved: dict) -> None:
    if ip is None:
        return
    ip.input_transformers_cleanup[:] = saved["input_transformers_cleanup"]
    ip.input_transformers_post[:] = saved["input_transformers_post"]
    ip.ast_transformers[:] = saved["ast_transformers"]
    if tuple(ip.custom_exceptions) != saved["custom_exceptions"]:
        ip.set_custom_exc((), None)
    for k, v in saved["events"].items():
        ip.events.callbacks[k][:] = v
    sys.settrace(saved["trace"])
    sys.setprofile(saved["profile"])


def snapshot(ip, nonce: str, bindings=(), watch=None) -> None:
    """Record the trusted state.

    ``bindings``: ``(name, module, attr_or_None)`` to pin in the notebook namespace; ``watch``: the
    modules to pin (default :data:`WATCHED_MODULES`; the grader leaves out torch when the
    assignment's tests never use it, which saves importing it).
    """
    modules = {}
    for modname in (WATCHED_MODULES if watch is None else watch):
        try:
            mod = importlib.import_module(modname)
        except Exception:  # not installed or broken: nothing to pin
            continue
        modules[modname] = (mod, _module_items(mod))
    classes = {}
    for modname, clsname in WATCHED_CLASSES:
        if modname in modules:
            cls = getattr(modules[modname][0], clsname, None)
            if isinstance(cls, type):
                classes[f"{modname}.{clsname}"] = (cls, dict(vars(cls)))
    pinned = {}
    for name, modname, attr in bindings:
        if not modname.split(".")[0] in PINNABLE_PREFIXES:
            continue
        try:
            mod = importlib.import_module(modname)
            pinned[name] = mod if attr is None else getattr(mod, attr)
        except Exception:
            continue
    _state.clear()
    _state.update(
        nonce=nonce, modules=modules, classes=classes, pinned=pinned, hooks=_hooks(ip),
        sys_modules={name: sys.modules.get(name) for name in modules},
    )
    _report(ip, [])


def _library_wrapper(new, orig, modname: str) -> bool:
    """True if ``new`` wraps ``orig`` and is defined inside the library itself.

    Libraries wrap their own functions lazily (importing ``torch._dynamo`` replaces
    ``torch.manual_seed`` by a ``functools.wraps`` wrapper); such a wrapper is accepted. A wrapper
    written in the notebook lives in a cell's file, not in the library's folder.
    """
    top = sys.modules.get(modname.split(".")[0])
    folder = os.path.dirname(os.path.abspath(getattr(top, "__file__", "") or ""))
    if not folder or modname == "builtins":
        return False
    f, depth = new, 0
    try:
        while f is not None and f is not orig and depth < 8:
            f, depth = getattr(f, "__wrapped__", None), depth + 1
        code = getattr(new, "__code__", None)
        filename = os.path.abspath(code.co_filename) if code is not None else ""
    except Exception:
        return False
    return f is orig and filename.startswith(folder + os.sep)


def _check(ip) -> list[str]:
    found = []
    for modname, (mod, items) in _state["modules"].items():
        if sys.modules.get(modname) is not _state["sys_modules"][modname]:
            found.append(f"sys.modules[{modname!r}] was replaced")
            sys.modules[modname] = _state["sys_modules"][modname]
        live = vars(mod)
        for name, obj in list(items.items()):
            current = live.get(name, None)
            if current is not obj:
                if _library_wrapper(current, obj, modname):
                    items[name] = current  # the library wrapped its own function: the new normal
                    continue
                found.append(f"{modname}.{name} was replaced")
                setattr(mod, name, obj)
    for qualname, (cls, items) in _state["classes"].items():
        live = vars(cls)
        for name, obj in items.items():
            if name in ("__dict__", "__weakref__", "__doc__"):
                continue
            if live.get(name, None) is not obj:
                found.append(f"{qualname}.{name} was replaced")
                try:
                    setattr(cls, name, obj)
                except (TypeError, AttributeError):
                    pass
        for name in set(live) - set(items):
            found.append(f"{qualname}.{name} was added")
            try:
                delattr(cls, name)
            except (TypeError, AttributeError):
                pass
    if ip is not None:
        ns = ip.user_ns
        for name, obj in _state["pinned"].items():
            if name in ns and ns[name] is not obj:
                found.append(f"the notebook name `{name}` was rebound")
            ns[name] = obj
    saved = _state["hooks"]
    live_hooks = _hooks(ip)
    _accept_trusted_callbacks(saved, live_hooks)
    for key, value in saved.items():
        same = live_hooks.get(key) is value if key in ("trace", "profile") else live_hooks.get(key) == value
        if not same:
            found.append(f"interpreter hook `{key}` was changed")
    if found:
        _restore_hooks(ip, saved)
    return found


# Callbacks that the scientific stack itself registers (matplotlib's inline backend, on first import).
TRUSTED_CALLBACK_MODULES = ("matplotlib", "matplotlib_inline", "ipykernel", "IPython", "ipywidgets")


def _accept_trusted_callbacks(saved: dict, live: dict) -> None:
    for event, callbacks in live.get("events", {}).items():
        known = saved["events"].setdefault(event, [])
        for cb in callbacks:
            if cb in known:
                continue
            func = getattr(cb, "__func__", cb)
            module = getattr(func, "__module__", None) or ""
            if isinstance(func, types.FunctionType) and module.split(".")[0] in TRUSTED_CALLBACK_MODULES:
                known.append(cb)


def check(ip, nonce: str) -> None:
    """Compare with the snapshot, restore what changed, and print the report line."""
    if _state.get("nonce") != nonce:
        _report(ip, ["the grader's guard state was lost or replaced"], nonce=nonce)
        return
    try:
        found = _check(ip)
    except Exception as err:  # the guard must always report
        found = [f"guard check failed: {type(err).__name__}: {err}"]
    _report(ip, found)


def _report(ip, found, nonce=None) -> None:
    line = (nonce or _state["nonce"]) + json.dumps({"tampering": found})
    print(line, flush=True)
