"""Wrong and alternative answers for 06_normalization_in_training."""

WRONG = {
    "scale_pixels": [
        ("unbiased std (torch.std's default correction=1)", '''
def scale_pixels(X_train, X_val, method):
    if method == "raw":
        return X_train.clone(), X_val.clone()
    if method == "minmax":
        return X_train / 16.0, X_val / 16.0
    if method == "standard":
        mean, std = X_train.mean(dim=0), X_train.std(dim=0)
        std = torch.where(std > 0, std, torch.ones_like(std))
        return (X_train - mean) / std, (X_val - mean) / std
    raise ValueError(method)
'''),
        ("statistics of training and validation images together (leakage)", '''
def scale_pixels(X_train, X_val, method):
    if method == "raw":
        return X_train.clone(), X_val.clone()
    if method == "minmax":
        return X_train / 16.0, X_val / 16.0
    if method == "standard":
        both = torch.cat([X_train, X_val])
        mean, std = both.mean(dim=0), both.std(dim=0, correction=0)
        std = torch.where(std > 0, std, torch.ones_like(std))
        return (X_train - mean) / std, (X_val - mean) / std
    raise ValueError(method)
'''),
        ("validation set standardized with its own statistics", '''
def scale_pixels(X_train, X_val, method):
    if method == "raw":
        return X_train.clone(), X_val.clone()
    if method == "minmax":
        return X_train / 16.0, X_val / 16.0
    if method == "standard":
        def own(X):
            std = X.std(dim=0, correction=0)
            return (X - X.mean(dim=0)) / torch.where(std > 0, std, torch.ones_like(std))
        return own(X_train), own(X_val)
    raise ValueError(method)
'''),
        ("constant pixels divided by a zero std", '''
def scale_pixels(X_train, X_val, method):
    if method == "raw":
        return X_train.clone(), X_val.clone()
    if method == "minmax":
        return X_train / 16.0, X_val / 16.0
    if method == "standard":
        mean, std = X_train.mean(dim=0), X_train.std(dim=0, correction=0)
        return (X_train - mean) / std, (X_val - mean) / std
    raise ValueError(method)
'''),
        ("constant pixels guarded with a small epsilon instead of dividing by 1", '''
def scale_pixels(X_train, X_val, method):
    if method == "raw":
        return X_train.clone(), X_val.clone()
    if method == "minmax":
        return X_train / 16.0, X_val / 16.0
    if method == "standard":
        mean, std = X_train.mean(dim=0), X_train.std(dim=0, correction=0)
        return (X_train - mean) / (std + 1e-8), (X_val - mean) / (std + 1e-8)
    raise ValueError(method)
'''),
        ("min-max with each pixel's minimum and maximum from the data", '''
def scale_pixels(X_train, X_val, method):
    if method == "raw":
        return X_train.clone(), X_val.clone()
    if method == "minmax":
        low, high = X_train.min(dim=0).values, X_train.max(dim=0).values
        span = torch.where(high > low, high - low, torch.ones_like(high))
        return (X_train - low) / span, (X_val - low) / span
    if method == "standard":
        mean, std = X_train.mean(dim=0), X_train.std(dim=0, correction=0)
        std = torch.where(std > 0, std, torch.ones_like(std))
        return (X_train - mean) / std, (X_val - mean) / std
    raise ValueError(method)
'''),
        ("scales the inputs in place", '''
def scale_pixels(X_train, X_val, method):
    if method == "raw":
        return X_train, X_val
    if method == "minmax":
        X_train /= 16.0
        X_val /= 16.0
        return X_train, X_val
    if method == "standard":
        mean, std = X_train.mean(dim=0), X_train.std(dim=0, correction=0)
        std = torch.where(std > 0, std, torch.ones_like(std))
        X_train -= mean
        X_train /= std
        X_val -= mean
        X_val /= std
        return X_train, X_val
    raise ValueError(method)
'''),
        ("float64 results (through NumPy) instead of float32", '''
def scale_pixels(X_train, X_val, method):
    A, B = X_train.double().numpy(), X_val.double().numpy()
    if method == "raw":
        return torch.tensor(A), torch.tensor(B)
    if method == "minmax":
        return torch.tensor(A / 16), torch.tensor(B / 16)
    if method == "standard":
        mean, std = A.mean(axis=0), A.std(axis=0)
        std[std == 0] = 1
        return torch.tensor((A - mean) / std), torch.tensor((B - mean) / std)
    raise ValueError(method)
'''),
        ("unknown method silently treated as 'raw'", '''
def scale_pixels(X_train, X_val, method):
    if method == "minmax":
        return X_train / 16.0, X_val / 16.0
    if method == "standard":
        mean, std = X_train.mean(dim=0), X_train.std(dim=0, correction=0)
        std = torch.where(std > 0, std, torch.ones_like(std))
        return (X_train - mean) / std, (X_val - mean) / std
    return X_train.clone(), X_val.clone()
'''),
    ],
    "make_mlp": [
        ("normalization after the activation", '''
def make_mlp(in_features, hidden_sizes, out_features, norm=None):
    if norm not in (None, "batch", "layer"):
        raise ValueError(norm)
    layers, previous = [], in_features
    for h in hidden_sizes:
        layers += [nn.Linear(previous, h, bias=norm != "batch"), nn.ReLU()]
        if norm == "batch":
            layers.append(nn.BatchNorm1d(h))
        elif norm == "layer":
            layers.append(nn.LayerNorm(h))
        previous = h
    return nn.Sequential(*layers, nn.Linear(previous, out_features))
'''),
        ("Linear before BatchNorm keeps its bias", '''
def make_mlp(in_features, hidden_sizes, out_features, norm=None):
    if norm not in (None, "batch", "layer"):
        raise ValueError(norm)
    layers, previous = [], in_features
    for h in hidden_sizes:
        layers.append(nn.Linear(previous, h))
        if norm == "batch":
            layers.append(nn.BatchNorm1d(h))
        elif norm == "layer":
            layers.append(nn.LayerNorm(h))
        layers.append(nn.ReLU())
        previous = h
    return nn.Sequential(*layers, nn.Linear(previous, out_features))
'''),
        ("Linear before LayerNorm loses its bias too", '''
def make_mlp(in_features, hidden_sizes, out_features, norm=None):
    if norm not in (None, "batch", "layer"):
        raise ValueError(norm)
    layers, previous = [], in_features
    for h in hidden_sizes:
        layers.append(nn.Linear(previous, h, bias=norm is None))
        if norm == "batch":
            layers.append(nn.BatchNorm1d(h))
        elif norm == "layer":
            layers.append(nn.LayerNorm(h))
        layers.append(nn.ReLU())
        previous = h
    return nn.Sequential(*layers, nn.Linear(previous, out_features))
'''),
        ("normalization after the output layer too", '''
def make_mlp(in_features, hidden_sizes, out_features, norm=None):
    if norm not in (None, "batch", "layer"):
        raise ValueError(norm)
    layers, previous = [], in_features
    for h in hidden_sizes:
        layers.append(nn.Linear(previous, h, bias=norm != "batch"))
        if norm == "batch":
            layers.append(nn.BatchNorm1d(h))
        elif norm == "layer":
            layers.append(nn.LayerNorm(h))
        layers.append(nn.ReLU())
        previous = h
    layers.append(nn.Linear(previous, out_features))
    if norm == "batch":
        layers.append(nn.BatchNorm1d(out_features))
    elif norm == "layer":
        layers.append(nn.LayerNorm(out_features))
    return nn.Sequential(*layers)
'''),
        ("no activation between the layers", '''
def make_mlp(in_features, hidden_sizes, out_features, norm=None):
    if norm not in (None, "batch", "layer"):
        raise ValueError(norm)
    layers, previous = [], in_features
    for h in hidden_sizes:
        layers.append(nn.Linear(previous, h, bias=norm != "batch"))
        if norm == "batch":
            layers.append(nn.BatchNorm1d(h))
        elif norm == "layer":
            layers.append(nn.LayerNorm(h))
        previous = h
    return nn.Sequential(*layers, nn.Linear(previous, out_features))
'''),
        ("a ReLU after the output layer", '''
def make_mlp(in_features, hidden_sizes, out_features, norm=None):
    if norm not in (None, "batch", "layer"):
        raise ValueError(norm)
    layers, previous = [], in_features
    for h in hidden_sizes:
        layers.append(nn.Linear(previous, h, bias=norm != "batch"))
        if norm == "batch":
            layers.append(nn.BatchNorm1d(h))
        elif norm == "layer":
            layers.append(nn.LayerNorm(h))
        layers.append(nn.ReLU())
        previous = h
    return nn.Sequential(*layers, nn.Linear(previous, out_features), nn.ReLU())
'''),
        ("LayerNorm without its learnable scale and shift", '''
def make_mlp(in_features, hidden_sizes, out_features, norm=None):
    if norm not in (None, "batch", "layer"):
        raise ValueError(norm)
    layers, previous = [], in_features
    for h in hidden_sizes:
        layers.append(nn.Linear(previous, h, bias=norm != "batch"))
        if norm == "batch":
            layers.append(nn.BatchNorm1d(h))
        elif norm == "layer":
            layers.append(nn.LayerNorm(h, elementwise_affine=False))
        layers.append(nn.ReLU())
        previous = h
    return nn.Sequential(*layers, nn.Linear(previous, out_features))
'''),
        ("unknown norm silently ignored", '''
def make_mlp(in_features, hidden_sizes, out_features, norm=None):
    layers, previous = [], in_features
    for h in hidden_sizes:
        layers.append(nn.Linear(previous, h, bias=norm != "batch"))
        if norm == "batch":
            layers.append(nn.BatchNorm1d(h))
        elif norm == "layer":
            layers.append(nn.LayerNorm(h))
        layers.append(nn.ReLU())
        previous = h
    return nn.Sequential(*layers, nn.Linear(previous, out_features))
'''),
    ],
    "mlp_num_parameters": [
        ("counts a bias before BatchNorm", '''
def mlp_num_parameters(in_features, hidden_sizes, out_features, norm=None):
    if norm not in (None, "batch", "layer"):
        raise ValueError(norm)
    total, previous = 0, in_features
    for h in hidden_sizes:
        total += previous * h + h + (2 * h if norm else 0)
        previous = h
    return total + previous * out_features + out_features
'''),
        ("counts BatchNorm's running statistics as parameters", '''
def mlp_num_parameters(in_features, hidden_sizes, out_features, norm=None):
    if norm not in (None, "batch", "layer"):
        raise ValueError(norm)
    total, previous = 0, in_features
    for h in hidden_sizes:
        total += previous * h + (0 if norm == "batch" else h) + (2 * h if norm else 0)
        total += 2 * h if norm == "batch" else 0
        previous = h
    return total + previous * out_features + out_features
'''),
        ("forgets the normalization layers' gamma and beta", '''
def mlp_num_parameters(in_features, hidden_sizes, out_features, norm=None):
    if norm not in (None, "batch", "layer"):
        raise ValueError(norm)
    total, previous = 0, in_features
    for h in hidden_sizes:
        total += previous * h + (0 if norm == "batch" else h)
        previous = h
    return total + previous * out_features + out_features
'''),
        ("forgets the output layer's bias", '''
def mlp_num_parameters(in_features, hidden_sizes, out_features, norm=None):
    if norm not in (None, "batch", "layer"):
        raise ValueError(norm)
    total, previous = 0, in_features
    for h in hidden_sizes:
        total += previous * h + (0 if norm == "batch" else h) + (2 * h if norm else 0)
        previous = h
    return total + previous * out_features
'''),
    ],
    "evaluate": [
        ("stays in training mode (BatchNorm uses batch statistics and updates its buffers)", '''
def evaluate(model, X, y):
    with torch.no_grad():
        logits = model(X)
        return F.cross_entropy(logits, y).item(), (logits.argmax(dim=1) == y).float().mean().item()
'''),
        ("builds an autograd graph (no torch.no_grad)", '''
def evaluate(model, X, y):
    model.eval()
    logits = model(X)
    return F.cross_entropy(logits, y).item(), (logits.argmax(dim=1) == y).float().mean().item()
'''),
        ("summed instead of mean loss", '''
def evaluate(model, X, y):
    model.eval()
    with torch.no_grad():
        logits = model(X)
        return F.cross_entropy(logits, y, reduction="sum").item(), (logits.argmax(dim=1) == y).float().mean().item()
'''),
        ("accuracy in percent", '''
def evaluate(model, X, y):
    model.eval()
    with torch.no_grad():
        logits = model(X)
        return F.cross_entropy(logits, y).item(), 100 * (logits.argmax(dim=1) == y).float().mean().item()
'''),
        ("returns tensors instead of floats", '''
def evaluate(model, X, y):
    model.eval()
    with torch.no_grad():
        logits = model(X)
        return F.cross_entropy(logits, y), (logits.argmax(dim=1) == y).float().mean()
'''),
        ("eval mode switched on after the forward pass", '''
def evaluate(model, X, y):
    with torch.no_grad():
        logits = model(X)
    model.eval()
    return F.cross_entropy(logits, y).item(), (logits.argmax(dim=1) == y).float().mean().item()
'''),
    ],
    "train": [
        ("model.train() called once before the loop (later epochs train in eval mode)", '''
def train(model, X_train, y_train, X_val, y_val, *, epochs, batch_size, lr, momentum=0.9, seed=0):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    generator = torch.Generator().manual_seed(seed)
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    n_train = len(X_train)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(n_train, generator=generator)
        for start in range(0, n_train, batch_size):
            batch = order[start:start + batch_size]
            loss = F.cross_entropy(model(X_train[batch]), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        for split, X, y in (("train", X_train, y_train), ("val", X_val, y_val)):
            loss, acc = evaluate(model, X, y)
            history[f"{split}_loss"].append(loss)
            history[f"{split}_acc"].append(acc)
    return history
'''),
        ("history measured in training mode (BatchNorm uses batch statistics)", '''
def train(model, X_train, y_train, X_val, y_val, *, epochs, batch_size, lr, momentum=0.9, seed=0):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    generator = torch.Generator().manual_seed(seed)
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    n_train = len(X_train)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n_train, generator=generator)
        for start in range(0, n_train, batch_size):
            batch = order[start:start + batch_size]
            loss = F.cross_entropy(model(X_train[batch]), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            for split, X, y in (("train", X_train, y_train), ("val", X_val, y_val)):
                logits = model(X)
                history[f"{split}_loss"].append(F.cross_entropy(logits, y).item())
                history[f"{split}_acc"].append((logits.argmax(dim=1) == y).float().mean().item())
    return history
'''),
        ("optimizer.zero_grad() forgotten (gradients accumulate)", '''
def train(model, X_train, y_train, X_val, y_val, *, epochs, batch_size, lr, momentum=0.9, seed=0):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    generator = torch.Generator().manual_seed(seed)
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    n_train = len(X_train)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n_train, generator=generator)
        for start in range(0, n_train, batch_size):
            batch = order[start:start + batch_size]
            loss = F.cross_entropy(model(X_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()
        for split, X, y in (("train", X_train, y_train), ("val", X_val, y_val)):
            loss, acc = evaluate(model, X, y)
            history[f"{split}_loss"].append(loss)
            history[f"{split}_acc"].append(acc)
    return history
'''),
        ("history keys named differently", '''
def train(model, X_train, y_train, X_val, y_val, *, epochs, batch_size, lr, momentum=0.9, seed=0):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    generator = torch.Generator().manual_seed(seed)
    history = {"train_loss": [], "train_accuracy": [], "val_loss": [], "val_accuracy": []}
    n_train = len(X_train)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n_train, generator=generator)
        for start in range(0, n_train, batch_size):
            batch = order[start:start + batch_size]
            loss = F.cross_entropy(model(X_train[batch]), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        for split, X, y in (("train", X_train, y_train), ("val", X_val, y_val)):
            loss, acc = evaluate(model, X, y)
            history[f"{split}_loss"].append(loss)
            history[f"{split}_accuracy"].append(acc)
    return history
'''),
        ("training loss recorded per mini-batch (wrong lengths)", '''
def train(model, X_train, y_train, X_val, y_val, *, epochs, batch_size, lr, momentum=0.9, seed=0):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    generator = torch.Generator().manual_seed(seed)
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    n_train = len(X_train)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n_train, generator=generator)
        for start in range(0, n_train, batch_size):
            batch = order[start:start + batch_size]
            logits = model(X_train[batch])
            loss = F.cross_entropy(logits, y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            history["train_loss"].append(loss.item())
            history["train_acc"].append((logits.argmax(dim=1) == y_train[batch]).float().mean().item())
        loss, acc = evaluate(model, X_val, y_val)
        history["val_loss"].append(loss)
        history["val_acc"].append(acc)
    return history
'''),
        ("order drawn from the global random state (torch.randperm without the generator)", '''
def train(model, X_train, y_train, X_val, y_val, *, epochs, batch_size, lr, momentum=0.9, seed=0):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    n_train = len(X_train)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n_train)
        for start in range(0, n_train, batch_size):
            batch = order[start:start + batch_size]
            loss = F.cross_entropy(model(X_train[batch]), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        for split, X, y in (("train", X_train, y_train), ("val", X_val, y_val)):
            loss, acc = evaluate(model, X, y)
            history[split + "_loss"].append(loss)
            history[split + "_acc"].append(acc)
    return history
'''),
        ("order drawn with np.random.permutation (global NumPy state)", '''
def train(model, X_train, y_train, X_val, y_val, *, epochs, batch_size, lr, momentum=0.9, seed=0):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    n_train = len(X_train)
    for _ in range(epochs):
        model.train()
        order = torch.from_numpy(np.random.permutation(n_train))
        for start in range(0, n_train, batch_size):
            batch = order[start:start + batch_size]
            loss = F.cross_entropy(model(X_train[batch]), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        for split, X, y in (("train", X_train, y_train), ("val", X_val, y_val)):
            loss, acc = evaluate(model, X, y)
            history[split + "_loss"].append(loss)
            history[split + "_acc"].append(acc)
    return history
'''),
        ("training curves as the average of the epoch's mini-batch losses", '''
def train(model, X_train, y_train, X_val, y_val, *, epochs, batch_size, lr, momentum=0.9, seed=0):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    generator = torch.Generator().manual_seed(seed)
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    n_train = len(X_train)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n_train, generator=generator)
        total_loss, correct = 0.0, 0
        for start in range(0, n_train, batch_size):
            batch = order[start:start + batch_size]
            logits = model(X_train[batch])
            loss = F.cross_entropy(logits, y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(batch)
            correct += (logits.argmax(dim=1) == y_train[batch]).sum().item()
        history["train_loss"].append(total_loss / n_train)
        history["train_acc"].append(correct / n_train)
        loss, acc = evaluate(model, X_val, y_val)
        history["val_loss"].append(loss)
        history["val_acc"].append(acc)
    return history
'''),
        ("no shuffling (the same order every epoch)", '''
def train(model, X_train, y_train, X_val, y_val, *, epochs, batch_size, lr, momentum=0.9, seed=0):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    n_train = len(X_train)
    for _ in range(epochs):
        model.train()
        for start in range(0, n_train, batch_size):
            loss = F.cross_entropy(model(X_train[start:start + batch_size]), y_train[start:start + batch_size])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        for split, X, y in (("train", X_train, y_train), ("val", X_val, y_val)):
            loss, acc = evaluate(model, X, y)
            history[f"{split}_loss"].append(loss)
            history[f"{split}_acc"].append(acc)
    return history
'''),
        ("one permutation drawn before the loop (the same order every epoch)", '''
def train(model, X_train, y_train, X_val, y_val, *, epochs, batch_size, lr, momentum=0.9, seed=0):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    generator = torch.Generator().manual_seed(seed)
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    n_train = len(X_train)
    order = torch.randperm(n_train, generator=generator)
    for _ in range(epochs):
        model.train()
        for start in range(0, n_train, batch_size):
            batch = order[start:start + batch_size]
            loss = F.cross_entropy(model(X_train[batch]), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        for split, X, y in (("train", X_train, y_train), ("val", X_val, y_val)):
            loss, acc = evaluate(model, X, y)
            history[f"{split}_loss"].append(loss)
            history[f"{split}_acc"].append(acc)
    return history
'''),
        ("generator re-seeded at every epoch (the same order every epoch)", '''
def train(model, X_train, y_train, X_val, y_val, *, epochs, batch_size, lr, momentum=0.9, seed=0):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    n_train = len(X_train)
    for _ in range(epochs):
        model.train()
        generator = torch.Generator().manual_seed(seed)
        order = torch.randperm(n_train, generator=generator)
        for start in range(0, n_train, batch_size):
            batch = order[start:start + batch_size]
            loss = F.cross_entropy(model(X_train[batch]), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        for split, X, y in (("train", X_train, y_train), ("val", X_val, y_val)):
            loss, acc = evaluate(model, X, y)
            history[f"{split}_loss"].append(loss)
            history[f"{split}_acc"].append(acc)
    return history
'''),
        ("last, smaller mini-batch dropped", '''
def train(model, X_train, y_train, X_val, y_val, *, epochs, batch_size, lr, momentum=0.9, seed=0):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    generator = torch.Generator().manual_seed(seed)
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    n_train = len(X_train)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n_train, generator=generator)
        for step in range(max(n_train // batch_size, 1)):
            batch = order[step * batch_size:(step + 1) * batch_size]
            loss = F.cross_entropy(model(X_train[batch]), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        for split, X, y in (("train", X_train, y_train), ("val", X_val, y_val)):
            loss, acc = evaluate(model, X, y)
            history[f"{split}_loss"].append(loss)
            history[f"{split}_acc"].append(acc)
    return history
'''),
        ("mini-batches drawn with replacement", '''
def train(model, X_train, y_train, X_val, y_val, *, epochs, batch_size, lr, momentum=0.9, seed=0):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    generator = torch.Generator().manual_seed(seed)
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    n_train = len(X_train)
    for _ in range(epochs):
        model.train()
        for start in range(0, n_train, batch_size):
            batch = torch.randint(0, n_train, (min(batch_size, n_train - start),), generator=generator)
            loss = F.cross_entropy(model(X_train[batch]), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        for split, X, y in (("train", X_train, y_train), ("val", X_val, y_val)):
            loss, acc = evaluate(model, X, y)
            history[f"{split}_loss"].append(loss)
            history[f"{split}_acc"].append(acc)
    return history
'''),
        ("summed instead of mean mini-batch loss", '''
def train(model, X_train, y_train, X_val, y_val, *, epochs, batch_size, lr, momentum=0.9, seed=0):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    generator = torch.Generator().manual_seed(seed)
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    n_train = len(X_train)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n_train, generator=generator)
        for start in range(0, n_train, batch_size):
            batch = order[start:start + batch_size]
            loss = F.cross_entropy(model(X_train[batch]), y_train[batch], reduction="sum")
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        for split, X, y in (("train", X_train, y_train), ("val", X_val, y_val)):
            loss, acc = evaluate(model, X, y)
            history[f"{split}_loss"].append(loss)
            history[f"{split}_acc"].append(acc)
    return history
'''),
    ],
    "scale_invariance_gap": [
        ('copies run in eval mode (running statistics do not scale with the inputs)', '''
def scale_invariance_gap(model, X, y, c):
    out = []
    for inputs in (X, c * X):
        m = copy.deepcopy(model).eval()
        loss = F.cross_entropy(m(inputs), y)
        (g,) = torch.autograd.grad(loss, m[0].weight)
        out.append((loss.item(), g))
    return abs(out[1][0] - out[0][0]), ((out[1][1] - out[0][1]).abs().max() / out[0][1].abs().max()).item()
'''),
        ('copies keep the mode they were handed (eval stays eval)', '''
def scale_invariance_gap(model, X, y, c):
    out = []
    for inputs in (X, c * X):
        m = copy.deepcopy(model)
        loss = F.cross_entropy(m(inputs), y)
        (g,) = torch.autograd.grad(loss, m[0].weight)
        out.append((loss.item(), g))
    return abs(out[1][0] - out[0][0]), ((out[1][1] - out[0][1]).abs().max() / out[0][1].abs().max()).item()
'''),
        ('one copy for both inputs, gradients accumulate (no zero_grad)', '''
def scale_invariance_gap(model, X, y, c):
    m = copy.deepcopy(model).train()
    out = []
    for inputs in (X, c * X):
        loss = F.cross_entropy(m(inputs), y)
        loss.backward()
        out.append((loss.item(), m[0].weight.grad.clone()))
    return abs(out[1][0] - out[0][0]), ((out[1][1] - out[0][1]).abs().max() / out[0][1].abs().max()).item()
'''),
        ('works on the given model (mode, buffers and .grad changed)', '''
def scale_invariance_gap(model, X, y, c):
    model.train()
    out = []
    for inputs in (X, c * X):
        model.zero_grad()
        loss = F.cross_entropy(model(inputs), y)
        loss.backward()
        out.append((loss.item(), model[0].weight.grad.clone()))
    return abs(out[1][0] - out[0][0]), ((out[1][1] - out[0][1]).abs().max() / out[0][1].abs().max()).item()
'''),
        ('training mode set on the given model, then copied (its mode changes)', '''
def scale_invariance_gap(model, X, y, c):
    model.train()
    out = []
    for inputs in (X, c * X):
        m = copy.deepcopy(model)
        loss = F.cross_entropy(m(inputs), y)
        (g,) = torch.autograd.grad(loss, m[0].weight)
        out.append((loss.item(), g))
    return abs(out[1][0] - out[0][0]), ((out[1][1] - out[0][1]).abs().max() / out[0][1].abs().max()).item()
'''),
        ('gradient of the last Linear instead of the first', '''
def scale_invariance_gap(model, X, y, c):
    out = []
    for inputs in (X, c * X):
        m = copy.deepcopy(model).train()
        loss = F.cross_entropy(m(inputs), y)
        last = [layer for layer in m if isinstance(layer, nn.Linear)][-1]
        (g,) = torch.autograd.grad(loss, last.weight)
        out.append((loss.item(), g))
    return abs(out[1][0] - out[0][0]), ((out[1][1] - out[0][1]).abs().max() / out[0][1].abs().max()).item()
'''),
        ('gradient gap divided by max |G(cX)| instead of max |G(X)|', '''
def scale_invariance_gap(model, X, y, c):
    out = []
    for inputs in (X, c * X):
        m = copy.deepcopy(model).train()
        loss = F.cross_entropy(m(inputs), y)
        (g,) = torch.autograd.grad(loss, m[0].weight)
        out.append((loss.item(), g))
    return abs(out[1][0] - out[0][0]), ((out[1][1] - out[0][1]).abs().max() / out[1][1].abs().max()).item()
'''),
        ('absolute gradient gap, not relative', '''
def scale_invariance_gap(model, X, y, c):
    out = []
    for inputs in (X, c * X):
        m = copy.deepcopy(model).train()
        loss = F.cross_entropy(m(inputs), y)
        (g,) = torch.autograd.grad(loss, m[0].weight)
        out.append((loss.item(), g))
    return abs(out[1][0] - out[0][0]), (out[1][1] - out[0][1]).abs().max().item()
'''),
        ('relative gap of the Frobenius norms instead of the largest entries', '''
def scale_invariance_gap(model, X, y, c):
    out = []
    for inputs in (X, c * X):
        m = copy.deepcopy(model).train()
        loss = F.cross_entropy(m(inputs), y)
        (g,) = torch.autograd.grad(loss, m[0].weight)
        out.append((loss.item(), g))
    return abs(out[1][0] - out[0][0]), ((out[1][1] - out[0][1]).norm() / out[0][1].norm()).item()
'''),
        ('signed loss difference L(X) - L(cX)', '''
def scale_invariance_gap(model, X, y, c):
    out = []
    for inputs in (X, c * X):
        m = copy.deepcopy(model).train()
        loss = F.cross_entropy(m(inputs), y)
        (g,) = torch.autograd.grad(loss, m[0].weight)
        out.append((loss.item(), g))
    return out[0][0] - out[1][0], ((out[1][1] - out[0][1]).abs().max() / out[0][1].abs().max()).item()
'''),
        ('inputs divided by c instead of multiplied', '''
def scale_invariance_gap(model, X, y, c):
    out = []
    for inputs in (X, X / c):
        m = copy.deepcopy(model).train()
        loss = F.cross_entropy(m(inputs), y)
        (g,) = torch.autograd.grad(loss, m[0].weight)
        out.append((loss.item(), g))
    return abs(out[1][0] - out[0][0]), ((out[1][1] - out[0][1]).abs().max() / out[0][1].abs().max()).item()
'''),
        ('summed instead of mean cross-entropy', '''
def scale_invariance_gap(model, X, y, c):
    out = []
    for inputs in (X, c * X):
        m = copy.deepcopy(model).train()
        loss = F.cross_entropy(m(inputs), y, reduction="sum")
        (g,) = torch.autograd.grad(loss, m[0].weight)
        out.append((loss.item(), g))
    return abs(out[1][0] - out[0][0]), ((out[1][1] - out[0][1]).abs().max() / out[0][1].abs().max()).item()
'''),
    ],
    "largest_stable_lr": [
        ("nan counted as stable (`not loss >= max_loss`)", '''
def largest_stable_lr(lrs, final_losses, max_loss=1.0):
    best = None
    for lr, loss in sorted(zip([float(v) for v in lrs], [float(v) for v in final_losses])):
        if loss >= max_loss:
            break
        best = lr
    return best
'''),
        ("the largest stable rate, even above an unstable one", '''
def largest_stable_lr(lrs, final_losses, max_loss=1.0):
    stable = [float(lr) for lr, loss in zip(lrs, final_losses) if math.isfinite(float(loss)) and float(loss) < max_loss]
    return max(stable) if stable else None
'''),
        ("walks the rates in the given order, not sorted", '''
def largest_stable_lr(lrs, final_losses, max_loss=1.0):
    best = None
    for lr, loss in zip([float(v) for v in lrs], [float(v) for v in final_losses]):
        if not (math.isfinite(loss) and loss < max_loss):
            break
        best = lr
    return best
'''),
        ("returns the position instead of the learning rate", '''
def largest_stable_lr(lrs, final_losses, max_loss=1.0):
    pairs = sorted(zip([float(v) for v in lrs], [float(v) for v in final_losses]))
    best = None
    for k, (lr, loss) in enumerate(pairs):
        if not (math.isfinite(loss) and loss < max_loss):
            break
        best = float(k)
    return best
'''),
        ("default threshold left at 0.5 (the sweep's threshold is 1.0)", '''
def largest_stable_lr(lrs, final_losses, max_loss=0.5):
    best = None
    for lr, loss in sorted(zip([float(v) for v in lrs], [float(v) for v in final_losses])):
        if not (math.isfinite(loss) and loss < max_loss):
            break
        best = lr
    return best
'''),
        ("ignores the max_loss argument", '''
def largest_stable_lr(lrs, final_losses, max_loss=1.0):
    best = None
    for lr, loss in sorted(zip([float(v) for v in lrs], [float(v) for v in final_losses])):
        if not (math.isfinite(loss) and loss < 0.5):
            break
        best = lr
    return best
'''),
    ],
    "drop_bias_before_bn": [
        ("bias deleted, running mean left as it was", '''
def drop_bias_before_bn(linear, bn):
    new_linear, new_bn = copy.deepcopy(linear), copy.deepcopy(bn)
    new_linear.bias = None
    return new_linear, new_bn
'''),
        ("bias added to the running mean (wrong sign)", '''
def drop_bias_before_bn(linear, bn):
    new_linear, new_bn = copy.deepcopy(linear), copy.deepcopy(bn)
    if linear.bias is not None:
        with torch.no_grad():
            new_bn.running_mean += linear.bias
        new_linear.bias = None
    return new_linear, new_bn
'''),
        ("bias moved into BatchNorm's shift beta (right in eval mode only)", '''
def drop_bias_before_bn(linear, bn):
    new_linear, new_bn = copy.deepcopy(linear), copy.deepcopy(bn)
    if linear.bias is not None:
        with torch.no_grad():
            scale = torch.sqrt(bn.running_var + bn.eps)
            gamma = bn.weight if bn.affine else torch.ones_like(scale)
            if bn.affine:
                new_bn.bias += gamma * linear.bias / scale
        new_linear.bias = None
    return new_linear, new_bn
'''),
        ("modifies the given modules in place", '''
def drop_bias_before_bn(linear, bn):
    if linear.bias is not None:
        with torch.no_grad():
            bn.running_mean -= linear.bias
        linear.bias = None
    return linear, bn
'''),
        ("a fresh BatchNorm1d without num_batches_tracked (breaks momentum=None)", '''
def drop_bias_before_bn(linear, bn):
    new_linear = nn.Linear(linear.in_features, linear.out_features, bias=False)
    new_bn = nn.BatchNorm1d(bn.num_features, eps=bn.eps, momentum=bn.momentum, affine=bn.affine)
    with torch.no_grad():
        new_linear.weight.copy_(linear.weight)
        if bn.affine:
            new_bn.weight.copy_(bn.weight)
            new_bn.bias.copy_(bn.bias)
        new_bn.running_var.copy_(bn.running_var)
        shift = linear.bias if linear.bias is not None else torch.zeros_like(bn.running_mean)
        new_bn.running_mean.copy_(bn.running_mean - shift)
    return new_linear, new_bn
'''),
        ("a fresh BatchNorm1d with default momentum and eps", '''
def drop_bias_before_bn(linear, bn):
    new_linear = nn.Linear(linear.in_features, linear.out_features, bias=False)
    new_bn = nn.BatchNorm1d(bn.num_features, affine=bn.affine)
    state = {key: value.clone() for key, value in bn.state_dict().items()}
    if linear.bias is not None:
        state["running_mean"] = state["running_mean"] - linear.bias.detach()
    new_bn.load_state_dict(state)
    with torch.no_grad():
        new_linear.weight.copy_(linear.weight)
    return new_linear, new_bn
'''),
    ],
}

