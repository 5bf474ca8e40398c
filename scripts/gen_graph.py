#!/usr/bin/env python3
"""Writes a random directed graph as `from<TAB>to` lines, shaped like a site's link graph: targets
are drawn from a Zipf-like popularity (a few hub pages get most links), sources uniformly; node
names look like page paths. Deterministic for a given seed.

    scripts/gen_graph.py --nodes 1000000 --edges 10000000 -o bench-data/graph-1M-10M.tsv
"""
import argparse
import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, default=1_000_000)
    ap.add_argument("--edges", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    n, m = args.nodes, args.edges
    # Popularity ~ 1 / rank^0.8, shuffled so hubs are spread over the id space.
    weights = 1.0 / np.arange(1, n + 1) ** 0.8
    weights /= weights.sum()
    perm = rng.permutation(n)
    with open(args.output, "w") as f:
        chunk = 1_000_000
        for start in range(0, m, chunk):
            k = min(chunk, m - start)
            src = rng.integers(0, n, size=k)
            dst = perm[rng.choice(n, size=k, p=weights)]
            f.write("".join(f"/p/{a}\t/p/{b}\n" for a, b in zip(src.tolist(), dst.tolist())))


if __name__ == "__main__":
    main()
