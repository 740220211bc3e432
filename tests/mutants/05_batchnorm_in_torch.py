"""Wrong and alternative answers for 05_batchnorm_in_torch."""

# A correct ScratchBatchNorm2d; most wrong answers below change one thing in it.
_BN = '''
class ScratchBatchNorm2d(torch.nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        if affine:
            self.weight = torch.nn.Parameter(torch.ones(num_features))
            self.bias = torch.nn.Parameter(torch.zeros(num_features))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def forward(self, x):
        if self.training:
            mean = x.mean(dim=(0, 2, 3))
            var = ((x - mean.view(1, -1, 1, 1)) ** 2).mean(dim=(0, 2, 3))
            n = x.numel() // x.shape[1]
            with torch.no_grad():
                self.num_batches_tracked += 1
                if self.momentum is None:
                    factor = 1.0 / float(self.num_batches_tracked)
                else:
                    factor = self.momentum
                self.running_mean.mul_(1 - factor).add_(factor * mean)
                self.running_var.mul_(1 - factor).add_(factor * var * n / (n - 1))
        else:
            mean, var = self.running_mean, self.running_var
        x_hat = (x - mean.view(1, -1, 1, 1)) / torch.sqrt(var.view(1, -1, 1, 1) + self.eps)
        if self.affine:
            return x_hat * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)
        return x_hat
'''


def _bn(*replacements):
    """The correct class with each (old, new) text replaced; every old text must occur."""
    source = _BN
    for old, new in replacements:
        if old not in source:
            raise ValueError(f"mutant replacement not found: {old!r}")
        source = source.replace(old, new)
    return source


_UPDATE_MEAN = "self.running_mean.mul_(1 - factor).add_(factor * mean)"
_UPDATE_VAR = "self.running_var.mul_(1 - factor).add_(factor * var * n / (n - 1))"
_CUMULATIVE = "factor = 1.0 / float(self.num_batches_tracked)"
_EVAL_STATS = "mean, var = self.running_mean, self.running_var"

# A correct running_stats_mismatch; most wrong answers below change one thing in it.
_RSM = '''
def running_stats_mismatch(model, X):
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    inputs = {}

    def remember(module, args):
        inputs[module] = args[0].detach()

    handles = [m.register_forward_pre_hook(remember) for m in norms]
    flags = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with torch.no_grad():
            model(X)
    finally:
        for handle in handles:
            handle.remove()
        for m, flag in flags:
            m.training = flag
    result = []
    for m in norms:
        z = inputs[m]
        shape = (1, -1) + (1,) * (z.dim() - 2)
        dims = [0] + list(range(2, z.dim()))
        z_hat = (z - m.running_mean.view(shape)) / torch.sqrt(m.running_var.view(shape) + m.eps)
        shift = z_hat.mean(dim=dims)
        scale = z_hat.var(dim=dims, correction=0).sqrt()
        result.append((shift, scale))
    return result
'''


def _rsm(*replacements):
    """The correct running_stats_mismatch with each (old, new) text replaced; every old text must occur."""
    source = _RSM
    for old, new in replacements:
        if old not in source:
            raise ValueError(f"mutant replacement not found: {old!r}")
        source = source.replace(old, new)
    return source


