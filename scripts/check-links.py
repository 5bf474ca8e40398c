#!/usr/bin/env python3
"""Independent check of `weblog-miner links`: PageRank, HITS and degrees recomputed with networkx.

For each access log in ../shared/data/access (skipped with a message if that directory is absent), or for
fixtures/access/site-visits.log with --fixture, the script runs

    weblog-miner links FILE --table pages --output tsv     (page, pagerank, hub, authority,
                                                             in_degree, out_degree, views, ...)
    weblog-miner links FILE --table edges --output tsv     (from, to, count, probability, kind, linked)

builds a weighted networkx DiGraph from it -- every page of the pages table is a node, every edges row of
kind `transition` an edge with weight = count (other kinds: entry, exit, back_step are not part of the
ranked graph) -- and compares, per page:

    pagerank   nx.pagerank(G, alpha=0.85, weight='weight', tol=1e-12, max_iter=10000)   within 1e-6
    hub, authority   nx.hits(G, max_iter=10000, tol=1e-12, normalized=True)          within 1e-4
    out_degree / in_degree   number of distinct successors / predecessors in G (a self-loop, i.e. a
               reload, makes a page its own successor and predecessor)                  exactly

networkx's PageRank spreads the rank of dangling pages (no outgoing transition) uniformly over all pages;
its HITS (networkx 3) takes the principal singular vectors of the weighted adjacency matrix (authority =
top right singular vector, hub = A @ authority), each normalised to sum 1. That vector is unique only if
the top singular value is simple: the script computes the two largest singular values and, when they are
equal (relative gap < 1e-9), reports HITS as not unique instead of failing on hub/authority.

It prints one line per file (nodes, edges, largest absolute differences) and exits 1 on any mismatch,
listing the first few. Warnings (not failures): flow conservation, views = entries + inflow and
views = exits + outflow, which holds when transitions are exactly the consecutive view pairs.

Usage:
    scripts/check-links.py [--bin PATH]     # the tool: --bin, else $WM, else .build/debug/weblog-miner
    scripts/check-links.py --fixture        # only fixtures/access/site-visits.log
    scripts/check-links.py --self-test      # networkx against the hand-computed graph below; no tool

Self-test graph (nodes A, B, C, D; weighted edges A->B 3, A->C 1, B->C 1, C->A 1; D isolated):

    PageRank, d = 0.85, N = 4. D is dangling, so every page gets s = (1-d)/N + d*pD/N each round; and
    pD = s (nothing links to D)  =>  pD = (1-d)/N / (1 - d/N) = 0.0375 / 0.7875 = 1/21, s = 1/21.
        pA = s + d*pC                  (C's only link)
        pB = s + d*(3/4)*pA            (A sends 3 of its 4 weight units to B)
        pC = s + d*((1/4)*pA + pB)
    Substituting pB into pC:  pC = s(1+d) + pA(d/4 + 3d^2/4);  into pA:
        pA = s(1 + d(1+d)) / (1 - d(d/4 + 3d^2/4)) = 3920/11481
    so  (pA, pB, pC, pD) = (27440, 21320, 27780, 3827) / 80367
                         = (0.341434, 0.265283, 0.345664, 0.047619); the sum is 80367/80367 = 1.

    HITS. Adjacency (rows = from, order A B C D): A = [[0,3,1,0],[0,0,1,0],[1,0,0,0],[0,0,0,0]].
    A^T A = diag-block [[1]] + [[9,3],[3,2]] (for B,C) + [[0]]; the top eigenvalue is that of [[9,3],[3,2]]:
    (11 + sqrt 85)/2 = 10.1098 (next: 1), eigenvector (B, C) = (1, y) with y = (sqrt 85 - 7)/6 = 0.369924.
        authority = (0, 1, y, 0) / (1 + y)             = (0, 0.729967, 0.270033, 0)
        hub = A @ authority ~ (3 + y, y, 0, 0)          = (0.901086, 0.098914, 0, 0) after normalising
    Top singular values sqrt(10.1098) = 3.1796 and 1: not degenerate. The second self-test graph,
    A->B 1 and C->D 1, has singular values 1, 1: HITS is not unique and must be detected as such.
"""
import argparse, math, os, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data", "access")
FIXTURE = os.path.join(ROOT, "fixtures", "access", "site-visits.log")

