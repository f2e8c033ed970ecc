#!/usr/bin/env python3
"""Regenerates data/breast_cancer.csv from Debian's python3-sklearn copy of the UCI Breast Cancer
Wisconsin (Diagnostic) data set. Standard library only.

The source CSV starts with a count line "569,30,malignant,benign" instead of a header, and its
last column is sklearn's target (0 = malignant, 1 = benign). This script writes
  - a header row: the 30 feature names in snake_case, in sklearn's order and spelling
    (mean_radius ... mean_fractal_dimension, radius_error ... fractal_dimension_error,
    worst_radius ... worst_fractal_dimension), taken from the summary table of
    breast_cancer.rst, then the label column "malignant";
  - every data row with its 30 feature fields copied byte for byte (no re-formatting), and the
    label flipped: malignant = 1 - target, so 1 means malignant.

Usage: python3 data/make_breast_cancer.py [SKLEARN_DATASETS_DIR] [OUTPUT]
"""
import re
import sys
from pathlib import Path

DEFAULT_DIR = "/usr/lib/python3/dist-packages/sklearn/datasets"


def feature_names(rst_text):
    """The 30 names from the "Summary Statistics" table: "radius (mean):" -> "mean_radius",
    "radius (standard error):" -> "radius_error", "radius (worst):" -> "worst_radius"."""
    names = []
    for m in re.finditer(r"^\s*([a-z ]+) \((mean|standard error|worst)\):", rst_text, re.M):
        base = m.group(1).strip().replace(" ", "_")
        kind = m.group(2)
        if kind == "mean":
            names.append("mean_" + base)
        elif kind == "worst":
            names.append("worst_" + base)
        else:
            names.append(base + "_error")
    if len(names) != 30:
        sys.exit(f"expected 30 feature names in the .rst summary table, found {len(names)}")
    return names


def main():
    src_dir = Path(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_DIR)
    out = Path(sys.argv[2] if len(sys.argv) > 2 else Path(__file__).with_name("breast_cancer.csv"))
    names = feature_names((src_dir / "descr" / "breast_cancer.rst").read_text(encoding="utf-8"))
    lines = (src_dir / "data" / "breast_cancer.csv").read_text(encoding="ascii").splitlines()
    count, n_features, first, second = lines[0].split(",")
    if (int(n_features), first, second) != (30, "malignant", "benign"):
        sys.exit(f"unexpected count header: {lines[0]!r}")
    rows = lines[1:]
    if len(rows) != int(count):
        sys.exit(f"count header says {count} rows, found {len(rows)}")
    body = []
    for i, line in enumerate(rows, start=2):
        fields = line.split(",")
        if len(fields) != 31 or fields[30] not in ("0", "1"):
            sys.exit(f"line {i}: expected 30 features and a 0/1 target: {line!r}")
        fields[30] = "1" if fields[30] == "0" else "0"  # sklearn 0 = malignant -> malignant = 1
        body.append(",".join(fields))
    out.write_text(",".join(names + ["malignant"]) + "\n" + "\n".join(body) + "\n",
                   encoding="ascii", newline="\n")


if __name__ == "__main__":
    main()
