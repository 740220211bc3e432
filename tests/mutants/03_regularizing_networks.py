"""Wrong and alternative answers for 03_regularizing_networks."""

WRONG = {
    "l2_penalty": [
        ("missing the factor 1/2 (gradient 2 * lam * theta)", '''
def l2_penalty(parameters, lam):
    return lam * sum((theta ** 2).sum() for theta in parameters)
'''),
        ("only the first parameter", '''
def l2_penalty(parameters, lam):
    first = next(iter(parameters))
    return lam / 2 * (first ** 2).sum()
'''),
        ("only the weight matrices, biases skipped", '''
def l2_penalty(parameters, lam):
    return lam / 2 * sum((theta ** 2).sum() for theta in parameters if theta.ndim > 1)
'''),
        ("iterates over the generator twice (the second pass is empty)", '''
def l2_penalty(parameters, lam):
    count = sum(1 for _ in parameters)
    total = torch.zeros(())
    for theta in parameters:
        total = total + (theta ** 2).sum()
    return lam / 2 * total
'''),
        ("mean of squares per parameter instead of the sum", '''
def l2_penalty(parameters, lam):
    return lam / 2 * sum((theta ** 2).mean() for theta in parameters)
'''),
        ("returns a Python float (.item()), not differentiable", '''
def l2_penalty(parameters, lam):
    return lam / 2 * sum((theta ** 2).sum().item() for theta in parameters)
'''),
        ("detached parameters: the value is right but there is no gradient", '''
def l2_penalty(parameters, lam):
    return lam / 2 * sum((theta.detach() ** 2).sum() for theta in parameters)
'''),
        ("Euclidean norm, not squared", '''
def l2_penalty(parameters, lam):
    return lam / 2 * sum(theta.norm() for theta in parameters)
'''),
        ("Python's sum of a generator: the Python number 0 for no parameters", '''
def l2_penalty(parameters, lam):
    return lam / 2 * sum((theta ** 2).sum() for theta in parameters)
'''),
        ("squares theta.data: the value is right but there is no gradient", '''
def l2_penalty(parameters, lam):
    total = torch.zeros(())
    for theta in parameters:
        total = total + (theta.data ** 2).sum()
    return lam / 2 * total
'''),
        ("torch.cat of the flattened parameters: crashes on an empty list", '''
def l2_penalty(parameters, lam):
    return lam / 2 * torch.cat([theta.flatten() for theta in parameters]).pow(2).sum()
'''),
    ],
    "l1_penalty": [
        ("missing lam", '''
def l1_penalty(parameters, lam):
    return sum(theta.abs().sum() for theta in parameters)
'''),
        ("a factor 1/2 copied from the L2 penalty", '''
def l1_penalty(parameters, lam):
    return lam / 2 * sum(theta.abs().sum() for theta in parameters)
'''),
        ("squares instead of absolute values", '''
def l1_penalty(parameters, lam):
    return lam * sum((theta ** 2).sum() for theta in parameters)
'''),
        ("only the first parameter", '''
def l1_penalty(parameters, lam):
    return lam * next(iter(parameters)).abs().sum()
'''),
        ("only the weight matrices, biases skipped", '''
def l1_penalty(parameters, lam):
    return lam * sum(theta.abs().sum() for theta in parameters if theta.ndim > 1)
'''),
        ("mean of |theta| per parameter instead of the sum", '''
def l1_penalty(parameters, lam):
    return lam * sum(theta.abs().mean() for theta in parameters)
'''),
        ("returns a Python float (.item()), not differentiable", '''
def l1_penalty(parameters, lam):
    return lam * sum(theta.abs().sum().item() for theta in parameters)
'''),
        ("Python's sum of a generator: the Python number 0 for no parameters", '''
def l1_penalty(parameters, lam):
    return lam * sum(theta.abs().sum() for theta in parameters)
'''),
        ("absolute values of theta.data: no gradient", '''
def l1_penalty(parameters, lam):
    total = torch.zeros(())
    for theta in parameters:
        total = total + theta.data.abs().sum()
    return lam * total
'''),
        ("torch.cat of the flattened parameters: crashes on an empty list", '''
def l1_penalty(parameters, lam):
    return lam * torch.cat([theta.flatten() for theta in parameters]).abs().sum()
'''),
    ],
    "l1_prox_step": [
        ("threshold lam instead of lr * lam", '''
def l1_prox_step(parameters, lr, lam):
    with torch.no_grad():
        for theta in parameters:
            if theta.grad is not None:
                z = theta - lr * theta.grad
                theta.copy_(torch.sign(z) * torch.clamp(z.abs() - lam, min=0.0))
'''),
        ("soft-thresholds first, then takes the gradient step", '''
def l1_prox_step(parameters, lr, lam):
    with torch.no_grad():
        for theta in parameters:
            if theta.grad is not None:
                shrunk = torch.sign(theta) * torch.clamp(theta.abs() - lr * lam, min=0.0)
                theta.copy_(shrunk - lr * theta.grad)
'''),
        ("subgradient step (lr * lam * sign) instead of soft-thresholding: no exact zeros", '''
def l1_prox_step(parameters, lr, lam):
    with torch.no_grad():
        for theta in parameters:
            if theta.grad is not None:
                theta -= lr * (theta.grad + lam * torch.sign(theta))
'''),
        ("hard thresholding: small entries zeroed, the others not shrunk", '''
def l1_prox_step(parameters, lr, lam):
    with torch.no_grad():
        for theta in parameters:
            if theta.grad is not None:
                z = theta - lr * theta.grad
                theta.copy_(torch.where(z.abs() <= lr * lam, torch.zeros_like(z), z))
'''),
        ("the sign of theta instead of the sign of z", '''
def l1_prox_step(parameters, lr, lam):
    with torch.no_grad():
        for theta in parameters:
            if theta.grad is not None:
                z = theta - lr * theta.grad
                theta.copy_(torch.sign(theta) * torch.clamp(z.abs() - lr * lam, min=0.0))
'''),
        ("clamps at 0 from below (a ReLU), which kills every negative weight", '''
def l1_prox_step(parameters, lr, lam):
    with torch.no_grad():
        for theta in parameters:
            if theta.grad is not None:
                theta.copy_(torch.clamp(theta - lr * theta.grad - lr * lam, min=0.0))
'''),
        ("not in place: rebinds a local name, the parameters never change", '''
def l1_prox_step(parameters, lr, lam):
    with torch.no_grad():
        for theta in parameters:
            if theta.grad is not None:
                z = theta - lr * theta.grad
                theta = torch.sign(z) * torch.clamp(z.abs() - lr * lam, min=0.0)
'''),
        ("thresholds parameters without a gradient too", '''
def l1_prox_step(parameters, lr, lam):
    with torch.no_grad():
        for theta in parameters:
            z = theta - lr * theta.grad if theta.grad is not None else theta.clone()
            theta.copy_(torch.sign(z) * torch.clamp(z.abs() - lr * lam, min=0.0))
'''),
        ("crashes on a parameter whose .grad is None", '''
def l1_prox_step(parameters, lr, lam):
    with torch.no_grad():
        for theta in parameters:
            z = theta - lr * theta.grad
            theta.copy_(torch.sign(z) * torch.clamp(z.abs() - lr * lam, min=0.0))
'''),
        ("iterates over the generator twice (the second pass is empty)", '''
def l1_prox_step(parameters, lr, lam):
    with torch.no_grad():
        count = sum(1 for _ in parameters)
        for theta in parameters:
            if theta.grad is not None:
                z = theta - lr * theta.grad
                theta.copy_(torch.sign(z) * torch.clamp(z.abs() - lr * lam, min=0.0))
'''),
        ("zeroes the gradient after the step", '''
def l1_prox_step(parameters, lr, lam):
    with torch.no_grad():
        for theta in parameters:
            if theta.grad is not None:
                z = theta - lr * theta.grad
                theta.copy_(torch.sign(z) * torch.clamp(z.abs() - lr * lam, min=0.0))
                theta.grad.zero_()
'''),
    ],
    "dropout_forward": [
        ("no rescaling of the kept units", '''
def dropout_forward(x, p, training=True, rng=None):
    if not 0 <= p < 1:
        raise ValueError("p must lie in [0, 1)")
    rng = np.random.default_rng() if rng is None else rng
    if not training:
        return x, np.ones_like(x, dtype=float)
    mask = (rng.random(x.shape) >= p).astype(float)
    return x * mask, mask
'''),
        ("kept units scaled by (1 - p) instead of 1 / (1 - p)", '''
def dropout_forward(x, p, training=True, rng=None):
    if not 0 <= p < 1:
        raise ValueError("p must lie in [0, 1)")
    rng = np.random.default_rng() if rng is None else rng
    if not training:
        return x, np.ones_like(x, dtype=float)
    mask = (rng.random(x.shape) >= p) * (1 - p)
    return x * mask, mask
'''),
        ("p taken as the keep probability", '''
def dropout_forward(x, p, training=True, rng=None):
    if not 0 <= p < 1:
        raise ValueError("p must lie in [0, 1)")
    rng = np.random.default_rng() if rng is None else rng
    if not training:
        return x, np.ones_like(x, dtype=float)
    mask = (rng.random(x.shape) < p) / p if p > 0 else np.zeros_like(x, dtype=float)
    return x * mask, mask
'''),
        ("dropout still active in eval mode", '''
def dropout_forward(x, p, training=True, rng=None):
    if not 0 <= p < 1:
        raise ValueError("p must lie in [0, 1)")
    rng = np.random.default_rng() if rng is None else rng
    mask = (rng.random(x.shape) >= p) / (1 - p)
    return x * mask, mask
'''),
        ("eval mode scales by (1 - p), mixing inverted and original dropout", '''
def dropout_forward(x, p, training=True, rng=None):
    if not 0 <= p < 1:
        raise ValueError("p must lie in [0, 1)")
    rng = np.random.default_rng() if rng is None else rng
    if not training:
        mask = np.full(x.shape, 1 - p)
    else:
        mask = (rng.random(x.shape) >= p) / (1 - p)
    return x * mask, mask
'''),
        ("ignores rng and draws from the global np.random", '''
def dropout_forward(x, p, training=True, rng=None):
    if not 0 <= p < 1:
        raise ValueError("p must lie in [0, 1)")
    if not training:
        return x, np.ones_like(x, dtype=float)
    mask = (np.random.random(x.shape) >= p) / (1 - p)
    return x * mask, mask
'''),
        ("re-seeds a new generator on every call (the same mask every time)", '''
def dropout_forward(x, p, training=True, rng=None):
    if not 0 <= p < 1:
        raise ValueError("p must lie in [0, 1)")
    if not training:
        return x, np.ones_like(x, dtype=float)
    mask = (np.random.default_rng(0).random(x.shape) >= p) / (1 - p)
    return x * mask, mask
'''),
        ("one mask per feature shared by every example (mask of shape x.shape[-1:])", '''
def dropout_forward(x, p, training=True, rng=None):
    if not 0 <= p < 1:
        raise ValueError("p must lie in [0, 1)")
    rng = np.random.default_rng() if rng is None else rng
    if not training:
        return x, np.ones_like(x, dtype=float)
    mask = np.broadcast_to((rng.random(x.shape[-1:]) >= p) / (1 - p), x.shape)
    return x * mask, mask
'''),
        ("returns the 0/1 keep pattern as the mask (scaling only in out)", '''
def dropout_forward(x, p, training=True, rng=None):
    if not 0 <= p < 1:
        raise ValueError("p must lie in [0, 1)")
    rng = np.random.default_rng() if rng is None else rng
    if not training:
        return x, np.ones_like(x, dtype=float)
    keep = (rng.random(x.shape) >= p).astype(float)
    return x * keep / (1 - p), keep
'''),
        ("modifies x in place", '''
def dropout_forward(x, p, training=True, rng=None):
    if not 0 <= p < 1:
        raise ValueError("p must lie in [0, 1)")
    rng = np.random.default_rng() if rng is None else rng
    if not training:
        return x, np.ones_like(x, dtype=float)
    mask = (rng.random(x.shape) >= p) / (1 - p)
    x *= mask
    return x, mask
'''),
        ("accepts p = 1 and p < 0 instead of raising ValueError", '''
def dropout_forward(x, p, training=True, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    if not training:
        return x, np.ones_like(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mask = np.nan_to_num((rng.random(x.shape) >= p) / (1 - p))
    return x * mask, mask
'''),
    ],
    "dropout_backward": [
        ("ignores the mask (dx = dout)", '''
def dropout_backward(dout, mask):
    return dout.copy()
'''),
        ("uses the 0/1 keep pattern, forgetting the 1/(1-p) scale", '''
def dropout_backward(dout, mask):
    return dout * (mask != 0)
'''),
        ("draws a new mask instead of reusing the forward pass's", '''
def dropout_backward(dout, mask):
    return dout * (np.random.random(dout.shape) >= 0.5) * 2.0
'''),
        ("divides by the mask (scales kept gradients by 1 - p)", '''
def dropout_backward(dout, mask):
    dx = np.zeros_like(dout)
    np.divide(dout, mask, out=dx, where=mask != 0)
    return dx
'''),
        ("modifies dout in place", '''
def dropout_backward(dout, mask):
    dout *= mask
    return dout
'''),
    ],
    "EarlyStopping": [
        ("stores a reference to the live state dict (no copy)", '''
class EarlyStopping(EarlyStopping):
    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.num_bad_epochs = val_loss, self.epoch, 0
            self.best_state = model.state_dict()
        else:
            self.num_bad_epochs += 1
        return self.num_bad_epochs >= self.patience

    def restore_best(self, model):
        model.load_state_dict(self.best_state)
'''),
        ("copies the dict but not the tensors (state_dict().copy())", '''
class EarlyStopping(EarlyStopping):
    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.num_bad_epochs = val_loss, self.epoch, 0
            self.best_state = model.state_dict().copy()
        else:
            self.num_bad_epochs += 1
        return self.num_bad_epochs >= self.patience

    def restore_best(self, model):
        model.load_state_dict(self.best_state)
'''),
        ("an equal loss counts as an improvement (<= instead of <)", '''
class EarlyStopping(EarlyStopping):
    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss <= self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.num_bad_epochs = val_loss, self.epoch, 0
            self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.num_bad_epochs += 1
        return self.num_bad_epochs >= self.patience

    def restore_best(self, model):
        model.load_state_dict(self.best_state)
'''),
        ("off by one: stops after patience + 1 bad epochs", '''
class EarlyStopping(EarlyStopping):
    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.num_bad_epochs = val_loss, self.epoch, 0
            self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.num_bad_epochs += 1
        return self.num_bad_epochs > self.patience

    def restore_best(self, model):
        model.load_state_dict(self.best_state)
'''),
        ("the bad-epoch counter is not reset on an improvement", '''
class EarlyStopping(EarlyStopping):
    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch = val_loss, self.epoch
            self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.num_bad_epochs += 1
        return self.num_bad_epochs >= self.patience

    def restore_best(self, model):
        model.load_state_dict(self.best_state)
'''),
        ("min_delta ignored", '''
class EarlyStopping(EarlyStopping):
    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss:
            self.best_loss, self.best_epoch, self.num_bad_epochs = val_loss, self.epoch, 0
            self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.num_bad_epochs += 1
        return self.num_bad_epochs >= self.patience

    def restore_best(self, model):
        model.load_state_dict(self.best_state)
'''),
        ("min_delta with the wrong sign (val_loss < best + min_delta)", '''
class EarlyStopping(EarlyStopping):
    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss + self.min_delta:
            self.best_loss, self.best_epoch, self.num_bad_epochs = val_loss, self.epoch, 0
            self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.num_bad_epochs += 1
        return self.num_bad_epochs >= self.patience

    def restore_best(self, model):
        model.load_state_dict(self.best_state)
'''),
        ("best_loss also lowered by gains smaller than min_delta", '''
class EarlyStopping(EarlyStopping):
    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_epoch, self.num_bad_epochs = self.epoch, 0
            self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.num_bad_epochs += 1
        self.best_loss = min(self.best_loss, val_loss)
        return self.num_bad_epochs >= self.patience

    def restore_best(self, model):
        model.load_state_dict(self.best_state)
'''),
        ("saves the weights of every epoch, so it restores the last ones", '''
class EarlyStopping(EarlyStopping):
    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.num_bad_epochs = val_loss, self.epoch, 0
        else:
            self.num_bad_epochs += 1
        self.best_state = copy.deepcopy(model.state_dict())
        return self.num_bad_epochs >= self.patience

    def restore_best(self, model):
        model.load_state_dict(self.best_state)
'''),
        ("copies the parameters only, not the buffers (running statistics)", '''
class EarlyStopping(EarlyStopping):
    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.num_bad_epochs = val_loss, self.epoch, 0
            self.best_state = {n: p.detach().clone() for n, p in model.named_parameters()}
        else:
            self.num_bad_epochs += 1
        return self.num_bad_epochs >= self.patience

    def restore_best(self, model):
        model.load_state_dict(self.best_state, strict=False)
'''),
        ("counts epochs from 0 (the first call is epoch 0)", '''
class EarlyStopping(EarlyStopping):
    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.num_bad_epochs = val_loss, self.epoch - 1, 0
            self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.num_bad_epochs += 1
        return self.num_bad_epochs >= self.patience

    def restore_best(self, model):
        model.load_state_dict(self.best_state)
'''),
        ("restore_best does nothing", '''
class EarlyStopping(EarlyStopping):
    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.num_bad_epochs = val_loss, self.epoch, 0
            self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.num_bad_epochs += 1
        return self.num_bad_epochs >= self.patience

    def restore_best(self, model):
        return model
'''),
    ],
    "shift_images": [
        ("np.roll: pixels wrap around instead of becoming 0", '''
def shift_images(images, dx, dy):
    return np.roll(images, (dy, dx), axis=(1, 2))
'''),
        ("dx and dy swapped (dx moves rows)", '''
def shift_images(images, dx, dy):
    out = np.zeros_like(images)
    n, h, w = images.shape
    for r in range(h):
        for c in range(w):
            if 0 <= r - dx < h and 0 <= c - dy < w:
                out[:, r, c] = images[:, r - dx, c - dy]
    return out
'''),
        ("the opposite direction (dx > 0 moves left)", '''
def shift_images(images, dx, dy):
    out = np.zeros_like(images)
    n, h, w = images.shape
    for r in range(h):
        for c in range(w):
            if 0 <= r + dy < h and 0 <= c + dx < w:
                out[:, r, c] = images[:, r + dy, c + dx]
    return out
'''),
        ("naive slicing that breaks for shifts as large as the image", '''
def shift_images(images, dx, dy):
    out = np.zeros_like(images)
    if dy >= 0 and dx >= 0:
        out[:, dy:, dx:] = images[:, :images.shape[1] - dy, :images.shape[2] - dx]
    elif dy >= 0:
        out[:, dy:, :dx] = images[:, :images.shape[1] - dy, -dx:]
    elif dx >= 0:
        out[:, :dy, dx:] = images[:, -dy:, :images.shape[2] - dx]
    else:
        out[:, :dy, :dx] = images[:, -dy:, -dx:]
    return out
'''),
        ("returns float64 for integer images", '''
def shift_images(images, dx, dy):
    out = np.zeros(images.shape)
    n, h, w = images.shape
    for r in range(h):
        for c in range(w):
            if 0 <= r - dy < h and 0 <= c - dx < w:
                out[:, r, c] = images[:, r - dy, c - dx]
    return out
'''),
        ("modifies the input in place", '''
def shift_images(images, dx, dy):
    shifted = np.zeros_like(images)
    n, h, w = images.shape
    for r in range(h):
        for c in range(w):
            if 0 <= r - dy < h and 0 <= c - dx < w:
                shifted[:, r, c] = images[:, r - dy, c - dx]
    images[...] = shifted
    return images
'''),
        ("clipped slices without a guard for shifts as large as the image (shape mismatch)", '''
def shift_images(images, dx, dy):
    n, height, width = images.shape
    shifted = np.zeros_like(images)
    shifted[:, max(dy, 0):height + min(dy, 0), max(dx, 0):width + min(dx, 0)] = \\
        images[:, max(-dy, 0):height + min(-dy, 0), max(-dx, 0):width + min(-dx, 0)]
    return shifted
'''),
    ],
}

