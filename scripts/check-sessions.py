#!/usr/bin/env python3
"""Independent check of `weblog-miner sessions` / `pages` on the real logs in ../shared/data/access.

Re-implements the default rules in plain Python, from their description in `weblog-miner sessions
--help` (not from our Swift code): drop HEAD/OPTIONS, keep 2xx/304, robots by user-agent patterns
(the shipped list, read from Sources/WeblogMiner/Cleaning/robot-patterns.txt), visitors that fetch
/robots.txt (from then on, with their open session), static resources by extension, URL normalisation,
visitor = client + user agent, 30-minute inactivity timeout, behaviour robots (> 30 views in 60 s, or
>= 100 views without any referrer). Then compares the number of sessions and the page views per page.
Exits non-zero on any difference; skips if ../shared is absent.
"""
import argparse, collections, datetime, gzip, json, os, re, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data", "access")
Q = r'"((?:[^"\\]|\\.)*)"'
LINE = re.compile(r'^(\S+) (\S+) (.+?) \[([^\]]+)\] ' + Q + r' (\d{3}|-) (\d+|-)(?: ' + Q + r' ' + Q + r')?$')
STATIC = set("css js mjs map json xml txt png jpg jpeg gif webp avif svg ico bmp tif tiff woff woff2 ttf otf eot "
             "mp3 mp4 webm ogg wav avi mov m4a pdf zip gz tgz bz2 xz 7z rar exe msi dmg iso deb rpm apk swf flv xbm class jar".split())
INDEX = {"index.html", "index.htm", "index.php", "index.shtml", "index.asp", "default.htm", "default.html", "default.asp", "default.aspx"}
TIMEOUT = 30 * 60


def robot_patterns():
    """(any-case substrings, regular expressions) from the shipped list: a plain line is a substring in
    any ASCII case, a `re:` line a case-sensitive regular expression searched in the agent's bytes."""
    substrings, regexes = [], []
    with open(os.path.join(ROOT, "Sources", "WeblogMiner", "Cleaning", "robot-patterns.txt"), "rb") as f:
        for raw in f:
            line = raw.decode("utf-8").removesuffix("\n").removesuffix("\r")
            if line.startswith("re:"):
                if len(line) > 3:
                    regexes.append(re.compile(line[3:].encode()))
                continue
            plain = line.strip(" \t").lower()
            if plain and not plain.startswith("#"):
                substrings.append(plain.encode())
    return substrings, regexes


def is_robot_agent(ua, patterns):
    substrings, regexes = patterns
    b = ua.encode("utf-8", "surrogateescape")
    lower = b.lower()  # bytes: ASCII only, as the tool
    return any(p in lower for p in substrings) or any(r.search(b) for r in regexes)


def unescape(s):
    return s.replace('\\"', '"').replace("\\\\", "\\").replace("\\x22", '"').replace("\\x5c", "\\").replace("\\x5C", "\\")


def normalize(path):
    # Percent-decode everything except / ? # % and NUL, which would change the path's structure.
    out = bytearray()
    b = path.encode("utf-8", "surrogateescape")
    i = 0
    while i < len(b):
        if b[i] == 0x25 and i + 2 < len(b):
            try:
                v = int(b[i + 1:i + 3].decode("ascii"), 16)
            except ValueError:
                v = None
            if v is not None and v not in (0x2F, 0x3F, 0x23, 0x25, 0):
                out.append(v)
                i += 3
                continue
        out.append(b[i])
        i += 1
    parts = []
    for seg in out.split(b"/"):
        if seg in (b"", b"."):
            continue
        if seg == b"..":
            if parts:
                parts.pop()
            continue
        parts.append(seg)
    directory = out.endswith(b"/")
    if parts and parts[-1].lower().decode("latin-1") in INDEX:
        parts.pop()
        directory = True
    page = b"/" + b"/".join(parts)
    if parts and directory:
        page += b"/"
    return page.decode("utf-8", "replace")


def is_static(path):
    last = path.rsplit("/", 1)[-1]
    if "." not in last:
        return False
    ext = last.rsplit(".", 1)[1]
    return len(ext) <= 8 and ext.lower() in STATIC


