#!/usr/bin/env python3
"""tapegrad's default models against scikit-learn's on the same train/test splits.

For iris, wine, digits, breast cancer (classification) and diabetes (regression), and for split
seeds 0..N-1, makes a stratified (classification) 80/20 split with scikit-learn's
train_test_split(random_state=seed), writes train.csv and test.csv, and fits

  scikit-learn: make_pipeline(StandardScaler(), LogisticRegression())  (lbfgs, C = 1, default
                everything) or make_pipeline(StandardScaler(), LinearRegression());
                with --mlp also make_pipeline(StandardScaler(), MLPClassifier(random_state=seed))
  tapegrad:     `tapegrad train train.csv --target target --test-fraction 0 --save model.json`
                (its defaults: standardisation, logreg / softmax / linear, the default optimizer)
                then `tapegrad eval model.json test.csv --json` (with --mlp also --model mlp)

and prints a markdown table: test accuracy (classification) or R^2 (regression), and test
log-loss where applicable, mean +- sd over the splits, and how often tapegrad is better / worse
(wins / losses; differences up to 1e-6 are ties).

  python3 bench/sklearn_compare.py [--tapegrad build/tools/tapegrad] [--splits 20] [--mlp]
  python3 bench/sklearn_compare.py --driver build/bench/sklearn_driver  # the library directly

--driver runs bench/sklearn_driver.cpp (the library's train() with default TrainConfig) instead of
the tool, for trees whose tool cannot read multi-class or regression CSVs yet.
scikit-learn comes from Debian's python3-sklearn; the script installs it with apt-get if missing
(it is never a dependency of the build or the tests).
"""
import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile


TIE = 1e-6  # differences up to this are ties (the optimisers stop at different rounding)


def ensure_sklearn():
    try:
        import sklearn  # noqa: F401
        return
    except ImportError:
        pass
    if not os.path.exists("/usr/lib/python3/dist-packages/sklearn"):
        print("installing python3-sklearn (apt-get)", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "python3-sklearn"], check=True,
                       stdout=subprocess.DEVNULL)
    # Debian's package is for Debian's python3 (another python3 may come first on PATH).
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)


def write_csv(path, X, y, integer_target):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([f"x{j}" for j in range(X.shape[1])] + ["target"])
        for row, t in zip(X, y):
            w.writerow([repr(float(v)) for v in row] + [int(t) if integer_target else repr(float(t))])


def run_json(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()}")
    return json.loads(p.stdout)


def tapegrad_fit(args, workdir, task, n_classes, mlp):
    train, test = os.path.join(workdir, "train.csv"), os.path.join(workdir, "test.csv")
    if args.driver:
        kind = "regression" if task == "regression" else ("binary" if n_classes == 2 else "multiclass")
        extra = ["mlp"] if mlp else (["old"] if args.old_defaults else [])
        j = run_json([args.driver, train, test, kind] + extra)
        return j["test_loss"], j.get("test_accuracy"), j.get("test_r2")
    model = os.path.join(workdir, "model.json")
    cmd = [args.tapegrad, "train", train, "--target", "target", "--test-fraction", "0",
           "--save", model, "--json",
           "--task", "regression" if task == "regression" else "classification"]
    if mlp:
        cmd += ["--model", "mlp"]
    run_json(cmd)
    j = run_json([args.tapegrad, "eval", model, test, "--json"])
    return j["loss"], j.get("accuracy"), j.get("r2")


def sklearn_fit(X_train, y_train, X_test, y_test, task, mlp, seed):
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.metrics import accuracy_score, log_loss, r2_score
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    import warnings
    from sklearn.exceptions import ConvergenceWarning
    if task == "regression":
        model = make_pipeline(StandardScaler(), LinearRegression()).fit(X_train, y_train)
        pred = model.predict(X_test)
        return float(((pred - y_test) ** 2).mean()), None, r2_score(y_test, pred)
    est = MLPClassifier(random_state=seed) if mlp else LogisticRegression()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = make_pipeline(StandardScaler(), est).fit(X_train, y_train)
    proba = model.predict_proba(X_test)
    return (log_loss(y_test, proba, labels=model.classes_),
            accuracy_score(y_test, model.predict(X_test)), None)


