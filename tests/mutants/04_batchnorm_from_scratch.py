"""Wrong and alternative answers for 04_batchnorm_from_scratch.

Each WRONG source redefines one exercise function with a typical mistake; the exercise's hidden
test cell must fail on it. Each CORRECT source is another valid implementation; both test cells
of the exercise must pass on it. Backward sources read the cache that the solution's forward pass
builds: a dict with "x_hat", "x_centered", "inv_std" and "gamma". The solution's batchnorm_forward
calls update_running_stats; the mutants of batchnorm_forward write the update out (or call it), so
each is judged on what it does to `state`.
"""

# --- update_running_stats ----------------------------------------------------------------------
_RUNNING = '''
def update_running_stats(state, x, momentum=0.1):
    n = x.shape[0]
    batch_mean = {MEAN}
    batch_var = {VAR}
    {UPDATE}
'''
_RUNNING_TORCH = ('state["running_mean"] = (1 - momentum) * state["running_mean"] + momentum * batch_mean\n'
                  '    state["running_var"] = (1 - momentum) * state["running_var"] + momentum * batch_var')
_RUNNING_KERAS = ('state["running_mean"] = momentum * state["running_mean"] + (1 - momentum) * batch_mean\n'
                  '    state["running_var"] = momentum * state["running_var"] + (1 - momentum) * batch_var')


def _running(**changes):
    parts = dict(MEAN="x.mean(axis=0)", VAR="x.var(axis=0, ddof=1)", UPDATE=_RUNNING_TORCH)
    parts.update(changes)
    return _RUNNING.format(**parts)


_RUNNING_WRONG = [
    ("the Keras momentum convention", _running(UPDATE=_RUNNING_KERAS)),
    ("biased batch variance (divides by N)", _running(VAR="x.var(axis=0)")),
    ("momentum hard-coded to 0.1", _running(UPDATE=_RUNNING_TORCH.replace("momentum", "0.1"))),
    ("the running values replaced by the batch statistics",
     _running(UPDATE='state["running_mean"] = batch_mean\n    state["running_var"] = batch_var')),
    ("updates a copy of the dict, not state", _running(UPDATE="state = dict(state)\n    " + _RUNNING_TORCH)),
    ("statistics over the feature axis (axis=1)", _running(MEAN="x.mean(axis=1)", VAR="x.var(axis=1, ddof=1)")),
    ("statistics kept as (1, D) with keepdims",
     _running(MEAN="x.mean(axis=0, keepdims=True)", VAR="x.var(axis=0, ddof=1, keepdims=True)")),
    ("statistics over all entries", _running(MEAN="x.mean()", VAR="x.var(ddof=1)")),
    ("Bessel's factor applied to the running average instead of the batch variance",
     _running(VAR="x.var(axis=0)",
              UPDATE='state["running_mean"] = (1 - momentum) * state["running_mean"] + momentum * batch_mean\n'
                     '    state["running_var"] = ((1 - momentum) * state["running_var"] + momentum * batch_var) * n / (n - 1)')),
    ("Bessel's factor N / (N + 1)", _running(VAR="x.var(axis=0) * n / (n + 1)")),
    ("subtracts the mean from x in place", '''
def update_running_stats(state, x, momentum=0.1):
    n = x.shape[0]
    batch_mean = x.mean(axis=0)
    x -= batch_mean
    batch_var = (x ** 2).sum(axis=0) / (n - 1)
    state["running_mean"] = (1 - momentum) * state["running_mean"] + momentum * batch_mean
    state["running_var"] = (1 - momentum) * state["running_var"] + momentum * batch_var
'''),
    ("momentum 0 replaced by the default (momentum or 0.1)", '''
def update_running_stats(state, x, momentum=0.1):
    momentum = momentum or 0.1
    state["running_mean"] = (1 - momentum) * state["running_mean"] + momentum * x.mean(axis=0)
    state["running_var"] = (1 - momentum) * state["running_var"] + momentum * x.var(axis=0, ddof=1)
'''),
]
_RUNNING_CORRECT = [
    ("in place, incremental form r += m * (s - r)", '''
def update_running_stats(state, x, momentum=0.1):
    state["running_mean"] += momentum * (np.mean(x, axis=0) - state["running_mean"])
    state["running_var"] += momentum * (np.var(x, axis=0, ddof=1) - state["running_var"])
'''),
    ("a loop over features, new arrays stored with state.update, returns state", '''
def update_running_stats(state, x, momentum=0.1):
    n, d = x.shape
    new_mean, new_var = np.zeros(d), np.zeros(d)
    for j in range(d):
        column = x[:, j]
        mu = column.sum() / n
        new_mean[j] = (1 - momentum) * state["running_mean"][j] + momentum * mu
        new_var[j] = (1 - momentum) * state["running_var"][j] + momentum * ((column - mu) ** 2).sum() / (n - 1)
    state.update(running_mean=new_mean, running_var=new_var)
    return state
'''),
    ("writing into the arrays with [...], two-pass variance", '''
def update_running_stats(state, x, momentum=0.1):
    n = len(x)
    mean = x.sum(axis=0) / n
    var = ((x - mean) ** 2).sum(axis=0) / (n - 1)
    state["running_mean"][...] = state["running_mean"] * (1 - momentum) + mean * momentum
    state["running_var"][...] = state["running_var"] * (1 - momentum) + var * momentum
'''),
]