_Z_HAT = "z_hat = (z - m.running_mean.view(shape)) / torch.sqrt(m.running_var.view(shape) + m.eps)"
_RSM_WRONG = [
    ("model.eval() forgotten: the model runs in its own mode (buffers updated)", _rsm(("    model.eval()\n", ""))),
    ("only the batch norms switched to eval mode: Dropout stays active", _rsm(
        ("    model.eval()\n", "    for m in norms:\n        m.eval()\n"))),
    ("eval mode left on afterwards (flags not restored)", _rsm(
        ("        for m, flag in flags:\n            m.training = flag\n", ""))),
    ("only the top-level flag restored: model.train(was_training)", _rsm(
        ("        for m, flag in flags:\n            m.training = flag\n", "        model.train(flags[0][1])\n"))),
    ("hooks never removed", _rsm(("        for handle in handles:\n            handle.remove()\n", ""))),
    ("the output hooked as z_hat, weight and bias included", _rsm(
        ("    def remember(module, args):\n        inputs[module] = args[0].detach()\n",
         "    def remember(module, args, output):\n        inputs[module] = output.detach()\n"),
        ("m.register_forward_pre_hook(remember)", "m.register_forward_hook(remember)"),
        (_Z_HAT, "z_hat = z"))),
    ("shift with the opposite sign (running_mean minus the data's mean)", _rsm(
        ("z_hat = (z - m.running_mean.view(shape))", "z_hat = (2 * m.running_mean.view(shape) - z)"))),
    ("eps left out", _rsm(("torch.sqrt(m.running_var.view(shape) + m.eps)", "torch.sqrt(m.running_var.view(shape))"))),
    ("eps fixed at 1e-5 instead of the layer's", _rsm(("+ m.eps)", "+ 1e-5)"))),
    ("unbiased standard deviation for the scale", _rsm(("correction=0", "correction=1"))),
    ("scale inverted: sqrt(running_var + eps) / std of z", _rsm(
        ("scale = z_hat.var(dim=dims, correction=0).sqrt()",
         "scale = torch.sqrt(m.running_var + m.eps) / z.var(dim=dims, correction=0).sqrt()"))),
    ("shift divided by the data's standard deviation instead of sqrt(running_var + eps)", _rsm(
        ("shift = z_hat.mean(dim=dims)",
         "shift = (z.mean(dim=dims) - m.running_mean) / z.var(dim=dims, correction=0).sqrt()"))),
    ("only nn.BatchNorm1d layers measured", _rsm(
        ("isinstance(m, nn.modules.batchnorm._BatchNorm)", "isinstance(m, nn.BatchNorm1d)"))),
    ("only the direct children searched (model.children())", _rsm(
        ("norms = [m for m in model.modules()", "norms = [m for m in model.children()"))),
    ("hooks on the model's layers, the forward pass run on a deep copy (never fires them)", _rsm(
        ("        with torch.no_grad():\n            model(X)\n",
         "        with torch.no_grad():\n            copy.deepcopy(model)(X)\n"))),
    ("statistics over the batch dimension only", _rsm(("dims = [0] + list(range(2, z.dim()))", "dims = [0]"))),
    ("no torch.no_grad and no detach: the results carry a graph", _rsm(
        ("inputs[module] = args[0].detach()", "inputs[module] = args[0]"),
        ("        with torch.no_grad():\n            model(X)\n", "        model(X)\n"))),
]
_RSM_CORRECT = [
    ("a deep copy in eval mode, forward hooks reading the input, torch.var_mean", '''
def running_stats_mismatch(model, X):
    frozen = copy.deepcopy(model).eval()
    seen = []
    hooks = [m.register_forward_hook(lambda mod, args, out: seen.append((mod, args[0])))
             for m in frozen.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]
    with torch.no_grad():
        frozen(X)
        result = []
        for mod, z in seen:
            C = z.shape[1]
            flat = z.transpose(0, 1).reshape(C, -1)
            z_hat = (flat - mod.running_mean[:, None]) * torch.rsqrt(mod.running_var[:, None] + mod.eps)
            var, mean = torch.var_mean(z_hat, dim=1, correction=0)
            result.append((mean, var.sqrt()))
    for h in hooks:
        h.remove()
    return result
'''),
    ("predict reused, hooks removed in a loop, statistics from moments of z", '''
def running_stats_mismatch(model, X):
    norms = [m for m in model.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]
    captured = {}
    handles = []
    for m in norms:
        handles.append(m.register_forward_pre_hook(lambda mod, args: captured.update({mod: args[0]})))
    try:
        predict(model, X)
    finally:
        while handles:
            handles.pop().remove()
    out = []
    for m in norms:
        z = captured[m]
        dims = tuple(d for d in range(z.dim()) if d != 1)
        mean = z.mean(dim=dims)
        std = (z - mean.view([1, -1] + [1] * (z.dim() - 2))).pow(2).mean(dim=dims).sqrt()
        denominator = torch.sqrt(m.running_var + m.eps)
        out.append(((mean - m.running_mean) / denominator, std / denominator))
    return out
'''),
]