def reference(path, patterns):
    hits = []
    with gzip.open(path, "rb") as f:
        for n, raw in enumerate(f):
            line = raw.decode("utf-8", "surrogateescape").rstrip("\r\n")
            m = LINE.match(line)
            if not m:
                continue
            client, _, _, ts, request, status, _, ref, ua = m.groups()
            t = datetime.datetime.strptime(ts, "%d/%b/%Y:%H:%M:%S %z").timestamp()
            request = unescape(request)
            ua = unescape(ua) if ua and ua != "-" else ""
            ref = unescape(ref) if ref and ref != "-" else ""
            parts = request.split(" ")
            method = parts[0] if request != "-" else ""
            if len(parts) >= 3 and parts[-1].startswith("HT"):
                uri = " ".join(parts[1:-1])
            else:
                uri = " ".join(parts[1:])
            p = uri.split("?", 1)[0]
            # robots.txt marks a robot whatever the method and status (crawlers ask even when it is 404)
            if p != "/robots.txt" and method in ("HEAD", "OPTIONS"):
                continue
            if p != "/robots.txt" and status != "-" and not (200 <= int(status) < 300 or int(status) == 304):
                continue
            if not p:
                continue
            key = client + " " + ua
            if p != "/robots.txt" and is_static(p):
                continue
            if ua and is_robot_agent(ua, patterns):
                hits.append((t, n, "agent", key, None, ref))
            elif p == "/robots.txt":
                hits.append((t, n, "robots", key, None, ref))
            else:
                hits.append((t, n, "view", key, normalize(p) if p.startswith("/") else p, ref))
    hits.sort(key=lambda h: (h[0], h[1]))
    robots, open_, done = set(), {}, []

    def close(s):
        views = s["times"]
        if len(views) >= 100 and s["refs"] == 0:
            return
        first = 0
        for last in range(len(views)):
            while views[last] - views[first] >= 60:
                first += 1
            if last - first + 1 > 30:
                return
        done.append(s)

    for t, _, kind, key, page, ref in hits:
        if kind == "agent":
            continue
        if kind == "robots":
            if key not in robots:
                robots.add(key)
                s = open_.pop(key, None)
                if s is not None and t - s["times"][-1] > TIMEOUT:
                    close(s)  # it had ended before the fetch
            continue
        if key in robots:
            continue
        s = open_.get(key)
        if s is not None and t - s["times"][-1] <= TIMEOUT:
            s["times"].append(t)
            s["pages"].append(page)
            s["refs"] += 1 if ref else 0
            continue
        if s is not None:
            close(s)
        open_[key] = {"times": [t], "pages": [page], "refs": 1 if ref else 0}
    for s in open_.values():
        close(s)
    views = collections.Counter(p for s in done for p in s["pages"])
    return len(done), views


def tool(binary, path):
    sessions = subprocess.run([binary, "sessions", "-q", "--output", "seq", path], capture_output=True, text=True, errors="surrogateescape")
    pages = subprocess.run([binary, "pages", "-q", "--output", "jsonl", path], capture_output=True, text=True, errors="surrogateescape")
    for r in (sessions, pages):
        if r.returncode != 0:
            raise SystemExit(f"weblog-miner failed on {path}: {r.stderr}")
    n = len(sessions.stdout.splitlines())
    views = {json.loads(l)["page"]: json.loads(l)["views"] for l in pages.stdout.splitlines()}
    return n, collections.Counter(views)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug", "weblog-miner"))
    args = ap.parse_args()
    if not os.path.isdir(DATA):
        print("check-sessions: ../shared/data/access not found, skipped")
        return 0
    patterns = robot_patterns()
    failures = 0
    for name in ("apache_logs.gz", "nginx_logs.txt.gz", "nasa.log.gz"):
        path = os.path.join(DATA, name)
        want_n, want_views = reference(path, patterns)
        got_n, got_views = tool(args.bin, path)
        diff = {p: (want_views.get(p), got_views.get(p)) for p in set(want_views) | set(got_views) if want_views.get(p) != got_views.get(p)}
        ok = want_n == got_n and not diff
        print(f"{name:20} sessions python {want_n:>6} tool {got_n:>6}; pages {len(want_views):>5}; "
              f"page views {sum(want_views.values()):>6}  {'ok' if ok else 'DIFFERENT'}")
        for p, (w, g) in sorted(diff.items())[:10]:
            print(f"    {p!r}: python {w} vs weblog-miner {g}")
        failures += 0 if ok else 1
    print("check-sessions: " + ("all equal" if not failures else f"{failures} files differ"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
