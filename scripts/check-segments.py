#!/usr/bin/env python3
"""Independent check of `weblog-miner segments` against a small NumPy implementation of the same model
(a mixture of first-order Markov chains with an end state, MAP EM under the same Dirichlet priors:
`smoothing` pseudo-counts per initial and transition cell, one per mixture weight).

1. One chain (K = 1) has a closed form: its log-likelihood per page view over all sequences (`--criterion
   bic --clusters 1`, fitted on all of them) must equal NumPy's to 1e-6, on planted data and, when
   ../shared/data is there, on MSNBC.
2. Three planted chains (written as SPMF): NumPy EM from 10 random starts and `segments --clusters 3`
   must reach the same log-likelihood per view (within 1e-3), and both must recover the planted chains
   (adjusted Rand index > 0.9 for ours, from --assignments). NumPy is installed from PyPI when missing.

    scripts/check-segments.py [--bin .build/debug/weblog-miner]
"""
import argparse, csv, io, os, subprocess, sys, tempfile

try:
    import numpy as np
except ImportError:  # installed from PyPI on demand, as the other check scripts do
    for extra in ([], ["--break-system-packages"]):
        if subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *extra, "numpy"]).returncode == 0:
            break
    import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(REPO, "..", "shared", "data")
ALPHA = 0.1


def read_spmf(path):
    seqs = []
    for line in open(path):
        if not line.strip() or line[0] in "#%@":
            continue
        seqs.append([int(t) for t in line.split() if int(t) >= 0])
    return seqs


def dense(seqs):
    """Items as 0..S-1 (any order: the likelihood does not depend on it)."""
    ids = {x: i for i, x in enumerate(sorted({x for s in seqs for x in s}))}
    return [[ids[x] for x in s] for s in seqs if s], len(ids)


def counts(seqs, S, resp):
    """Expected counts: weights (K), initial (K x S), transitions (K x S x S+1), given responsibilities (N x K)."""
    K = resp.shape[1]
    init = np.zeros((K, S)); trans = np.zeros((K, S, S + 1))
    for s, r in zip(seqs, resp):
        init[:, s[0]] += r
        for a, b in zip(s, s[1:] + [S]):
            trans[:, a, b] += r
    return resp.sum(0), init, trans


def maximise(w, init, trans, alpha):
    K, S = init.shape
    lw = np.log((w + 1) / (w.sum() + K))
    li = np.log((init + alpha) / (init.sum(1, keepdims=True) + S * alpha))
    lt = np.log((trans + alpha) / (trans.sum(2, keepdims=True) + (S + 1) * alpha))
    return lw, li, lt


def joint(seqs, S, model):
    lw, li, lt = model
    out = np.empty((len(seqs), len(lw)))
    for n, s in enumerate(seqs):
        v = lw + li[:, s[0]]
        for a, b in zip(s, s[1:] + [S]):
            v = v + lt[:, a, b]
        out[n] = v
    return out


def loglik(j):
    m = j.max(1, keepdims=True)
    return float((m[:, 0] + np.log(np.exp(j - m).sum(1))).sum())


def em(seqs, S, K, alpha, starts=10, iterations=500, seed=0):
    rng = np.random.default_rng(seed)
    best = None
    for _ in range(starts):
        resp = np.eye(K)[rng.integers(0, K, len(seqs))]
        model = maximise(*counts(seqs, S, resp), alpha)
        last = -np.inf
        for _ in range(iterations):
            j = joint(seqs, S, model)
            ll = loglik(j)
            if ll - last < 1e-9 * abs(ll):
                break
            last = ll
            resp = np.exp(j - j.max(1, keepdims=True)); resp /= resp.sum(1, keepdims=True)
            model = maximise(*counts(seqs, S, resp), alpha)
        j = joint(seqs, S, model)
        ll = loglik(j)
        if best is None or ll > best[0]:
            best = (ll, j.argmax(1))
    return best