# --- batchnorm_forward -------------------------------------------------------------------------
_FORWARD = '''
def batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.1, eps=1e-5):
    if training:
        n = x.shape[0]
        mean = x.mean(axis=0)
        var = {VAR}
        running_var_batch = {RUNNING_VAR_BATCH}
        {UPDATE}
    else:
        {EVAL}
    x_centered = x - mean
    x_hat = {X_HAT}
    out = {OUT}
    return out, {{"x_hat": x_hat, "x_centered": x_centered, "inv_std": 1.0 / np.sqrt(var + eps), "gamma": gamma}}
'''

_TORCH_UPDATE = ('state["running_mean"] = (1 - momentum) * state["running_mean"] + momentum * mean\n'
                 '        state["running_var"] = (1 - momentum) * state["running_var"] + momentum * running_var_batch')
_KERAS_UPDATE = ('state["running_mean"] = momentum * state["running_mean"] + (1 - momentum) * mean\n'
                 '        state["running_var"] = momentum * state["running_var"] + (1 - momentum) * running_var_batch')
_EVAL = 'mean, var = state["running_mean"], state["running_var"]'


def _forward(**changes):
    parts = dict(VAR="x.var(axis=0)", RUNNING_VAR_BATCH="x.var(axis=0, ddof=1)", UPDATE=_TORCH_UPDATE,
                 EVAL=_EVAL, X_HAT="x_centered / np.sqrt(var + eps)", OUT="gamma * x_hat + beta")
    parts.update(changes)
    return _FORWARD.format(**parts)