WRONG = {
    "channel_stats": [
        ("torch.var's default (unbiased) as the biased variance", '''
def channel_stats(x):
    mean = x.mean(dim=(0, 2, 3))
    var = x.var(dim=(0, 2, 3))
    return mean, var, var
'''),
        ("statistics per sample over (H, W), as instance norm", '''
def channel_stats(x):
    mean = x.mean(dim=(2, 3))
    var = x.var(dim=(2, 3), unbiased=False)
    return mean, var, x.var(dim=(2, 3))
'''),
        ("statistics over the batch dimension only", '''
def channel_stats(x):
    mean = x.mean(dim=0)
    return mean, x.var(dim=0, unbiased=False), x.var(dim=0)
'''),
        ("unbiased correction with the batch size N instead of N*H*W", '''
def channel_stats(x):
    mean = x.mean(dim=(0, 2, 3))
    var = x.var(dim=(0, 2, 3), unbiased=False)
    N = x.shape[0]
    return mean, var, var * N / (N - 1)
'''),
        ("biased and unbiased swapped", '''
def channel_stats(x):
    mean = x.mean(dim=(0, 2, 3))
    return mean, x.var(dim=(0, 2, 3)), x.var(dim=(0, 2, 3), unbiased=False)
'''),
        ("standard deviations instead of variances", '''
def channel_stats(x):
    mean = x.mean(dim=(0, 2, 3))
    return mean, x.std(dim=(0, 2, 3), unbiased=False), x.std(dim=(0, 2, 3))
'''),
        ("float32 results for a float64 input", '''
def channel_stats(x):
    x = x.float()
    mean = x.mean(dim=(0, 2, 3))
    return mean, x.var(dim=(0, 2, 3), unbiased=False), x.var(dim=(0, 2, 3))
'''),
    ],
    "running_average": [
        ("Keras convention: momentum weighs the old value", '''
def running_average(batch_values, momentum=0.1, initial=0.0):
    running = torch.zeros(batch_values.shape[1], dtype=batch_values.dtype) + initial
    for t, value in enumerate(batch_values, start=1):
        factor = 1.0 / t if momentum is None else momentum
        running = factor * running + (1 - factor) * value
    return running
'''),
        ("momentum=None treated as 0.1", '''
def running_average(batch_values, momentum=0.1, initial=0.0):
    momentum = 0.1 if momentum is None else momentum
    running = torch.zeros(batch_values.shape[1], dtype=batch_values.dtype) + initial
    for value in batch_values:
        running = (1 - momentum) * running + momentum * value
    return running
'''),
        ("momentum=None ignored: no update", '''
def running_average(batch_values, momentum=0.1, initial=0.0):
    running = torch.zeros(batch_values.shape[1], dtype=batch_values.dtype) + initial
    if momentum is None:
        return running
    for value in batch_values:
        running = (1 - momentum) * running + momentum * value
    return running
'''),
        ("momentum=None averages the initial value in as well", '''
def running_average(batch_values, momentum=0.1, initial=0.0):
    running = torch.zeros(batch_values.shape[1], dtype=batch_values.dtype) + initial
    if momentum is None:
        return (running + batch_values.sum(dim=0)) / (batch_values.shape[0] + 1)
    for value in batch_values:
        running = (1 - momentum) * running + momentum * value
    return running
'''),
        ("closed form with exponents one too large", '''
def running_average(batch_values, momentum=0.1, initial=0.0):
    k = batch_values.shape[0]
    if momentum is None:
        return batch_values.mean(dim=0)
    steps = torch.arange(1, k + 1, dtype=batch_values.dtype)
    weights = momentum * (1 - momentum) ** (k - steps + 1)
    return (1 - momentum) ** k * torch.as_tensor(initial, dtype=batch_values.dtype) + (weights[:, None] * batch_values).sum(dim=0)
'''),
        ("initial value ignored (taken as 0)", '''
def running_average(batch_values, momentum=0.1, initial=0.0):
    running = torch.zeros(batch_values.shape[1], dtype=batch_values.dtype)
    for t, value in enumerate(batch_values, start=1):
        factor = 1.0 / t if momentum is None else momentum
        running = (1 - factor) * running + factor * value
    return running
'''),
        ("momentum=0.0 treated as None (factor = momentum or 1 / t)", '''
def running_average(batch_values, momentum=0.1, initial=0.0):
    running = torch.zeros(batch_values.shape[1], dtype=batch_values.dtype) + initial
    for t, value in enumerate(batch_values, start=1):
        factor = momentum or 1.0 / t
        running = (1 - factor) * running + factor * value
    return running
'''),
    ],
    "ScratchBatchNorm2d": [
        ("batch statistics computed under torch.no_grad(): no gradient through them", _bn(
            ("            mean = x.mean(dim=(0, 2, 3))\n            var = ((x - mean.view(1, -1, 1, 1)) ** 2).mean(dim=(0, 2, 3))\n",
             "            with torch.no_grad():\n                mean = x.mean(dim=(0, 2, 3))\n"
             "                var = ((x - mean.view(1, -1, 1, 1)) ** 2).mean(dim=(0, 2, 3))\n"))),
        ("affine=False: weight and bias (None) applied anyway", _bn(
            ("        if self.affine:\n            return x_hat", "        if True:\n            return x_hat"))),
        ("biased batch variance stored in running_var", _bn((_UPDATE_VAR, "self.running_var.mul_(1 - factor).add_(factor * var)"))),
        ("one-pass variance E[x^2] - E[x]^2: float32 cancellation", _bn(
            ("var = ((x - mean.view(1, -1, 1, 1)) ** 2).mean(dim=(0, 2, 3))",
             "var = (x ** 2).mean(dim=(0, 2, 3)) - mean ** 2"))),
        ("Keras momentum convention", _bn(
            (_UPDATE_MEAN, "self.running_mean.mul_(factor).add_((1 - factor) * mean)"),
            (_UPDATE_VAR, "self.running_var.mul_(factor).add_((1 - factor) * var * n / (n - 1))"))),
        ("momentum=None treated as 0.1", _bn((_CUMULATIVE, "factor = 0.1"))),
        ("momentum=None ignored: running statistics never updated", _bn((_CUMULATIVE, "factor = 0.0"))),
        ("momentum=None factor 1 / (t + 1)", _bn((_CUMULATIVE, "factor = 1.0 / (float(self.num_batches_tracked) + 1)"))),
        ("momentum=0.0 taken for None (if self.momentum: ...)", _bn(
            ("if self.momentum is None:", "if not self.momentum:"))),
        ("num_batches_tracked not incremented (momentum given)", _bn(
            ("                self.num_batches_tracked += 1\n", ""),
            (_CUMULATIVE, "factor = 1.0 / (float(self.num_batches_tracked) + 1)"))),
        ("num_batches_tracked a Python int, not a buffer", _bn(
            ('self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))',
             "self.num_batches_tracked = 0"))),
        ("num_batches_tracked a float buffer", _bn(
            ("torch.tensor(0, dtype=torch.long)", "torch.tensor(0.0)"))),
        ("num_batches_tracked also counts eval-mode calls", _bn(
            ("                self.num_batches_tracked += 1\n", ""),
            ("        if self.training:\n", "        self.num_batches_tracked += 1\n        if self.training:\n"))),
        ("eval mode normalizes with the batch statistics", _bn(
            (_EVAL_STATS, "mean = x.mean(dim=(0, 2, 3)); var = x.var(dim=(0, 2, 3), unbiased=False)"))),
        ("eval mode still updates the running statistics", '''
class ScratchBatchNorm2d(torch.nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True):
        super().__init__()
        self.num_features, self.eps, self.momentum, self.affine = num_features, eps, momentum, affine
        if affine:
            self.weight = torch.nn.Parameter(torch.ones(num_features))
            self.bias = torch.nn.Parameter(torch.zeros(num_features))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def forward(self, x):
        mean = x.mean(dim=(0, 2, 3))
        var = x.var(dim=(0, 2, 3), unbiased=False)
        n = x.numel() // x.shape[1]
        if not self.training:
            use_mean, use_var = self.running_mean.clone(), self.running_var.clone()
        else:
            use_mean, use_var = mean, var
        with torch.no_grad():
            if self.training:
                self.num_batches_tracked += 1
            factor = self.momentum if self.momentum is not None else 1.0 / max(int(self.num_batches_tracked), 1)
            self.running_mean.mul_(1 - factor).add_(factor * mean)
            self.running_var.mul_(1 - factor).add_(factor * var * n / (n - 1))
        x_hat = (x - use_mean.view(1, -1, 1, 1)) / torch.sqrt(use_var.view(1, -1, 1, 1) + self.eps)
        if self.affine:
            return x_hat * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)
        return x_hat
'''),
        ("statistics per sample over (H, W), as instance norm", '''
class ScratchBatchNorm2d(torch.nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True):
        super().__init__()
        self.num_features, self.eps, self.momentum, self.affine = num_features, eps, momentum, affine
        if affine:
            self.weight = torch.nn.Parameter(torch.ones(num_features))
            self.bias = torch.nn.Parameter(torch.zeros(num_features))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def forward(self, x):
        if self.training:
            mean = x.mean(dim=(2, 3), keepdim=True)
            var = x.var(dim=(2, 3), unbiased=False, keepdim=True)
            with torch.no_grad():
                self.num_batches_tracked += 1
                factor = self.momentum if self.momentum is not None else 1.0 / float(self.num_batches_tracked)
                self.running_mean.mul_(1 - factor).add_(factor * mean.mean(dim=(0, 2, 3)))
                self.running_var.mul_(1 - factor).add_(factor * x.var(dim=(0, 2, 3)))
        else:
            mean, var = self.running_mean.view(1, -1, 1, 1), self.running_var.view(1, -1, 1, 1)
        x_hat = (x - mean) / torch.sqrt(var + self.eps)
        if self.affine:
            return x_hat * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)
        return x_hat
'''),
        ("statistics over (N, H) only, the width axis forgotten", _bn(
            ("mean = x.mean(dim=(0, 2, 3))", "mean = x.mean(dim=(0, 2), keepdim=True).mean(dim=3).flatten()"),
            ("var = ((x - mean.view(1, -1, 1, 1)) ** 2).mean(dim=(0, 2, 3))",
             "var = x.var(dim=(0, 2), unbiased=False, keepdim=True).mean(dim=3).flatten()"))),
        ("running statistics updated with gradient tracking (no torch.no_grad)", _bn(
            ("            with torch.no_grad():\n", "            if True:\n"),
            (_UPDATE_MEAN, "self.running_mean = (1 - factor) * self.running_mean + factor * mean"),
            (_UPDATE_VAR, "self.running_var = (1 - factor) * self.running_var + factor * var * n / (n - 1)"))),
        ("weight and bias plain tensors, not nn.Parameter", _bn(
            ("torch.nn.Parameter(torch.ones(num_features))", "torch.ones(num_features, requires_grad=True)"),
            ("torch.nn.Parameter(torch.zeros(num_features))", "torch.zeros(num_features, requires_grad=True)"))),
        ("affine=False still creates (frozen) weight and bias", _bn(
            ('self.register_parameter("weight", None)',
             "self.weight = torch.nn.Parameter(torch.ones(num_features), requires_grad=False)"),
            ('self.register_parameter("bias", None)',
             "self.bias = torch.nn.Parameter(torch.zeros(num_features), requires_grad=False)"))),
        ("running_var starts at zeros", _bn(
            ('self.register_buffer("running_var", torch.ones(num_features))',
             'self.register_buffer("running_var", torch.zeros(num_features))'))),
        ("normalizes with the unbiased batch variance", _bn(
            ("var = ((x - mean.view(1, -1, 1, 1)) ** 2).mean(dim=(0, 2, 3))", "var = x.var(dim=(0, 2, 3))"),
            (_UPDATE_VAR, "self.running_var.mul_(1 - factor).add_(factor * var)"))),
        ("batch statistics detached: no gradient through the mean and variance", _bn(
            ("mean = x.mean(dim=(0, 2, 3))", "mean = x.mean(dim=(0, 2, 3)).detach()"),
            ("var = ((x - mean.view(1, -1, 1, 1)) ** 2).mean(dim=(0, 2, 3))",
             "var = ((x - mean.view(1, -1, 1, 1)) ** 2).mean(dim=(0, 2, 3)).detach()"))),
        ("eps added outside the square root", _bn(
            ("torch.sqrt(var.view(1, -1, 1, 1) + self.eps)", "(torch.sqrt(var.view(1, -1, 1, 1)) + self.eps)"))),
        ("delegates to F.batch_norm", '''
class ScratchBatchNorm2d(torch.nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True):
        super().__init__()
        self.num_features, self.eps, self.momentum, self.affine = num_features, eps, momentum, affine
        if affine:
            self.weight = torch.nn.Parameter(torch.ones(num_features))
            self.bias = torch.nn.Parameter(torch.zeros(num_features))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def forward(self, x):
        factor = 0.0
        if self.training:
            self.num_batches_tracked += 1
            factor = self.momentum if self.momentum is not None else 1.0 / float(self.num_batches_tracked)
        return torch.nn.functional.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                                              self.training, factor, self.eps)
'''),
        ("delegates to torch.batch_norm through a name bound at import", '''
from torch.nn.functional import batch_norm as _imported_batch_norm

class ScratchBatchNorm2d(torch.nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True):
        super().__init__()
        self.num_features, self.eps, self.momentum, self.affine = num_features, eps, momentum, affine
        if affine:
            self.weight = torch.nn.Parameter(torch.ones(num_features))
            self.bias = torch.nn.Parameter(torch.zeros(num_features))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def forward(self, x):
        factor = 0.0
        if self.training:
            self.num_batches_tracked += 1
            factor = self.momentum if self.momentum is not None else 1.0 / float(self.num_batches_tracked)
        return _imported_batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                                    self.training, factor, self.eps)
'''),
        ("a subclass of nn.BatchNorm2d", '''
class ScratchBatchNorm2d(torch.nn.BatchNorm2d):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True):
        super().__init__(num_features, eps=eps, momentum=momentum, affine=affine)
'''),
    ],
    "predict": [
        ("model.eval() forgotten (only torch.no_grad)", '''
def predict(model, x):
    with torch.no_grad():
        return model(x)
'''),
        ("eval mode never undone", '''
def predict(model, x):
    model.eval()
    with torch.no_grad():
        return model(x)
'''),
        ("always back to training mode afterwards", '''
def predict(model, x):
    model.eval()
    with torch.no_grad():
        out = model(x)
    model.train()
    return out
'''),
        ("only the top-level flag restored: model.train(was_training)", '''
def predict(model, x):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = model(x)
    model.train(was_training)
    return out
'''),
        ("no torch.no_grad: the output carries a graph", '''
def predict(model, x):
    flags = [(m, m.training) for m in model.modules()]
    model.eval()
    out = model(x)
    for m, flag in flags:
        m.training = flag
    return out
'''),
    ],
    "running_stats_mismatch": _RSM_WRONG,
    "fold_bn_into_conv": [
        ("deep copy of conv, scaled in place: a conv without bias stays without one", '''
def fold_bn_into_conv(conv, bn):
    fused = copy.deepcopy(conv)
    gamma = bn.weight if bn.weight is not None else torch.ones_like(bn.running_var)
    beta = bn.bias if bn.bias is not None else torch.zeros_like(bn.running_mean)
    with torch.no_grad():
        scale = gamma / torch.sqrt(bn.running_var + bn.eps)
        fused.weight.mul_(scale.view(-1, 1, 1, 1))
        if fused.bias is not None:
            fused.bias.copy_(scale * fused.bias + beta - scale * bn.running_mean)
    return fused
'''),
        ("new Conv2d without stride, dilation and groups", '''
def fold_bn_into_conv(conv, bn):
    with torch.no_grad():
        gamma = bn.weight if bn.weight is not None else torch.ones_like(bn.running_var)
        beta = bn.bias if bn.bias is not None else torch.zeros_like(bn.running_mean)
        scale = gamma / torch.sqrt(bn.running_var + bn.eps)
        conv_bias = conv.bias if conv.bias is not None else torch.zeros_like(scale)
        fused = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, padding=conv.padding,
                          bias=True, padding_mode=conv.padding_mode).to(conv.weight.dtype)
        fused.weight = nn.Parameter(conv.weight * scale.view(-1, 1, 1, 1))
        fused.bias = nn.Parameter(scale * conv_bias + beta - scale * bn.running_mean)
    return fused
'''),
        ("padding_mode dropped (a new Conv2d pads with zeros)", '''
def fold_bn_into_conv(conv, bn):
    with torch.no_grad():
        gamma = bn.weight if bn.weight is not None else torch.ones_like(bn.running_var)
        beta = bn.bias if bn.bias is not None else torch.zeros_like(bn.running_mean)
        scale = gamma / torch.sqrt(bn.running_var + bn.eps)
        conv_bias = conv.bias if conv.bias is not None else torch.zeros_like(scale)
        fused = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, stride=conv.stride,
                          padding=conv.padding, dilation=conv.dilation, groups=conv.groups,
                          bias=True).to(conv.weight.dtype)
        fused.weight.copy_(conv.weight * scale.view(-1, 1, 1, 1))
        fused.bias.copy_(scale * conv_bias + beta - scale * bn.running_mean)
    return fused
'''),
        ("eps forgotten", '''
def fold_bn_into_conv(conv, bn):
    fused = copy.deepcopy(conv)
    gamma = bn.weight if bn.weight is not None else torch.ones_like(bn.running_var)
    beta = bn.bias if bn.bias is not None else torch.zeros_like(bn.running_mean)
    scale = (gamma / torch.sqrt(bn.running_var)).detach()
    conv_bias = conv.bias if conv.bias is not None else torch.zeros_like(scale)
    fused.weight = nn.Parameter(conv.weight.detach() * scale.view(-1, 1, 1, 1))
    fused.bias = nn.Parameter((scale * conv_bias + beta - scale * bn.running_mean).detach())
    return fused
'''),
        ("the convolution's own bias ignored", '''
def fold_bn_into_conv(conv, bn):
    fused = copy.deepcopy(conv)
    gamma = bn.weight if bn.weight is not None else torch.ones_like(bn.running_var)
    beta = bn.bias if bn.bias is not None else torch.zeros_like(bn.running_mean)
    scale = (gamma / torch.sqrt(bn.running_var + bn.eps)).detach()
    fused.weight = nn.Parameter(conv.weight.detach() * scale.view(-1, 1, 1, 1))
    fused.bias = nn.Parameter((beta - scale * bn.running_mean).detach())
    return fused
'''),
        ("conv bias not rescaled (bias = conv_bias + shift)", '''
def fold_bn_into_conv(conv, bn):
    fused = copy.deepcopy(conv)
    gamma = bn.weight if bn.weight is not None else torch.ones_like(bn.running_var)
    beta = bn.bias if bn.bias is not None else torch.zeros_like(bn.running_mean)
    scale = (gamma / torch.sqrt(bn.running_var + bn.eps)).detach()
    conv_bias = conv.bias if conv.bias is not None else torch.zeros_like(scale)
    fused.weight = nn.Parameter(conv.weight.detach() * scale.view(-1, 1, 1, 1))
    fused.bias = nn.Parameter((conv_bias + beta - scale * bn.running_mean).detach())
    return fused
'''),
        ("filters scaled along the input-channel axis", '''
def fold_bn_into_conv(conv, bn):
    fused = copy.deepcopy(conv)
    gamma = bn.weight if bn.weight is not None else torch.ones_like(bn.running_var)
    beta = bn.bias if bn.bias is not None else torch.zeros_like(bn.running_mean)
    scale = (gamma / torch.sqrt(bn.running_var + bn.eps)).detach()
    conv_bias = conv.bias if conv.bias is not None else torch.zeros_like(scale)
    fused.weight = nn.Parameter(conv.weight.detach() * scale.view(1, -1, 1, 1)[:, : conv.weight.shape[1]])
    fused.bias = nn.Parameter((scale * conv_bias + beta - scale * bn.running_mean).detach())
    return fused
'''),
        ("running_mean ignored", '''
def fold_bn_into_conv(conv, bn):
    fused = copy.deepcopy(conv)
    gamma = bn.weight if bn.weight is not None else torch.ones_like(bn.running_var)
    beta = bn.bias if bn.bias is not None else torch.zeros_like(bn.running_mean)
    scale = (gamma / torch.sqrt(bn.running_var + bn.eps)).detach()
    conv_bias = conv.bias if conv.bias is not None else torch.zeros_like(scale)
    fused.weight = nn.Parameter(conv.weight.detach() * scale.view(-1, 1, 1, 1))
    fused.bias = nn.Parameter((scale * conv_bias + beta).detach())
    return fused
'''),
        ("conv modified in place and returned", '''
def fold_bn_into_conv(conv, bn):
    gamma = bn.weight if bn.weight is not None else torch.ones_like(bn.running_var)
    beta = bn.bias if bn.bias is not None else torch.zeros_like(bn.running_mean)
    scale = (gamma / torch.sqrt(bn.running_var + bn.eps)).detach()
    conv_bias = conv.bias if conv.bias is not None else torch.zeros_like(scale)
    with torch.no_grad():
        conv.weight.mul_(scale.view(-1, 1, 1, 1))
    conv.bias = nn.Parameter((scale * conv_bias + beta - scale * bn.running_mean).detach())
    return conv
'''),
        ("affine=False not handled (bn.weight is None)", '''
def fold_bn_into_conv(conv, bn):
    fused = copy.deepcopy(conv)
    scale = (bn.weight / torch.sqrt(bn.running_var + bn.eps)).detach()
    conv_bias = conv.bias if conv.bias is not None else torch.zeros_like(scale)
    fused.weight = nn.Parameter(conv.weight.detach() * scale.view(-1, 1, 1, 1))
    fused.bias = nn.Parameter((scale * conv_bias + bn.bias - scale * bn.running_mean).detach())
    return fused
'''),
        ("runs bn on data to read its statistics (changes bn's mode)", '''
def fold_bn_into_conv(conv, bn):
    bn.eval()
    fused = copy.deepcopy(conv)
    gamma = bn.weight if bn.weight is not None else torch.ones_like(bn.running_var)
    beta = bn.bias if bn.bias is not None else torch.zeros_like(bn.running_mean)
    scale = (gamma / torch.sqrt(bn.running_var + bn.eps)).detach()
    conv_bias = conv.bias if conv.bias is not None else torch.zeros_like(scale)
    fused.weight = nn.Parameter(conv.weight.detach() * scale.view(-1, 1, 1, 1))
    fused.bias = nn.Parameter((scale * conv_bias + beta - scale * bn.running_mean).detach())
    return fused
'''),
    ],
}