# The access logs of ../shared/data/access (see its README) and the options each one needs.
# weblog.csv is a header-less CSV: IP, "[dd/Mon/yyyy:HH:MM:SS", "METHOD URL PROTO", status, ...
LOGS = [
    ("apache_logs.gz", []),
    ("nginx_logs.txt.gz", []),
    ("nasa.log.gz", []),
    ("nasa_19950701.tsv.gz", []),
    ("nasa_19950801.tsv.gz", []),
    ("weblog.csv.gz", ["--format", "csv", "--no-header", "--field", "client=1", "--field", "time=2",
                       "--field", "request=3", "--field", "status=4"]),
]

TOL_PAGERANK, TOL_HITS = 1e-6, 1e-4
DEGENERATE_GAP = 1e-9  # relative gap (s1 - s2) / s1 below which HITS is not unique


def need_networkx():
    """networkx, numpy and scipy from PyPI, installed when missing (test-time reference tools only)."""
    try:
        import networkx, numpy, scipy  # noqa: F401
        return
    except ImportError:
        pass
    import subprocess
    for extra in ([], ["--break-system-packages"]):
        if subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *extra, "networkx", "numpy", "scipy"]).returncode == 0:
            break
    try:
        import networkx, numpy, scipy  # noqa: F401,F811
    except ImportError:
        raise SystemExit("check-links: needs networkx, numpy and scipy:\n"
                         "    pip install --break-system-packages networkx scipy")


def run_table(binary, path, extra, table):
    """Run the tool, return the TSV as a list of dicts keyed by header name."""
    cmd = [binary, "links", path, *extra, "--table", table, "--output", "tsv"]
    r = subprocess.run(cmd, capture_output=True, text=True, errors="surrogateescape")
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.strip()[-500:]}")
    lines = r.stdout.rstrip("\n").split("\n")
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"))) for line in lines[1:] if line]


def build_graph(pages, edges):
    """Weighted DiGraph: every ranked page a node, every transition row an edge (weight = count).
    Pages only in the link graph (never viewed, e.g. a referrer page) have an empty pagerank and are
    not part of the ranked usage graph."""
    import networkx as nx
    G = nx.DiGraph()
    G.add_nodes_from(row["page"] for row in pages if row["pagerank"] != "")
    problems = []
    for row in edges:
        if row["kind"] != "transition":
            continue
        a, b, w = row["from"], row["to"], float(row["count"])
        for p in (a, b):
            if p not in G:
                problems.append(f"transition endpoint {p!r} is not in the pages table")
        if G.has_edge(a, b):
            problems.append(f"transition {a!r} -> {b!r} listed twice")
            w += G[a][b]["weight"]
        G.add_edge(a, b, weight=w)
    return G, problems


def top_singular_values(G):
    """The two largest singular values of the weighted adjacency matrix (dense for small graphs)."""
    import networkx as nx, numpy as np
    n = G.number_of_nodes()
    if n <= 3000:
        s = np.linalg.svd(nx.to_numpy_array(G, weight="weight"), compute_uv=False)
        return float(s[0]), float(s[1]) if n > 1 else 0.0
    from scipy.sparse.linalg import svds
    s = sorted(svds(nx.adjacency_matrix(G, weight="weight").astype(float), k=2, return_singular_vectors=False))
    return float(s[1]), float(s[0])


def hits_degenerate(G):
    s1, s2 = top_singular_values(G)
    return s1 == 0 or (s1 - s2) <= DEGENERATE_GAP * s1, s1, s2


def reference(G):
    """networkx's measures; hub/authority are None when HITS is not unique or undefined."""
    import networkx as nx
    pr = nx.pagerank(G, alpha=0.85, weight="weight", tol=1e-12, max_iter=10000)
    degenerate, s1, s2 = hits_degenerate(G) if G.number_of_edges() else (True, 0.0, 0.0)
    hub = auth = None
    if not degenerate:
        hub, auth = nx.hits(G, max_iter=10000, tol=1e-12, normalized=True)
    return pr, hub, auth, (degenerate, s1, s2)


