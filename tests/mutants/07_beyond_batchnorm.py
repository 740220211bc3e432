"""Wrong and alternative answers for 07_beyond_batchnorm."""

WRONG = {
    "layernorm_forward": [
        ("statistics over the batch axis (BatchNorm)", '''
def layernorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=0, keepdims=True)
    var = x.var(axis=0, keepdims=True)
    x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma * x_hat + beta, {"x_hat": x_hat, "inv_std": 1 / np.sqrt(var + eps), "gamma": gamma}
'''),
        ("unbiased variance (ddof=1)", '''
def layernorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, ddof=1, keepdims=True)
    x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma * x_hat + beta, {"x_hat": x_hat, "inv_std": 1 / np.sqrt(var + eps), "gamma": gamma}
'''),
        ("eps outside the square root", '''
def layernorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=1, keepdims=True)
    std = x.std(axis=1, keepdims=True)
    x_hat = (x - mean) / (std + eps)
    return gamma * x_hat + beta, {"x_hat": x_hat, "inv_std": 1 / (std + eps), "gamma": gamma}
'''),
        ("eps ignored (hard-coded 1e-5)", '''
def layernorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    x_hat = (x - mean) / np.sqrt(var + 1e-5)
    return gamma * x_hat + beta, {"x_hat": x_hat, "inv_std": 1 / np.sqrt(var + 1e-5), "gamma": gamma}
'''),
        ("modifies x in place", '''
def layernorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    x -= mean
    x /= np.sqrt(var + eps)
    x_hat = x
    return gamma * x_hat + beta, {"x_hat": x_hat, "inv_std": 1 / np.sqrt(var + eps), "gamma": gamma}
'''),
        ("no scale and shift (gamma, beta ignored)", '''
def layernorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    x_hat = (x - mean) / np.sqrt(var + eps)
    return x_hat, {"x_hat": x_hat, "inv_std": 1 / np.sqrt(var + eps), "gamma": gamma}
'''),
    ],
    "layernorm_backward": [
        ("dx misses the mean and variance paths", '''
def layernorm_backward(dout, cache):
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    return dout * gamma * inv_std, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
'''),
        ("dx misses the variance path", '''
def layernorm_backward(dout, cache):
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    dx_hat = dout * gamma
    dx = inv_std * (dx_hat - dx_hat.mean(axis=1, keepdims=True))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
'''),
        ("dx misses the mean path", '''
def layernorm_backward(dout, cache):
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    dx_hat = dout * gamma
    dx = inv_std * (dx_hat - x_hat * (dx_hat * x_hat).mean(axis=1, keepdims=True))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
'''),
        ("dx sums over the batch axis (BatchNorm's backward)", '''
def layernorm_backward(dout, cache):
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    dx_hat = dout * gamma
    dx = inv_std * (dx_hat - dx_hat.mean(axis=0, keepdims=True)
                    - x_hat * (dx_hat * x_hat).mean(axis=0, keepdims=True))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
'''),
        ("dgamma forgets x_hat", '''
def layernorm_backward(dout, cache):
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    D = x_hat.shape[1]
    dx_hat = dout * gamma
    dx = inv_std / D * (D * dx_hat - dx_hat.sum(axis=1, keepdims=True)
                        - x_hat * (dx_hat * x_hat).sum(axis=1, keepdims=True))
    return dx, dout.sum(axis=0), dout.sum(axis=0)
'''),
        ("dx forgets gamma", '''
def layernorm_backward(dout, cache):
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    D = x_hat.shape[1]
    dx_hat = dout
    dx = inv_std / D * (D * dx_hat - dx_hat.sum(axis=1, keepdims=True)
                        - x_hat * (dx_hat * x_hat).sum(axis=1, keepdims=True))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
'''),
        ("dx uses the standard deviation without eps (recomputed from the cache)", '''
def layernorm_backward(dout, cache):
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    D = x_hat.shape[1]
    centered = x_hat / inv_std
    r = 1.0 / np.sqrt((centered ** 2).mean(axis=1, keepdims=True))
    x_hat0 = centered * r
    dx_hat = dout * gamma
    dx = r / D * (D * dx_hat - dx_hat.sum(axis=1, keepdims=True) - x_hat0 * (dx_hat * x_hat0).sum(axis=1, keepdims=True))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
'''),
    ],
    "instancenorm_forward": [
        ("statistics over the batch axis too (BatchNorm)", '''
def instancenorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma.reshape(1, -1, 1, 1) * x_hat + beta.reshape(1, -1, 1, 1), None
'''),
        ("statistics over the channels too (LayerNorm)", '''
def instancenorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    var = x.var(axis=(1, 2, 3), keepdims=True)
    x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma.reshape(1, -1, 1, 1) * x_hat + beta.reshape(1, -1, 1, 1), None
'''),
        ("unbiased variance (ddof=1)", '''
def instancenorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=(2, 3), keepdims=True)
    var = x.var(axis=(2, 3), ddof=1, keepdims=True)
    x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma.reshape(1, -1, 1, 1) * x_hat + beta.reshape(1, -1, 1, 1), None
'''),
        ("eps outside the square root", '''
def instancenorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=(2, 3), keepdims=True)
    x_hat = (x - mean) / (x.std(axis=(2, 3), keepdims=True) + eps)
    return gamma.reshape(1, -1, 1, 1) * x_hat + beta.reshape(1, -1, 1, 1), None
'''),
        ("gamma and beta broadcast along the last axis instead of the channels", '''
def instancenorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=(2, 3), keepdims=True)
    var = x.var(axis=(2, 3), keepdims=True)
    x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma * x_hat + beta, None
'''),
        ("statistics over the width only", '''
def instancenorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=3, keepdims=True)
    var = x.var(axis=3, keepdims=True)
    x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma.reshape(1, -1, 1, 1) * x_hat + beta.reshape(1, -1, 1, 1), None
'''),
    ],
    "groupnorm_forward": [
        ("statistics over the batch axis too", '''
def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    N, C, H, W = x.shape
    if C % num_groups:
        raise ValueError("num_groups must divide C")
    grouped = x.reshape(N, num_groups, C // num_groups, H, W)
    mean = grouped.mean(axis=(0, 2, 3, 4), keepdims=True)
    var = grouped.var(axis=(0, 2, 3, 4), keepdims=True)
    x_hat = ((grouped - mean) / np.sqrt(var + eps)).reshape(N, C, H, W)
    return gamma.reshape(1, C, 1, 1) * x_hat + beta.reshape(1, C, 1, 1), None
'''),
        ("unbiased variance (ddof=1)", '''
def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    N, C, H, W = x.shape
    if C % num_groups:
        raise ValueError("num_groups must divide C")
    grouped = x.reshape(N, num_groups, C // num_groups, H, W)
    mean = grouped.mean(axis=(2, 3, 4), keepdims=True)
    var = grouped.var(axis=(2, 3, 4), ddof=1, keepdims=True)
    x_hat = ((grouped - mean) / np.sqrt(var + eps)).reshape(N, C, H, W)
    return gamma.reshape(1, C, 1, 1) * x_hat + beta.reshape(1, C, 1, 1), None
'''),
        ("interleaved channel groups (channel c in group c % G)", '''
def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    N, C, H, W = x.shape
    if C % num_groups:
        raise ValueError("num_groups must divide C")
    grouped = x.reshape(N, C // num_groups, num_groups, H, W)
    mean = grouped.mean(axis=(1, 3, 4), keepdims=True)
    var = grouped.var(axis=(1, 3, 4), keepdims=True)
    x_hat = ((grouped - mean) / np.sqrt(var + eps)).reshape(N, C, H, W)
    return gamma.reshape(1, C, 1, 1) * x_hat + beta.reshape(1, C, 1, 1), None
'''),
        ("gamma and beta per group instead of per channel", '''
def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    N, C, H, W = x.shape
    if C % num_groups:
        raise ValueError("num_groups must divide C")
    grouped = x.reshape(N, num_groups, C // num_groups, H, W)
    mean = grouped.mean(axis=(2, 3, 4), keepdims=True)
    var = grouped.var(axis=(2, 3, 4), keepdims=True)
    x_hat = (grouped - mean) / np.sqrt(var + eps)
    out = gamma[:num_groups].reshape(1, num_groups, 1, 1, 1) * x_hat + beta[:num_groups].reshape(1, num_groups, 1, 1, 1)
    return out.reshape(N, C, H, W), None
'''),
        ("eps outside the square root", '''
def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    N, C, H, W = x.shape
    if C % num_groups:
        raise ValueError("num_groups must divide C")
    grouped = x.reshape(N, num_groups, C // num_groups, H, W)
    mean = grouped.mean(axis=(2, 3, 4), keepdims=True)
    std = grouped.std(axis=(2, 3, 4), keepdims=True)
    x_hat = ((grouped - mean) / (std + eps)).reshape(N, C, H, W)
    return gamma.reshape(1, C, 1, 1) * x_hat + beta.reshape(1, C, 1, 1), None
'''),
        ("num_groups not checked: flattens (C, H, W) into num_groups chunks", '''
def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    N, C, H, W = x.shape
    grouped = x.reshape(N, num_groups, -1)
    mean = grouped.mean(axis=2, keepdims=True)
    var = grouped.var(axis=2, keepdims=True)
    x_hat = ((grouped - mean) / np.sqrt(var + eps)).reshape(N, C, H, W)
    return gamma.reshape(1, C, 1, 1) * x_hat + beta.reshape(1, C, 1, 1), None
'''),
        ("raises AssertionError instead of ValueError when num_groups does not divide C", '''
def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    N, C, H, W = x.shape
    if C % num_groups:
        raise AssertionError("num_groups must divide C")
    grouped = x.reshape(N, num_groups, C // num_groups, H, W)
    mean = grouped.mean(axis=(2, 3, 4), keepdims=True)
    var = grouped.var(axis=(2, 3, 4), keepdims=True)
    x_hat = ((grouped - mean) / np.sqrt(var + eps)).reshape(N, C, H, W)
    return gamma.reshape(1, C, 1, 1) * x_hat + beta.reshape(1, C, 1, 1), None
'''),
        ("statistics per channel (InstanceNorm) whatever num_groups", '''
def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    N, C, H, W = x.shape
    if C % num_groups:
        raise ValueError("num_groups must divide C")
    mean = x.mean(axis=(2, 3), keepdims=True)
    var = x.var(axis=(2, 3), keepdims=True)
    x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma.reshape(1, C, 1, 1) * x_hat + beta.reshape(1, C, 1, 1), None
'''),
    ],
    "groupnorm_backward": [
        ("dx misses the mean and variance paths", '''
def groupnorm_backward(dout, cache):
    x_hat, inv_std, gamma, G = cache["x_hat"], cache["inv_std"], cache["gamma"], cache["num_groups"]
    N, C, H, W = x_hat.shape
    dx = (dout * gamma.reshape(1, C, 1, 1)).reshape(N, G, -1) * inv_std.reshape(N, G, 1)
    return dx.reshape(N, C, H, W), (dout * x_hat).sum(axis=(0, 2, 3)), dout.sum(axis=(0, 2, 3))
'''),
        ("dx misses the variance path", '''
def groupnorm_backward(dout, cache):
    x_hat, inv_std, gamma, G = cache["x_hat"], cache["inv_std"], cache["gamma"], cache["num_groups"]
    N, C, H, W = x_hat.shape
    dx_hat = (dout * gamma.reshape(1, C, 1, 1)).reshape(N, G, -1)
    dx = inv_std.reshape(N, G, 1) * (dx_hat - dx_hat.mean(axis=2, keepdims=True))
    return dx.reshape(N, C, H, W), (dout * x_hat).sum(axis=(0, 2, 3)), dout.sum(axis=(0, 2, 3))
'''),
        ("mean and variance paths summed per channel instead of per group", '''
def groupnorm_backward(dout, cache):
    x_hat, inv_std, gamma, G = cache["x_hat"], cache["inv_std"], cache["gamma"], cache["num_groups"]
    N, C, H, W = x_hat.shape
    r = np.repeat(inv_std.reshape(N, G), C // G, axis=1).reshape(N, C, 1, 1)
    dx_hat = dout * gamma.reshape(1, C, 1, 1)
    dx = r * (dx_hat - dx_hat.mean(axis=(2, 3), keepdims=True)
              - x_hat * (dx_hat * x_hat).mean(axis=(2, 3), keepdims=True))
    return dx, (dout * x_hat).sum(axis=(0, 2, 3)), dout.sum(axis=(0, 2, 3))
'''),
        ("dgamma and dbeta summed per group", '''
def groupnorm_backward(dout, cache):
    x_hat, inv_std, gamma, G = cache["x_hat"], cache["inv_std"], cache["gamma"], cache["num_groups"]
    N, C, H, W = x_hat.shape
    dx_hat = (dout * gamma.reshape(1, C, 1, 1)).reshape(N, G, -1)
    xh = x_hat.reshape(N, G, -1)
    dx = inv_std.reshape(N, G, 1) * (dx_hat - dx_hat.mean(axis=2, keepdims=True)
                                     - xh * (dx_hat * xh).mean(axis=2, keepdims=True))
    dgamma_group = (dout * x_hat).reshape(N, G, -1).sum(axis=(0, 2))
    dbeta_group = dout.reshape(N, G, -1).sum(axis=(0, 2))
    return dx.reshape(N, C, H, W), np.repeat(dgamma_group, C // G), np.repeat(dbeta_group, C // G)
'''),
        ("dx forgets gamma", '''
def groupnorm_backward(dout, cache):
    x_hat, inv_std, gamma, G = cache["x_hat"], cache["inv_std"], cache["gamma"], cache["num_groups"]
    N, C, H, W = x_hat.shape
    dx_hat = dout.reshape(N, G, -1)
    xh = x_hat.reshape(N, G, -1)
    dx = inv_std.reshape(N, G, 1) * (dx_hat - dx_hat.mean(axis=2, keepdims=True)
                                     - xh * (dx_hat * xh).mean(axis=2, keepdims=True))
    return dx.reshape(N, C, H, W), (dout * x_hat).sum(axis=(0, 2, 3)), dout.sum(axis=(0, 2, 3))
'''),
        ("dx uses the group standard deviation without eps", '''
def groupnorm_backward(dout, cache):
    x_hat, inv_std, gamma, G = cache["x_hat"], cache["inv_std"], cache["gamma"], cache["num_groups"]
    N, C, H, W = x_hat.shape
    dx_hat = (dout * gamma.reshape(1, C, 1, 1)).reshape(N, G, -1)
    centered = x_hat.reshape(N, G, -1) / inv_std.reshape(N, G, 1)
    r = 1.0 / np.sqrt((centered ** 2).mean(axis=2, keepdims=True))
    xh = centered * r
    dx = r * (dx_hat - dx_hat.mean(axis=2, keepdims=True) - xh * (dx_hat * xh).mean(axis=2, keepdims=True))
    return dx.reshape(N, C, H, W), (dout * x_hat).sum(axis=(0, 2, 3)), dout.sum(axis=(0, 2, 3))
'''),
    ],
    "rmsnorm_forward": [
        ('mean subtracted (that is LayerNorm without beta)', '''
def rmsnorm_forward(x, gamma, eps=1e-6):
    centered = x - x.mean(axis=1, keepdims=True)
    inv_rms = 1.0 / np.sqrt((centered ** 2).mean(axis=1, keepdims=True) + eps)
    x_hat = centered * inv_rms
    return gamma * x_hat, {"x": x, "x_hat": x_hat, "inv_rms": inv_rms, "gamma": gamma}
'''),
        ('eps outside the square root', '''
def rmsnorm_forward(x, gamma, eps=1e-6):
    inv_rms = 1.0 / (np.sqrt((x ** 2).mean(axis=1, keepdims=True)) + eps)
    x_hat = x * inv_rms
    return gamma * x_hat, {"x": x, "x_hat": x_hat, "inv_rms": inv_rms, "gamma": gamma}
'''),
        ('statistics over the batch axis', '''
def rmsnorm_forward(x, gamma, eps=1e-6):
    inv_rms = 1.0 / np.sqrt((x ** 2).mean(axis=0, keepdims=True) + eps)
    x_hat = x * inv_rms
    return gamma * x_hat, {"x": x, "x_hat": x_hat, "inv_rms": inv_rms, "gamma": gamma}
'''),
        ('gamma applied before normalizing', '''
def rmsnorm_forward(x, gamma, eps=1e-6):
    z = gamma * x
    inv_rms = 1.0 / np.sqrt((z ** 2).mean(axis=1, keepdims=True) + eps)
    return z * inv_rms, {"x": x, "x_hat": z * inv_rms, "inv_rms": inv_rms, "gamma": gamma}
'''),
        ('sum of squares instead of their mean (divides by the L2 norm)', '''
def rmsnorm_forward(x, gamma, eps=1e-6):
    inv_rms = 1.0 / np.sqrt((x ** 2).sum(axis=1, keepdims=True) + eps)
    x_hat = x * inv_rms
    return gamma * x_hat, {"x": x, "x_hat": x_hat, "inv_rms": inv_rms, "gamma": gamma}
'''),
        ('eps ignored (hard-coded 1e-6)', '''
def rmsnorm_forward(x, gamma, eps=1e-6):
    inv_rms = 1.0 / np.sqrt((x ** 2).mean(axis=1, keepdims=True) + 1e-6)
    x_hat = x * inv_rms
    return gamma * x_hat, {"x": x, "x_hat": x_hat, "inv_rms": inv_rms, "gamma": gamma}
'''),
        ('modifies x in place', '''
def rmsnorm_forward(x, gamma, eps=1e-6):
    inv_rms = 1.0 / np.sqrt((x ** 2).mean(axis=1, keepdims=True) + eps)
    x *= inv_rms
    return gamma * x, {"x": x, "x_hat": x, "inv_rms": inv_rms, "gamma": gamma}
'''),
    ],
    "rmsnorm_backward": [
        ('dx misses the path through the RMS', '''
def rmsnorm_backward(dout, cache):
    x_hat, inv_rms, gamma = cache["x_hat"], cache["inv_rms"], cache["gamma"]
    return dout * gamma * inv_rms, (dout * x_hat).sum(axis=0)
'''),
        ('RMS path with a factor 2 (the 1/2 of the square root dropped)', '''
def rmsnorm_backward(dout, cache):
    x_hat, inv_rms, gamma = cache["x_hat"], cache["inv_rms"], cache["gamma"]
    g = dout * gamma
    dx = inv_rms * (g - 2.0 * x_hat * (g * x_hat).mean(axis=1, keepdims=True))
    return dx, (dout * x_hat).sum(axis=0)
'''),
        ('RMS path summed over the batch axis', '''
def rmsnorm_backward(dout, cache):
    x_hat, inv_rms, gamma = cache["x_hat"], cache["inv_rms"], cache["gamma"]
    g = dout * gamma
    dx = inv_rms * (g - x_hat * (g * x_hat).mean(axis=0, keepdims=True))
    return dx, (dout * x_hat).sum(axis=0)
'''),
        ('a LayerNorm backward (an extra mean path)', '''
def rmsnorm_backward(dout, cache):
    x_hat, inv_rms, gamma = cache["x_hat"], cache["inv_rms"], cache["gamma"]
    g = dout * gamma
    dx = inv_rms * (g - g.mean(axis=1, keepdims=True) - x_hat * (g * x_hat).mean(axis=1, keepdims=True))
    return dx, (dout * x_hat).sum(axis=0)
'''),
        ('RMS recomputed from x without eps', '''
def rmsnorm_backward(dout, cache):
    x, gamma = cache["x"], cache["gamma"]
    r = 1.0 / np.sqrt((x ** 2).mean(axis=1, keepdims=True))
    x_hat = x * r
    g = dout * gamma
    dx = r * (g - x_hat * (g * x_hat).mean(axis=1, keepdims=True))
    return dx, (dout * cache["x_hat"]).sum(axis=0)
'''),
        ('dx forgets gamma', '''
def rmsnorm_backward(dout, cache):
    x_hat, inv_rms = cache["x_hat"], cache["inv_rms"]
    dx = inv_rms * (dout - x_hat * (dout * x_hat).mean(axis=1, keepdims=True))
    return dx, (dout * x_hat).sum(axis=0)
'''),
        ('dgamma forgets x_hat', '''
def rmsnorm_backward(dout, cache):
    x_hat, inv_rms, gamma = cache["x_hat"], cache["inv_rms"], cache["gamma"]
    g = dout * gamma
    dx = inv_rms * (g - x_hat * (g * x_hat).mean(axis=1, keepdims=True))
    return dx, dout.sum(axis=0)
'''),
    ],
    "freeze_batchnorm": [
        ('requires_grad=False only: the BN layers stay in training mode', '''
def freeze_batchnorm(model):
    model.train()
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            for param in module.parameters():
                param.requires_grad_(False)
    return model
'''),
        ('eval mode only: gamma and beta still trainable', '''
def freeze_batchnorm(model):
    model.train()
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.eval()
    return model
'''),
        ('model.eval() for the whole model (Dropout off too)', '''
def freeze_batchnorm(model):
    model.eval()
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            for param in module.parameters():
                param.requires_grad_(False)
    return model
'''),
        ('never calls model.train(): a model left in eval mode stays there', '''
def freeze_batchnorm(model):
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.eval()
            for param in module.parameters():
                param.requires_grad_(False)
    return model
'''),
        ('only nn.BatchNorm2d, by exact type', '''
def freeze_batchnorm(model):
    model.train()
    for module in model.modules():
        if type(module) is nn.BatchNorm2d:
            module.eval()
            for param in module.parameters():
                param.requires_grad_(False)
    return model
'''),
        ('BatchNorm1d/2d/3d but not SyncBatchNorm', '''
def freeze_batchnorm(model):
    model.train()
    for module in model.modules():
        if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)):
            module.eval()
            for param in module.parameters():
                param.requires_grad_(False)
    return model
'''),
        ('only BatchNorm1d and BatchNorm2d (misses BatchNorm3d and SyncBatchNorm)', '''
def freeze_batchnorm(model):
    model.train()
    for module in model.modules():
        if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            module.eval()
            for param in module.parameters():
                param.requires_grad_(False)
    return model
'''),
        ('the base class _NormBase (freezes InstanceNorm too)', '''
def freeze_batchnorm(model):
    model.train()
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._NormBase):
            module.eval()
            for param in module.parameters():
                param.requires_grad_(False)
    return model
'''),
        ('requires_grad=True on every parameter first (unfreezes a layer frozen on purpose)', '''
def freeze_batchnorm(model):
    model.train()
    for param in model.parameters():
        param.requires_grad = True
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.eval()
            for param in module.parameters():
                param.requires_grad = False
    return model
'''),
        ('only the direct children of the model', '''
def freeze_batchnorm(model):
    model.train()
    for module in model.children():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.eval()
            for param in module.parameters():
                param.requires_grad_(False)
    return model
'''),
        ('every layer with Norm in its class name (freezes GroupNorm, LayerNorm, ...)', '''
def freeze_batchnorm(model):
    model.train()
    for module in model.modules():
        if "Norm" in type(module).__name__:
            module.eval()
            for param in module.parameters():
                param.requires_grad_(False)
    return model
'''),
        ('momentum = 0 instead of eval mode (still normalizes with batch statistics)', '''
def freeze_batchnorm(model):
    model.train()
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.momentum = 0.0
            for param in module.parameters():
                param.requires_grad_(False)
    return model
'''),
        ('unfreezes every other parameter', '''
def freeze_batchnorm(model):
    model.train()
    model.requires_grad_(True)
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.eval()
            for param in module.parameters():
                param.requires_grad_(False)
    return model
'''),
        ('returns None', '''
def freeze_batchnorm(model):
    model.train()
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.eval()
            for param in module.parameters():
                param.requires_grad_(False)
'''),
    ],
}

