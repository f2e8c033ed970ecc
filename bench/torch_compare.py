#!/usr/bin/env python3
"""Training time of tapegrad against PyTorch (OpenBLAS) and scikit-learn on the same data (issue 13).

Generates one data set (float64, m x n standard normal features, 0/1 labels of a noisy linear
rule; --rows 20000 --cols 500 by default), writes it once as raw float64 files, and times on it,
at each thread count (--threads 1,2):

  mlp_full       binary MLP (n, 16, 8, 1), tanh, SGD lr 0.1, full batch: median time per epoch
  logreg_gd      logistic regression, SGD lr 0.1, no penalty: time of 100 full-batch epochs
  logreg_lbfgs   scikit-learn LogisticRegression() (lbfgs, C = 1, tol 1e-4): time of fit();
                 tapegrad L-BFGS with its default lambda = 1/m (the same cost): time until its
                 cost is at most scikit-learn's final cost
  mlp_minibatch  the MLP with SGD on shuffled mini-batches of 64: median time per epoch

tapegrad runs in build-bench/bench/tapegrad_peer_driver (bench/peer_driver.cpp: the library's
fit(), built Release with -march=native like bench/run.sh; --no-build skips the build); PyTorch
and scikit-learn in worker processes of this script. Every process loads the data before its
clock starts: only training is timed. Variants are interleaved, repetition by repetition (the
order alternating), so that a change in the machine's load hits them alike; the table gives
medians over --repetitions and the ratio tapegrad / peer (below 1: tapegrad faster).

Threads: PyTorch gets torch.set_num_threads(T) and OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = T;
scikit-learn (numpy's BLAS) the same variables; tapegrad --threads T (FitOptions::threads; a
library without that field is timed at one thread only).

Packages (Debian, installed with apt-get when missing; never a dependency of the build or the
tests): python3-torch (1.13, linked to libblas.so.3), python3-sklearn, libopenblas0-pthread.
PyTorch's BLAS is OpenBLAS when libblas.so.3 resolves to it (Debian's alternatives: openblas-
pthread has the highest priority); the script checks that the process actually mapped OpenBLAS
and stops otherwise.

  python3 bench/torch_compare.py [--rows 20000] [--cols 500] [--repetitions 5] [--threads 1,2]
                                 [--workloads mlp_full,logreg_gd,logreg_lbfgs,mlp_minibatch]
                                 [--no-build] [--json out.json]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORKLOADS = ["mlp_full", "logreg_gd", "logreg_lbfgs", "mlp_minibatch"]
EPOCHS = {"mlp_full": 5, "logreg_gd": 100, "mlp_minibatch": 3}
PACKAGES = {"torch": "python3-torch", "sklearn": "python3-sklearn"}


def ensure_packages():
    missing = [pkg for mod, pkg in PACKAGES.items()
               if not os.path.exists(f"/usr/lib/python3/dist-packages/{mod}")]
    if not os.path.exists("/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"):
        missing.append("libopenblas0-pthread")
    if missing:
        print(f"installing {' '.join(missing)} (apt-get)", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y"] + missing, check=True,
                       stdout=subprocess.DEVNULL)
    # Debian's packages are for Debian's python3 (another python3 may come first on PATH).
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)


def blas_libraries():
    """The BLAS shared objects this process has mapped."""
    with open("/proc/self/maps") as f:
        return sorted({line.split()[-1] for line in f
                       if "blas" in line.lower() and line.split()[-1].startswith("/")})


# ---- data -------------------------------------------------------------------------------------

def make_data(directory, m, n, seed=20261201):
    import numpy as np
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n))
    w = rng.standard_normal(n) / np.sqrt(n)
    y = (X @ w + 0.5 * rng.standard_normal(m) > 0).astype(np.float64)
    X.astype("<f8").tofile(os.path.join(directory, "X.f64"))
    y.astype("<f8").tofile(os.path.join(directory, "y.f64"))


def load_data(directory, m, n):
    import numpy as np
    X = np.fromfile(os.path.join(directory, "X.f64"), dtype="<f8").reshape(m, n)
    y = np.fromfile(os.path.join(directory, "y.f64"), dtype="<f8")
    return X, y


# ---- workers (one timed run each, in a fresh process) -----------------------------------------

def torch_worker(args):
    import time
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    X_np, y_np = load_data(args.data, args.rows, args.cols)
    X = torch.from_numpy(X_np)
    y = torch.from_numpy(y_np).unsqueeze(1)
    n = args.cols
    start = time.perf_counter()
    if args.workload == "logreg_gd":
        model = torch.nn.Linear(n, 1).double()
        torch.nn.init.zeros_(model.weight)
        torch.nn.init.zeros_(model.bias)
    else:
        model = torch.nn.Sequential(torch.nn.Linear(n, 16), torch.nn.Tanh(), torch.nn.Linear(16, 8),
                                    torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = torch.nn.functional.binary_cross_entropy_with_logits
    batch = 64 if args.workload == "mlp_minibatch" else args.rows
    gen = torch.Generator().manual_seed(3)
    epoch_seconds = []
    loss = None
    for _ in range(EPOCHS[args.workload]):
        t0 = time.perf_counter()
        order = torch.randperm(args.rows, generator=gen) if batch < args.rows else None
        loss_sum, correct = 0.0, 0
        for first in range(0, args.rows, batch):
            if order is None:
                xb, yb = X, y
            else:
                idx = order[first:first + batch]
                xb, yb = X[idx], y[idx]
            opt.zero_grad()
            z = model(xb)
            loss = loss_fn(z, yb)
            loss.backward()
            opt.step()
            # what tapegrad's fit() reports per epoch: mean loss and accuracy before the updates
            loss_sum += loss.item() * xb.shape[0]
            correct += int(((z > 0).double() == yb).sum())
        epoch_seconds.append(time.perf_counter() - t0)
    fit_seconds = time.perf_counter() - start
    with torch.no_grad():
        final = float(loss_fn(model(X), y))
    return {"fit_seconds": fit_seconds, "epoch_seconds": epoch_seconds, "final_loss": final,
            "blas": blas_libraries()}


def sklearn_cost(clf, X, y):
    """scikit-learn's objective for C = 1 divided by m: mean log-loss + ||w||^2 / (2 m)."""
    import numpy as np
    z = X @ clf.coef_.ravel() + clf.intercept_[0]
    return float(np.mean(np.logaddexp(0.0, z) - y * z) + clf.coef_.ravel() @ clf.coef_.ravel()
                 / (2 * X.shape[0]))