def compare(pages, G):
    """Per page: pagerank, hub, authority, degrees. Returns (mismatches, max diffs, svd info)."""
    pr, hub, auth, svd = reference(G)
    bad, maxdiff = [], {"pagerank": 0.0, "hub": 0.0, "authority": 0.0}
    for row in pages:
        p = row["page"]
        if p not in G:
            if row["views"] not in ("", "0"):
                bad.append(f"{p!r}: viewed {row['views']} times but not ranked")
            continue
        checks = [("pagerank", pr[p], TOL_PAGERANK)]
        if hub is not None:
            checks += [("hub", hub[p], TOL_HITS), ("authority", auth[p], TOL_HITS)]
        for col, want, tol in checks:
            try:
                got = float(row[col])
            except (KeyError, ValueError):
                bad.append(f"{p!r}: {col} = {row.get(col)!r} is not a number")
                continue
            diff = abs(got - want) if math.isfinite(got) else math.inf
            maxdiff[col] = max(maxdiff[col], diff)
            if not diff <= tol:
                bad.append(f"{p!r}: {col} tool {got:.9g} networkx {want:.9g} (diff {diff:.2g})")
        for col, want in (("out_degree", len(set(G.successors(p)))), ("in_degree", len(set(G.predecessors(p))))):
            got = row.get(col)
            if got is None or not got.isdigit() or int(got) != want:
                bad.append(f"{p!r}: {col} tool {got!r} networkx {want}")
    return bad, maxdiff, svd


def conservation(pages, G):
    """views = entries + inflow = exits + outflow per page (warnings only)."""
    out = []
    for row in pages:
        p = row["page"]
        if p not in G:
            continue
        try:
            views, entries, exits = int(row["views"]), int(row["entries"]), int(row["exits"])
        except (KeyError, ValueError):
            return ["views/entries/exits columns missing or not integers"]
        inflow = sum(d["weight"] for _, _, d in G.in_edges(p, data=True))
        outflow = sum(d["weight"] for _, _, d in G.out_edges(p, data=True))
        if views != entries + inflow or views != exits + outflow:
            out.append(f"{p!r}: views {views}, entries {entries} + inflow {inflow:g}, exits {exits} + outflow {outflow:g}")
    return out


def check_file(binary, path, extra):
    name = os.path.basename(path)
    try:
        pages = run_table(binary, path, extra, "pages")
        edges = run_table(binary, path, extra, "edges")
    except RuntimeError as e:
        print(f"{name:22} FAILED to run: {e}")
        return 1
    missing = [c for c in ("page", "pagerank", "hub", "authority", "in_degree", "out_degree") if pages and c not in pages[0]]
    missing += [c for c in ("from", "to", "count", "kind") if edges and c not in edges[0]]
    if missing:
        print(f"{name:22} MISSING columns: {', '.join(missing)}")
        return 1
    G, problems = build_graph(pages, edges)
    bad, maxdiff, (degenerate, s1, s2) = compare(pages, G)
    bad = problems + bad
    if len({row["page"] for row in pages}) != len(pages):
        bad.insert(0, "a page is listed twice in the pages table")
    note = ""
    if G.number_of_edges() == 0:
        note = "; no transitions: HITS undefined, not compared"
    elif degenerate:
        note = f"; HITS NOT UNIQUE (top singular values {s1:.9g} = {s2:.9g}): hub/authority not compared"
    else:
        note = f"; sigma1/sigma2 = {s1:.6g}/{s2:.6g}"
    print(f"{name:22} nodes {G.number_of_nodes():>5} edges {G.number_of_edges():>6}  max |diff| pagerank "
          f"{maxdiff['pagerank']:.1e} hub {maxdiff['hub']:.1e} authority {maxdiff['authority']:.1e}{note}  "
          f"{'ok' if not bad else 'MISMATCH (%d)' % len(bad)}")
    for b in bad[:8]:
        print("    " + b)
    warnings = conservation(pages, G)
    if warnings:
        print(f"    warning: {len(warnings)} pages where views != entries + inflow or != exits + outflow, e.g.")
        for w in warnings[:3]:
            print("      " + w)
    return 1 if bad else 0