_FORWARD_WRONG = [
    ("unbiased variance in the normalization", _forward(VAR="x.var(axis=0, ddof=1)")),
    ("eps outside the square root", _forward(X_HAT="x_centered / (np.sqrt(var) + eps)")),
    ("eps ignored", _forward(X_HAT="x_centered / np.sqrt(var + 1e-5)")),
    ("the Keras momentum convention", _forward(UPDATE=_KERAS_UPDATE)),
    ("biased running_var", _forward(RUNNING_VAR_BATCH="x.var(axis=0)")),
    ("momentum hard-coded to 0.1", _forward(UPDATE=_TORCH_UPDATE.replace("momentum", "0.1"))),
    ("gamma and beta swapped", _forward(OUT="beta * x_hat + gamma")),
    ("gamma missing", _forward(OUT="x_hat + beta")),
    ("beta missing", _forward(OUT="gamma * x_hat")),
    ("eval mode uses the batch statistics", _forward(EVAL="mean, var = x.mean(axis=0), x.var(axis=0)")),
    ("eval mode updates the running statistics",
     _forward(EVAL='mean, var = state["running_mean"], state["running_var"]\n'
                   '        state["running_mean"] = 0.9 * state["running_mean"] + 0.1 * x.mean(axis=0)\n'
                   '        state["running_var"] = 0.9 * state["running_var"] + 0.1 * x.var(axis=0, ddof=1)')),
    ("eval mode updates the running statistics whenever the batch has more than one example",
     _forward(EVAL='mean, var = state["running_mean"], state["running_var"]\n'
                   '        if x.shape[0] > 1:\n'
                   '            update_running_stats(state, x, momentum)')),
    ("running statistics updated in a local dict, not in state",
     _forward(UPDATE='state = dict(state)\n        ' + _TORCH_UPDATE)),
    ("statistics over the feature axis (axis=1) instead of the batch axis", '''
def batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.1, eps=1e-5):
    if training:
        mean = x.mean(axis=1, keepdims=True)
        var = x.var(axis=1, keepdims=True)
        state["running_mean"] = 0.9 * state["running_mean"] + 0.1 * x.mean(axis=0)
        state["running_var"] = 0.9 * state["running_var"] + 0.1 * x.var(axis=0, ddof=1)
    else:
        mean, var = state["running_mean"], state["running_var"]
    x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma * x_hat + beta, {"x_hat": x_hat, "gamma": gamma}
'''),
    ("statistics over all entries (np.mean without axis)", '''
def batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.1, eps=1e-5):
    if training:
        mean, var = x.mean(), x.var()
        state["running_mean"] = (1 - momentum) * state["running_mean"] + momentum * mean
        state["running_var"] = (1 - momentum) * state["running_var"] + momentum * x.var(ddof=1)
    else:
        mean, var = state["running_mean"], state["running_var"]
    x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma * x_hat + beta, {"x_hat": x_hat, "gamma": gamma}
'''),
    ("running statistics not updated in training mode", _forward(UPDATE="pass")),
    ("running statistics updated twice (update_running_stats called, then the update written out again)",
     _forward(UPDATE="update_running_stats(state, x, momentum)\n        " + _TORCH_UPDATE)),
    ("update_running_stats called without the momentum argument", _forward(UPDATE="update_running_stats(state, x)")),
    ("training mode normalizes with the freshly updated running statistics", '''
def batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.1, eps=1e-5):
    if training:
        update_running_stats(state, x, momentum)
    mean, var = state["running_mean"], state["running_var"]
    x_centered = x - mean
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = x_centered * inv_std
    return gamma * x_hat + beta, {"x_hat": x_hat, "x_centered": x_centered, "inv_std": inv_std, "gamma": gamma}
'''),
    ("eval mode converts running_var back to a biased variance",
     _forward(EVAL='mean, var = state["running_mean"], state["running_var"] * 0.9')),
    ("subtracts the mean from x in place", '''
def batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.1, eps=1e-5):
    if training:
        n = x.shape[0]
        mean, var = x.mean(axis=0), x.var(axis=0)
        state["running_mean"] = (1 - momentum) * state["running_mean"] + momentum * mean
        state["running_var"] = (1 - momentum) * state["running_var"] + momentum * var * n / (n - 1)
    else:
        mean, var = state["running_mean"], state["running_var"]
    x -= mean
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = x * inv_std
    return gamma * x_hat + beta, {"x_hat": x_hat, "x_centered": x, "inv_std": inv_std, "gamma": gamma}
'''),
]