CORRECT = {
    "layernorm_forward": [
        ("staged with E[x^2] - E[x]^2 and explicit loops over rows", '''
def layernorm_forward(x, gamma, beta, eps=1e-5):
    N, D = x.shape
    out = np.empty_like(x, dtype=float)
    x_hat = np.empty_like(out)
    inv_std = np.empty((N, 1))
    for n in range(N):
        row = x[n]
        mu = row.sum() / D
        var = (row * row).sum() / D - mu * mu
        inv_std[n, 0] = 1.0 / np.sqrt(var + eps)
        x_hat[n] = (row - mu) * inv_std[n, 0]
        out[n] = gamma * x_hat[n] + beta
    return out, {"x_hat": x_hat, "inv_std": inv_std, "gamma": gamma}
'''),
        ("transpose, standardize the columns, transpose back", '''
def layernorm_forward(x, gamma, beta, eps=1e-5):
    xt = x.T
    centered = xt - xt.mean(axis=0)
    inv_std = 1.0 / np.sqrt((centered ** 2).mean(axis=0) + eps)
    x_hat = (centered * inv_std).T
    return x_hat * gamma + beta, {"x_hat": x_hat, "inv_std": inv_std[:, None], "gamma": gamma}
'''),
    ],
    "layernorm_backward": [
        ("staged backpropagation through mean, variance and x_hat", '''
def layernorm_backward(dout, cache):
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    D = x_hat.shape[1]
    xmu = x_hat / inv_std
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    dvar = np.sum(dx_hat * xmu, axis=1, keepdims=True) * -0.5 * inv_std ** 3
    dmean = -np.sum(dx_hat * inv_std, axis=1, keepdims=True) - 2.0 * dvar * np.mean(xmu, axis=1, keepdims=True)
    dx = dx_hat * inv_std + dvar * 2.0 * xmu / D + dmean / D
    return dx, dgamma, dbeta
'''),
    ],
    "instancenorm_forward": [
        ("reshape to (N * C, H * W) and standardize the rows", '''
def instancenorm_forward(x, gamma, beta, eps=1e-5):
    N, C, H, W = x.shape
    rows = x.reshape(N * C, H * W)
    centered = rows - rows.mean(axis=1, keepdims=True)
    x_hat = centered / np.sqrt((centered ** 2).mean(axis=1, keepdims=True) + eps)
    x_hat = x_hat.reshape(N, C, H, W)
    return x_hat * gamma[:, None, None] + beta[:, None, None], {}
'''),
        ("E[x^2] - E[x]^2 with einsum", '''
def instancenorm_forward(x, gamma, beta, eps=1e-5):
    N, C, H, W = x.shape
    mean = np.einsum("nchw->nc", x) / (H * W)
    mean_sq = np.einsum("nchw,nchw->nc", x, x) / (H * W)
    inv_std = 1.0 / np.sqrt(mean_sq - mean ** 2 + eps)
    x_hat = (x - mean[:, :, None, None]) * inv_std[:, :, None, None]
    return np.einsum("nchw,c->nchw", x_hat, gamma) + beta[None, :, None, None], (x_hat, inv_std)
'''),
    ],
    "groupnorm_forward": [
        ("loop over the groups with explicit channel slices", '''
def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    N, C, H, W = x.shape
    if C % num_groups != 0:
        raise ValueError("C must be divisible by num_groups")
    size = C // num_groups
    x_hat = np.empty(x.shape)
    inv_std = np.empty((N, num_groups, 1, 1, 1))
    for g in range(num_groups):
        block = x[:, g * size:(g + 1) * size]
        mu = block.mean(axis=(1, 2, 3), keepdims=True)
        var = ((block - mu) ** 2).mean(axis=(1, 2, 3), keepdims=True)
        inv_std[:, g] = 1.0 / np.sqrt(var + eps)
        x_hat[:, g * size:(g + 1) * size] = (block - mu) / np.sqrt(var + eps)
    out = x_hat * gamma[None, :, None, None] + beta[None, :, None, None]
    return out, {"x_hat": x_hat, "inv_std": inv_std, "gamma": gamma, "num_groups": num_groups}
'''),
        ("E[x^2] - E[x]^2 on the (N, G, -1) view", '''
def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    N, C, H, W = x.shape
    if num_groups <= 0 or C // num_groups * num_groups != C:
        raise ValueError(f"cannot split {C} channels into {num_groups} groups")
    rows = x.reshape(N, num_groups, -1)
    mean = rows.mean(axis=2, keepdims=True)
    var = (rows ** 2).mean(axis=2, keepdims=True) - mean ** 2
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = ((rows - mean) * inv_std).reshape(x.shape)
    out = x_hat * gamma.reshape(-1, 1, 1) + beta.reshape(-1, 1, 1)
    return out, {"x_hat": x_hat, "inv_std": inv_std, "gamma": gamma, "num_groups": num_groups}
'''),
    ],
    "groupnorm_backward": [
        ("reuse the row formula on the (N * G, m) matrix, staged", '''
def groupnorm_backward(dout, cache):
    x_hat, inv_std, gamma, G = cache["x_hat"], cache["inv_std"], cache["gamma"], cache["num_groups"]
    N, C, H, W = x_hat.shape
    dbeta = dout.sum(axis=(0, 2, 3))
    dgamma = (dout * x_hat).sum(axis=(0, 2, 3))
    rows_g = (dout * gamma[None, :, None, None]).reshape(N * G, -1)
    rows_x = x_hat.reshape(N * G, -1)
    r = inv_std.reshape(N * G, 1)
    m = rows_x.shape[1]
    xmu = rows_x / r
    dvar = (rows_g * xmu).sum(axis=1, keepdims=True) * -0.5 * r ** 3
    dmean = -(rows_g * r).sum(axis=1, keepdims=True) - 2.0 * dvar * xmu.mean(axis=1, keepdims=True)
    dx = rows_g * r + dvar * 2.0 * xmu / m + dmean / m
    return dx.reshape(N, C, H, W), dgamma, dbeta
'''),
    ],
    "rmsnorm_forward": [
        ('storing the RMS instead of its inverse, ** 0.5 instead of np.sqrt', '''
def rmsnorm_forward(x, gamma, eps=1e-6):
    rms = (np.mean(x * x, axis=-1, keepdims=True) + eps) ** 0.5
    out = x / rms * gamma
    return out, {"x": x, "rms": rms, "gamma": gamma}
'''),
        ('a loop over the rows with np.linalg.norm', '''
def rmsnorm_forward(x, gamma, eps=1e-6):
    N, D = x.shape
    out = np.empty((N, D))
    for n in range(N):
        rms = np.sqrt(np.linalg.norm(x[n]) ** 2 / D + eps)
        out[n] = gamma * (x[n] / rms)
    return out, (x, gamma, eps)
'''),
    ],
    "rmsnorm_backward": [
        ('staged: through the mean of squares, recomputed from x', '''
def rmsnorm_backward(dout, cache):
    x, inv_rms, gamma = cache["x"], cache["inv_rms"], cache["gamma"]
    D = x.shape[1]
    dgamma = np.sum(dout * x * inv_rms, axis=0)
    dx_hat = dout * gamma
    dinv_rms = np.sum(dx_hat * x, axis=1, keepdims=True)
    dmean_sq = dinv_rms * -0.5 * inv_rms ** 3
    dx = dx_hat * inv_rms + dmean_sq * 2.0 * x / D
    return dx, dgamma
'''),
        ('compact, written with x and the RMS', '''
def rmsnorm_backward(dout, cache):
    x, gamma = cache["x"], cache["gamma"]
    rms = 1.0 / cache["inv_rms"]
    D = x.shape[-1]
    g = dout * gamma
    dx = g / rms - x * np.einsum("nd,nd->n", g, x)[:, None] / (D * rms ** 3)
    return dx, np.einsum("nd,nd->d", dout, x / rms)
'''),
    ],
    "freeze_batchnorm": [
        ('public classes in a tuple, model.apply, attribute assignment', '''
def freeze_batchnorm(model):
    bn_types = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)

    def freeze(module):
        if isinstance(module, bn_types):
            module.train(False)
            if module.weight is not None:
                module.weight.requires_grad = False
            if module.bias is not None:
                module.bias.requires_grad = False

    model.train(True)
    model.apply(freeze)
    return model
'''),
    ],
}