def self_test():
    """networkx and the degeneracy test against the hand computation in the module docstring."""
    import networkx as nx
    G = nx.DiGraph()
    G.add_nodes_from("ABCD")
    G.add_weighted_edges_from([("A", "B", 3), ("A", "C", 1), ("B", "C", 1), ("C", "A", 1)])
    pr, hub, auth, (degenerate, s1, s2) = reference(G)
    want_pr = dict(zip("ABCD", (x / 80367 for x in (27440, 21320, 27780, 3827))))
    y = (math.sqrt(85) - 7) / 6
    want_auth = {"A": 0.0, "B": 1 / (1 + y), "C": y / (1 + y), "D": 0.0}
    want_hub = {"A": (3 + y) / (3 + 2 * y), "B": y / (3 + 2 * y), "C": 0.0, "D": 0.0}
    errors = []
    for label, got, want, tol in (("pagerank", pr, want_pr, 1e-10), ("hub", hub, want_hub, 1e-8), ("authority", auth, want_auth, 1e-8)):
        for p in "ABCD":
            if got is None or abs(got[p] - want[p]) > tol:
                errors.append(f"{label}[{p}]: networkx {None if got is None else got[p]} hand {want[p]}")
    if degenerate or abs(s1 - math.sqrt((11 + math.sqrt(85)) / 2)) > 1e-9 or abs(s2 - 1) > 1e-9:
        errors.append(f"singular values {s1}, {s2}: expected {math.sqrt((11 + math.sqrt(85)) / 2)}, 1, not degenerate")
    H = nx.DiGraph()
    H.add_weighted_edges_from([("A", "B", 1), ("C", "D", 1)])
    if not hits_degenerate(H)[0]:
        errors.append("A->B, C->D: HITS should be reported as not unique")
    # The comparison itself: a pages table equal to networkx passes, a perturbed one fails.
    rows = [{"page": p, "pagerank": repr(pr[p]), "hub": repr(hub[p]), "authority": repr(auth[p]),
             "out_degree": str(G.out_degree(p)), "in_degree": str(G.in_degree(p))} for p in "ABCD"]
    if compare(rows, G)[0]:
        errors.append("compare() rejects networkx's own values")
    rows[1]["pagerank"] = repr(pr["B"] + 2e-6)
    if len(compare(rows, G)[0]) != 1:
        errors.append("compare() misses a pagerank difference of 2e-6")
    for e in errors:
        print("    " + e)
    print("check-links self-test: " + ("ok" if not errors else f"{len(errors)} FAILED"))
    return 1 if errors else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.environ.get("WM") or os.path.join(ROOT, ".build", "debug", "weblog-miner"),
                    help="weblog-miner binary (default: $WM, else .build/debug/weblog-miner)")
    ap.add_argument("--fixture", action="store_true", help="check fixtures/access/site-visits.log only")
    ap.add_argument("--self-test", action="store_true", help="test this script's reference values; no tool needed")
    args = ap.parse_args()
    need_networkx()
    if args.self_test:
        return self_test()
    # A relative path is taken from the current directory if it exists there, else from the repo root.
    binary = args.bin if os.path.isabs(args.bin) or os.path.exists(args.bin) else os.path.join(ROOT, args.bin)
    if not os.path.exists(binary):
        print(f"check-links: {binary} not found (build first, or give --bin / WM)")
        return 1
    if args.fixture:
        cases = [(FIXTURE, [])]
    elif not os.path.isdir(DATA):
        print("check-links: ../shared/data/access not found, skipped")
        return 0
    else:
        cases = [(os.path.join(DATA, name), extra) for name, extra in LOGS]
    failures = sum(check_file(binary, path, extra) for path, extra in cases)
    print(f"check-links: {len(cases)} files, " + ("all equal" if not failures else f"{failures} with mismatches"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