_FORWARD_CORRECT = [
    ("calls update_running_stats; cache None in eval mode", '''
def batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.1, eps=1e-5):
    if not training:
        x_hat = (x - state["running_mean"]) / np.sqrt(state["running_var"] + eps)
        return gamma * x_hat + beta, None
    mean, var = x.mean(axis=0), x.var(axis=0)
    update_running_stats(state, x, momentum=momentum)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, {"x_hat": x_hat, "x_centered": x - mean, "inv_std": inv_std, "gamma": gamma}
'''),
    ("staged with np.var(ddof=1), writing into the state arrays in place", '''
def batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.1, eps=1e-5):
    if training:
        mean = np.mean(x, axis=0)
        var = np.mean((x - mean) ** 2, axis=0)
        state["running_mean"][...] = (1 - momentum) * state["running_mean"] + momentum * mean
        state["running_var"] *= 1 - momentum
        state["running_var"] += momentum * np.var(x, axis=0, ddof=1)
    else:
        mean = state["running_mean"].copy()
        var = state["running_var"].copy()
    x_centered = x - mean
    std = np.sqrt(var + eps)
    x_hat = x_centered / std
    out = x_hat * gamma
    out = out + beta
    return out, {"x_hat": x_hat, "x_centered": x_centered, "inv_std": 1.0 / std, "gamma": gamma}
'''),
    ("variance as E[x^2] - E[x]^2, Bessel's factor applied by hand", '''
def batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.1, eps=1e-5):
    if training:
        n = len(x)
        mean = x.sum(axis=0) / n
        var = (x ** 2).sum(axis=0) / n - mean ** 2
        state["running_mean"] = state["running_mean"] * (1 - momentum) + mean * momentum
        state["running_var"] = state["running_var"] * (1 - momentum) + var * (n / (n - 1)) * momentum
    else:
        mean, var = state["running_mean"], state["running_var"]
    inv_std = (var + eps) ** -0.5
    x_hat = (x - mean) * inv_std
    return x_hat * gamma + beta, {"x_hat": x_hat, "x_centered": x - mean, "inv_std": inv_std, "gamma": gamma}
'''),
    ("a loop over features, storing new arrays with state.update", '''
def batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.1, eps=1e-5):
    n, d = x.shape
    out = np.empty_like(x, dtype=float)
    x_hat = np.empty_like(x, dtype=float)
    inv_std = np.empty(d)
    new_mean = np.array(state["running_mean"], dtype=float)
    new_var = np.array(state["running_var"], dtype=float)
    for j in range(d):
        column = x[:, j]
        if training:
            mu = column.sum() / n
            var = ((column - mu) ** 2).sum() / n
            new_mean[j] = new_mean[j] + momentum * (mu - new_mean[j])
            new_var[j] = new_var[j] + momentum * (var * n / (n - 1) - new_var[j])
        else:
            mu, var = state["running_mean"][j], state["running_var"][j]
        inv_std[j] = (var + eps) ** -0.5
        x_hat[:, j] = (column - mu) * inv_std[j]
        out[:, j] = gamma[j] * x_hat[:, j] + beta[j]
    if training:
        state.update(running_mean=new_mean, running_var=new_var)
    return out, {"x_hat": x_hat, "x_centered": x_hat / inv_std, "inv_std": inv_std, "gamma": gamma}
'''),
]

# --- identity_params ---------------------------------------------------------------------------
_IDENTITY_WRONG = [
    ("unbiased variance", '''
def identity_params(x, eps=1e-5):
    return np.sqrt(x.var(axis=0, ddof=1) + eps), x.mean(axis=0)
'''),
    ("eps forgotten", '''
def identity_params(x, eps=1e-5):
    return x.std(axis=0), x.mean(axis=0)
'''),
    ("variance instead of standard deviation", '''
def identity_params(x, eps=1e-5):
    return x.var(axis=0) + eps, x.mean(axis=0)
'''),
    ("gamma and beta swapped", '''
def identity_params(x, eps=1e-5):
    return x.mean(axis=0), np.sqrt(x.var(axis=0) + eps)
'''),
    ("statistics over the wrong axis", '''
def identity_params(x, eps=1e-5):
    return np.sqrt(x.var(axis=1) + eps), x.mean(axis=1)
'''),
]
_IDENTITY_CORRECT = [
    ("hand-written variance, in place on a copy", '''
def identity_params(x, eps=1e-5):
    x = np.array(x, dtype=float)
    mean = x.sum(axis=0) / x.shape[0]
    x -= mean
    return np.sqrt((x * x).mean(axis=0) + eps), mean
'''),
]

