#!/usr/bin/env python3
"""Scale-out driver for weblog-miner on Apache Spark (PySpark 4).

Runs the `weblog-miner` binary on every worker (subprocesses fed through mapPartitions) in stages and
gives the same sessions, pages, patterns and PageRank as `weblog-miner run` on one machine:

  1 parse     each log file (local/HDFS/S3; .gz or plain, one task per file) -> `parse - -q` TSV records
  2 sessions  records partitioned by visitor key (client + " " + user agent, or the click log's visitor /
              session field), sorted by time within partitions (repartitionAndSortWithinPartitions),
              then `sessions - -q` per partition: all hits of a visitor are in one partition -> exact
  3 pages     `pages --partial - -q` per partition, `merge --kind pages` on the driver
  4 patterns  two-phase SON: `patterns - --min-support P%` per partition (local candidates, union,
              broadcast), `patterns - --count CANDIDATES` per partition, sums, global threshold
  5 links     `links - -q --table edges` per partition, `merge --kind edges` (+ every page as a node),
              PageRank/HITS on the driver with `links --edges`
  6 days      (with --days-out) `pages --partial --by-day - -q` per partition, `merge --kind days` on the
              driver: day partials that merge with days computed anywhere else

Writes sessions.tsv, pages.tsv, patterns.tsv, links.tsv and edges.tsv into --out DIR.
See scripts/spark/README.md.
"""

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zlib

RECORD_COLUMNS = b"time\tepoch\tclient\tuser\tmethod\tpath\tquery\tprotocol\tstatus\tbytes\treferrer\tuser_agent\tvhost\tduration_us\tvisitor\tsession\tsource"
SESSION_HEADER = b"session_id\tvisitor\tstart\tend\tduration_s\tviews\tentry_page\texit_page\tentry_referrer\tpages\tdwell_s\tinferred"
# column indexes of the parse TSV
C_EPOCH, C_CLIENT, C_PATH, C_UA, C_VISITOR, C_SESSION, C_SOURCE = 1, 2, 5, 11, 14, 15, 16


# ----------------------------------------------------------------------------------------------
# helpers that run on the workers (must be picklable: module-level functions and plain data)

def resolve_bin(path):
    """The tool on this machine: PATH as given, else the file shipped with --files (SparkFiles)."""
    if os.path.sep in path and os.path.exists(path):
        cand = os.path.abspath(path)
    elif os.path.sep not in path and shutil.which(path):
        cand = shutil.which(path)
    else:
        cand = None
        try:
            from pyspark import SparkFiles
            p = SparkFiles.get(os.path.basename(path))
            if os.path.exists(p):
                cand = p
        except Exception:
            pass
        if cand is None:
            cand = path
    if os.path.exists(cand) and not os.access(cand, os.X_OK):
        try:
            os.chmod(cand, 0o755)  # files shipped with --files may lose the x bit
        except OSError:
            pass
    return cand


def run_tool(cmd, chunks, what):
    """Runs cmd, writing the byte chunks to its stdin from a thread; yields stdout lines (bytes, no \\n)."""
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=1 << 20)
    err = []
    werr = []

    def feed():
        try:
            for c in chunks:
                proc.stdin.write(c)
            proc.stdin.close()
        except BrokenPipeError:
            pass
        except Exception as e:  # noqa: BLE001 - reported below
            werr.append(e)
            try:
                proc.stdin.close()
            except Exception:
                pass

    def drain():
        err.append(proc.stderr.read())

    t = threading.Thread(target=feed, daemon=True)
    t2 = threading.Thread(target=drain, daemon=True)
    t.start()
    t2.start()
    for line in proc.stdout:
        yield line[:-1] if line.endswith(b"\n") else line
    rc = proc.wait()
    t.join()
    t2.join()
    if werr:
        raise werr[0]
    if rc != 0:
        raise RuntimeError("%s: %s exited %d: %s" % (what, " ".join(cmd), rc, (err[0] or b"").decode("utf-8", "replace")[-2000:]))


