"""Wrong and alternative answers for 01_feature_scaling.

Each WRONG entry redefines an exercise function with a typical mistake; the exercise's hidden test
must fail on it. Each CORRECT entry is a different but valid answer; both test cells must pass.
"""

WRONG = {
    "min_max_scale": [
        ("test data scaled with its own min and max", '''
def min_max_scale(X_train, X_test, feature_range=(0.0, 1.0)):
    a, b = feature_range
    def fit_apply(X):
        X = np.asarray(X, dtype=float)
        rng = X.max(axis=0) - X.min(axis=0)
        rng = np.where(rng == 0, 1.0, rng)
        return a + (X - X.min(axis=0)) * (b - a) / rng
    return fit_apply(X_train), fit_apply(X_test)
'''),
        ("feature_range ignored (always [0, 1])", '''
def min_max_scale(X_train, X_test, feature_range=(0.0, 1.0)):
    X_train = np.asarray(X_train, dtype=float); X_test = np.asarray(X_test, dtype=float)
    lo = X_train.min(axis=0)
    rng = X_train.max(axis=0) - lo
    rng = np.where(rng == 0, 1.0, rng)
    return (X_train - lo) / rng, (X_test - lo) / rng
'''),
        ("division by zero on constant columns (no guard)", '''
def min_max_scale(X_train, X_test, feature_range=(0.0, 1.0)):
    a, b = feature_range
    X_train = np.asarray(X_train, dtype=float); X_test = np.asarray(X_test, dtype=float)
    lo = X_train.min(axis=0)
    rng = X_train.max(axis=0) - lo
    with np.errstate(divide="ignore", invalid="ignore"):
        return a + (X_train - lo) * (b - a) / rng, a + (X_test - lo) * (b - a) / rng
'''),
        ("constant column guarded with a small epsilon instead of a range of 1", '''
def min_max_scale(X_train, X_test, feature_range=(0.0, 1.0)):
    a, b = feature_range
    X_train = np.asarray(X_train, dtype=float); X_test = np.asarray(X_test, dtype=float)
    lo = X_train.min(axis=0)
    rng = X_train.max(axis=0) - lo + 1e-8
    return a + (X_train - lo) * (b - a) / rng, a + (X_test - lo) * (b - a) / rng
'''),
        ("constant column set to 0 instead of the lower end of the range", '''
def min_max_scale(X_train, X_test, feature_range=(0.0, 1.0)):
    a, b = feature_range
    X_train = np.asarray(X_train, dtype=float); X_test = np.asarray(X_test, dtype=float)
    lo = X_train.min(axis=0)
    rng = X_train.max(axis=0) - lo
    const = rng == 0
    rng = np.where(const, 1.0, rng)
    tr = np.where(const, 0.0, a + (X_train - lo) * (b - a) / rng)
    te = np.where(const, 0.0, a + (X_test - lo) * (b - a) / rng)
    return tr, te
'''),
        ("range applied as a + (x - min) / (max - min) * b", '''
def min_max_scale(X_train, X_test, feature_range=(0.0, 1.0)):
    a, b = feature_range
    X_train = np.asarray(X_train, dtype=float); X_test = np.asarray(X_test, dtype=float)
    lo = X_train.min(axis=0)
    rng = X_train.max(axis=0) - lo
    rng = np.where(rng == 0, 1.0, rng)
    return a + (X_train - lo) / rng * b, a + (X_test - lo) / rng * b
'''),
        ("test values clipped to the range", '''
def min_max_scale(X_train, X_test, feature_range=(0.0, 1.0)):
    a, b = feature_range
    X_train = np.asarray(X_train, dtype=float); X_test = np.asarray(X_test, dtype=float)
    lo = X_train.min(axis=0)
    rng = X_train.max(axis=0) - lo
    rng = np.where(rng == 0, 1.0, rng)
    return a + (X_train - lo) * (b - a) / rng, np.clip(a + (X_test - lo) * (b - a) / rng, a, b)
'''),
        ("statistics fit on train and test together", '''
def min_max_scale(X_train, X_test, feature_range=(0.0, 1.0)):
    a, b = feature_range
    X_train = np.asarray(X_train, dtype=float); X_test = np.asarray(X_test, dtype=float)
    both = np.vstack([X_train, X_test])
    lo = both.min(axis=0)
    rng = both.max(axis=0) - lo
    rng = np.where(rng == 0, 1.0, rng)
    return a + (X_train - lo) * (b - a) / rng, a + (X_test - lo) * (b - a) / rng
'''),
        ("one global min and max over all columns", '''
def min_max_scale(X_train, X_test, feature_range=(0.0, 1.0)):
    a, b = feature_range
    X_train = np.asarray(X_train, dtype=float); X_test = np.asarray(X_test, dtype=float)
    lo = X_train.min()
    rng = X_train.max() - lo
    rng = rng if rng != 0 else 1.0
    return a + (X_train - lo) * (b - a) / rng, a + (X_test - lo) * (b - a) / rng
'''),
        ("the caller's arrays scaled in place", '''
def min_max_scale(X_train, X_test, feature_range=(0.0, 1.0)):
    a, b = feature_range
    lo = X_train.min(axis=0)
    rng = X_train.max(axis=0) - lo
    rng = np.where(rng == 0, 1.0, rng)
    X_train -= lo
    X_train *= (b - a) / rng
    X_train += a
    X_test -= lo
    X_test *= (b - a) / rng
    X_test += a
    return X_train, X_test
'''),
    ],
    "standardize": [
        ("test data standardized with its own statistics", '''
def standardize(X_train, X_test):
    def own(X):
        X = np.asarray(X, dtype=float)
        std = X.std(axis=0)
        std = np.where(X.max(axis=0) == X.min(axis=0), 1.0, std)
        return (X - X.mean(axis=0)) / std
    return own(X_train), own(X_test)
'''),
        ("sample standard deviation (ddof=1)", '''
def standardize(X_train, X_test):
    X_train = np.asarray(X_train, dtype=float); X_test = np.asarray(X_test, dtype=float)
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0, ddof=1)
    std = np.where(X_train.max(axis=0) == X_train.min(axis=0), 1.0, std)
    return (X_train - mean) / std, (X_test - mean) / std
'''),
        ("division by zero on constant columns (no guard)", '''
def standardize(X_train, X_test):
    X_train = np.asarray(X_train, dtype=float); X_test = np.asarray(X_test, dtype=float)
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (X_train - mean) / std, (X_test - mean) / std
'''),
        ("constant columns detected with std == 0 (misses 0.1 repeated)", '''
def standardize(X_train, X_test):
    X_train = np.asarray(X_train, dtype=float); X_test = np.asarray(X_test, dtype=float)
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std[std == 0] = 1.0
    return (X_train - mean) / std, (X_test - mean) / std
'''),
        ("constant columns detected with np.isclose(std, 0) (calls tiny real spreads constant)", '''
def standardize(X_train, X_test):
    X_train = np.asarray(X_train, dtype=float); X_test = np.asarray(X_test, dtype=float)
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.where(np.isclose(std, 0), 1.0, std)
    return (X_train - mean) / std, (X_test - mean) / std
'''),
        ("a small epsilon added to the std instead of dividing constant columns by 1", '''
def standardize(X_train, X_test):
    X_train = np.asarray(X_train, dtype=float); X_test = np.asarray(X_test, dtype=float)
    mean = X_train.mean(axis=0)
    std = np.sqrt(X_train.var(axis=0) + 1e-8)
    return (X_train - mean) / std, (X_test - mean) / std
'''),
        ("divided by the variance instead of the standard deviation", '''
def standardize(X_train, X_test):
    X_train = np.asarray(X_train, dtype=float); X_test = np.asarray(X_test, dtype=float)
    mean = X_train.mean(axis=0)
    var = np.where(X_train.max(axis=0) == X_train.min(axis=0), 1.0, X_train.var(axis=0))
    return (X_train - mean) / var, (X_test - mean) / var
'''),
        ("one global mean and std over all columns", '''
def standardize(X_train, X_test):
    X_train = np.asarray(X_train, dtype=float); X_test = np.asarray(X_test, dtype=float)
    mean, std = X_train.mean(), X_train.std()
    return (X_train - mean) / std, (X_test - mean) / std
'''),
        ("statistics fit on train and test together", '''
def standardize(X_train, X_test):
    X_train = np.asarray(X_train, dtype=float); X_test = np.asarray(X_test, dtype=float)
    both = np.vstack([X_train, X_test])
    mean = both.mean(axis=0)
    std = np.where(both.max(axis=0) == both.min(axis=0), 1.0, both.std(axis=0))
    return (X_train - mean) / std, (X_test - mean) / std
'''),
        ("the caller's arrays standardized in place", '''
def standardize(X_train, X_test):
    mean = X_train.mean(axis=0)
    std = np.where(X_train.max(axis=0) == X_train.min(axis=0), 1.0, X_train.std(axis=0))
    X_train -= mean
    X_train /= std
    X_test -= mean
    X_test /= std
    return X_train, X_test
'''),
    ],
    "per_channel_standardize": [
        ("per-pixel statistics (mean over the image axis only)", """
def per_channel_standardize(images_train, images_test):
    tr = np.asarray(images_train, dtype=float); te = np.asarray(images_test, dtype=float)
    mean = tr.mean(axis=0); std = tr.std(axis=0)
    std = np.where(tr.max(axis=0) == tr.min(axis=0), 1.0, std)
    return (tr - mean) / std, (te - mean) / std, mean.mean(axis=(1, 2)), std.mean(axis=(1, 2))
"""),
        ("per-image statistics (each image standardized by itself)", """
def per_channel_standardize(images_train, images_test):
    tr = np.asarray(images_train, dtype=float); te = np.asarray(images_test, dtype=float)
    def own(x):
        m = x.mean(axis=(2, 3), keepdims=True); s = x.std(axis=(2, 3), keepdims=True)
        return (x - m) / np.where(s == 0, 1.0, s)
    return own(tr), own(te), tr.mean(axis=(0, 2, 3)), tr.std(axis=(0, 2, 3))
"""),
        ("one mean and std over all channels together", """
def per_channel_standardize(images_train, images_test):
    tr = np.asarray(images_train, dtype=float); te = np.asarray(images_test, dtype=float)
    m, s = tr.mean(), tr.std()
    s = 1.0 if tr.max() == tr.min() else s
    C = tr.shape[1]
    return (tr - m) / s, (te - m) / s, np.full(C, m), np.full(C, s)
"""),
        ("sample standard deviation (ddof=1)", """
def per_channel_standardize(images_train, images_test):
    tr = np.asarray(images_train, dtype=float); te = np.asarray(images_test, dtype=float)
    mean = tr.mean(axis=(0, 2, 3)); std = tr.std(axis=(0, 2, 3), ddof=1)
    std = np.where(tr.max(axis=(0, 2, 3)) == tr.min(axis=(0, 2, 3)), 1.0, std)
    mb, sb = mean[None, :, None, None], std[None, :, None, None]
    return (tr - mb) / sb, (te - mb) / sb, mean, std
"""),
        ("test images standardized with their own statistics", """
def per_channel_standardize(images_train, images_test):
    def fit_apply(x):
        x = np.asarray(x, dtype=float)
        mean = x.mean(axis=(0, 2, 3)); std = x.std(axis=(0, 2, 3))
        std = np.where(x.max(axis=(0, 2, 3)) == x.min(axis=(0, 2, 3)), 1.0, std)
        return (x - mean[None, :, None, None]) / std[None, :, None, None], mean, std
    tr, mean, std = fit_apply(images_train)
    te, _, _ = fit_apply(images_test)
    return tr, te, mean, std
"""),
        ("statistics from train and test together", """
def per_channel_standardize(images_train, images_test):
    tr = np.asarray(images_train, dtype=float); te = np.asarray(images_test, dtype=float)
    both = np.concatenate([tr, te])
    mean = both.mean(axis=(0, 2, 3)); std = both.std(axis=(0, 2, 3))
    std = np.where(both.max(axis=(0, 2, 3)) == both.min(axis=(0, 2, 3)), 1.0, std)
    mb, sb = mean[None, :, None, None], std[None, :, None, None]
    return (tr - mb) / sb, (te - mb) / sb, mean, std
"""),
        ("channels-last layout assumed (statistics over axes 0, 1, 2, broadcast on the last axis)", """
def per_channel_standardize(images_train, images_test):
    tr = np.asarray(images_train, dtype=float); te = np.asarray(images_test, dtype=float)
    mean = tr.mean(axis=(0, 1, 2)); std = tr.std(axis=(0, 1, 2))
    std = np.where(tr.max(axis=(0, 1, 2)) == tr.min(axis=(0, 1, 2)), 1.0, std)
    return (tr - mean) / std, (te - mean) / std, mean, std
"""),
        ("right statistics, broadcast along the last axis instead of the channel axis", """
def per_channel_standardize(images_train, images_test):
    tr = np.asarray(images_train, dtype=float); te = np.asarray(images_test, dtype=float)
    mean = tr.mean(axis=(0, 2, 3)); std = tr.std(axis=(0, 2, 3))
    std = np.where(tr.max(axis=(0, 2, 3)) == tr.min(axis=(0, 2, 3)), 1.0, std)
    return (tr - mean) / std, (te - mean) / std, mean, std
"""),
        ("constant channel guarded with std == 0 (misses 3.7, whose computed std is about 4e-16)", """
def per_channel_standardize(images_train, images_test):
    tr = np.asarray(images_train, dtype=float); te = np.asarray(images_test, dtype=float)
    mean = tr.mean(axis=(0, 2, 3)); std = tr.std(axis=(0, 2, 3))
    std = np.where(std == 0, 1.0, std)
    mb, sb = mean[None, :, None, None], std[None, :, None, None]
    return (tr - mb) / sb, (te - mb) / sb, mean, std
"""),
        ("no constant-channel guard (0 / 0)", """
def per_channel_standardize(images_train, images_test):
    tr = np.asarray(images_train, dtype=float); te = np.asarray(images_test, dtype=float)
    mean = tr.mean(axis=(0, 2, 3)); std = tr.std(axis=(0, 2, 3))
    mb, sb = mean[None, :, None, None], std[None, :, None, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        return (tr - mb) / sb, (te - mb) / sb, mean, std
"""),
        ("scales the caller's arrays in place", """
def per_channel_standardize(images_train, images_test):
    tr, te = images_train, images_test
    mean = tr.mean(axis=(0, 2, 3)); std = tr.std(axis=(0, 2, 3))
    std = np.where(tr.max(axis=(0, 2, 3)) == tr.min(axis=(0, 2, 3)), 1.0, std)
    mb, sb = mean[None, :, None, None], std[None, :, None, None]
    tr -= mb; tr /= sb; te -= mb; te /= sb
    return tr, te, mean, std
"""),
        ("statistics returned with keepdims shape (1, C, 1, 1)", """
def per_channel_standardize(images_train, images_test):
    tr = np.asarray(images_train, dtype=float); te = np.asarray(images_test, dtype=float)
    mean = tr.mean(axis=(0, 2, 3), keepdims=True); std = tr.std(axis=(0, 2, 3), keepdims=True)
    std = np.where(tr.max(axis=(0, 2, 3), keepdims=True) == tr.min(axis=(0, 2, 3), keepdims=True), 1.0, std)
    return (tr - mean) / std, (te - mean) / std, mean, std
"""),
    ],
    "leak_free_cv_scores": [
        ("scaler fit on all of X before cross-validation (leakage)", '''
def leak_free_cv_scores(X, y, alpha=1.0, n_splits=5):
    X_scaled = StandardScaler().fit_transform(X)
    return cross_val_score(Ridge(alpha=alpha), X_scaled, y, cv=KFold(n_splits=n_splits))
'''),
        ("held-out fold standardized with its own statistics", '''
def leak_free_cv_scores(X, y, alpha=1.0, n_splits=5):
    scores = []
    for tr, te in KFold(n_splits=n_splits).split(X):
        model = Ridge(alpha=alpha).fit(StandardScaler().fit_transform(X[tr]), y[tr])
        scores.append(model.score(StandardScaler().fit_transform(X[te]), y[te]))
    return np.array(scores)
'''),
        ("no scaling at all", '''
def leak_free_cv_scores(X, y, alpha=1.0, n_splits=5):
    return cross_val_score(Ridge(alpha=alpha), X, y, cv=KFold(n_splits=n_splits))
'''),
        ("shuffled folds", '''
def leak_free_cv_scores(X, y, alpha=1.0, n_splits=5):
    model = make_pipeline(StandardScaler(), Ridge(alpha=alpha))
    return cross_val_score(model, X, y, cv=KFold(n_splits=n_splits, shuffle=True, random_state=0))
'''),
        ("scored on the training rows of each fold", '''
def leak_free_cv_scores(X, y, alpha=1.0, n_splits=5):
    scores = []
    for tr, te in KFold(n_splits=n_splits).split(X):
        model = make_pipeline(StandardScaler(), Ridge(alpha=alpha)).fit(X[tr], y[tr])
        scores.append(model.score(X[tr], y[tr]))
    return np.array(scores)
'''),
        ("a Python list of fold scores instead of an array", '''
def leak_free_cv_scores(X, y, alpha=1.0, n_splits=5):
    model = make_pipeline(StandardScaler(), Ridge(alpha=alpha))
    return list(cross_val_score(model, X, y, cv=KFold(n_splits=n_splits)))
'''),
        ("the mean score instead of one score per fold", '''
def leak_free_cv_scores(X, y, alpha=1.0, n_splits=5):
    model = make_pipeline(StandardScaler(), Ridge(alpha=alpha))
    return np.array([cross_val_score(model, X, y, cv=KFold(n_splits=n_splits)).mean()])
'''),
    ],
    "condition_number": [
        ("condition number of X instead of X^T X (not squared)", '''
def condition_number(X):
    return float(np.linalg.cond(X))
'''),
        ("eigenvalues of the n x n matrix X X^T", '''
def condition_number(X):
    lam = np.linalg.eigvalsh(X @ X.T)
    return float(lam[-1] / lam[0])
'''),
        ("ratio of the largest to the smallest diagonal entry of X^T X", '''
def condition_number(X):
    diag = np.diag(X.T @ X)
    return float(diag.max() / diag.min())
'''),
        ("square root of the eigenvalue ratio", '''
def condition_number(X):
    lam = np.linalg.eigvalsh(X.T @ X)
    return float(np.sqrt(lam[-1] / lam[0]))
'''),
    ],
    "gd_step_sizes": [
        ("the 1/n of the loss forgotten (Hessian X^T X)", '''
def gd_step_sizes(X):
    lam = np.linalg.eigvalsh(X.T @ X)
    return 2.0 / (lam[0] + lam[-1]), 2.0 / lam[-1]
'''),
        ("n taken as the number of features, X.shape[1]", '''
def gd_step_sizes(X):
    lam = np.linalg.eigvalsh(X.T @ X / X.shape[1])
    return float(2.0 / (lam[0] + lam[-1])), float(2.0 / lam[-1])
'''),
        ("max_lr = 1 / lambda_max", '''
def gd_step_sizes(X):
    lam = np.linalg.eigvalsh(X.T @ X / X.shape[0])
    return 2.0 / (lam[0] + lam[-1]), 1.0 / lam[-1]
'''),
        ("singular values of X / sqrt(n) not squared", '''
def gd_step_sizes(X):
    s = np.linalg.svd(X / np.sqrt(X.shape[0]), compute_uv=False)
    return 2.0 / (s[0] + s[-1]), 2.0 / s[0]
'''),
        ("best_lr = 1 / lambda_max", '''
def gd_step_sizes(X):
    lam = np.linalg.eigvalsh(X.T @ X / X.shape[0])
    return 1.0 / lam[-1], 2.0 / lam[-1]
'''),
    ],
    "gd_least_squares": [
        ("the 1/n missing from the gradient", '''
def gd_least_squares(X, y, lr, n_steps, w0=None):
    n = X.shape[0]
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    losses = [np.sum((X @ w - y) ** 2) / (2 * n)]
    for _ in range(n_steps):
        w = w - lr * X.T @ (X @ w - y)
        losses.append(np.sum((X @ w - y) ** 2) / (2 * n))
    return w, np.array(losses)
'''),
        ("the 1/2 missing from the loss", '''
def gd_least_squares(X, y, lr, n_steps, w0=None):
    n = X.shape[0]
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    losses = [np.mean((X @ w - y) ** 2)]
    for _ in range(n_steps):
        w = w - lr * X.T @ (X @ w - y) / n
        losses.append(np.mean((X @ w - y) ** 2))
    return w, np.array(losses)
'''),
        ("the loss at w0 not recorded (n_steps entries)", '''
def gd_least_squares(X, y, lr, n_steps, w0=None):
    n = X.shape[0]
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    losses = []
    for _ in range(n_steps):
        w = w - lr * X.T @ (X @ w - y) / n
        losses.append(np.sum((X @ w - y) ** 2) / (2 * n))
    return w, np.array(losses)
'''),
        ("the caller's w0 updated in place", '''
def gd_least_squares(X, y, lr, n_steps, w0=None):
    n = X.shape[0]
    w = np.zeros(X.shape[1]) if w0 is None else w0
    losses = [np.sum((X @ w - y) ** 2) / (2 * n)]
    for _ in range(n_steps):
        w -= lr * X.T @ (X @ w - y) / n
        losses.append(np.sum((X @ w - y) ** 2) / (2 * n))
    return w, np.array(losses)
'''),
        ("gradient ascent (sign error)", '''
def gd_least_squares(X, y, lr, n_steps, w0=None):
    n = X.shape[0]
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    losses = [np.sum((X @ w - y) ** 2) / (2 * n)]
    for _ in range(n_steps):
        w = w + lr * X.T @ (X @ w - y) / n
        losses.append(np.sum((X @ w - y) ** 2) / (2 * n))
    return w, np.array(losses)
'''),
        ("w0 ignored (always starts from zeros)", '''
def gd_least_squares(X, y, lr, n_steps, w0=None):
    n = X.shape[0]
    w = np.zeros(X.shape[1])
    losses = [np.sum((X @ w - y) ** 2) / (2 * n)]
    for _ in range(n_steps):
        w = w - lr * X.T @ (X @ w - y) / n
        losses.append(np.sum((X @ w - y) ** 2) / (2 * n))
    return w, np.array(losses)
'''),
    ],
    "steps_to_converge": [
        ("np.argmax on an all-False mask (returns 0 when never converged)", '''
def steps_to_converge(losses, min_loss, tol=1e-6):
    gap = np.asarray(losses) - min_loss
    return int(np.argmax(gap <= tol * gap[0]))
'''),
        ("ratio gap / gap[0] (nan when the run starts at the minimum)", '''
def steps_to_converge(losses, min_loss, tol=1e-6):
    gap = np.asarray(losses, dtype=float) - min_loss
    with np.errstate(divide="ignore", invalid="ignore"):
        hits = np.flatnonzero(gap / gap[0] <= tol)
    return int(hits[0]) if hits.size else None
'''),
        ("a NumPy integer returned instead of a Python int", '''
def steps_to_converge(losses, min_loss, tol=1e-6):
    gap = np.asarray(losses, dtype=float) - min_loss
    hits = np.flatnonzero(gap <= tol * gap[0])
    return hits[0] if hits.size else None
'''),
        ("absolute instead of relative tolerance", '''
def steps_to_converge(losses, min_loss, tol=1e-6):
    gap = np.asarray(losses) - min_loss
    hits = np.flatnonzero(gap <= tol)
    return int(hits[0]) if hits.size else None
'''),
        ("criterion on the loss, not on the gap to the minimum", '''
def steps_to_converge(losses, min_loss, tol=1e-6):
    losses = np.asarray(losses)
    hits = np.flatnonzero(losses <= tol * losses[0])
    return int(hits[0]) if hits.size else None
'''),
        ("off by one (counts entries up to and including the converged one)", '''
def steps_to_converge(losses, min_loss, tol=1e-6):
    gap = np.asarray(losses) - min_loss
    hits = np.flatnonzero(gap <= tol * gap[0])
    return int(hits[0]) + 1 if hits.size else None
'''),
        ("len(losses) instead of None when never converged", '''
def steps_to_converge(losses, min_loss, tol=1e-6):
    gap = np.asarray(losses) - min_loss
    hits = np.flatnonzero(gap <= tol * gap[0])
    return int(hits[0]) if hits.size else len(losses)
'''),
        ("the last step below the tolerance instead of the first", '''
def steps_to_converge(losses, min_loss, tol=1e-6):
    gap = np.asarray(losses) - min_loss
    hits = np.flatnonzero(gap <= tol * gap[0])
    return int(hits[-1]) if hits.size else None
'''),
    ],
}