# --- torch_momentum_from_keras -----------------------------------------------------------------
_MOMENTUM_WRONG = [
    ("returns the Keras momentum unchanged", '''
def torch_momentum_from_keras(keras_momentum):
    return keras_momentum
'''),
    ("1 / momentum", '''
def torch_momentum_from_keras(keras_momentum):
    return 1.0 / np.asarray(keras_momentum, dtype=float)
'''),
    ("right for the defaults only", '''
def torch_momentum_from_keras(keras_momentum):
    return np.where(np.asarray(keras_momentum) > 0.95, 0.01, 0.1)
'''),
    ("a list for array input (a list comprehension)", '''
def torch_momentum_from_keras(keras_momentum):
    if np.ndim(keras_momentum) == 0:
        return 1.0 - keras_momentum
    return [1.0 - m for m in keras_momentum]
'''),
]
_MOMENTUM_CORRECT = [
    ("np.subtract on an array", '''
def torch_momentum_from_keras(keras_momentum):
    return np.subtract(1.0, np.asarray(keras_momentum, dtype=float))
'''),
]

# --- batchnorm_backward (reads the solution forward's cache) -----------------------------------
_BACKWARD_WRONG = [
    ("the mean path missing", '''
def batchnorm_backward(dout, cache):
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    n = dout.shape[0]
    dx_hat = dout * gamma
    dx = inv_std / n * (n * dx_hat - x_hat * (dx_hat * x_hat).sum(axis=0))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
'''),
    ("the variance path missing", '''
def batchnorm_backward(dout, cache):
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    dx_hat = dout * gamma
    dx = inv_std * (dx_hat - dx_hat.mean(axis=0))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
'''),
    ("only the direct path (dx = gamma * dout / std)", '''
def batchnorm_backward(dout, cache):
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    return dout * gamma * inv_std, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
'''),
    ("N - 1 in the variance path", '''
def batchnorm_backward(dout, cache):
    x_c, inv_std, gamma = cache["x_centered"], cache["inv_std"], cache["gamma"]
    n = dout.shape[0]
    dx_hat = dout * gamma
    dvar = (dx_hat * x_c).sum(axis=0) * -0.5 * inv_std ** 3
    dxc = dx_hat * inv_std + dvar * 2.0 * x_c / (n - 1)
    dx = dxc - dxc.mean(axis=0)
    return dx, (dout * cache["x_hat"]).sum(axis=0), dout.sum(axis=0)
'''),
    ("gamma forgotten in dx", '''
def batchnorm_backward(dout, cache):
    x_hat, inv_std = cache["x_hat"], cache["inv_std"]
    n = dout.shape[0]
    dx = inv_std / n * (n * dout - dout.sum(axis=0) - x_hat * (dout * x_hat).sum(axis=0))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
'''),
    ("dgamma with x instead of x_hat", '''
def batchnorm_backward(dout, cache):
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    n = dout.shape[0]
    dx_hat = dout * gamma
    dx = inv_std / n * (n * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    x = cache["x_centered"] + 1.0
    return dx, (dout * x).sum(axis=0), dout.sum(axis=0)
'''),
    ("eps missing from the backward's 1/std", '''
def batchnorm_backward(dout, cache):
    x_c, x_hat, gamma = cache["x_centered"], cache["x_hat"], cache["gamma"]
    n = dout.shape[0]
    inv_std = 1.0 / np.sqrt((x_c ** 2).mean(axis=0))
    dx_hat = dout * gamma
    dx = inv_std / n * (n * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
'''),
    ("dgamma and dbeta swapped", '''
def batchnorm_backward(dout, cache):
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    n = dout.shape[0]
    dx_hat = dout * gamma
    dx = inv_std / n * (n * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return dx, dout.sum(axis=0), (dout * x_hat).sum(axis=0)
'''),
]
_BACKWARD_CORRECT = [
    ("staged, node by node on the computation graph", '''
def batchnorm_backward(dout, cache):
    x_c, inv_std, gamma = cache["x_centered"], cache["inv_std"], cache["gamma"]
    n = dout.shape[0]
    x_hat = x_c * inv_std
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    d_inv_std = np.sum(dx_hat * x_c, axis=0)
    dxc = dx_hat * inv_std
    dvar = -0.5 * inv_std ** 3 * d_inv_std
    dxc = dxc + 2.0 * x_c * dvar / n
    dmean = -np.sum(dxc, axis=0)
    dx = dxc + dmean / n
    return dx, dgamma, dbeta
'''),
]