def mean_sd(values):
    if len(values) == 1:
        return f"{values[0]:.4f}"
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f}"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tapegrad", default=os.path.join(here, "..", "build", "tools", "tapegrad"))
    ap.add_argument("--driver", help="bench/sklearn_driver binary instead of the tool")
    ap.add_argument("--splits", type=int, default=20)
    ap.add_argument("--mlp", action="store_true", help="also MLPClassifier vs --model mlp")
    ap.add_argument("--old-defaults", action="store_true",
                    help="with --driver: the defaults before L-BFGS (gd, lr 0.1, 100 epochs, no "
                         "weight decay), for comparison")
    ap.add_argument("--datasets", default="iris,wine,digits,breast_cancer,diabetes")
    args = ap.parse_args()
    ensure_sklearn()
    from sklearn import datasets
    from sklearn.model_selection import train_test_split

    loaders = {"iris": datasets.load_iris, "wine": datasets.load_wine,
               "digits": datasets.load_digits, "breast_cancer": datasets.load_breast_cancer,
               "diabetes": datasets.load_diabetes}
    rows = []
    workdir = tempfile.mkdtemp(prefix="tapegrad-sklearn-")
    try:
        for name in args.datasets.split(","):
            X, y = loaders[name](return_X_y=True)
            task = "regression" if name == "diabetes" else "classification"
            n_classes = 0 if task == "regression" else len(set(y.tolist()))
            for mlp in ([False, True] if args.mlp and task == "classification" else [False]):
                res = {"tg_loss": [], "sk_loss": [], "tg_score": [], "sk_score": []}
                wins = losses = loss_wins = loss_losses = 0
                for seed in range(args.splits):
                    X_tr, X_te, y_tr, y_te = train_test_split(
                        X, y, test_size=0.2, random_state=seed,
                        stratify=None if task == "regression" else y)
                    write_csv(os.path.join(workdir, "train.csv"), X_tr, y_tr, task != "regression")
                    write_csv(os.path.join(workdir, "test.csv"), X_te, y_te, task != "regression")
                    tl, ta, tr2 = tapegrad_fit(args, workdir, task, n_classes, mlp)
                    sl, sa, sr2 = sklearn_fit(X_tr, y_tr, X_te, y_te, task, mlp, seed)
                    tscore, sscore = (tr2, sr2) if task == "regression" else (ta, sa)
                    res["tg_loss"].append(tl)
                    res["sk_loss"].append(sl)
                    res["tg_score"].append(tscore)
                    res["sk_score"].append(sscore)
                    wins += tscore > sscore + TIE
                    losses += tscore < sscore - TIE
                    loss_wins += tl < sl - TIE
                    loss_losses += tl > sl + TIE
                model = ("MLP" if mlp else
                         "linear regression" if task == "regression" else
                         "logistic regression" if n_classes == 2 else "softmax regression")
                gap = max(abs(a - b) for a, b in zip(res["tg_score"], res["sk_score"]))
                loss_gap = max(abs(a - b) for a, b in zip(res["tg_loss"], res["sk_loss"]))
                rows.append((name, model, "R²" if task == "regression" else "accuracy",
                             mean_sd(res["tg_score"]), mean_sd(res["sk_score"]), f"{wins} / {losses}",
                             f"{gap:.1e}",
                             mean_sd(res["tg_loss"]) if task != "regression" else "—",
                             mean_sd(res["sk_loss"]) if task != "regression" else "—",
                             f"{loss_wins} / {loss_losses}" if task != "regression" else "—",
                             f"{loss_gap:.1e}" if task != "regression" else "—"))
                print(f"done: {name} {model}", file=sys.stderr)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"{args.splits} seeded stratified 80/20 splits (regression: unstratified); mean ± sd over "
          "splits; wins / losses: splits where tapegrad is better / worse by more than 1e-6 (score "
          "higher, log-loss lower).\n")
    print("| data | model | metric | tapegrad | scikit-learn | wins / losses | max abs diff "
          "| tapegrad test log-loss | scikit-learn test log-loss | wins / losses (log-loss) "
          "| max abs diff |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