def sklearn_worker(args):
    import time
    from sklearn.linear_model import LogisticRegression
    X, y = load_data(args.data, args.rows, args.cols)
    clf = LogisticRegression()  # lbfgs, C = 1, tol 1e-4, max_iter 100
    start = time.perf_counter()
    clf.fit(X, y)
    fit_seconds = time.perf_counter() - start
    return {"fit_seconds": fit_seconds, "final_loss": sklearn_cost(clf, X, y),
            "iterations": int(clf.n_iter_[0]), "blas": blas_libraries()}


def run_worker(args):
    result = (torch_worker if args.worker == "torch" else sklearn_worker)(args)
    if not any("openblas" in lib for lib in result["blas"]):
        sys.exit(f"torch_compare: {args.worker} did not load OpenBLAS: {result['blas']}")
    print(json.dumps(result))


# ---- driver -----------------------------------------------------------------------------------

def thread_env(threads):
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = env["OPENBLAS_NUM_THREADS"] = str(threads)
    return env


def run_json(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()}")
    return json.loads(p.stdout)


def peer(args, worker, workload, threads):
    return run_json([sys.executable, os.path.abspath(__file__), "--worker", worker, "--workload",
                     workload, "--threads", str(threads), "--data", args.data, "--rows",
                     str(args.rows), "--cols", str(args.cols)], env=thread_env(threads))


def tapegrad(args, workload, threads, target=None):
    cmd = [args.driver, os.path.join(args.data, "X.f64"), os.path.join(args.data, "y.f64"),
           str(args.rows), str(args.cols), workload, "--threads", str(threads)]
    if workload in EPOCHS:
        cmd += ["--epochs", str(EPOCHS[workload])]
    if target is not None:
        cmd += ["--target-loss", repr(target)]
    return run_json(cmd, env=thread_env(threads))


def value(workload, result):
    """What the table compares from one run's JSON: for the per-epoch workloads the median epoch
    after the first (which includes set-up), for logreg_gd the whole fit, for logreg_lbfgs the
    time to the target (scikit-learn: its fit)."""
    if workload == "logreg_lbfgs":
        return result.get("reach_seconds", result["fit_seconds"])
    if workload == "logreg_gd":
        return result["fit_seconds"]
    return statistics.median(result["epoch_seconds"][1:])


