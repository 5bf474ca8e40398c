#!/usr/bin/env python3
"""Independent reference for `weblog-miner funnels`: the same funnels counted in Python from the
sessions that `weblog-miner sessions` writes (TSV), on the bundled shop sample (fixtures/shop-sim),
closed and open, at session and visitor level. Every column must agree.

Python's rule, written from the definition (not from the Swift code): a way through the funnel enters
at step 1 (open: at the lowest step of the first view that is a funnel step), then takes the earliest
later view of the next step; the time of a step is the gap to the view that completed the previous one;
those who stop at step k went next to the view after their step-k view in that session, or (exit).
Visitor level: a visitor's sessions joined in order.

    scripts/check-funnels.py --bin .build/debug/weblog-miner
"""
import argparse, csv, io, os, statistics, subprocess, sys
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
LOGS = sorted(os.path.join(REPO, "fixtures", "shop-sim", "logs", s, f)
              for s in ("a", "b") for f in os.listdir(os.path.join(REPO, "fixtures", "shop-sim", "logs", s)))
MAPS = ["--map", "^/p/[0-9]+$=/p/:id", "--map", "^/c/.+$=/c/:cat"]
FUNNELS = [
    ("checkout", ["/p/:id", "/cart", "/checkout", "/checkout/thanks"]),
    ("signup", ["/pricing", "/signup", "/signup/thanks"]),
    ("browse", ["/", "/c/:cat", "/p/:id", "/cart"]),
]


def read_tsv(text):
    return list(csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))


def sessions(binary):
    out = subprocess.run([binary, "sessions", "-q", *MAPS, *LOGS], check=True, capture_output=True, text=True).stdout
    result = []
    for row in read_tsv(out):
        pages = row["pages"].split(" ")
        dwell = row["dwell_s"].split(" ")
        t, times = 0.0, []
        for i, _ in enumerate(pages):
            times.append(t)
            if dwell[i] != "-":
                t += float(dwell[i])
        result.append((int(row["session_id"]), row["visitor"], list(zip(pages, times))))
    result.sort()
    return result


def walk(ways, steps, opened):
    """Counts for a list of ways, each a list of sessions, each a list of (page, time)."""
    n = len(steps)
    reached, entered = [0] * n, [0] * n
    times = [[] for _ in range(n)]
    nxt = [Counter() for _ in range(n)]
    for way in ways:
        start, k, last, after, waiting = -1, 0, 0.0, None, False
        offset = 0.0
        for views in way:
            for page, t in views:
                t += offset
                if waiting:
                    after, waiting = page, False
                if start < 0:
                    hits = [j for j, s in enumerate(steps) if s == page]
                    if hits and (opened or hits[0] == 0):
                        start, k, last, waiting = hits[0], hits[0] + 1, t, True
                        entered[hits[0]] += 1
                        reached[hits[0]] += 1
                elif k < n and steps[k] == page:
                    reached[k] += 1
                    times[k].append(t - last)
                    k, last, waiting = k + 1, t, True
            if waiting:
                after, waiting = "(exit)", False
            offset += 1e7  # later sessions come later (times only ever subtract within a way)
        if start >= 0 and k < n:
            nxt[k - 1][after] += 1
    return reached, entered, times, nxt


def expected_rows(name, steps, level, counts):
    reached, entered, times, nxt = counts
    rows = []
    for k in range(len(steps)):
        last = k == len(steps) - 1
        dropped = sum(nxt[k].values())
        top = sorted(nxt[k].items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        row = {"funnel": name, "level": level, "step": str(k + 1), "page": steps[k], "reached": str(reached[k]),
               "entered": str(entered[k]), "dropped": "" if last else str(dropped),
               "continued": "" if last else str(reached[k] - dropped),
               "median_s_from_previous": "" if not times[k] else fmt(statistics.median(times[k]))}
        rows.append((row, top))
    return rows


def fmt(v):
    v = round(v * 10000) / 10000
    return str(int(v)) if v == int(v) else repr(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    args = ap.parse_args()
    all_sessions = sessions(args.bin)
    by_visitor = defaultdict(list)
    for _, visitor, views in all_sessions:
        by_visitor[visitor].append(views)
    failures = 0
    checked = 0
    for opened in (False, True):
        cmd = [args.bin, "funnels", "-q", *MAPS, *LOGS] + (["--open"] if opened else [])
        for name, steps in FUNNELS:
            cmd += ["--funnel", f"{name}: " + " > ".join(steps)]
        got = read_tsv(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        index = {(r["funnel"], r["level"], r["step"]): r for r in got}
        for name, steps in FUNNELS:
            for level, ways in (("session", [[v] for _, _, v in all_sessions]), ("visitor", list(by_visitor.values()))):
                for row, top in expected_rows(name, steps, level, walk(ways, steps, opened)):
                    g = index.get((name, level, row["step"]))
                    checked += 1
                    if g is None:
                        print(f"MISSING {name} {level} step {row['step']}")
                        failures += 1
                        continue
                    for key, value in row.items():
                        if g[key] != value:
                            print(f"DIFF open={opened} {name} {level} step {row['step']} {key}: tool {g[key]!r}, python {value!r}")
                            failures += 1
                    # Ties in next-page counts may order differently only among equal counts: compare counts,
                    # and pages where the count is not tied with a neighbour.
                    got_top = [(g[f"next_{i}"], g[f"next_{i}_n"]) for i in (1, 2, 3) if g[f"next_{i}"]]
                    if [n for _, n in got_top] != [str(n) for _, n in top]:
                        print(f"DIFF open={opened} {name} {level} step {row['step']} next pages: tool {got_top}, python {top}")
                        failures += 1
                    elif [p for p, _ in got_top] != [p for p, _ in top]:
                        print(f"DIFF open={opened} {name} {level} step {row['step']} next page names: tool {got_top}, python {top}")
                        failures += 1
        reached_total = sum(int(r["reached"]) for r in got)
        if reached_total == 0:
            print("no session reached any step: the check would prove nothing")
            failures += 1
    print(f"check-funnels: {checked} rows (3 funnels, closed and open, session and visitor level), {failures} differences")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
