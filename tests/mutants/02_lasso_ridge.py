"""Wrong and alternative answers for 02_lasso_ridge."""

WRONG = {
    "polynomial_mse": [
        ("test error from a polynomial refitted on the test split", '''
def polynomial_mse(x_train, y_train, x_test, y_test, degree):
    c_train = np.polyfit(x_train, y_train, degree)
    c_test = np.polyfit(x_test, y_test, degree)
    return (float(np.mean((np.polyval(c_train, x_train) - y_train) ** 2)),
            float(np.mean((np.polyval(c_test, x_test) - y_test) ** 2)))
'''),
        ("degree columns, one too few (np.vander(x, degree))", '''
def polynomial_mse(x_train, y_train, x_test, y_test, degree):
    V_train, V_test = np.vander(x_train, max(degree, 1)), np.vander(x_test, max(degree, 1))
    c = np.linalg.lstsq(V_train, y_train, rcond=None)[0]
    return float(np.mean((V_train @ c - y_train) ** 2)), float(np.mean((V_test @ c - y_test) ** 2))
'''),
        ("no constant term", '''
def polynomial_mse(x_train, y_train, x_test, y_test, degree):
    V_train = np.vander(x_train, degree + 1)[:, :-1] if degree > 0 else np.zeros((len(x_train), 1))
    V_test = np.vander(x_test, degree + 1)[:, :-1] if degree > 0 else np.zeros((len(x_test), 1))
    c = np.linalg.lstsq(V_train, y_train, rcond=None)[0]
    return float(np.mean((V_train @ c - y_train) ** 2)), float(np.mean((V_test @ c - y_test) ** 2))
'''),
        ("root mean squared error instead of MSE", '''
def polynomial_mse(x_train, y_train, x_test, y_test, degree):
    c = np.polyfit(x_train, y_train, degree)
    return (float(np.sqrt(np.mean((np.polyval(c, x_train) - y_train) ** 2))),
            float(np.sqrt(np.mean((np.polyval(c, x_test) - y_test) ** 2))))
'''),
        ("sum of squared residuals instead of the mean", '''
def polynomial_mse(x_train, y_train, x_test, y_test, degree):
    c = np.polyfit(x_train, y_train, degree)
    return (float(np.sum((np.polyval(c, x_train) - y_train) ** 2)),
            float(np.sum((np.polyval(c, x_test) - y_test) ** 2)))
'''),
        ("coefficients fitted lowest power first, evaluated by np.polyval (highest first)", '''
def polynomial_mse(x_train, y_train, x_test, y_test, degree):
    c = np.polynomial.polynomial.polyfit(x_train, y_train, degree)
    return (float(np.mean((np.polyval(c, x_train) - y_train) ** 2)),
            float(np.mean((np.polyval(c, x_test) - y_test) ** 2)))
'''),
    ],
    "lasso_objective": [
        ("1/n instead of 1/(2n)", '''
def lasso_objective(X, y, coef, intercept, alpha):
    r = y - X @ coef - intercept
    return float(r @ r / len(y) + alpha * np.abs(coef).sum())
'''),
        ("no 1/(2n) factor at all", '''
def lasso_objective(X, y, coef, intercept, alpha):
    r = y - X @ coef - intercept
    return float(0.5 * r @ r + alpha * np.abs(coef).sum())
'''),
        ("squared L2 penalty instead of L1", '''
def lasso_objective(X, y, coef, intercept, alpha):
    r = y - X @ coef - intercept
    return float(r @ r / (2 * len(y)) + alpha * np.sum(coef ** 2))
'''),
        ("penalised intercept", '''
def lasso_objective(X, y, coef, intercept, alpha):
    r = y - X @ coef - intercept
    return float(r @ r / (2 * len(y)) + alpha * (np.abs(coef).sum() + abs(intercept)))
'''),
        ("intercept left out of the residuals", '''
def lasso_objective(X, y, coef, intercept, alpha):
    r = y - X @ coef
    return float(r @ r / (2 * len(y)) + alpha * np.abs(coef).sum())
'''),
        ("signed sum of the weights instead of their absolute values", '''
def lasso_objective(X, y, coef, intercept, alpha):
    r = y - X @ coef - intercept
    return float(r @ r / (2 * len(y)) + alpha * np.sum(coef))
'''),
    ],
    "ridge_fit": [
        ("penalised intercept (column of ones inside alpha * I)", '''
def ridge_fit(X, y, alpha):
    A = np.column_stack([X, np.ones(len(y))])
    theta = np.linalg.solve(A.T @ A + alpha * np.eye(A.shape[1]), A.T @ y)
    return theta[:-1], float(theta[-1])
'''),
        ("missing centring, intercept 0", '''
def ridge_fit(X, y, alpha):
    coef = np.linalg.solve(X.T @ X + alpha * np.eye(X.shape[1]), X.T @ y)
    return coef, 0.0
'''),
        ("missing centring, intercept from the means afterwards", '''
def ridge_fit(X, y, alpha):
    coef = np.linalg.solve(X.T @ X + alpha * np.eye(X.shape[1]), X.T @ y)
    return coef, float(y.mean() - X.mean(axis=0) @ coef)
'''),
        ("centring y but not X", '''
def ridge_fit(X, y, alpha):
    yc = y - y.mean()
    coef = np.linalg.solve(X.T @ X + alpha * np.eye(X.shape[1]), X.T @ yc)
    return coef, float(y.mean() - X.mean(axis=0) @ coef)
'''),
        ("alpha scaled by n (Lasso's 1/(2n) convention)", '''
def ridge_fit(X, y, alpha):
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    coef = np.linalg.solve(Xc.T @ Xc + len(y) * alpha * np.eye(X.shape[1]), Xc.T @ yc)
    return coef, float(y.mean() - X.mean(axis=0) @ coef)
'''),
        ("alpha / 2 (gradient of alpha ||w||^2 taken as alpha w)", '''
def ridge_fit(X, y, alpha):
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    coef = np.linalg.solve(Xc.T @ Xc + 0.5 * alpha * np.eye(X.shape[1]), Xc.T @ yc)
    return coef, float(y.mean() - X.mean(axis=0) @ coef)
'''),
        ("intercept = mean(y), ignoring the feature means", '''
def ridge_fit(X, y, alpha):
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    coef = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T @ yc)
    return coef, float(y.mean())
'''),
    ],
    "soft_threshold": [
        ("no clipping at zero: sign(z) * (|z| - t)", '''
def soft_threshold(z, t):
    z = np.asarray(z, dtype=float)
    return np.sign(z) * (np.abs(z) - t)
'''),
        ("one-sided: max(z - t, 0)", '''
def soft_threshold(z, t):
    z = np.asarray(z, dtype=float)
    return np.maximum(z - t, 0.0)
'''),
        ("hard thresholding: z * (|z| > t)", '''
def soft_threshold(z, t):
    z = np.asarray(z, dtype=float)
    return z * (np.abs(z) > t)
'''),
        ("clipping to [-t, t] instead of shrinking", '''
def soft_threshold(z, t):
    return np.clip(np.asarray(z, dtype=float), -t, t)
'''),
        ("Ridge-like shrinkage z / (1 + t)", '''
def soft_threshold(z, t):
    return np.asarray(z, dtype=float) / (1.0 + t)
'''),
        ("scalar-only: an if on the whole array", '''
def soft_threshold(z, t):
    if abs(z) <= t:
        return 0.0
    return z - t if z > 0 else z + t
'''),
    ],
    "lasso_fit": [
        ("no guard for a constant column: 0 / 0 = nan spreads through the residual", '''
def lasso_fit(X, y, alpha, n_iter=1000, tol=1e-8):
    n, p = X.shape
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    sq = (Xc ** 2).sum(axis=0)
    coef, r = np.zeros(p), yc.copy()
    for _ in range(n_iter):
        change = 0.0
        for j in range(p):
            rho = Xc[:, j] @ r + sq[j] * coef[j]
            with np.errstate(invalid="ignore", divide="ignore"):
                new = float(soft_threshold(rho, n * alpha)) / sq[j] if sq[j] != 0 else float("nan")
            r -= Xc[:, j] * (new - coef[j])
            change = max(change, abs(new - coef[j]))
            coef[j] = new
        if change <= tol:
            break
    return coef, float(y.mean() - X.mean(axis=0) @ coef)
'''),
        ("threshold alpha instead of n * alpha", '''
def lasso_fit(X, y, alpha, n_iter=1000, tol=1e-8):
    n, p = X.shape
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    sq = (Xc ** 2).sum(axis=0)
    coef, r = np.zeros(p), yc.copy()
    for _ in range(n_iter):
        change = 0.0
        for j in range(p):
            if sq[j] == 0:
                continue
            rho = Xc[:, j] @ r + sq[j] * coef[j]
            new = np.sign(rho) * max(abs(rho) - alpha, 0.0) / sq[j]
            r -= Xc[:, j] * (new - coef[j])
            change = max(change, abs(new - coef[j]))
            coef[j] = new
        if change <= tol:
            break
    return coef, float(y.mean() - X.mean(axis=0) @ coef)
'''),
        ("threshold n * alpha / 2 (objective taken as 1/n ||r||^2)", '''
def lasso_fit(X, y, alpha, n_iter=1000, tol=1e-8):
    n, p = X.shape
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    sq = (Xc ** 2).sum(axis=0)
    coef, r = np.zeros(p), yc.copy()
    for _ in range(n_iter):
        change = 0.0
        for j in range(p):
            if sq[j] == 0:
                continue
            rho = Xc[:, j] @ r + sq[j] * coef[j]
            new = np.sign(rho) * max(abs(rho) - n * alpha / 2, 0.0) / sq[j]
            r -= Xc[:, j] * (new - coef[j])
            change = max(change, abs(new - coef[j]))
            coef[j] = new
        if change <= tol:
            break
    return coef, float(y.mean() - X.mean(axis=0) @ coef)
'''),
        ("missing division by the squared column norm", '''
def lasso_fit(X, y, alpha, n_iter=1000, tol=1e-8):
    n, p = X.shape
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    sq = (Xc ** 2).sum(axis=0)
    coef, r = np.zeros(p), yc.copy()
    for _ in range(min(n_iter, 200)):
        change = 0.0
        for j in range(p):
            if sq[j] == 0:
                continue
            rho = Xc[:, j] @ r + sq[j] * coef[j]
            new = np.sign(rho) * max(abs(rho) - n * alpha, 0.0) / n
            r -= Xc[:, j] * (new - coef[j])
            change = max(change, abs(new - coef[j]))
            coef[j] = new
        if not np.isfinite(change) or change <= tol:
            break
    return coef, float(y.mean() - X.mean(axis=0) @ coef)
'''),
        ("division by the column norm before thresholding: S(rho / ||x||^2, n * alpha)", '''
def lasso_fit(X, y, alpha, n_iter=1000, tol=1e-8):
    n, p = X.shape
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    sq = (Xc ** 2).sum(axis=0)
    coef, r = np.zeros(p), yc.copy()
    for _ in range(n_iter):
        change = 0.0
        for j in range(p):
            if sq[j] == 0:
                continue
            z = (Xc[:, j] @ r + sq[j] * coef[j]) / sq[j]
            new = np.sign(z) * max(abs(z) - n * alpha, 0.0)
            r -= Xc[:, j] * (new - coef[j])
            change = max(change, abs(new - coef[j]))
            coef[j] = new
        if change <= tol:
            break
    return coef, float(y.mean() - X.mean(axis=0) @ coef)
'''),
        ("missing centring (no intercept fitted)", '''
def lasso_fit(X, y, alpha, n_iter=1000, tol=1e-8):
    n, p = X.shape
    sq = (X ** 2).sum(axis=0)
    coef, r = np.zeros(p), y.astype(float).copy()
    for _ in range(n_iter):
        change = 0.0
        for j in range(p):
            if sq[j] == 0:
                continue
            rho = X[:, j] @ r + sq[j] * coef[j]
            new = np.sign(rho) * max(abs(rho) - n * alpha, 0.0) / sq[j]
            r -= X[:, j] * (new - coef[j])
            change = max(change, abs(new - coef[j]))
            coef[j] = new
        if change <= tol:
            break
    return coef, 0.0
'''),
        ("missing centring, intercept from the means afterwards", '''
def lasso_fit(X, y, alpha, n_iter=1000, tol=1e-8):
    n, p = X.shape
    sq = (X ** 2).sum(axis=0)
    coef, r = np.zeros(p), y.astype(float).copy()
    for _ in range(n_iter):
        change = 0.0
        for j in range(p):
            if sq[j] == 0:
                continue
            rho = X[:, j] @ r + sq[j] * coef[j]
            new = np.sign(rho) * max(abs(rho) - n * alpha, 0.0) / sq[j]
            r -= X[:, j] * (new - coef[j])
            change = max(change, abs(new - coef[j]))
            coef[j] = new
        if change <= tol:
            break
    return coef, float(y.mean() - X.mean(axis=0) @ coef)
'''),
        ("penalised intercept (a column of ones updated like a feature)", '''
def lasso_fit(X, y, alpha, n_iter=1000, tol=1e-8):
    n, p = X.shape
    A = np.column_stack([X, np.ones(n)])
    sq = (A ** 2).sum(axis=0)
    theta, r = np.zeros(p + 1), y.astype(float).copy()
    for _ in range(n_iter):
        change = 0.0
        for j in range(p + 1):
            if sq[j] == 0:
                continue
            rho = A[:, j] @ r + sq[j] * theta[j]
            new = np.sign(rho) * max(abs(rho) - n * alpha, 0.0) / sq[j]
            r -= A[:, j] * (new - theta[j])
            change = max(change, abs(new - theta[j]))
            theta[j] = new
        if change <= tol:
            break
    return theta[:p], float(theta[p])
'''),
        ("smooth shrinkage rho / (||x||^2 + n * alpha) instead of soft-thresholding", '''
def lasso_fit(X, y, alpha, n_iter=1000, tol=1e-8):
    n, p = X.shape
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    sq = (Xc ** 2).sum(axis=0)
    coef, r = np.zeros(p), yc.copy()
    for _ in range(n_iter):
        change = 0.0
        for j in range(p):
            if sq[j] == 0:
                continue
            rho = Xc[:, j] @ r + sq[j] * coef[j]
            new = rho / (sq[j] + n * alpha)
            r -= Xc[:, j] * (new - coef[j])
            change = max(change, abs(new - coef[j]))
            coef[j] = new
        if change <= tol:
            break
    return coef, float(y.mean() - X.mean(axis=0) @ coef)
'''),
        ("a single sweep, ignoring n_iter and tol", '''
def lasso_fit(X, y, alpha, n_iter=1000, tol=1e-8):
    n, p = X.shape
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    sq = (Xc ** 2).sum(axis=0)
    coef, r = np.zeros(p), yc.copy()
    for j in range(p):
        if sq[j] == 0:
            continue
        rho = Xc[:, j] @ r + sq[j] * coef[j]
        new = np.sign(rho) * max(abs(rho) - n * alpha, 0.0) / sq[j]
        r -= Xc[:, j] * (new - coef[j])
        coef[j] = new
    return coef, float(y.mean() - X.mean(axis=0) @ coef)
'''),
    ],
    "lasso_alpha_max": [
        ("no centring", '''
def lasso_alpha_max(X, y):
    return float(np.max(np.abs(X.T @ y)) / X.shape[0])
'''),
        ("missing the division by n", '''
def lasso_alpha_max(X, y):
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    return float(np.max(np.abs(Xc.T @ yc)))
'''),
        ("divided by 2n", '''
def lasso_alpha_max(X, y):
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    return float(np.max(np.abs(Xc.T @ yc)) / (2 * X.shape[0]))
'''),
        ("maximum without the absolute value", '''
def lasso_alpha_max(X, y):
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    return float(np.max(Xc.T @ yc) / X.shape[0])
'''),
        ("sum over features instead of the maximum", '''
def lasso_alpha_max(X, y):
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    return float(np.sum(np.abs(Xc.T @ yc)) / X.shape[0])
'''),
    ],
    "ridge_cv_mse": [
        ("sample standard deviation (ddof=1)", '''
def ridge_cv_mse(X, y, alphas, n_splits=5):
    scores = np.array([-cross_val_score(Ridge(alpha=a), X, y, cv=KFold(n_splits),
                                        scoring="neg_mean_squared_error") for a in alphas])
    return scores.mean(axis=1), scores.std(axis=1, ddof=1)
'''),
        ("shuffled folds", '''
def ridge_cv_mse(X, y, alphas, n_splits=5):
    scores = np.array([-cross_val_score(Ridge(alpha=a), X, y, cv=KFold(n_splits, shuffle=True, random_state=0),
                                        scoring="neg_mean_squared_error") for a in alphas])
    return scores.mean(axis=1), scores.std(axis=1)
'''),
        ("error measured on the training folds", '''
def ridge_cv_mse(X, y, alphas, n_splits=5):
    scores = np.zeros((len(alphas), n_splits))
    for k, (train, test) in enumerate(KFold(n_splits).split(X)):
        for i, a in enumerate(alphas):
            model = Ridge(alpha=a).fit(X[train], y[train])
            scores[i, k] = np.mean((model.predict(X[train]) - y[train]) ** 2)
    return scores.mean(axis=1), scores.std(axis=1)
'''),
        ("model fitted once on all the data (the held-out fold leaks)", '''
def ridge_cv_mse(X, y, alphas, n_splits=5):
    scores = np.zeros((len(alphas), n_splits))
    for i, a in enumerate(alphas):
        model = Ridge(alpha=a).fit(X, y)
        for k, (train, test) in enumerate(KFold(n_splits).split(X)):
            scores[i, k] = np.mean((model.predict(X[test]) - y[test]) ** 2)
    return scores.mean(axis=1), scores.std(axis=1)
'''),
        ("equal folds of n // K samples, the remainder dropped", '''
def ridge_cv_mse(X, y, alphas, n_splits=5):
    size = X.shape[0] // n_splits
    scores = np.zeros((len(alphas), n_splits))
    idx = np.arange(X.shape[0])
    for k in range(n_splits):
        test = idx[k * size:(k + 1) * size]
        train = np.setdiff1d(idx[:n_splits * size], test)
        for i, a in enumerate(alphas):
            model = Ridge(alpha=a).fit(X[train], y[train])
            scores[i, k] = np.mean((model.predict(X[test]) - y[test]) ** 2)
    return scores.mean(axis=1), scores.std(axis=1)
'''),
        ("Ridge without intercept", '''
def ridge_cv_mse(X, y, alphas, n_splits=5):
    scores = np.array([-cross_val_score(Ridge(alpha=a, fit_intercept=False), X, y, cv=KFold(n_splits),
                                        scoring="neg_mean_squared_error") for a in alphas])
    return scores.mean(axis=1), scores.std(axis=1)
'''),
        ("folds of n // K samples, the remainder added to the last fold", '''
def ridge_cv_mse(X, y, alphas, n_splits=5):
    n = X.shape[0]
    size = n // n_splits
    idx = np.arange(n)
    folds = [idx[k * size:(k + 1) * size] for k in range(n_splits - 1)] + [idx[(n_splits - 1) * size:]]
    scores = np.zeros((len(alphas), n_splits))
    for k, test in enumerate(folds):
        train = np.setdiff1d(idx, test)
        for i, a in enumerate(alphas):
            model = Ridge(alpha=a).fit(X[train], y[train])
            scores[i, k] = np.mean((model.predict(X[test]) - y[test]) ** 2)
    return scores.mean(axis=1), scores.std(axis=1)
'''),
        ("root mean squared error per fold", '''
def ridge_cv_mse(X, y, alphas, n_splits=5):
    scores = np.array([-cross_val_score(Ridge(alpha=a), X, y, cv=KFold(n_splits),
                                        scoring="neg_root_mean_squared_error") for a in alphas])
    return scores.mean(axis=1), scores.std(axis=1)
'''),
    ],
}

