#!/usr/bin/env python3
"""Compares `weblog-miner patterns` with the expected pattern sets in ../shared/data/sequences/golden
(produced by SPMF 2.66 and cross-checked there against Spark MLlib, PyPI prefixspan and brute force).

For every dataset/threshold/variant (all, contiguous = --max-gap 1, max gap 2, closed, maximal) the
sorted SPMF output lines must be identical. Prints a table with the mining time of each run.
Skips if ../shared is absent. Usage: scripts/check-patterns.py [--bin PATH] [--quick]
"""
import argparse, os, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEQ = os.path.join(ROOT, "..", "shared", "data", "sequences")
CASES = [  # (golden prefix, input, min support)
    ("toy5_40pct", "golden/toy5.txt", "40%"),
    ("MSNBC_5pct", "spmf/MSNBC.txt", "5%"),
    ("SIGN_50pct", "spmf/SIGN.txt", "50%"),
    ("Leviathan_10pct", "spmf/Leviathan.txt", "10%"),
    ("BMSWebView1_0.2pct", "spmf/BMSWebView1.txt", "0.2%"),
    ("kosarak10k_0.5pct", "spmf/kosarak10k.txt", "0.5%"),
    ("BMS2_0.2pct", "spmf/BMS2.txt", "0.2%"),
]
VARIANTS = {"all": [], "contiguous": ["--max-gap", "1"], "maxgap2": ["--max-gap", "2"], "closed": ["--closed"], "maximal": ["--maximal"]}


def canonical(lines):
    def key(line):
        items = line.split("#SUP:")[0].split()
        return [int(x) for x in items if x != "-1"]
    return sorted((l.strip() for l in lines if l.strip() and not l.startswith("@")), key=key)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug", "weblog-miner"))
    ap.add_argument("--quick", action="store_true", help="toy5, MSNBC and SIGN only")
    args = ap.parse_args()
    if not os.path.isdir(SEQ):
        print("check-patterns: ../shared/data/sequences not found, skipped")
        return 0
    failures = checked = 0
    for prefix, data, support in CASES[:3] if args.quick else CASES:
        for variant, flags in VARIANTS.items():
            golden = os.path.join(SEQ, "golden", f"{prefix}_{variant}.txt")
            if not os.path.exists(golden):
                continue
            start = time.time()
            r = subprocess.run([args.bin, "patterns", "--min-support", support, "--output", "spmf", *flags, os.path.join(SEQ, data)],
                               capture_output=True, text=True)
            seconds = time.time() - start
            want = canonical(open(golden).read().splitlines())
            got = canonical(r.stdout.splitlines()) if r.returncode == 0 else None
            ok = got == want
            checked += 1
            failures += 0 if ok else 1
            print(f"{prefix:22} {variant:10} {len(want):>6} patterns  {seconds:6.2f} s  {'ok' if ok else 'DIFFERENT'}")
            if not ok:
                if got is None:
                    print("    " + r.stderr.strip())
                else:
                    print(f"    missing {len(set(want) - set(got))}, extra {len(set(got) - set(want))}; e.g. "
                          f"{sorted(set(want) - set(got))[:3]} / {sorted(set(got) - set(want))[:3]}")
    print(f"check-patterns: {checked} pattern sets compared, " + ("all identical" if not failures else f"{failures} different"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