def epoch_millis(e):
    """'1772409629' or '1772409629.123' -> 1772409629123 (exact, no float)."""
    if b"." in e:
        whole, frac = e.split(b".", 1)
        return int(whole) * 1000 + int((frac + b"000")[:3]) * (-1 if whole.startswith(b"-") else 1)
    return int(e) * 1000


def visitor_key(f):
    """The tool's default visitor key (--visitor auto): click-log visitor, else session, else client + ' ' + UA."""
    if f[C_VISITOR]:
        return f[C_VISITOR]
    if f[C_SESSION]:
        return f[C_SESSION]
    return f[C_CLIENT] + b" " + f[C_UA]


def parse_files(bin_path, fmt, file_index):
    """mapPartitions over sc.binaryFiles: (path, content) -> records ((ms, first_ms?, idx, line), (vkey, tsv))."""
    def run(it):
        tool = resolve_bin(bin_path)
        for path, content in it:
            idx = file_index[norm_path(path)]
            cmd = [tool, "parse", "-", "-q", "--format", fmt]
            first = True
            running = None
            for line in run_tool(cmd, [content], "parse " + path):
                if first:
                    first = False  # header row
                    continue
                f = line.split(b"\t")
                if len(f) != 17 or not f[C_EPOCH]:
                    continue
                lineno = int(f[C_SOURCE].rsplit(b":", 1)[1])
                ms = epoch_millis(f[C_EPOCH])
                if merge_visible(f) and (running is None or ms > running):
                    running = ms
                yield (idx, lineno, ms, visitor_key(f), line, running if running is not None else ms)
    return run


STATIC_EXT = set(b"css js mjs map json xml txt png jpg jpeg gif webp avif svg ico bmp tif tiff woff woff2 ttf otf eot "
                 b"mp3 mp4 webm ogg wav avi mov m4a pdf zip gz tgz bz2 xz 7z rar exe msi dmg iso deb rpm apk swf flv xbm "
                 b"class jar".split())


def merge_visible(f):
    """Would the tool's per-file cleaning pass this record on to its k-way merge (a page view or a
    robots.txt marker)? Approximates the default cleaning: 2xx/304, not HEAD/OPTIONS, not a static file."""
    path = f[C_PATH]
    if path.endswith(b"/robots.txt"):
        return True
    st = f[8]
    if not (st.startswith(b"2") or st == b"304") or f[4] in (b"HEAD", b"OPTIONS"):
        return False
    last = path.rsplit(b"/", 1)[-1]
    return not (b"." in last and last.rsplit(b".", 1)[1].lower() in STATIC_EXT)


def norm_path(p):
    """file:/x, file:///x and /x name the same local file (binaryFiles and globStatus spell them differently)."""
    if p.startswith("file:"):
        p = "/" + p[len("file:"):].lstrip("/")
    return p


def partition_of(n):
    def pf(key):
        return zlib.crc32(key[-1]) % n
    return pf


def write_records(path, it):
    """Writes the partition's sorted records (header + TSV lines) to a local file; returns the count."""
    n = 0
    with open(path, "wb", buffering=1 << 20) as out:
        out.write(RECORD_COLUMNS + b"\n")
        for _k, line in it:
            out.write(line)
            out.write(b"\n")
            n += 1
    return n


def file_chunks(path, size=1 << 20):
    with open(path, "rb") as f:
        while True:
            b = f.read(size)
            if not b:
                return
            yield b


def iso_millis(s):
    """'2026-03-02T00:00:29Z' or '...29.123Z' -> epoch milliseconds."""
    import calendar
    s = s.decode()
    frac = 0
    if s.endswith("Z"):
        s = s[:-1]
    if "." in s:
        s, fs = s.split(".", 1)
        frac = int((fs + "000")[:3])
    t = time.strptime(s, "%Y-%m-%dT%H:%M:%S")
    return calendar.timegm(t) * 1000 + frac


def page_of_path(path):
    """A rough page name for matching a session's entry page to its first record (query dropped)."""
    p = path.split(b"?", 1)[0]
    if p.endswith(b"/index.html") or p.endswith(b"/index.htm"):
        p = p[: p.rindex(b"/") + 1]
    return p