CORRECT = {
    "scale_pixels": [
        ("through sklearn's StandardScaler, back to float32 tensors", '''
def scale_pixels(X_train, X_val, method):
    from sklearn.preprocessing import StandardScaler
    if method == "raw":
        return X_train.clone(), X_val.clone()
    if method == "minmax":
        return X_train / 16, X_val / 16
    if method == "standard":
        scaler = StandardScaler().fit(X_train.numpy())
        return (torch.tensor(scaler.transform(X_train.numpy()), dtype=torch.float32),
                torch.tensor(scaler.transform(X_val.numpy()), dtype=torch.float32))
    raise ValueError(method)
'''),
        ("hand-written variance and a mask for constant pixels", '''
def scale_pixels(X_train, X_val, method):
    if method not in ("raw", "minmax", "standard"):
        raise ValueError(f"unknown method {method}")
    if method == "raw":
        return X_train + 0, X_val + 0
    if method == "minmax":
        return X_train * (1 / 16), X_val * (1 / 16)
    n = X_train.shape[0]
    mean = X_train.sum(dim=0) / n
    std = (((X_train - mean) ** 2).sum(dim=0) / n).sqrt()
    std[std == 0] = 1.0
    return (X_train - mean) / std, (X_val - mean) / std
'''),
    ],
    "make_mlp": [
        ("named layers in an OrderedDict, in-place ReLU, tuple of sizes", '''
from collections import OrderedDict


def make_mlp(in_features, hidden_sizes, out_features, norm=None):
    kinds = {None: None, "batch": nn.BatchNorm1d, "layer": nn.LayerNorm}
    if norm not in kinds:
        raise ValueError(f"norm must be None, 'batch' or 'layer', not {norm!r}")
    sizes = [in_features, *tuple(hidden_sizes)]
    named = OrderedDict()
    for k, (d_in, d_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        named[f"fc{k}"] = nn.Linear(d_in, d_out, bias=kinds[norm] is not nn.BatchNorm1d)
        if kinds[norm] is not None:
            named[f"norm{k}"] = kinds[norm](d_out)
        named[f"act{k}"] = nn.ReLU(inplace=True)
    named["out"] = nn.Linear(sizes[-1], out_features)
    return nn.Sequential(named)
'''),
    ],
    "mlp_num_parameters": [
        ("builds the network and counts with numel", '''
def mlp_num_parameters(in_features, hidden_sizes, out_features, norm=None):
    model = make_mlp(in_features, hidden_sizes, out_features, norm)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
'''),
    ],
    "evaluate": [
        ("inference_mode, chunks of 100 and a weighted average, restores the mode", '''
def evaluate(model, X, y):
    was_training = model.training
    model.eval()
    total_loss, correct = 0.0, 0
    with torch.inference_mode():
        for start in range(0, len(X), 100):
            logits = model(X[start:start + 100])
            total_loss += F.cross_entropy(logits, y[start:start + 100], reduction="sum").item()
            correct += int((logits.argmax(dim=1) == y[start:start + 100]).sum())
    model.train(was_training)
    return total_loss / len(X), correct / len(X)
'''),
    ],
    "train": [
        ("DataLoader with a seeded generator, evaluation inline", '''
def train(model, X_train, y_train, X_val, y_val, *, epochs, batch_size, lr, momentum=0.9, seed=0):
    from torch.utils.data import DataLoader, TensorDataset
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    generator = torch.Generator().manual_seed(seed)
    loader = DataLoader(TensorDataset(X_train, y_train), batch_size=batch_size, shuffle=True, generator=generator)
    history = {key: [] for key in ("train_loss", "train_acc", "val_loss", "val_acc")}
    for _ in range(epochs):
        model.train()
        for xb, yb in loader:
            optimizer.zero_grad(set_to_none=False)
            F.cross_entropy(model(xb), yb).backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            for split, X, y in (("train", X_train, y_train), ("val", X_val, y_val)):
                logits = model(X)
                history[split + "_loss"].append(float(F.cross_entropy(logits, y)))
                history[split + "_acc"].append(float((logits.argmax(1) == y).double().mean()))
    return history
'''),
        ("torch.split of one permutation, model.zero_grad", '''
def train(model, X_train, y_train, X_val, y_val, *, epochs, batch_size, lr, momentum=0.9, seed=0):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    generator = torch.Generator().manual_seed(seed)
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    for _ in range(epochs):
        model.train()
        for batch in torch.split(torch.randperm(len(X_train), generator=generator), batch_size):
            model.zero_grad()
            loss = F.cross_entropy(model(X_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()
        train_loss, train_acc = evaluate(model, X_train, y_train)
        val_loss, val_acc = evaluate(model, X_val, y_val)
        for key, value in zip(history, (train_loss, train_acc, val_loss, val_acc)):
            history[key].append(value)
    return history
'''),
    ],
    "scale_invariance_gap": [
        ('backward on two fresh copies, torch.max of the flattened gradients', '''
def scale_invariance_gap(model, X, y, c):
    results = []
    for inputs in (X, c * X):
        network = copy.deepcopy(model)
        network.train()
        network.zero_grad(set_to_none=True)
        loss = F.cross_entropy(network(inputs), y)
        loss.backward()
        results.append((float(loss), network[0].weight.grad.detach().flatten()))
    (loss_x, grad_x), (loss_cx, grad_cx) = results
    return float(abs(loss_cx - loss_x)), float(torch.max(torch.abs(grad_cx - grad_x)) / torch.max(torch.abs(grad_x)))
'''),
        ('one copy, gradients zeroed between the passes, ratios in NumPy', '''
def scale_invariance_gap(model, X, y, c):
    network = copy.deepcopy(model).train()
    losses, grads = [], []
    for inputs in (X, X * c):
        for p in network.parameters():
            p.grad = None
        loss = F.nll_loss(F.log_softmax(network(inputs), dim=1), y)
        loss.backward()
        losses.append(loss.item())
        grads.append(network[0].weight.grad.numpy().copy())
    return float(np.abs(losses[1] - losses[0])), float(np.abs(grads[1] - grads[0]).max() / np.abs(grads[0]).max())
'''),
    ],
    "largest_stable_lr": [
        ("NumPy: sort, then a cumulative product of the stable mask", '''
def largest_stable_lr(lrs, final_losses, max_loss=1.0):
    lrs = np.asarray(lrs, dtype=float)
    losses = np.asarray(final_losses, dtype=float)
    order = np.argsort(lrs)
    with np.errstate(invalid="ignore"):
        stable = np.isfinite(losses[order]) & (losses[order] < max_loss)
    ok = np.cumprod(stable).astype(bool)
    return float(lrs[order][ok][-1]) if ok.any() else None
'''),
    ],
    "drop_bias_before_bn": [
        ("new modules built by hand, state_dict with a shifted running mean", '''
def drop_bias_before_bn(linear, bn):
    new_linear = nn.Linear(linear.in_features, linear.out_features, bias=False)
    new_bn = nn.BatchNorm1d(bn.num_features, eps=bn.eps, momentum=bn.momentum, affine=bn.affine)
    state = {key: value.clone() for key, value in bn.state_dict().items()}
    if linear.bias is not None:
        state["running_mean"] = state["running_mean"] - linear.bias.detach()
    new_bn.load_state_dict(state)
    new_linear.load_state_dict({"weight": linear.weight.detach().clone()})
    new_bn.train(bn.training)
    return new_linear, new_bn
'''),
    ],
}