def tapegrad_threads_supported(args):
    try:
        run_json([args.driver, os.path.join(args.data, "X.f64"), os.path.join(args.data, "y.f64"),
                  str(args.rows), str(args.cols), "logreg_gd", "--threads", "2", "--epochs", "1"])
    except RuntimeError as e:
        if "FitOptions::threads" in str(e):
            return False
        raise
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--cols", type=int, default=500)
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--driver", default=os.path.join(ROOT, "build-bench/bench/tapegrad_peer_driver"))
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--json", help="write every run's result here")
    # worker mode (internal)
    ap.add_argument("--worker", choices=["torch", "sklearn"], help=argparse.SUPPRESS)
    ap.add_argument("--workload", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        args.threads = int(args.threads)
        run_worker(args)
        return
    ensure_packages()
    if not args.no_build:
        build = os.path.dirname(os.path.dirname(args.driver))
        subprocess.run(["cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
                        "-DTAPEGRAD_BENCH_MARCH=native", "-DTAPEGRAD_BUILD_BENCH=ON"],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["cmake", "--build", build, "--target", "tapegrad_peer_driver", "-j2"],
                       check=True, stdout=subprocess.DEVNULL)
    thread_counts = [int(t) for t in args.threads.split(",")]
    workloads = args.workloads.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        args.data = tmp
        make_data(tmp, args.rows, args.cols)
        import torch
        print(f"torch {torch.__version__}, BLAS: "
              f"{os.path.realpath('/usr/lib/x86_64-linux-gnu/libblas.so.3')}", file=sys.stderr)
        tg_threads = tapegrad_threads_supported(args)
        rows, runs = [], []
        for workload in workloads:
            for threads in thread_counts:
                tg_ok = threads == 1 or tg_threads
                peer_name = "scikit-learn" if workload == "logreg_lbfgs" else "PyTorch"
                worker = "sklearn" if workload == "logreg_lbfgs" else "torch"
                tg_times, peer_times, target, notes = [], [], None, {}
                for rep in range(args.repetitions):
                    def run_peer():
                        r = peer(args, worker, workload, threads)
                        peer_times.append(value(workload, r))
                        runs.append({"tool": worker, "workload": workload, "threads": threads, **r})
                        return r

                    def run_tg():
                        r = tapegrad(args, workload, threads, target)
                        runs.append({"tool": "tapegrad", "workload": workload, "threads": threads,
                                     **r})
                        if workload == "logreg_lbfgs" and r["reach_seconds"] is None:
                            notes["tapegrad"] = f"never reached {target} (final {r['final_loss']})"
                        else:
                            tg_times.append(value(workload, r))
                        return r

                    # the lbfgs target comes from scikit-learn: it runs first there
                    first_peer = workload == "logreg_lbfgs" or rep % 2 == 0
                    order = [run_peer, run_tg] if first_peer else [run_tg, run_peer]
                    for run in order:
                        if run is run_tg and not tg_ok:
                            continue
                        r = run()
                        if run is run_peer and workload == "logreg_lbfgs":
                            target = r["final_loss"]
                            notes["peer"] = f"{r['iterations']} iterations, cost {target:.10g}"
                    print(f"{workload} threads {threads} rep {rep}: tapegrad "
                          f"{tg_times[-1] if tg_times else '-'}, {peer_name} {peer_times[-1]}",
                          file=sys.stderr)
                tg_med = statistics.median(tg_times) if tg_times else None
                peer_med = statistics.median(peer_times)
                rows.append((workload, threads, tg_med, peer_name, peer_med, notes))
        with open("/proc/loadavg") as f:
            load = " ".join(f.read().split()[:3])
        if args.json:
            with open(args.json, "w") as f:
                json.dump(runs, f, indent=1)
    print(f"\n{args.rows} x {args.cols}, float64, medians of {args.repetitions} repetitions; "
          f"load average at the end: {load}")
    print("| workload | threads | tapegrad | peer | peer time | tapegrad / peer | notes |")
    print("|---|---|---|---|---|---|---|")
    for workload, threads, tg_med, peer_name, peer_med, notes in rows:
        ratio = f"{tg_med / peer_med:.2f}" if tg_med is not None else "-"
        tg_text = f"{tg_med:.4g} s" if tg_med is not None else "not run (no FitOptions::threads)"
        print(f"| {workload} | {threads} | {tg_text} | {peer_name} | {peer_med:.4g} s | {ratio} | "
              f"{'; '.join(f'{k}: {v}' for k, v in notes.items())} |")


if __name__ == "__main__":
    main()