def sessions_stage(bin_path, opts):
    """mapPartitions over sorted records: yields (order_key, session_tsv_line) for every session.

    order_key = (start_ms, key of the session's first record) reproduces the single machine's session
    order (sessions.tsv is sorted by start, ties by the order in which the sessions' first views came)."""
    def run(it):
        tool = resolve_bin(bin_path)
        d = tempfile.mkdtemp(prefix="wm-sess-")
        try:
            keys = []
            rec = os.path.join(d, "records.tsv")
            with open(rec, "wb", buffering=1 << 20) as out:
                out.write(RECORD_COLUMNS + b"\n")
                for k, line in it:
                    out.write(line)
                    out.write(b"\n")
                    keys.append(k)
            if not keys:
                return
            lines = list(run_tool([tool, "sessions", rec, "-q"] + opts, [], "sessions"))
            sessions = lines[1:]
            want = {}
            for i, s in enumerate(sessions):
                f = s.split(b"\t")
                want[(f[1], iso_millis(f[2]))] = i
            found = [None] * len(sessions)
            exact = [False] * len(sessions)
            entry = [s.split(b"\t")[6] for s in sessions]
            with open(rec, "rb") as fin:
                fin.readline()
                for k, line in zip(keys, fin):
                    i = want.get((k[-1], k[0]))
                    if i is None or exact[i]:
                        continue
                    f = line.split(b"\t")
                    if page_of_path(f[C_PATH]) == entry[i]:
                        found[i] = k
                        exact[i] = True
                    elif found[i] is None:
                        found[i] = k
            for i, s in enumerate(sessions):
                k = found[i] or (iso_millis(s.split(b"\t")[2]), 0, 0, 0, 0, b"")
                yield (k[:-1], s)
        finally:
            shutil.rmtree(d, ignore_errors=True)
    return run


def tool_on_records(bin_path, args, what):
    """mapPartitions over sorted records: the partition's whole output of `weblog-miner ARGS FILE` as one bytes."""
    def run(it):
        tool = resolve_bin(bin_path)
        d = tempfile.mkdtemp(prefix="wm-part-")
        try:
            rec = os.path.join(d, "records.tsv")
            if write_records(rec, it) == 0:
                return
            out = b"\n".join(run_tool([tool] + args[:1] + [rec] + args[1:], [], what))
            yield out + b"\n"
        finally:
            shutil.rmtree(d, ignore_errors=True)
    return run


def mine_local(bin_path, spec, total, extra):
    """SON phase 1 on one partition's sessions: local frequent patterns (candidates)."""
    def run(it):
        sessions = list(it)
        n = len(sessions)
        if n == 0:
            return
        tool = resolve_bin(bin_path)
        local = local_threshold(spec, n, total)
        chunks = [SESSION_HEADER + b"\n"] + [s + b"\n" for s in sessions]
        first = True
        for line in run_tool([tool, "patterns", "-", "--min-support", local] + extra, chunks, "patterns (local)"):
            if first:
                first = False
                continue
            yield line.split(b"\t", 1)[0]
    return run


def count_candidates(bin_path, cand_bc, extra):
    """SON phase 2 on one partition: exact support of every candidate."""
    def run(it):
        sessions = list(it)
        if not sessions:
            return
        tool = resolve_bin(bin_path)
        d = tempfile.mkdtemp(prefix="wm-count-")
        try:
            cf = os.path.join(d, "candidates.txt")
            with open(cf, "wb") as f:
                f.write(cand_bc.value)
            chunks = [SESSION_HEADER + b"\n"] + [s + b"\n" for s in sessions]
            first = True
            for line in run_tool([tool, "patterns", "-", "--count", cf] + extra, chunks, "patterns --count"):
                if first:
                    first = False
                    continue
                f = line.split(b"\t")
                yield (f[0], int(f[1]))
        finally:
            shutil.rmtree(d, ignore_errors=True)
    return run


# ----------------------------------------------------------------------------------------------
# the tool's own arithmetic, reproduced exactly

def absolute_support(text, n):
    """PatternOptions.absoluteSupport: '5%' or 0.05 -> max(1, ceil(p x N - 1e-9)); '120' -> 120."""
    if text.endswith("%"):
        p = float(text[:-1])
        return max(1, math.ceil(p / 100 * n - 1e-9))
    try:
        return int(text)
    except ValueError:
        p = float(text)
        return max(1, math.ceil(p * n - 1e-9))


