#!/usr/bin/env python3
"""Side-by-side check of `weblog-miner patterns` against PyPI `prefixspan` (an independent Python
implementation of PrefixSpan; installed with pip when missing) on the real sequence benchmarks.

Same semantics: support = number of sequences containing the pattern, gaps allowed, threshold
absolute = ceil(p x N). Diffs the sorted pattern sets and prints both run times. Skips if
../shared is absent. Usage: scripts/check-prefixspan-pypi.py [--bin PATH] [--all]
"""
import argparse, importlib, math, os, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEQ = os.path.join(ROOT, "..", "shared", "data", "sequences", "spmf")
CASES = [("MSNBC.txt", 0.05), ("BMSWebView1.txt", 0.002), ("kosarak10k.txt", 0.005)]


def load(path):
    db = []
    for line in open(path):
        if line.startswith(("#", "%", "@")) or not line.strip():
            continue
        db.append([int(t) for t in line.split() if t not in ("-1", "-2")])
    return db


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug", "weblog-miner"))
    ap.add_argument("--all", action="store_true", help="also BMSWebView1 and kosarak10k (slower in Python)")
    args = ap.parse_args()
    if not os.path.isdir(SEQ):
        print("check-prefixspan-pypi: ../shared/data/sequences not found, skipped")
        return 0
    try:
        prefixspan = importlib.import_module("prefixspan")
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "prefixspan==0.5.2"], check=True)
        prefixspan = importlib.import_module("prefixspan")
    failures = 0
    for name, share in CASES if args.all else CASES[:1]:
        path = os.path.join(SEQ, name)
        db = load(path)
        minsup = math.ceil(share * len(db) - 1e-9)
        start = time.time()
        reference = {tuple(p): s for s, p in prefixspan.PrefixSpan(db).frequent(minsup)}
        python_s = time.time() - start
        start = time.time()
        out = subprocess.run([args.bin, "patterns", "--min-support", str(minsup), "--output", "spmf", path], capture_output=True, text=True, check=True)
        ours_s = time.time() - start
        ours = {}
        for line in out.stdout.splitlines():
            if line.startswith("@"):
                continue
            items, sup = line.split("#SUP:")
            ours[tuple(int(t) for t in items.split() if t != "-1")] = int(sup)
        ok = ours == reference
        failures += 0 if ok else 1
        print(f"{name:18} minsup {minsup:>5}: {len(reference):>5} patterns; prefixspan (PyPI) {python_s:6.2f} s, "
              f"weblog-miner {ours_s:5.2f} s  {'identical' if ok else 'DIFFERENT'}")
        if not ok:
            print(f"    only in PyPI: {sorted(set(reference.items()) - set(ours.items()))[:5]}")
            print(f"    only in ours: {sorted(set(ours.items()) - set(reference.items()))[:5]}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
