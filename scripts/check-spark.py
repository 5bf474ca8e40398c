#!/usr/bin/env python3
"""CI check: the Spark driver (scripts/spark/weblog_miner_spark.py, local[2]) gives the same results as
`weblog-miner run` on one machine, on the bundled two-server x two-day shop sample.

Compares: sessions as sets of (visitor, start, end, pages, dwell) — session ids are numbered per machine
(the driver numbers 1..N in its own order; `run` numbers in order of session start and skips ids of
sessions later dropped as robots), so ids are not compared; the full rows without the id are also
compared in file order and reported. pages.tsv row by row (both sorted), patterns.tsv byte for byte,
links.tsv PageRank per page within 1e-6 (and in/out degree); the day partials of `--days-out` (in a
non-UTC zone) byte for byte against `weblog-miner pages --partial --by-day` over the same files on one
machine (the files are canonical: pages numbered by name, visitor hashes sorted). Exit 1 on any mismatch.

Installs pyspark from PyPI when missing; skips (exit 0) only when Java is missing.
"""
import argparse
import csv
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ensure_pyspark():
    try:
        import pyspark  # noqa: F401
        return
    except ImportError:
        pass
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "pyspark"]
    if subprocess.run(cmd).returncode != 0:
        subprocess.run(cmd + ["--break-system-packages"], check=True)