def local_threshold(text, n_local, n_total):
    """The per-partition threshold for SON phase 1 (always <= the proportional share of the global one)."""
    if text.endswith("%") or "." in text:
        return text  # the same relative threshold: the tool computes ceil(p x N_partition)
    # absolute count: scale it to the partition's share of the sessions
    return str(max(1, math.ceil(int(text) * n_local / n_total - 1e-9)))


def format4(x):
    """String(format4:) in the tool: 4 decimals, rounded half away from zero, trailing zeros dropped."""
    scaled = int(math.floor(abs(x) * 10000 + 0.5)) * (1 if x >= 0 else -1)
    whole = abs(scaled) // 10000
    frac = ("%04d" % (abs(scaled) % 10000)).rstrip("0")
    sign = "-" if scaled < 0 else ""
    return "%s%d.%s" % (sign, whole, frac) if frac else "%s%d" % (sign, whole)


# ----------------------------------------------------------------------------------------------
# driver

def expand_inputs(sc, paths):
    """Globs expanded with Hadoop's FileSystem (local, hdfs://, s3a://), keeping the argument order."""
    jvm = sc._jvm
    conf = sc._jsc.hadoopConfiguration()
    out = []
    for p in paths:
        hp = jvm.org.apache.hadoop.fs.Path(p)
        fs = hp.getFileSystem(conf)
        st = fs.globStatus(hp)
        if st is None or len(st) == 0:
            raise SystemExit("weblog_miner_spark: no such input: " + p)
        names = []
        for s in st:
            if s.isDirectory():
                for c in fs.listStatus(s.getPath()):
                    if c.isFile():
                        names.append(c.getPath().toString())
            else:
                names.append(s.getPath().toString())
        out.extend(sorted(names) if len(st) > 1 or st[0].isDirectory() else names)
    return out



def save_parts(parts, work, name):
    """Each partition's output as a file in work (name has one %d): the driver's merge reads files."""
    files = []
    for i, p in enumerate(parts):
        fn = os.path.join(work, name % i)
        with open(fn, "wb") as f:
            f.write(p)
        files.append(fn)
    return files