def ari(a, b):
    from math import comb
    pairs = {}
    for x, y in zip(a, b):
        pairs[(x, y)] = pairs.get((x, y), 0) + 1
    ra, rb = {}, {}
    for (x, y), n in pairs.items():
        ra[x] = ra.get(x, 0) + n; rb[y] = rb.get(y, 0) + n
    idx = sum(comb(n, 2) for n in pairs.values())
    sa, sb = sum(comb(n, 2) for n in ra.values()), sum(comb(n, 2) for n in rb.values())
    exp = sa * sb / comb(len(a), 2)
    return (idx - exp) / ((sa + sb) / 2 - exp)


def planted(n=1500, seed=4):
    """Three chains over 8 pages (SPMF numbers 1-8): A goes round 1>2>3, C round 1>3>2, B lives on 4-6."""
    rng = np.random.default_rng(seed)
    S = 8
    def rows(fav):
        r = np.full((S, S + 1), 0.1 / S)
        for a in range(S):
            end = 0.02 if a == 0 else 0.2
            r[a, S] = end
            if fav is None:
                r[a, 3:6] += (0.9 - end) / 3
            else:
                r[a, fav[a]] += 0.9 - end
        return r / r.sum(1, keepdims=True)
    chains = [(np.eye(S)[0], rows([1, 2, 0, 1, 1, 1, 0, 0])), (np.r_[0, 0, 0, .5, .5, 0, 0, 0], rows(None)),
              (np.eye(S)[0], rows([2, 0, 1, 2, 2, 2, 0, 0]))]
    seqs, labels = [], []
    for _ in range(n):
        c = rng.choice(3, p=[.5, .3, .2])
        x = [rng.choice(S, p=chains[c][0])]
        while len(x) < 50:
            nxt = rng.choice(S + 1, p=chains[c][1][x[-1]])
            if nxt == S:
                break
            x.append(nxt)
        seqs.append([v + 1 for v in x]); labels.append(int(c))
    return seqs, labels


def ours(wm, path, tmp, k, extra=()):
    sel, asg = os.path.join(tmp, "sel.tsv"), os.path.join(tmp, "asg.tsv")
    p = subprocess.run([wm, "segments", "--sequences", path, "--criterion", "bic", "--clusters", str(k), "--smoothing", str(ALPHA),
                        "--selection", sel, "--assignments", asg, "-o", os.devnull, "-q", *extra], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"segments failed: {p.stderr}")
    row = next(csv.DictReader(open(sel), delimiter="\t"))
    seg = [int(r["segment"]) for r in csv.DictReader(open(asg), delimiter="\t")]
    return float(row["train_ll_per_view"]), seg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(REPO, ".build", "debug", "weblog-miner"))
    wm = ap.parse_args().bin
    failures = 0
    def check(ok, what):
        nonlocal failures
        print(("ok   " if ok else "FAIL ") + what)
        failures += 0 if ok else 1
    with tempfile.TemporaryDirectory() as tmp:
        seqs, labels = planted()
        path = os.path.join(tmp, "planted.txt")
        with open(path, "w") as f:
            for s in seqs:
                f.write(" -1 ".join(map(str, s)) + " -1 -2\n")
        cases = [("planted", path)]
        if os.path.isdir(SHARED):
            cases.append(("MSNBC", os.path.join(SHARED, "sequences", "spmf", "MSNBC.txt")))
        for name, p in cases:
            d, S = dense(read_spmf(p))
            views = sum(len(s) for s in d)
            ref = loglik(joint(d, S, maximise(*counts(d, S, np.ones((len(d), 1))), ALPHA))) / views
            got, _ = ours(wm, p, tmp, 1)
            check(abs(got - ref) < 1e-6, f"{name}, one chain: log-likelihood per view {got:.6f}, NumPy {ref:.6f}")
        d, S = dense(seqs)
        views = sum(len(s) for s in d)
        ref_ll, ref_labels = em(d, S, 3, ALPHA)
        got, seg = ours(wm, path, tmp, 3)
        check(abs(got - ref_ll / views) < 1e-3, f"planted, 3 chains: log-likelihood per view {got:.6f}, NumPy EM (10 starts) {ref_ll / views:.6f}")
        a_ours, a_ref = ari(seg, labels), ari(list(ref_labels), labels)
        check(a_ours > 0.9, f"planted, 3 chains: adjusted Rand index {a_ours:.4f} (NumPy EM: {a_ref:.4f}), ours vs NumPy {ari(seg, list(ref_labels)):.4f}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