# --- spatial_batchnorm_forward -----------------------------------------------------------------
_SPATIAL_FORWARD_WRONG = [
    ("reshaping without moving the channels last", '''
def spatial_batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.1, eps=1e-5):
    n, c, h, w = x.shape
    out, cache = batchnorm_forward(x.reshape(-1, c), gamma, beta, state, training, momentum, eps)
    return out.reshape(n, c, h, w), cache
'''),
    ("channels moved last but moved back with the wrong permutation", '''
def spatial_batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.1, eps=1e-5):
    n, c, h, w = x.shape
    out, cache = batchnorm_forward(x.transpose(0, 2, 3, 1).reshape(-1, c), gamma, beta, state,
                                   training, momentum, eps)
    return out.reshape(n, c, h, w), cache
'''),
    ("per-(N) statistics: one mean and variance per example", '''
def spatial_batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.1, eps=1e-5):
    n, c, h, w = x.shape
    if training:
        mean = x.mean(axis=(1, 2, 3), keepdims=True)
        var = x.var(axis=(1, 2, 3), keepdims=True)
        m = n * h * w
        state["running_mean"] = (1 - momentum) * state["running_mean"] + momentum * x.mean(axis=(0, 2, 3))
        state["running_var"] = ((1 - momentum) * state["running_var"]
                                + momentum * x.var(axis=(0, 2, 3)) * m / (m - 1))
    else:
        mean = state["running_mean"].reshape(1, c, 1, 1)
        var = state["running_var"].reshape(1, c, 1, 1)
    x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma.reshape(1, c, 1, 1) * x_hat + beta.reshape(1, c, 1, 1), None
'''),
    ("per-(H, W) statistics: every position its own mean and variance over N", '''
def spatial_batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.1, eps=1e-5):
    n, c, h, w = x.shape
    if training:
        mean = x.mean(axis=0, keepdims=True)
        var = x.var(axis=0, keepdims=True)
        m = n * h * w
        state["running_mean"] = (1 - momentum) * state["running_mean"] + momentum * x.mean(axis=(0, 2, 3))
        state["running_var"] = ((1 - momentum) * state["running_var"]
                                + momentum * x.var(axis=(0, 2, 3)) * m / (m - 1))
    else:
        mean = state["running_mean"].reshape(1, c, 1, 1)
        var = state["running_var"].reshape(1, c, 1, 1)
    x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma.reshape(1, c, 1, 1) * x_hat + beta.reshape(1, c, 1, 1), None
'''),
    ("per-(N, C) statistics over (H, W) only (instance norm)", '''
def spatial_batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.1, eps=1e-5):
    n, c, h, w = x.shape
    if training:
        mean = x.mean(axis=(2, 3), keepdims=True)
        var = x.var(axis=(2, 3), keepdims=True)
        m = n * h * w
        state["running_mean"] = (1 - momentum) * state["running_mean"] + momentum * x.mean(axis=(0, 2, 3))
        state["running_var"] = ((1 - momentum) * state["running_var"]
                                + momentum * x.var(axis=(0, 2, 3)) * m / (m - 1))
    else:
        mean = state["running_mean"].reshape(1, c, 1, 1)
        var = state["running_var"].reshape(1, c, 1, 1)
    x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma.reshape(1, c, 1, 1) * x_hat + beta.reshape(1, c, 1, 1), None
'''),
    ("running_var unbiased with N - 1 instead of N*H*W - 1", '''
def spatial_batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.1, eps=1e-5):
    n, c, h, w = x.shape
    if training:
        mean = x.mean(axis=(0, 2, 3))
        var = x.var(axis=(0, 2, 3))
        state["running_mean"] = (1 - momentum) * state["running_mean"] + momentum * mean
        state["running_var"] = (1 - momentum) * state["running_var"] + momentum * var * n / max(n - 1, 1)
    else:
        mean, var = state["running_mean"], state["running_var"]
    x_hat = (x - mean.reshape(1, c, 1, 1)) / np.sqrt(var.reshape(1, c, 1, 1) + eps)
    return gamma.reshape(1, c, 1, 1) * x_hat + beta.reshape(1, c, 1, 1), None
'''),
]
_SPATIAL_FORWARD_WRONG.append(
    ("momentum not passed on to batchnorm_forward", '''
def spatial_batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.1, eps=1e-5):
    n, c, h, w = x.shape
    out, cache = batchnorm_forward(x.transpose(0, 2, 3, 1).reshape(-1, c), gamma, beta, state, training, eps=eps)
    return out.reshape(n, h, w, c).transpose(0, 3, 1, 2), cache
'''))
_SPATIAL_FORWARD_WRONG.append(
    ("eps not passed on to batchnorm_forward", '''
def spatial_batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.1, eps=1e-5):
    n, c, h, w = x.shape
    out, cache = batchnorm_forward(x.transpose(0, 2, 3, 1).reshape(-1, c), gamma, beta, state, training, momentum)
    return out.reshape(n, h, w, c).transpose(0, 3, 1, 2), cache
'''))
_SPATIAL_FORWARD_CORRECT = [
    ("direct per-channel computation over axes (0, 2, 3), no call to batchnorm_forward", '''
def spatial_batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.1, eps=1e-5):
    n, c, h, w = x.shape
    if training:
        mean = x.mean(axis=(0, 2, 3))
        var = x.var(axis=(0, 2, 3))
        m = n * h * w
        state["running_mean"] = (1 - momentum) * state["running_mean"] + momentum * mean
        state["running_var"] = (1 - momentum) * state["running_var"] + momentum * var * m / (m - 1)
    else:
        mean, var = state["running_mean"], state["running_var"]
    x_hat = (x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + eps)
    return gamma[None, :, None, None] * x_hat + beta[None, :, None, None], None
'''),
    ("np.moveaxis instead of transpose", '''
def spatial_batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.1, eps=1e-5):
    c = x.shape[1]
    moved = np.moveaxis(x, 1, -1)
    out, cache = batchnorm_forward(moved.reshape(-1, c), gamma, beta, state, training, momentum, eps)
    return np.moveaxis(out.reshape(moved.shape), -1, 1), cache
'''),
]