def read_tsv(path):
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as f:
        return list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build/debug/weblog-miner"))
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    a = ap.parse_args()
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        print("check-spark: SKIP: no Java (PySpark needs a JVM)")
        return 0
    ensure_pyspark()
    binary = os.path.abspath(a.bin)
    if not os.access(binary, os.X_OK):
        print("check-spark: no binary at %s (build first)" % binary)
        return 1

    work = tempfile.mkdtemp(prefix="check-spark-")
    logs = os.path.join(ROOT, "fixtures/shop-sim/logs")
    # two servers x two days as given (.gz), except server b's second day, which is split into three
    # plain-text chunks: six files, more files than servers, gzip and plain mixed
    files = [os.path.join(logs, "a/access.log-20260302.gz"), os.path.join(logs, "a/access.log-20260303.gz"),
             os.path.join(logs, "b/access.log-20260302.gz")]
    with gzip.open(os.path.join(logs, "b/access.log-20260303.gz"), "rb") as f:
        lines = f.read().splitlines(keepends=True)
    third = (len(lines) + 2) // 3
    for k in range(3):
        p = os.path.join(work, "b-20260303.part%d.log" % k)
        with open(p, "wb") as out:
            out.writelines(lines[k * third:(k + 1) * third])
        files.append(p)

    single = os.path.join(work, "single")
    spark = os.path.join(work, "spark")
    zone = ["--timezone=-05:00", "--conversion=^/checkout/thanks"]  # the sample's two UTC days become three
    t0 = time.time()
    subprocess.run([binary, "run", "--no-state", "-q", "--out", single, "--site-host", "shop.example.com"] + files, check=True)
    t_single = time.time() - t0
    local_days = os.path.join(work, "local.days")
    subprocess.run([binary, "pages", "--partial", "--by-day"] + zone + ["-q", "--site-host", "shop.example.com", "-o", local_days] + files, check=True)

    timings = os.path.join(work, "timings.json")
    t0 = time.time()
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts/spark/weblog_miner_spark.py"), "--master", "local[2]",
                    "--partitions", str(a.partitions), "--bin", binary, "--out", spark,
                    "--site-host", "shop.example.com", "--timings", timings, "--days-out", os.path.join(spark, "days.partial"),
                    ] + zone + files, check=True,
                   stderr=subprocess.PIPE if not os.environ.get("CHECK_SPARK_VERBOSE") else None)
    t_spark = time.time() - t0
    import json
    with open(timings) as f:
        tm = json.load(f)

    problems = []

    def report(what, items):
        if items:
            problems.append("%s: %d differences, first: %s" % (what, len(items), "; ".join(items[:3])))
        print("check-spark: %-9s %s" % (what, "identical" if not items else "MISMATCH (%d)" % len(items)))

    # sessions: as sets (ids differ by construction), then also in order
    s1 = read_tsv(os.path.join(single, "sessions.tsv"))
    s2 = read_tsv(os.path.join(spark, "sessions.tsv"))
    key = lambda r: (r[1], r[2], r[3], r[9], r[10])  # visitor, start, end, pages, dwell_s
    a1 = sorted(key(r) for r in s1[1:])
    a2 = sorted(key(r) for r in s2[1:])
    only1 = sorted(set(a1) - set(a2))
    only2 = sorted(set(a2) - set(a1))
    diffs = ["only single: %s" % "|".join(x) for x in only1] + ["only spark: %s" % "|".join(x) for x in only2]
    if not diffs and a1 != a2:
        diffs = ["same set, different multiplicities"]
    report("sessions", diffs)
    print("check-spark:   %d sessions each; rows without session_id in file order: %s"
          % (len(s1) - 1, "identical" if [r[1:] for r in s1] == [r[1:] for r in s2] else "differ (order only)"))

    # run's pages.tsv has the `pages` columns, then its own (conversions, the previous period): those
    # are compared, the others are run's alone
    p2 = sorted(map(tuple, read_tsv(os.path.join(spark, "pages.tsv"))))
    width = len(p2[0]) if p2 else 0
    p1 = sorted(tuple(r[:width]) for r in read_tsv(os.path.join(single, "pages.tsv")))
    report("pages", ["single %s / spark %s" % ("\t".join(x), "\t".join(y)) for x, y in zip(p1, p2) if x != y]
           + (["row counts %d vs %d" % (len(p1), len(p2))] if len(p1) != len(p2) else []))

    with open(os.path.join(single, "patterns.tsv"), "rb") as f:
        q1 = f.read().splitlines()
    with open(os.path.join(spark, "patterns.tsv"), "rb") as f:
        q2 = f.read().splitlines()
    report("patterns", ["line %d: single %r / spark %r" % (i + 1, x, y) for i, (x, y) in enumerate(zip(q1, q2)) if x != y]
           + (["line counts %d vs %d" % (len(q1), len(q2))] if len(q1) != len(q2) else []))

    def links(path):
        rows = read_tsv(path)
        h = rows[0]
        return {r[0]: (float(r[h.index("pagerank")]) if r[h.index("pagerank")] else None,
                       r[h.index("in_degree")], r[h.index("out_degree")]) for r in rows[1:]}
    l1 = links(os.path.join(single, "links.tsv"))
    l2 = links(os.path.join(spark, "links.tsv"))
    ld = ["page sets differ: %s" % sorted(set(l1) ^ set(l2))[:5]] if set(l1) != set(l2) else []
    worst = 0.0
    for p in sorted(set(l1) & set(l2)):
        (r1, i1, o1), (r2, i2, o2) = l1[p], l2[p]
        if r1 is None or r2 is None:
            if r1 != r2:
                ld.append("%s: pagerank %s vs %s" % (p, r1, r2))
            continue
        worst = max(worst, abs(r1 - r2))
        if abs(r1 - r2) > 1e-6:
            ld.append("%s: pagerank %.9g vs %.9g" % (p, r1, r2))
        if (i1, o1) != (i2, o2):
            ld.append("%s: in/out degree %s/%s vs %s/%s" % (p, i1, o1, i2, o2))
    report("links", ld)
    print("check-spark:   %d pages, largest PageRank difference %.2e" % (len(l1), worst))

    with open(local_days, "rb") as f:
        d1 = f.read().splitlines()
    with open(os.path.join(spark, "days.partial"), "rb") as f:
        d2 = f.read().splitlines()
    report("days", ["line %d: single %r / spark %r" % (i + 1, x[:60], y[:60]) for i, (x, y) in enumerate(zip(d1, d2)) if x != y]
           + (["line counts %d vs %d" % (len(d1), len(d2))] if len(d1) != len(d2) else []))
    print("check-spark:   %d day partials, %d pages" % (sum(1 for x in d1 if x.startswith(b"day\t")), sum(1 for x in d1 if x.startswith(b"page\t"))))

    print("check-spark: timings: single machine `run` %.2f s; Spark local[2] %.2f s wall (%s)"
          % (t_single, t_spark, ", ".join("%s %.2f s" % (k, tm[k]) for k in
                                          ("spark_start", "parse", "sessions", "write_sessions", "pages", "patterns", "links", "days", "total"))))
    print("check-spark: %d files, %d records, %d sessions, %d partitions, %d candidate patterns"
          % (tm["files"], tm["records"], tm["session_count"], tm["partitions"], tm["candidates"]))
    if a.keep:
        print("check-spark: work directory kept: " + work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    if problems:
        for p in problems:
            print("check-spark: FAIL: " + p)
        return 1
    print("check-spark: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
