#!/usr/bin/env python3
"""Click exports read as they are, checked against independent Python counts.

1. YooChoose-style export (SessionId, ItemId, Time epoch seconds; sorted by session, not by time):
   with no options every click is used and the sessions (visitor = the session column, 30-minute
   timeout) equal a count made here; with --given-sessions the sessions are exactly the file's
   SessionIds and each session's item sequence is the file's (by time, ties in file order).
2. A generated date + step export (scripts/gen-date-step-export.py: dates only, order by a step
   column, rows shuffled across sessions), read with --given-sessions --field order=step:
   sequences identical to the generator's.
Runs on ../shared/data when present and on fixtures/clicks/ always.
"""
import argparse, gzip, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def opener(path):
    return gzip.open(path, "rt") if path.endswith(".gz") else open(path)


def tool_sessions(binary, path, *options):
    out = subprocess.run([binary, "sessions", path, "-q", *options], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"check-click-exports: {path}: exit {out.returncode}: {out.stderr}")
    rows = [line.split("\t") for line in out.stdout.splitlines()[1:]]
    return rows, out.stderr


def check_yoochoose(binary, path):
    rows = []
    with opener(path) as f:
        header = f.readline().rstrip("\n").split("\t")
        assert header[:3] == ["SessionId", "ItemId", "Time"], header
        for n, line in enumerate(f):
            s, item, t = line.rstrip("\n").split("\t")
            rows.append((s, item, float(t), n))
    by = {}
    for s, item, t, n in rows:
        by.setdefault(s, []).append((t, n, item))
    expected_timeout = 0
    for views in by.values():
        views.sort()
        expected_timeout += 1 + sum(1 for a, b in zip(views, views[1:]) if b[0] - a[0] > 1800)
    got, _ = tool_sessions(binary, path)
    views = sum(int(r[5]) for r in got)
    ok = len(got) == expected_timeout and views == len(rows)
    print(f"{os.path.basename(path):40} default: sessions python {expected_timeout} tool {len(got)}; clicks {len(rows)} used {views}  {'ok' if ok else 'DIFFERENT'}")
    given, _ = tool_sessions(binary, path, "--given-sessions")
    want = sorted(tuple(i for _, _, i in v) for v in by.values())
    have = sorted(tuple(r[9].split(" ")) for r in given)
    ok2 = len(given) == len(by) and want == have
    print(f"{'':40} --given-sessions: sessions file {len(by)} tool {len(given)}; item sequences {'equal' if want == have else 'DIFFERENT'}")
    return ok and ok2


def check_generated(binary, rows, sessions, seed):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "export.csv")
        expected = os.path.join(tmp, "expected.txt")
        subprocess.run([sys.executable, os.path.join(HERE, "gen-date-step-export.py"), "--rows", str(rows), "--sessions", str(sessions),
                        "--seed", str(seed), "--out", path, "--expected", expected], check=True)
        got, err = tool_sessions(binary, path, "--given-sessions", "--field", "order=step")
        want = sorted(line.rstrip("\n") for line in open(expected))
        have = sorted(r[9] for r in got)
        ok = want == have
        print(f"generated date+step export {rows} rows: sessions generator {len(want)} tool {len(got)}; sequences {'equal' if ok else 'DIFFERENT'}")
        return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--rows", type=int, default=50_000)
    args = ap.parse_args()
    ok = True
    shared = os.path.join(ROOT, "..", "shared", "data", "clicks", "yoochoose-clicks-100k_train_full.txt.gz")
    for path in [os.path.join(ROOT, "fixtures", "clicks", "yoochoose-sample.tsv"), shared]:
        if os.path.exists(path):
            ok &= check_yoochoose(args.bin, path)
        else:
            print(f"check-click-exports: {path} not found: skipped")
    ok &= check_generated(args.bin, args.rows, max(10, args.rows // 16), 11)
    if not ok:
        sys.exit("check-click-exports: DIFFERENT")
    print("check-click-exports: all equal")


if __name__ == "__main__":
    main()