# --- spatial_batchnorm_backward (reads the solution's cache: batchnorm's, rows = positions) -----
_SPATIAL_BACKWARD_WRONG = [
    ("reshaping dout without moving the channels last", '''
def spatial_batchnorm_backward(dout, cache):
    n, c, h, w = dout.shape
    dx, dgamma, dbeta = batchnorm_backward(dout.reshape(-1, c), cache)
    return dx.reshape(n, c, h, w), dgamma, dbeta
'''),
    ("dx moved back with the wrong permutation", '''
def spatial_batchnorm_backward(dout, cache):
    n, c, h, w = dout.shape
    dx, dgamma, dbeta = batchnorm_backward(dout.transpose(0, 2, 3, 1).reshape(-1, c), cache)
    return dx.reshape(n, c, h, w), dgamma, dbeta
'''),
    ("the mean path missing", '''
def spatial_batchnorm_backward(dout, cache):
    n, c, h, w = dout.shape
    d = dout.transpose(0, 2, 3, 1).reshape(-1, c)
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    dx_hat = d * gamma
    dx = inv_std * (dx_hat - x_hat * (dx_hat * x_hat).mean(axis=0))
    return dx.reshape(n, h, w, c).transpose(0, 3, 1, 2), (d * x_hat).sum(axis=0), d.sum(axis=0)
'''),
    ("dgamma and dbeta summed over N only", '''
def spatial_batchnorm_backward(dout, cache):
    n, c, h, w = dout.shape
    dx, _, _ = batchnorm_backward(dout.transpose(0, 2, 3, 1).reshape(-1, c), cache)
    x_hat = cache["x_hat"].reshape(n, h, w, c).transpose(0, 3, 1, 2)
    return dx.reshape(n, h, w, c).transpose(0, 3, 1, 2), (dout * x_hat).sum(axis=0), dout.sum(axis=0)
'''),
    ("dout and dx moved with swapaxes(1, 3), a layout the forward did not use (H and W exchanged)", '''
def spatial_batchnorm_backward(dout, cache):
    n, c, h, w = dout.shape
    dx, dgamma, dbeta = batchnorm_backward(dout.swapaxes(1, 3).reshape(-1, c), cache)
    return dx.reshape(n, w, h, c).swapaxes(1, 3), dgamma, dbeta
'''),
]
_SPATIAL_BACKWARD_CORRECT = [
    ("direct per-channel formula over axes (0, 2, 3)", '''
def spatial_batchnorm_backward(dout, cache):
    n, c, h, w = dout.shape
    m = n * h * w
    x_hat = cache["x_hat"].reshape(n, h, w, c).transpose(0, 3, 1, 2)
    inv_std = cache["inv_std"].reshape(1, c, 1, 1)
    gamma = cache["gamma"].reshape(1, c, 1, 1)
    dbeta = dout.sum(axis=(0, 2, 3))
    dgamma = (dout * x_hat).sum(axis=(0, 2, 3))
    dx_hat = dout * gamma
    dx = inv_std / m * (m * dx_hat - dx_hat.sum(axis=(0, 2, 3), keepdims=True)
                        - x_hat * (dx_hat * x_hat).sum(axis=(0, 2, 3), keepdims=True))
    return dx, dgamma, dbeta
'''),
]

WRONG = {
    "update_running_stats": _RUNNING_WRONG,
    "batchnorm_forward": _FORWARD_WRONG,
    "identity_params": _IDENTITY_WRONG,
    "torch_momentum_from_keras": _MOMENTUM_WRONG,
    "batchnorm_backward": _BACKWARD_WRONG,
    "spatial_batchnorm_forward": _SPATIAL_FORWARD_WRONG,
    "spatial_batchnorm_backward": _SPATIAL_BACKWARD_WRONG,
}
CORRECT = {
    "update_running_stats": _RUNNING_CORRECT,
    "batchnorm_forward": _FORWARD_CORRECT,
    "identity_params": _IDENTITY_CORRECT,
    "torch_momentum_from_keras": _MOMENTUM_CORRECT,
    "batchnorm_backward": _BACKWARD_CORRECT,
    "spatial_batchnorm_forward": _SPATIAL_FORWARD_CORRECT,
    "spatial_batchnorm_backward": _SPATIAL_BACKWARD_CORRECT,
}