CORRECT = {
    "min_max_scale": [
        ("scikit-learn's MinMaxScaler", '''
def min_max_scale(X_train, X_test, feature_range=(0.0, 1.0)):
    scaler = MinMaxScaler(feature_range=tuple(feature_range)).fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test)
'''),
        ("np.ptp, a loop over the columns, copies filled in place", '''
def min_max_scale(X_train, X_test, feature_range=(0.0, 1.0)):
    a, b = feature_range
    tr = np.array(X_train, dtype=float)
    te = np.array(X_test, dtype=float)
    for j in range(tr.shape[1]):
        lo, width = tr[:, j].min(), np.ptp(tr[:, j])
        if width == 0:
            width = 1.0
        te[:, j] = (te[:, j] - lo) / width * (b - a) + a
        tr[:, j] = (tr[:, j] - lo) / width * (b - a) + a
    return tr, te
'''),
        ("scale_ and min_ as scikit-learn stores them", '''
def min_max_scale(X_train, X_test, feature_range=(0.0, 1.0)):
    a, b = feature_range
    data_min, data_max = np.min(X_train, axis=0), np.max(X_train, axis=0)
    data_range = data_max - data_min
    data_range[data_range == 0.0] = 1.0
    scale = (b - a) / data_range
    shift = a - data_min * scale
    return X_train * scale + shift, X_test * scale + shift
'''),
    ],
    "standardize": [
        ("scikit-learn's StandardScaler", '''
def standardize(X_train, X_test):
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test)
'''),
        ("hand-written variance, a tolerance for constant columns", '''
def standardize(X_train, X_test):
    X_train = np.asarray(X_train, dtype=float)
    mu = X_train.sum(axis=0) / X_train.shape[0]
    var = ((X_train - mu) ** 2).sum(axis=0) / X_train.shape[0]
    sigma = np.sqrt(var)
    sigma = np.where(sigma <= 1e-12 * np.maximum(1.0, np.abs(mu)), 1.0, sigma)
    return (X_train - mu) / sigma, (np.asarray(X_test, dtype=float) - mu) / sigma
'''),
        ("a loop over the columns with np.ptp", '''
def standardize(X_train, X_test):
    tr = np.array(X_train, dtype=float)
    te = np.array(X_test, dtype=float)
    for j in range(tr.shape[1]):
        col = tr[:, j].copy()
        s = 1.0 if np.ptp(col) == 0 else col.std()
        tr[:, j] = (col - col.mean()) / s
        te[:, j] = (te[:, j] - col.mean()) / s
    return tr, te
'''),
    ],
    "per_channel_standardize": [
        ("channels moved first and flattened, per-row statistics", """
def per_channel_standardize(images_train, images_test):
    tr = np.asarray(images_train, dtype=float); te = np.asarray(images_test, dtype=float)
    flat = np.moveaxis(tr, 1, 0).reshape(tr.shape[1], -1)
    mean = flat.mean(axis=1)
    std = np.sqrt(((flat - mean[:, None]) ** 2).mean(axis=1))
    std[np.ptp(flat, axis=1) == 0] = 1.0
    shape = (1, -1, 1, 1)
    return (tr - mean.reshape(shape)) / std.reshape(shape), (te - mean.reshape(shape)) / std.reshape(shape), mean, std
"""),
        ("a loop over the channels", """
def per_channel_standardize(images_train, images_test):
    tr = np.array(images_train, dtype=float); te = np.array(images_test, dtype=float)
    C = tr.shape[1]
    mean, std = np.zeros(C), np.ones(C)
    for c in range(C):
        values = tr[:, c].copy()
        mean[c] = values.mean()
        if values.max() != values.min():
            std[c] = values.std()
        tr[:, c] = (values - mean[c]) / std[c]
        te[:, c] = (te[:, c] - mean[c]) / std[c]
    return tr, te, mean, std
"""),
        ("StandardScaler on a (pixels, C) view of the channels", """
def per_channel_standardize(images_train, images_test):
    tr = np.asarray(images_train, dtype=float); te = np.asarray(images_test, dtype=float)
    C = tr.shape[1]
    scaler = StandardScaler().fit(np.moveaxis(tr, 1, -1).reshape(-1, C))
    mean, std = scaler.mean_, scaler.scale_
    flat = np.moveaxis(tr, 1, 0).reshape(C, -1)
    std = np.where(flat.max(axis=1) == flat.min(axis=1), 1.0, std)
    mb, sb = mean.reshape(1, C, 1, 1), std.reshape(1, C, 1, 1)
    return (tr - mb) / sb, (te - mb) / sb, mean, std
"""),
        ("torch, var with correction=0", """
def per_channel_standardize(images_train, images_test):
    import torch
    tr = torch.as_tensor(np.asarray(images_train, dtype=float)); te = torch.as_tensor(np.asarray(images_test, dtype=float))
    mean = tr.mean(dim=(0, 2, 3)); std = tr.var(dim=(0, 2, 3), correction=0).sqrt()
    constant = tr.amax(dim=(0, 2, 3)) == tr.amin(dim=(0, 2, 3))
    std = torch.where(constant, torch.ones_like(std), std)
    mb, sb = mean[None, :, None, None], std[None, :, None, None]
    return ((tr - mb) / sb).numpy(), ((te - mb) / sb).numpy(), mean.numpy(), std.numpy()
"""),
    ],
    "leak_free_cv_scores": [
        ("a hand-written loop over KFold with StandardScaler", '''
def leak_free_cv_scores(X, y, alpha=1.0, n_splits=5):
    scores = []
    for train_idx, test_idx in KFold(n_splits=n_splits).split(X):
        scaler = StandardScaler().fit(X[train_idx])
        model = Ridge(alpha=alpha).fit(scaler.transform(X[train_idx]), y[train_idx])
        scores.append(model.score(scaler.transform(X[test_idx]), y[test_idx]))
    return np.array(scores)
'''),
        ("fold boundaries by np.array_split, standardization and R^2 by hand", '''
def leak_free_cv_scores(X, y, alpha=1.0, n_splits=5):
    X = np.asarray(X, dtype=float)
    folds = np.array_split(np.arange(len(X)), n_splits)
    scores = np.empty(n_splits)
    for k, test_idx in enumerate(folds):
        train_idx = np.setdiff1d(np.arange(len(X)), test_idx)
        mu, sd = X[train_idx].mean(axis=0), X[train_idx].std(axis=0)
        model = Ridge(alpha=alpha).fit((X[train_idx] - mu) / sd, y[train_idx])
        pred = model.predict((X[test_idx] - mu) / sd)
        resid = y[test_idx] - pred
        scores[k] = 1 - resid @ resid / np.sum((y[test_idx] - y[test_idx].mean()) ** 2)
    return scores
'''),
    ],
    "condition_number": [
        ("np.linalg.cond of X^T X", '''
def condition_number(X):
    return np.linalg.cond(X.T @ X)
'''),
        ("eigvalsh of X^T X / n", '''
def condition_number(X):
    lam = np.linalg.eigvalsh(X.T @ X / len(X))
    return lam.max() / lam.min()
'''),
        ("np.linalg.cond(X) squared", '''
def condition_number(X):
    return np.linalg.cond(X) ** 2
'''),
    ],
    "gd_step_sizes": [
        ("singular values of X, squared and divided by n", '''
def gd_step_sizes(X):
    s = np.linalg.svd(X, compute_uv=False)
    lam_max, lam_min = s[0] ** 2 / X.shape[0], s[-1] ** 2 / X.shape[0]
    return 2 / (lam_max + lam_min), 2 / lam_max
'''),
        ("np.linalg.eigvals of the Hessian", '''
def gd_step_sizes(X):
    lam = np.real(np.linalg.eigvals(X.T @ X / X.shape[0]))
    return 2 / (lam.min() + lam.max()), 2 / lam.max()
'''),
    ],
    "gd_least_squares": [
        ("precomputed H = X^T X / n and b = X^T y / n, losses from the quadratic form", '''
def gd_least_squares(X, y, lr, n_steps, w0=None):
    n, d = X.shape
    H, b, c = X.T @ X / n, X.T @ y / n, y @ y / (2 * n)
    w = np.zeros(d) if w0 is None else w0.copy()
    losses = np.zeros(n_steps + 1)
    for k in range(n_steps):
        losses[k] = 0.5 * w @ H @ w - b @ w + c
        w = w - lr * (H @ w - b)
    losses[n_steps] = 0.5 * w @ H @ w - b @ w + c
    return w, losses
'''),
        ("np.mean of squared residuals halved, a list of losses", '''
def gd_least_squares(X, y, lr, n_steps, w0=None):
    w = np.zeros(X.shape[1]) if w0 is None else np.copy(w0).astype(float)
    history = []
    for step in range(n_steps):
        r = X.dot(w) - y
        history.append(0.5 * np.mean(r ** 2))
        w = w - lr * X.T.dot(r) / len(y)
    history.append(0.5 * np.mean((X.dot(w) - y) ** 2))
    return w, np.array(history)
'''),
    ],
    "steps_to_converge": [
        ("a plain Python loop", '''
def steps_to_converge(losses, min_loss, tol=1e-6):
    target = tol * (losses[0] - min_loss)
    for k, value in enumerate(losses):
        if value - min_loss <= target:
            return k
    return None
'''),
        ("np.argmax guarded by np.any", '''
def steps_to_converge(losses, min_loss, tol=1e-6):
    ok = (np.asarray(losses) - min_loss) <= tol * (losses[0] - min_loss)
    return int(np.argmax(ok)) if ok.any() else None
'''),
    ],
}
