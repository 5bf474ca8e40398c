#!/usr/bin/env python3
"""Independent check of `weblog-miner stats` on the real logs in ../shared/data/access.

Reads each file with Python regular expressions written from the Apache/nginx format definitions (not
from our parser) and compares line, record and reject counts, distinct clients, status counts and the
time span with what the tool reports. Exits non-zero on any difference. Skips if ../shared is absent.

Usage: scripts/check-real-data.py [--bin PATH]
"""
import argparse, datetime, gzip, json, os, re, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data", "access")

# Quoted fields: any run of non-quote characters or backslash escapes, as Apache writes them.
Q = r'"((?:[^"\\]|\\.)*)"'
CLF = re.compile(r'^(\S+) (\S+) (.+?) \[([^\]]+)\] ' + Q + r' (\d{3}|-) (\d+|-)')
COMBINED = re.compile(CLF.pattern + r' ' + Q + r' ' + Q + r'$')
COMMON = re.compile(CLF.pattern + r'$')
CLF_TIME = "%d/%b/%Y:%H:%M:%S %z"


def check_clf(path, regex):
    lines = records = 0
    clients, statuses, times = set(), {}, []
    with gzip.open(path, "rb") as f:
        for raw in f:
            lines += 1
            line = raw.decode("utf-8", "surrogateescape").rstrip("\r\n")
            m = regex.match(line)
            if not m:
                continue
            t = datetime.datetime.strptime(m.group(4), CLF_TIME).timestamp()
            records += 1
            clients.add(m.group(1))
            statuses[m.group(6)] = statuses.get(m.group(6), 0) + 1
            times.append(t)
    return dict(lines=lines, records=records, rejected=lines - records, distinct_clients=len(clients),
                statuses=statuses, first=min(times), last=max(times))


def check_tsv(path):
    lines = records = 0
    clients, statuses, times = set(), {}, []
    with gzip.open(path, "rt") as f:
        header = f.readline().rstrip("\n").split("\t")
        lines += 1
        col = {name: i for i, name in enumerate(header)}
        for line in f:
            lines += 1
            cells = line.rstrip("\n").split("\t")
            records += 1
            clients.add(cells[col["host"]])
            statuses[cells[col["response"]]] = statuses.get(cells[col["response"]], 0) + 1
            times.append(int(cells[col["time"]]))
    return dict(lines=lines, records=records, rejected=0, distinct_clients=len(clients), statuses=statuses,
                first=min(times), last=max(times))


def tool_stats(binary, path):
    out = subprocess.run([binary, "stats", "--output", "json", "--top", "1000", "-q", path], capture_output=True, text=True)
    if out.returncode not in (0,):
        raise SystemExit(f"weblog-miner stats failed on {path}: {out.stderr}")
    return json.loads(out.stdout)


def iso(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug", "weblog-miner"))
    args = ap.parse_args()
    if not os.path.isdir(DATA):
        print("check-real-data: ../shared/data/access not found, skipped")
        return 0
    cases = [("apache_logs.gz", lambda p: check_clf(p, COMBINED)),
             ("nginx_logs.txt.gz", lambda p: check_clf(p, COMBINED)),
             ("nasa.log.gz", lambda p: check_clf(p, COMMON)),
             ("nasa_19950701.tsv.gz", check_tsv),
             ("nasa_19950801.tsv.gz", check_tsv)]
    failures = 0
    for name, reference in cases:
        path = os.path.join(DATA, name)
        want = reference(path)
        got = tool_stats(args.bin, path)
        # The TSV header is a line that is neither a record nor a reject.
        pairs = [("lines", want["lines"], got["lines"]),
                 ("records", want["records"], got["records"]),
                 ("rejected", want["rejected"], got["rejected"]),
                 ("distinct_clients", want["distinct_clients"], got["distinct_clients"]),
                 ("statuses", {k: v for k, v in want["statuses"].items()}, {k: v for k, v in got["statuses"].items()}),
                 ("first_time", iso(want["first"]), got["first_time"]),
                 ("last_time", iso(want["last"]), got["last_time"])]
        bad = [(k, w, g) for k, w, g in pairs if w != g]
        status = "ok" if not bad else "DIFFERENT"
        print(f"{name:24} lines {want['lines']:>6} records {want['records']:>6} rejected {want['rejected']:>3} "
              f"clients {want['distinct_clients']:>5}  {status}")
        for k, w, g in bad:
            print(f"    {k}: python {w!r} vs weblog-miner {g!r}")
        failures += len(bad)
    print(f"check-real-data: {len(cases)} files checked, " + ("all equal" if not failures else f"{failures} differences"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