def main(argv=None):
    ap = argparse.ArgumentParser(description="weblog-miner on Spark: sessions, pages, patterns, links of many logs.")
    ap.add_argument("logs", nargs="+", help="log files or globs (local paths, hdfs://, s3a://); .gz or plain")
    ap.add_argument("--out", default="weblog-results", help="results directory (local, on the driver)")
    ap.add_argument("--timeout", help="session inactivity timeout (as weblog-miner, default 30m)")
    ap.add_argument("--min-support", default="1%", help="pattern minimum support: count or share (default 1%%)")
    ap.add_argument("--max-gap", help="largest step between pattern pages")
    ap.add_argument("--max-length", help="longest pattern")
    ap.add_argument("--format", default="auto", help="log format for parse (default auto; e.g. combined)")
    ap.add_argument("--site-host", action="append", default=[], help="site host name (repeatable)")
    ap.add_argument("--master", help="Spark master, e.g. local[2] (default: from spark-submit)")
    ap.add_argument("--partitions", type=int, help="visitor partitions (default: Spark's default parallelism)")
    ap.add_argument("--bin", default="weblog-miner", help="the tool on the workers (path, name on PATH, or ./weblog-miner shipped with --files)")
    ap.add_argument("--driver-bin", help="the tool on the driver (default: --bin)")
    ap.add_argument("--timings", help="also write the stage timings as JSON to this file")
    ap.add_argument("--days-out", help="also write the day partials (as `weblog-miner pages --partial --by-day`) to this file")
    ap.add_argument("--timezone", help="the site's time zone for --days-out (as weblog-miner, default UTC)")
    ap.add_argument("--conversion", help="pages that count as a conversion in --days-out (PCRE2, as weblog-miner)")
    a = ap.parse_args(argv)

    t_start = time.time()
    from pyspark import SparkConf, SparkContext, StorageLevel
    conf = SparkConf().setAppName("weblog-miner")
    if a.master:
        conf.setMaster(a.master)
    conf.set("spark.ui.enabled", "false")
    conf.set("spark.ui.showConsoleProgress", "false")
    sc = SparkContext.getOrCreate(conf)
    sc.setLogLevel("WARN")
    t_ctx = time.time()
    timings = {"spark_start": t_ctx - t_start}

    driver_bin = resolve_bin(a.driver_bin or a.bin)
    session_opts = []
    if a.timeout:
        session_opts += ["--timeout", a.timeout]
    for h in a.site_host:
        session_opts += ["--site-host", h]
    pattern_opts = []
    if a.max_gap:
        pattern_opts += ["--max-gap", a.max_gap]
    if a.max_length:
        pattern_opts += ["--max-length", a.max_length]
    absolute_support(a.min_support, 1)  # validates the option early
    nparts = a.partitions or sc.defaultParallelism
    os.makedirs(a.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="wm-spark-driver-")

    def stage(name, t0):
        timings[name] = time.time() - t0
        print("weblog_miner_spark: %-8s %6.2f s" % (name, timings[name]), file=sys.stderr, flush=True)

    # 1 parse -----------------------------------------------------------------------------------
    t0 = time.time()
    files = expand_inputs(sc, a.logs)
    file_index = {}
    for i, f in enumerate(files):
        file_index.setdefault(norm_path(f), i)
    raw = sc.union([sc.binaryFiles(f) for f in files])  # one task per file
    records = raw.mapPartitions(parse_files(a.bin, a.format, file_index)).persist(StorageLevel.MEMORY_AND_DISK)
    # the first record of each file orders files like the tool's k-way merge: ties in time go to the
    # file opened first, i.e. the one whose first record is earlier (then the earlier argument)
    firsts = dict(records.map(lambda r: (r[0], (r[1], r[2]))).reduceByKey(min).mapValues(lambda v: v[1]).collect())
    nrecords = records.count()
    stage("parse", t0)

    # 2 partition by visitor, sort by time, sessions ------------------------------------------------
    t0 = time.time()
    fb = sc.broadcast(firsts)
    # (time, running max of the file's times, file's first time, argument index, line, visitor): the
    # order in which the tool's k-way merge + reorder window releases hits (see README)
    keyed = records.map(lambda r: ((r[2], r[5], fb.value[r[0]], r[0], r[1], r[3]), r[4]))
    ordered = keyed.repartitionAndSortWithinPartitions(nparts, partitionFunc=partition_of(nparts)).persist(StorageLevel.MEMORY_AND_DISK)
    sess = ordered.mapPartitions(sessions_stage(a.bin, session_opts), preservesPartitioning=True).persist(StorageLevel.MEMORY_AND_DISK)
    nsessions = sess.count()
    records.unpersist()
    stage("sessions", t0)

    # sessions.tsv: global order (start, first view), numbered 1..N; page first appearance for patterns
    t0 = time.time()
    page_rank = {}
    with open(os.path.join(work, "sessions.tsv"), "wb") as out:
        out.write(SESSION_HEADER + b"\n")
        n = 0
        for _k, line in sess.sortByKey(numPartitions=nparts).toLocalIterator():
            n += 1
            f = line.split(b"\t", 1)
            out.write(str(n).encode() + b"\t" + f[1] + b"\n")
            for p in line.split(b"\t")[9].split(b" "):
                if p not in page_rank:
                    page_rank[p] = len(page_rank)
    stage("write_sessions", t0)

    # 3 pages -----------------------------------------------------------------------------------
    t0 = time.time()
    partials = ordered.mapPartitions(tool_on_records(a.bin, ["pages", "--partial", "-q"] + session_opts, "pages --partial")).collect()
    pfiles = save_parts(partials, work, "pages-%05d.partial")
    subprocess.run([driver_bin, "merge", "--kind", "pages"] + pfiles + ["-o", os.path.join(work, "pages.tsv")], check=True)
    stage("pages", t0)

    # 4 patterns: SON --------------------------------------------------------------------------
    t0 = time.time()
    local_sessions = sess.map(lambda kv: kv[1])
    candidates = sorted(set(local_sessions.mapPartitions(mine_local(a.bin, a.min_support, nsessions, pattern_opts)).collect()))
    threshold = absolute_support(a.min_support, nsessions)
    frequent = []
    if candidates:
        cbc = sc.broadcast(b"\n".join(candidates) + b"\n")
        counts = local_sessions.mapPartitions(count_candidates(a.bin, cbc, pattern_opts)).reduceByKey(lambda x, y: x + y).collect()
        frequent = [(p, s) for p, s in counts if s >= threshold]

    def order(ps):
        items = ps[0].split(b" ")
        return (-ps[1], len(items), [page_rank.get(x, len(page_rank)) for x in items])
    frequent.sort(key=order)
    with open(os.path.join(work, "patterns.tsv"), "wb") as out:
        out.write(b"pattern\tsupport\trelative_support\tlength\n")
        for p, s in frequent:
            out.write(b"%s\t%d\t%s\t%d\n" % (p, s, format4(s / max(1, nsessions)).encode(), len(p.split(b" "))))
    stage("patterns", t0)
    timings["candidates"] = len(candidates)

    # 5 links -----------------------------------------------------------------------------------
    t0 = time.time()
    edge_parts = ordered.mapPartitions(tool_on_records(a.bin, ["links", "-q", "--table", "edges"] + session_opts, "links --table edges")).collect()
    efiles = []
    for i, p in enumerate(edge_parts):
        fn = os.path.join(work, "edges-%05d.tsv" % i)
        with open(fn, "wb") as f:
            f.write(p)
        efiles.append(fn)
    edges = os.path.join(work, "edges.tsv")
    subprocess.run([driver_bin, "merge", "--kind", "edges"] + efiles + ["-o", edges], check=True)
    nodes = os.path.join(work, "nodes.txt")
    with open(os.path.join(work, "pages.tsv"), "rb") as f, open(nodes, "wb") as out:
        f.readline()
        for line in f:
            out.write(line.split(b"\t", 1)[0] + b"\n")
    graph = os.path.join(work, "graph.tsv")
    subprocess.run([driver_bin, "merge", "--kind", "edges", edges, nodes, "-o", graph], check=True)
    subprocess.run([driver_bin, "links", "--edges", graph, "--output", "tsv", "-o", os.path.join(work, "links.tsv")], check=True)
    stage("links", t0)

    # 6 days ------------------------------------------------------------------------------------
    if a.days_out:
        t0 = time.time()
        zone = (["--timezone=" + a.timezone] if a.timezone else []) + (["--conversion=" + a.conversion] if a.conversion else [])
        day_parts = ordered.mapPartitions(tool_on_records(a.bin, ["pages", "--partial", "--by-day", "-q"] + zone + session_opts,
                                                          "pages --partial --by-day")).collect()
        dfiles = save_parts(day_parts, work, "days-%05d.days")
        if not dfiles:  # no records at all: the tool's own empty days file
            fn = os.path.join(work, "days-empty.days")
            subprocess.run([driver_bin, "pages", "--partial", "--by-day", "-q", "-o", fn] + zone + session_opts + ["/dev/null"], check=True)
            dfiles.append(fn)
        days_file = os.path.abspath(a.days_out)
        subprocess.run([driver_bin, "merge", "--kind", "days"] + dfiles + ["-o", days_file], check=True)
        stage("days", t0)

    for name in ("sessions.tsv", "pages.tsv", "patterns.tsv", "links.tsv", "edges.tsv"):
        os.replace(os.path.join(work, name), os.path.join(a.out, name))
    shutil.rmtree(work, ignore_errors=True)
    ordered.unpersist()
    sess.unpersist()
    timings["total"] = time.time() - t_start
    timings.update({"files": len(files), "records": nrecords, "session_count": nsessions, "partitions": nparts})
    print("weblog_miner_spark: %d files, %d records, %d sessions in %d partitions, %d candidate patterns, %.2f s in all"
          % (len(files), nrecords, nsessions, nparts, len(candidates), timings["total"]), file=sys.stderr)
    if a.timings:
        import json
        with open(a.timings, "w") as f:
            json.dump(timings, f, indent=1)
    sc.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