CORRECT = {
    "channel_stats": [
        ("torch.var_mean with correction=0", '''
def channel_stats(x):
    batch_var, batch_mean = torch.var_mean(x, dim=(0, 2, 3), correction=0)
    return batch_mean, batch_var, torch.var(x, dim=(0, 2, 3), correction=1)
'''),
        ("one-pass E[x^2] - E[x]^2 on a (C, n) view", '''
def channel_stats(x):
    values = x.transpose(0, 1).reshape(x.shape[1], -1)
    n = values.shape[1]
    mean = values.sum(dim=1) / n
    var = (values ** 2).sum(dim=1) / n - mean ** 2
    return mean, var, var * n / (n - 1)
'''),
    ],
    "running_average": [
        ("a loop over the steps", '''
def running_average(batch_values, momentum=0.1, initial=0.0):
    running = torch.zeros(batch_values.shape[1], dtype=batch_values.dtype) + initial
    for t, value in enumerate(batch_values, start=1):
        factor = 1.0 / t if momentum is None else momentum
        running = (1 - factor) * running + factor * value
    return running
'''),
        ("torch.lerp in a loop, cumulative mean by cumsum", '''
def running_average(batch_values, momentum=0.1, initial=0.0):
    if momentum is None:
        return batch_values.cumsum(dim=0)[-1] / batch_values.shape[0]
    running = torch.full((batch_values.shape[1],), 0.0, dtype=batch_values.dtype) + initial
    for value in batch_values:
        running = torch.lerp(running, value, momentum)
    return running
'''),
    ],
    "ScratchBatchNorm2d": [
        ("torch.var_mean, rsqrt, buffers reassigned under no_grad", '''
class ScratchBatchNorm2d(torch.nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True):
        super().__init__()
        self.num_features, self.eps, self.momentum, self.affine = num_features, eps, momentum, affine
        if affine:
            self.weight = torch.nn.Parameter(torch.ones(num_features))
            self.bias = torch.nn.Parameter(torch.zeros(num_features))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def forward(self, x):
        shape = (1, x.shape[1], 1, 1)
        if self.training:
            var, mean = torch.var_mean(x, dim=(0, 2, 3), correction=0)
            n = x.numel() / x.shape[1]
            with torch.no_grad():
                self.num_batches_tracked = self.num_batches_tracked + 1
                m = 1.0 / self.num_batches_tracked.item() if self.momentum is None else self.momentum
                self.running_mean = (1 - m) * self.running_mean + m * mean
                self.running_var = (1 - m) * self.running_var + m * var * (n / (n - 1))
        else:
            mean, var = self.running_mean, self.running_var
        y = (x - mean.reshape(shape)) * torch.rsqrt(var.reshape(shape) + self.eps)
        if self.weight is not None:
            y = y * self.weight.reshape(shape) + self.bias.reshape(shape)
        return y
'''),
        ("detached statistics, lerp_, add_, weight = None attributes, channel_stats reused", '''
class ScratchBatchNorm2d(torch.nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True):
        super().__init__()
        self.num_features, self.eps, self.momentum, self.affine = num_features, eps, momentum, affine
        self.weight = torch.nn.Parameter(torch.ones(num_features)) if affine else None
        self.bias = torch.nn.Parameter(torch.zeros(num_features)) if affine else None
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.zeros((), dtype=torch.int64))

    def forward(self, x):
        if self.training:
            mean, var, var_unbiased = channel_stats(x)
            self.num_batches_tracked.add_(1)
            factor = self.momentum if self.momentum is not None else 1.0 / int(self.num_batches_tracked)
            self.running_mean.lerp_(mean.detach(), factor)
            self.running_var.lerp_(var_unbiased.detach(), factor)
        else:
            mean, var = self.running_mean, self.running_var
        x_hat = (x - mean[None, :, None, None]) / (var[None, :, None, None] + self.eps).sqrt()
        if self.affine:
            x_hat = self.weight[None, :, None, None] * x_hat + self.bias[None, :, None, None]
        return x_hat
'''),
    ],
    "predict": [
        ("a deep copy in eval mode under torch.inference_mode", '''
def predict(model, x):
    frozen = copy.deepcopy(model).eval()
    with torch.inference_mode():
        return frozen(x)
'''),
        ("flags restored with module.train(flag), parents first", '''
def predict(model, x):
    flags = [(m, m.training) for m in model.modules()]
    model.train(False)
    with torch.no_grad():
        out = model(x)
    for m, flag in flags:
        m.train(flag)
    return out
'''),
    ],
    "running_stats_mismatch": _RSM_CORRECT,
    "fold_bn_into_conv": [
        ("deep copy of conv with new parameters, rsqrt", '''
def fold_bn_into_conv(conv, bn):
    fused = copy.deepcopy(conv)
    with torch.no_grad():
        scale = torch.rsqrt(bn.running_var + bn.eps)
        if bn.weight is not None:
            scale = scale * bn.weight
        shift = -scale * bn.running_mean
        if bn.bias is not None:
            shift = shift + bn.bias
        if conv.bias is not None:
            shift = shift + scale * conv.bias
        fused.weight = nn.Parameter(conv.weight * scale.reshape(-1, 1, 1, 1))
        fused.bias = nn.Parameter(shift.clone())
    return fused
'''),
    ],
}