CORRECT = {
    "polynomial_mse": [
        ("np.polyfit / np.polyval", '''
def polynomial_mse(x_train, y_train, x_test, y_test, degree):
    c = np.polyfit(x_train, y_train, degree)
    return (float(np.mean((np.polyval(c, x_train) - y_train) ** 2)),
            float(np.mean((np.polyval(c, x_test) - y_test) ** 2)))
'''),
        ("increasing powers and the normal equations via lstsq, numpy scalars returned", '''
def polynomial_mse(x_train, y_train, x_test, y_test, degree):
    powers = np.arange(degree + 1)
    A_train = x_train[:, None] ** powers
    A_test = x_test[:, None] ** powers
    c, *_ = np.linalg.lstsq(A_train, y_train, rcond=None)
    return np.mean((A_train @ c - y_train) ** 2), np.mean((A_test @ c - y_test) ** 2)
'''),
    ],
    "lasso_objective": [
        ("staged with explicit loops", '''
def lasso_objective(X, y, coef, intercept, alpha):
    n = len(y)
    total = 0.0
    for i in range(n):
        total += (y[i] - sum(X[i, j] * coef[j] for j in range(len(coef))) - intercept) ** 2
    return total / (2 * n) + alpha * sum(abs(c) for c in coef)
'''),
        ("mean of squares and np.linalg.norm", '''
def lasso_objective(X, y, coef, intercept, alpha):
    return 0.5 * np.mean((y - X @ coef - intercept) ** 2) + alpha * np.linalg.norm(coef, 1)
'''),
    ],
    "ridge_fit": [
        ("augmented least squares with sqrt(alpha) rows", '''
def ridge_fit(X, y, alpha):
    x_mean, y_mean = X.mean(axis=0), y.mean()
    p = X.shape[1]
    A = np.vstack([X - x_mean, np.sqrt(alpha) * np.eye(p)])
    b = np.concatenate([y - y_mean, np.zeros(p)])
    coef = np.linalg.lstsq(A, b, rcond=None)[0]
    return coef, y_mean - x_mean @ coef
'''),
        ("column of ones with an unpenalised intercept entry", '''
def ridge_fit(X, y, alpha):
    A = np.column_stack([np.ones(len(y)), X])
    P = alpha * np.eye(A.shape[1])
    P[0, 0] = 0.0
    theta = np.linalg.solve(A.T @ A + P, A.T @ y)
    return theta[1:], float(theta[0])
'''),
        ("dual form (Xc Xc^T + alpha I)^-1, via solve", '''
def ridge_fit(X, y, alpha):
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc = X - x_mean
    dual = np.linalg.solve(Xc @ Xc.T + alpha * np.eye(X.shape[0]), y - y_mean)
    coef = Xc.T @ dual
    return coef, float(y_mean - x_mean @ coef)
'''),
    ],
    "soft_threshold": [
        ("np.where cases", '''
def soft_threshold(z, t):
    z = np.asarray(z, dtype=float)
    return np.where(z > t, z - t, np.where(z < -t, z + t, 0.0))
'''),
        ("z minus its clipped value", '''
def soft_threshold(z, t):
    z = np.asarray(z, dtype=float)
    return z - np.clip(z, -t, t)
'''),
    ],
    "lasso_fit": [
        ("guard with a relative tolerance on the squared column norm instead of == 0", '''
def lasso_fit(X, y, alpha, n_iter=1000, tol=1e-8):
    n, p = X.shape
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc = X - x_mean
    sq = np.einsum("ij,ij->j", Xc, Xc)
    usable = sq > 1e-12 * max(1.0, float(np.max(sq)))
    coef, r = np.zeros(p), y - y_mean
    for _ in range(n_iter):
        change = 0.0
        for j in np.flatnonzero(usable):
            old = coef[j]
            new = soft_threshold(Xc[:, j] @ r / sq[j] + old, n * alpha / sq[j])
            r = r - Xc[:, j] * (new - old)
            coef[j] = new
            change = max(change, abs(new - old))
        if change <= tol:
            break
    return coef, float(y_mean - x_mean @ coef)
'''),
        ("coordinate descent recomputing the partial residual each time", '''
def lasso_fit(X, y, alpha, n_iter=1000, tol=1e-8):
    n, p = X.shape
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    coef = np.zeros(p)
    for _ in range(n_iter):
        previous = coef.copy()
        for j in range(p):
            norm2 = Xc[:, j] @ Xc[:, j]
            if norm2 == 0:
                coef[j] = 0.0
                continue
            partial = yc - Xc @ coef + Xc[:, j] * coef[j]
            coef[j] = soft_threshold(Xc[:, j] @ partial, n * alpha) / norm2
        if np.max(np.abs(coef - previous)) <= tol:
            break
    return coef, y.mean() - X.mean(axis=0) @ coef
'''),
        ("coordinate descent on standardised columns (penalty rescaled per column), back-transformed", '''
def lasso_fit(X, y, alpha, n_iter=1000, tol=1e-8):
    n, p = X.shape
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc = X - x_mean
    scale = np.sqrt((Xc ** 2).sum(axis=0) / n)
    keep = scale > 0
    Z = np.zeros_like(Xc)
    Z[:, keep] = Xc[:, keep] / scale[keep]          # every kept column has ||z_j||^2 = n
    beta, r = np.zeros(p), y - y_mean
    for _ in range(n_iter):
        change = 0.0
        for j in np.flatnonzero(keep):
            old = beta[j]
            # w_j = beta_j / scale_j, so alpha |w_j| = (alpha / scale_j) |beta_j|
            new = float(soft_threshold(Z[:, j] @ r / n + old, alpha / scale[j]))
            if new != old:
                r -= Z[:, j] * (new - old)
                beta[j] = new
                change = max(change, abs(new - old) / scale[j])
        if change <= tol:
            break
    coef = np.zeros(p)
    coef[keep] = beta[keep] / scale[keep]
    return coef, float(y_mean - x_mean @ coef)
'''),
        ("proximal gradient (ISTA), vectorised", '''
def lasso_fit(X, y, alpha, n_iter=1000, tol=1e-8):
    n, p = X.shape
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    L = np.linalg.norm(Xc, 2) ** 2 / n
    coef = np.zeros(p)
    if L == 0:
        return coef, float(y.mean())
    for _ in range(n_iter * max(p, 50)):
        grad = Xc.T @ (Xc @ coef - yc) / n
        new = soft_threshold(coef - grad / L, alpha / L)
        done = np.max(np.abs(new - coef)) <= tol * 1e-2
        coef = new
        if done:
            break
    return coef, float(y.mean() - X.mean(axis=0) @ coef)
'''),
    ],
    "lasso_alpha_max": [
        ("centring y only (Xc^T yc = X^T yc)", '''
def lasso_alpha_max(X, y):
    return float(np.abs(X.T @ (y - y.mean())).max() / len(y))
'''),
        ("n times the largest |covariance| (np.cov with bias=True)", '''
def lasso_alpha_max(X, y):
    cov = np.cov(X, y, rowvar=False, bias=True)[-1, :-1]
    return float(np.max(np.abs(cov)))
'''),
    ],
    "ridge_cv_mse": [
        ("cross_val_score with KFold and sklearn's Ridge", '''
def ridge_cv_mse(X, y, alphas, n_splits=5):
    scores = np.array([-cross_val_score(Ridge(alpha=a), X, y, cv=KFold(n_splits),
                                        scoring="neg_mean_squared_error") for a in alphas])
    return scores.mean(axis=1), scores.std(axis=1)
'''),
        ("boolean masks over np.array_split blocks with the normal equations", '''
def ridge_cv_mse(X, y, alphas, n_splits=5):
    blocks = np.array_split(np.arange(len(y)), n_splits)
    means, stds = [], []
    for a in alphas:
        errs = []
        for block in blocks:
            held = np.zeros(len(y), dtype=bool)
            held[block] = True
            Xt, yt = X[~held], y[~held]
            xm, ym = Xt.mean(axis=0), yt.mean()
            w = np.linalg.solve((Xt - xm).T @ (Xt - xm) + a * np.eye(X.shape[1]), (Xt - xm).T @ (yt - ym))
            errs.append(np.mean((y[held] - (X[held] - xm) @ w - ym) ** 2))
        means.append(np.mean(errs))
        stds.append(np.std(errs))
    return np.array(means), np.array(stds)
'''),
    ],
}