CORRECT = {
    "l2_penalty": [
        ("parameters_to_vector, with an empty list handled", '''
def l2_penalty(parameters, lam):
    params = list(parameters)
    if not params:
        return torch.tensor(0.0)
    return 0.5 * lam * torch.nn.utils.parameters_to_vector(params).pow(2).sum()
'''),
        ("an explicit loop with squared vector norms", '''
def l2_penalty(parameters, lam):
    total = torch.tensor(0.0)
    for theta in parameters:
        total = total + torch.linalg.vector_norm(theta) ** 2
    return lam * total / 2
'''),
        ("torch.stack of per-tensor sums of theta * theta, with a zero to start", '''
def l2_penalty(parameters, lam):
    return lam / 2 * torch.stack([torch.zeros(())] + [torch.sum(theta * theta) for theta in parameters]).sum()
'''),
    ],
    "l1_penalty": [
        ("torch.linalg.vector_norm with ord=1, sum started at a tensor", '''
def l1_penalty(parameters, lam):
    return lam * sum((torch.linalg.vector_norm(theta, ord=1) for theta in parameters), torch.zeros(()))
'''),
        ("parameters_to_vector, with an empty list handled", '''
def l1_penalty(parameters, lam):
    params = list(parameters)
    if not params:
        return torch.zeros(())
    return lam * torch.nn.utils.parameters_to_vector(params).abs().sum()
'''),
        ("a loop with torch.norm(p=1)", '''
def l1_penalty(parameters, lam):
    total = torch.zeros(())
    for theta in parameters:
        total = total + torch.norm(theta, p=1)
    return total * lam
'''),
    ],
    "l1_prox_step": [
        ("F.softshrink after a manual gradient step", '''
def l1_prox_step(parameters, lr, lam):
    with torch.no_grad():
        for theta in parameters:
            if theta.grad is None:
                continue
            theta.copy_(F.softshrink(theta - lr * theta.grad, lr * lam))
'''),
        ("torch.where on three cases, written through .data", '''
def l1_prox_step(parameters, lr, lam):
    t = lr * lam
    for theta in parameters:
        if theta.grad is not None:
            z = theta.data - lr * theta.grad
            theta.data.copy_(torch.where(z > t, z - t, torch.where(z < -t, z + t, torch.zeros_like(z))))
'''),
        ("in-place operations staged: sub_, then the shrink", '''
def l1_prox_step(parameters, lr, lam):
    with torch.no_grad():
        for theta in parameters:
            if theta.grad is not None:
                theta.sub_(lr * theta.grad)
                magnitude = (theta.abs() - lr * lam).clamp_(min=0)
                theta.copy_(theta.sign() * magnitude)
    return None
'''),
    ],
    "dropout_forward": [
        ("keep if rng.random < 1 - p", '''
def dropout_forward(x, p, training=True, rng=None):
    if not 0 <= p < 1:
        raise ValueError("p must lie in [0, 1)")
    if rng is None:
        rng = np.random.default_rng()
    if not training:
        return x, np.ones(x.shape)
    mask = np.where(rng.random(x.shape) < 1 - p, 1.0 / (1.0 - p), 0.0)
    return x * mask, mask
'''),
        ("rng.binomial", '''
def dropout_forward(x, p, training=True, rng=None):
    if not 0 <= p < 1:
        raise ValueError("p must lie in [0, 1)")
    rng = rng or np.random.default_rng()
    mask = rng.binomial(1, 1 - p, size=x.shape) / (1 - p) if training else np.ones_like(x, dtype=float)
    return x * mask, mask
'''),
        ("rng.uniform > p, staged, float32 kept", '''
def dropout_forward(x, p, training=True, rng=None):
    if not 0 <= p < 1:
        raise ValueError("p must lie in [0, 1)")
    if rng is None:
        rng = np.random.default_rng()
    mask = np.ones(x.shape, dtype=x.dtype if np.issubdtype(x.dtype, np.floating) else float)
    if training and p > 0:
        uniforms = rng.uniform(0.0, 1.0, size=x.shape)
        mask[uniforms <= p] = 0.0
        mask[uniforms > p] = 1.0 / (1.0 - p)
    out = x.copy() * mask
    return out, mask
'''),
        ("a float32 mask (rounded 1/(1-p))", '''
def dropout_forward(x, p, training=True, rng=None):
    if not 0 <= p < 1:
        raise ValueError("p must lie in [0, 1)")
    rng = np.random.default_rng() if rng is None else rng
    if not training:
        return x * np.float32(1), np.ones(x.shape, dtype=np.float32)
    mask = (rng.random(x.shape) >= p).astype(np.float32) / np.float32(1 - p)
    return x * mask, mask
'''),
        ("rng.choice between the two mask values", '''
def dropout_forward(x, p, training=True, rng=None):
    if not 0 <= p < 1:
        raise ValueError("p must lie in [0, 1)")
    rng = np.random.default_rng() if rng is None else rng
    if not training:
        return x.copy(), np.ones_like(x, dtype=float)
    mask = rng.choice(np.array([0.0, 1.0 / (1.0 - p)]), size=x.shape, p=[p, 1.0 - p])
    return x * mask, mask
'''),
    ],
    "dropout_backward": [
        ("np.multiply", '''
def dropout_backward(dout, mask):
    return np.multiply(dout, mask)
'''),
        ("np.where on the dropped units", '''
def dropout_backward(dout, mask):
    return np.where(mask == 0, 0.0, dout * mask)
'''),
    ],
    "EarlyStopping": [
        ("copy.deepcopy of the state dict; epochs since the best counted from best_epoch", '''
class EarlyStopping(EarlyStopping):
    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss = val_loss
            self.best_epoch = self.epoch
            self.best_state = copy.deepcopy(model.state_dict())
        self.num_bad_epochs = self.epoch - self.best_epoch
        return self.num_bad_epochs >= self.patience

    def restore_best(self, model):
        model.load_state_dict(copy.deepcopy(self.best_state))
        return model
'''),
        ("a deep copy of the whole model", '''
class EarlyStopping(EarlyStopping):
    def step(self, val_loss, model):
        self.epoch += 1
        improved = self.best_state is None or (self.best_loss - val_loss) > self.min_delta
        if improved:
            self.best_loss, self.best_epoch, self.num_bad_epochs = float(val_loss), self.epoch, 0
            self.best_state = copy.deepcopy(model)
            return False
        self.num_bad_epochs += 1
        return self.num_bad_epochs >= self.patience

    def restore_best(self, model):
        model.load_state_dict(self.best_state.state_dict())
'''),
        ("serialized with torch.save into memory", '''
import io as _io

class EarlyStopping(EarlyStopping):
    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.num_bad_epochs = val_loss, self.epoch, 0
            buffer = _io.BytesIO()
            torch.save(model.state_dict(), buffer)
            self.best_state = buffer.getvalue()
        else:
            self.num_bad_epochs += 1
        return self.num_bad_epochs >= self.patience

    def restore_best(self, model):
        model.load_state_dict(torch.load(_io.BytesIO(self.best_state)))
'''),
    ],
    "shift_images": [
        ("a loop over output pixels", '''
def shift_images(images, dx, dy):
    out = np.zeros_like(images)
    n, h, w = images.shape
    for r in range(h):
        for c in range(w):
            if 0 <= r - dy < h and 0 <= c - dx < w:
                out[:, r, c] = images[:, r - dy, c - dx]
    return out
'''),
        ("pad with zeros, then crop", '''
def shift_images(images, dx, dy):
    n, h, w = images.shape
    pad_r, pad_c = min(abs(dy), h), min(abs(dx), w)
    padded = np.pad(images, ((0, 0), (pad_r, pad_r), (pad_c, pad_c)))
    if abs(dy) >= h or abs(dx) >= w:
        return np.zeros_like(images)
    top = pad_r - dy
    left = pad_c - dx
    return padded[:, top:top + h, left:left + w].copy()
'''),
        ("scipy.ndimage.shift with order 0", '''
def shift_images(images, dx, dy):
    from scipy import ndimage
    return ndimage.shift(images, (0, dy, dx), order=0, mode="constant", cval=0)
'''),
    ],
}
