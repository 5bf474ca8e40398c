#!/usr/bin/env python3
"""Generate a realistic, deterministic Apache *combined* access log.

Simulates a shop site (~20,000 pages, Zipf popularity) visited by a pool of
~200,000 returning visitors (10% IPv6, stable browser user agents), with
sessions of 1-30 page views (log-normal gaps, median ~30 s), static assets
fetched within 1 s of each page, funnels (cart -> checkout -> thanks), ~8%
bot traffic, a few escaped-quote user agents and ~0.05% junk lines.  Lines are
written in request-end order, so %t may step back by up to 3 s.

    gen_access_log.py --lines 200000 --out access.log.gz   # gzip level 6
    gen_access_log.py --lines 1000 --out -                 # plain, stdout

Same --seed and --lines give the same lines.  Stdlib only (Python 3.11).
"""

import argparse
import bisect
import gzip
import heapq
import math
import os
import queue
import random
import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone

SITE = "https://shop.example.com"
N_PAGES = 20_000
N_VISITORS = 200_000
N_LOYAL = 20_000          # part of the pool that comes back often
ZIPF_S = 1.1
BOT_LINE_SHARE = 0.08
JUNK_RATE = 0.0005
MIN_RETURN_GAP = 2 * 3600  # a visitor's sessions are separated by >= 2 h
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

WORDS = """red blue green black white leather running trail winter summer
classic slim wide waterproof vintage organic cotton wool linen denim canvas
suede light heavy warm cool soft classic urban outdoor travel city mountain
beach retro modern minimal bold bright dark pastel striped plain knitted
sneaker boot sandal loafer jacket coat parka hoodie shirt tee dress skirt
jeans chino short sock scarf glove hat cap belt wallet bag backpack tote
watch ring necklace sunglasses umbrella guide review tips care style size
fit trend season sale gift ideas best new how choose clean store wear pack
""".split()

CATEGORIES = """shoes boots sandals sneakers jackets coats hoodies shirts tshirts
dresses skirts jeans trousers shorts socks underwear scarves gloves hats caps
belts wallets bags backpacks watches jewelry sunglasses umbrellas kids women
men sale new-arrivals outdoor running hiking accessories gifts home beauty
sport""".split()

# (weight, user agent) -- realistic 2025/2026 browsers.
BROWSER_UAS = [
    (14, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36"),
    (10, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36"),
    (6, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36"),
    (2, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36"),
    (5, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36 Edg/133.0.0.0"),
    (2, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"),
    (4, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:135.0) Gecko/20100101 Firefox/135.0"),
    (2, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"),
    (2, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:135.0) Gecko/20100101 Firefox/135.0"),
    (1, "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:135.0) Gecko/20100101 Firefox/135.0"),
    (1, "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
    (6, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Safari/605.1.15"),
    (2, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15"),
    (12, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Mobile/15E148 Safari/604.1"),
    (5, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.7 Mobile/15E148 Safari/604.1"),
    (2, "Mozilla/5.0 (iPad; CPU OS 18_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Mobile/15E148 Safari/604.1"),
    (2, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/133.0.6943.84 Mobile/15E148 Safari/604.1"),
    (11, "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Mobile Safari/537.36"),
    (3, "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Mobile Safari/537.36"),
    (2, "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36"),
    (1, "Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36"),
    (1, "Mozilla/5.0 (Android 14; Mobile; rv:135.0) Gecko/135.0 Firefox/135.0"),
    (1, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36 OPR/117.0.0.0"),
    (1, "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Mobile Safari/537.36 OPR/86.0.0.0"),
    (1, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 YaBrowser/25.2.0.0 Safari/537.36"),
    (1, "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36"),
    (1, "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko"),
    (1, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36 Edg/133.0.0.0"),
    (1, "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.6943.89 Mobile Safari/537.36"),
    (1, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/135.0 Mobile/15E148 Safari/605.1.15"),
]

# User agents as Apache writes them: `"` -> `\"`, `\` -> `\\` (~0.1% of visitors).
ESCAPED_UAS = [
    r'Mozilla/5.0 (compatible; \"Foo\" bot)',
    r'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36 \"Brave\"',
    r'Mozilla/5.0 (Linux; Android 14; \"Pixel 8 Pro\") AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Mobile Safari/537.36',
    r'MyApp/2.3 (Windows NT 10.0; C:\\Program Files\\MyApp) \"beta\"',
    r'Foo/1.0 \"quoted\"',
]

SCANNER_PATHS = ["/wp-login.php", "/.env", "/wp-admin/setup-config.php",
                 "/xmlrpc.php", "/phpmyadmin/index.php", "/.git/config",
                 "/admin/", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
                 "/cgi-bin/luci/;stok=/locale", "/boaform/admin/formLogin",
                 "/config.json", "/.aws/credentials", "/server-status",
                 "/backup.zip", r"/index.php?s=/Index/\\think\\app/invokefunction"]

EXTERNAL_REFS = [
    (30, "https://www.google.com/"), (4, "https://www.google.de/"),
    (2, "https://www.google.co.uk/"), (6, "https://www.bing.com/"),
    (2, "https://duckduckgo.com/"), (5, "https://www.facebook.com/"),
    (3, "https://l.facebook.com/"), (2, "https://www.instagram.com/"),
    (1, "https://t.co/"), (1, "https://www.pinterest.com/"),
    (1, "https://news.ycombinator.com/"), (38, "-"),
]

# Page kinds.
HOME, STATIC, CAT, PROD, BLOG, SEARCH, CART, CHECKOUT, THANKS, LEGACY = range(10)


def cumulative(weights):
    out, acc = [], 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return out


class Site:
    """The pages of shop.example.com, ordered by Zipf popularity rank."""

    def __init__(self, rng):
        paths, kinds, ids, boosts = [], [], [], []

        def add(path, kind, pid=0, boost=1.0):
            paths.append(path)
            kinds.append(kind)
            ids.append(pid)
            boosts.append(boost)

        add("/", HOME, 0, 1e9)
        for p in ("/about", "/contact", "/faq", "/shipping", "/returns",
                  "/privacy", "/terms", "/login", "/account", "/account/orders",
                  "/stores", "/gift-cards"):
            add(p, STATIC, 0, 3.0)
        self.cart = len(paths)
        add("/cart", CART, 0, 20.0)
        self.checkout = len(paths)
        add("/checkout", CHECKOUT, 0, 2.0)
        self.thanks = len(paths)
        add("/checkout/thanks", THANKS, 0, 0.0)   # only reached via the funnel
        self.account = paths.index("/account")
        for c in CATEGORIES:
            add(f"/category/{c}", CAT, 0, 40.0)
            for n in range(2, 6):
                add(f"/category/{c}?page={n}", CAT, 0, 6.0 / n)
            add(f"/category/{c}?sort=price", CAT, 0, 2.0)
        n_blog, n_search, n_legacy = 2500, 2000, 200
        n_prod = N_PAGES - len(paths) - n_blog - n_search - n_legacy
        prod_ids = rng.sample(range(1000, 99999), n_prod)
        self.prod_ids = prod_ids
        first_prod = len(paths)
        for pid in prod_ids:
            add(f"/products/{pid}", PROD, pid, 1.0)
        for _ in range(n_blog):
            year = rng.choice((2021, 2022, 2023, 2024, 2025, 2025, 2026))
            slug = "-".join(rng.sample(WORDS, rng.randint(2, 6)))
            add(f"/blog/{year}/{slug}", BLOG, 0, 0.8)
        sorts = ("", "", "&sort=price", "&sort=newest", "&sort=rating",
                 "&sort=price&page=2")
        for _ in range(n_search):
            q = "+".join(rng.sample(WORDS, rng.choice((1, 1, 2, 2, 2, 3))))
            add(f"/search?q={q}{rng.choice(sorts)}", SEARCH, 0, 1.5)
        for pid in rng.sample(prod_ids, n_legacy):
            add(f"/product.php?id={pid}", LEGACY, pid, 0.5)

        n = len(paths)
        assert n == N_PAGES, n
        # Fixed per-page status: legacy URLs 301 to the new URL, some products
        # and posts are gone (404) and still linked, a few old posts moved.
        status = [200] * n
        target = [-1] * n
        prod_index = {ids[i]: i for i in range(first_prod, first_prod + n_prod)}
        for i in range(n):
            k = kinds[i]
            if k == LEGACY:
                status[i], target[i] = 301, prod_index[ids[i]]
            elif k == PROD and rng.random() < 0.02:
                status[i] = 404
            elif k == BLOG:
                r = rng.random()
                if r < 0.015:
                    status[i] = 404
                elif r < 0.035:
                    status[i], target[i] = 301, rng.randrange(n)
        for i in range(n):
            if target[i] >= 0 and status[target[i]] != 200:
                target[i] = 0
        # Popularity rank: a random order biased by the boosts, home first.
        order = sorted(range(n), key=lambda i: (rng.random() / boosts[i]) if boosts[i] > 0 else 2e9)
        self.paths = paths
        self.urls = [SITE + p for p in paths]
        self.kinds = kinds
        self.ids = ids
        self.status = status
        self.target = target
        self.size = [rng.randint(9000, 30000) if kinds[i] != PROD else rng.randint(25000, 90000)
                     for i in range(n)]
        self.by_rank = order
        self.zipf_cw = cumulative(1.0 / (r + 1) ** ZIPF_S for r in range(n))
        self.zipf_total = self.zipf_cw[-1]
        self.n = n


def random_ipv4(rng):
    while True:
        x = rng.getrandbits(32)
        a, d = x >> 24, x & 255
        if a == 0 or a >= 224 or a in (10, 100, 127, 169, 172, 192, 198, 203) or d in (0, 255):
            continue
        return f"{a}.{(x >> 16) & 255}.{(x >> 8) & 255}.{d}"


V6_PREFIXES = ["2001:db8:85a3", "2a02:8108", "2a01:cb00", "2600:1700", "2603:8000",
               "2a00:23c7", "2409:4042", "2001:4860", "2a02:a420", "2806:2f0"]


def random_ipv6(rng):
    pre = rng.choice(V6_PREFIXES)
    groups = 8 - pre.count(":") - 1
    hs = [f"{rng.getrandbits(16):x}" for _ in range(groups)]
    if rng.random() < 0.6:
        # zero run in the middle, written the way Apache does ("::")
        z = rng.randint(1, max(1, groups - 2))
        return pre + ":" + ":".join(hs[:1]) + "::" + ":".join(hs[1 + z:]) if groups > 2 else pre + "::" + hs[-1]
    return pre + ":" + ":".join(hs)


def fmt_time(sec):
    tm = time.gmtime(sec)
    return (f"{tm.tm_mday:02d}/{MONTHS[tm.tm_mon - 1]}/{tm.tm_year}:"
            f"{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d} +0000")


class Sink:
    """Writes bytes to a file, stdout, or gzip: a pigz/gzip subprocess (fed by
    a writer thread, so compression overlaps generation) or zlib in-process."""

    def __init__(self, out):
        self.proc = self.fh = self.gz = self.thread = None
        self.error = None
        if out == "-":
            self.w = sys.stdout.buffer
        elif out.endswith(".gz"):
            self.fh = open(out, "wb")
            tool = shutil.which("pigz") or shutil.which("gzip")
            if tool:
                self.proc = subprocess.Popen([tool, "-6", "-n", "-c"],
                                             stdin=subprocess.PIPE, stdout=self.fh)
                self.w = self.proc.stdin
                self.queue = queue.Queue(maxsize=8)
                self.thread = threading.Thread(target=self._pump, daemon=True)
                self.thread.start()
            else:
                self.gz = gzip.GzipFile(filename="", mode="wb", fileobj=self.fh,
                                        compresslevel=6, mtime=0)
                self.w = self.gz
        else:
            self.fh = open(out, "wb")
            self.w = self.fh

    def _pump(self):
        while (data := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.w.write(data)
                except OSError as e:        # keep draining so put() never blocks
                    self.error = e

    def write(self, data):
        if self.thread:
            if self.error:
                raise self.error
            self.queue.put(data)
        else:
            self.w.write(data)

    def close(self):
        if self.thread:
            self.queue.put(None)
            self.thread.join()
            if self.error:
                raise self.error
        if self.proc:
            self.proc.stdin.close()
            if self.proc.wait() != 0:
                raise SystemExit(f"compressor exited with {self.proc.returncode}")
        if self.gz:
            self.gz.close()
        if self.fh:
            self.fh.close()
        elif self.w is sys.stdout.buffer:
            self.w.flush()


def generate(n_lines, seed, start, rate, sink):
    rng = random.Random(seed)
    rand = rng.random

    def randrange(a, b=None):
        # much faster than Random.randrange; uniform enough for this purpose
        return int(rand() * a) if b is None else a + int(rand() * (b - a))

    lognorm = rng.lognormvariate
    expo = rng.expovariate
    bisect_right = bisect.bisect_right
    heappush, heappop = heapq.heappush, heapq.heappop

    site = Site(rng)
    paths, urls, kinds, ids = site.paths, site.urls, site.kinds, site.ids
    pstatus, ptarget, psize = site.status, site.target, site.size
    by_rank, zcw, ztot = site.by_rank, site.zipf_cw, site.zipf_total
    n_pages = site.n
    CART_I, CHECKOUT_I, THANKS_I = site.cart, site.checkout, site.thanks
    prod_ids = site.prod_ids
    n_prod = len(prod_ids)

    def zipf_page():
        return by_rank[bisect_right(zcw, rand() * ztot)]

    # --- visitors -------------------------------------------------------
    ua_cw = cumulative(w for w, _ in BROWSER_UAS)
    ua_list = [u for _, u in BROWSER_UAS]
    v_pre, v_ua, v_proto = [], [], []
    users = ["jdoe", "alice", "bob", "m.rossi", "staff", "admin"]
    for _ in range(N_VISITORS):
        ip = random_ipv6(rng) if rand() < 0.10 else random_ipv4(rng)
        user = rng.choice(users) if rand() < 0.003 else "-"
        v_pre.append(f"{ip} - {user} [")
        if rand() < 0.001:
            v_ua.append(rng.choice(ESCAPED_UAS))
        else:
            v_ua.append(ua_list[bisect_right(ua_cw, rand() * ua_cw[-1])])
        v_proto.append(" HTTP/2.0\" " if rand() < 0.55 else " HTTP/1.1\" ")
    busy_until = [-1e18] * N_VISITORS   # +inf while a session is active
    seen = bytearray(N_VISITORS)

    # --- bots -------------------------------------------------------------
    # (weight, ua, ip pool, mean gap s, mean requests, style)
    def pool(prefixes, k):
        return [f"{rng.choice(prefixes)}.{rng.randint(1, 254)} - - [" for _ in range(k)]
    bots = [
        (30, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
         pool(["66.249.66", "66.249.68", "66.249.79"], 40), 1.5, 120, "crawl"),
        (10, "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.6943.53 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
         pool(["66.249.66", "66.249.70"], 30), 1.5, 80, "crawl"),
        (18, "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
         pool(["157.55.39", "40.77.167", "207.46.13"], 40), 2.0, 90, "crawl"),
        (18, "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
         pool(["54.36.148", "54.36.149", "51.222.253"], 40), 0.4, 200, "crawl"),
        (12, "curl/8.5.0", [f"{random_ipv4(rng)} - - [" for _ in range(50)], 2.0, 3, "curl"),
        (4, "curl/7.81.0", [f"{random_ipv4(rng)} - - [" for _ in range(30)], 5.0, 2, "curl"),
        (10, "python-requests/2.31.0", [f"{random_ipv4(rng)} - - [" for _ in range(80)], 0.3, 25, "scan"),
        (6, "python-requests/2.32.3", [f"{random_ipv4(rng)} - - [" for _ in range(40)], 0.8, 60, "scrape"),
        (2, "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
         pool(["216.144.250", "69.162.124"], 10), 60.0, 60, "monitor"),
    ]
    bot_cw = cumulative(b[0] for b in bots)
    # Expected lines per bot / human session, to hit BOT_LINE_SHARE of lines.
    mean_bot = sum(b[0] * (b[4] + 1) for b in bots) / bot_cw[-1]
    pv_weights = [k ** -1.5 for k in range(1, 31)]
    pv_cw = cumulative(pv_weights)
    mean_pv = sum(k * w for k, w in zip(range(1, 31), pv_weights)) / pv_cw[-1]
    mean_human = mean_pv * 3.4 + 2.5     # calibrated: ~8% bot lines at 1M+ lines
    p_bot = BOT_LINE_SHARE * mean_human / (BOT_LINE_SHARE * mean_human + (1 - BOT_LINE_SHARE) * mean_bot)
    session_rate = rate / ((1 - p_bot) * mean_human + p_bot * mean_bot)

    ext_cw = cumulative(w for w, _ in EXTERNAL_REFS)
    ext_list = [r for _, r in EXTERNAL_REFS]

    # --- output state -------------------------------------------------------
    # Lines are produced with their request start time `t` (the printed %t)
    # and written in request-end order (t + duration, duration < 3 s) through
    # the `pending` heap, like Apache does: %t may step back by up to 3 s.
    pending = []
    out = []
    append = out.append
    written = 0
    ts_cache = {}
    next_junk = int(expo(JUNK_RATE)) + 1
    BATCH = 20000

    def emit(t, pre, req, status, nbytes, ref, ua):
        sec = int(t)
        ts = ts_cache.get(sec)
        if ts is None:
            if len(ts_cache) > 4096:
                ts_cache.clear()
            ts = ts_cache[sec] = fmt_time(sec)
        r = rand()
        if r < 0.7:
            t += r * 0.12               # typical: < 85 ms
        elif r < 0.97:
            t += (r - 0.7) * 2.0        # up to 0.54 s
        else:
            t += (r - 0.97) * 99.0      # slow tail, < 3 s
        heappush(pending, (t, f'{pre}{ts}] "{req}{status} {nbytes} "{ref}" "{ua}"\n'))

    def drain(now):
        """Write every pending line whose request ended by `now`."""
        nonlocal written, next_junk
        while pending and pending[0][0] <= now and written < n_lines:
            line = heappop(pending)[1]
            written += 1
            if written >= next_junk:
                line = junk(line)
                next_junk = written + int(expo(JUNK_RATE)) + 1
            append(line)
            if len(out) >= BATCH:
                flush()

    def junk(line):
        r = rand()
        if r < 0.35:   # truncated (writer crashed mid-line)
            return line[:randrange(1, len(line) - 1)] + "\n"
        head = line[:line.index('] "') + 3]       # 'ip - - [time] "'
        if r < 0.60:   # TLS handshake on the plain HTTP port, escaped by Apache
            return head + '\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03" 400 226 "-" "-"\n'
        if r < 0.75:
            return "\n"
        if r < 0.85:   # raw binary garbage (NUL run / random high bytes)
            if rand() < 0.5:
                return "\x00" * randrange(8, 200) + "\n"
            return "".join(chr(randrange(0x80, 0x100)) if rand() < 0.7 else chr(randrange(0x01, 0x0a))
                           for _ in range(randrange(4, 120))) + "\n"
        # valid but odd: request timeout with no request line
        return head + '-" 408 - "-" "-"\n'

    def flush():
        sink.write("".join(out).encode("latin-1"))
        out.clear()

    # --- assets ----------------------------------------------------------
    COLD = [("/css/site.css", 48213, 0), ("/static/app.js", 187342, 0),
            ("/static/vendor.js?v=3", 412876, 0), ("/fonts/inter-var.woff2", 23456, 1),
            ("/favicon.ico", 5430, 0)]
    CSS_URL = SITE + "/css/site.css"

    def assets(t, pre, proto, ua, page, url, kind, first, cold):
        """Static files fetched by the browser within 1 s after page `page`."""
        items = []
        if first:
            if cold:
                for p, size, from_css in COLD:
                    if p == "/favicon.ico" and rand() < 0.3:
                        continue
                    items.append((p, 200, size, CSS_URL if from_css else url))
            elif rand() < 0.5:
                items.append(("/css/site.css", 304, "-", url))
                items.append(("/static/app.js", 304, "-", url))
        if kind == PROD:
            pid = ids[page]
            items.append((f"/img/p{pid}.jpg", 200, 20000 + pid * 7919 % 160000, url))
            if rand() < 0.5:
                items.append((f"/img/p{pid}-2.jpg", 200, 15000 + pid * 6007 % 120000, url))
        elif kind == CAT or kind == HOME or kind == SEARCH:
            if kind == HOME:
                items.append(("/img/hero.webp", 200 if cold else 304, 184220 if cold else "-", url))
            for _ in range(2 + int(rand() * 5)):
                pid = prod_ids[int(rand() * n_prod)]
                items.append((f"/img/t{pid}.jpg", 200, 4000 + pid * 31 % 12000, url))
        elif kind == BLOG and rand() < 0.7:
            items.append((f"/img/blog/{page}.jpg", 200, 30000 + page * 13 % 90000, url))
        if not items:
            return
        step = 0.95 / (len(items) + 1)
        ta = t
        for p, st, size, ref in items:
            ta += step * (0.3 + rand())
            if st == 200:
                r = rand()
                if r < 0.08:
                    st, size = 304, "-"
                elif r < 0.0825:
                    st, size = 404, 196
            emit(ta, pre, f"GET {p}{proto}", st, size, ref, ua)

    # --- page view -----------------------------------------------------------
    def page_line(t, pre, proto, ua, page, ref, method="GET"):
        st = pstatus[page]
        if st == 200:
            r = rand()
            if r < 0.0025:
                emit(t, pre, f"{method} {paths[page]}{proto}", 500, 531, ref, ua)
                return 500
            if r < 0.006:
                emit(t, pre, f"{method} {paths[page]}{proto}", 304, "-", ref, ua)
                return 304
            emit(t, pre, f"{method} {paths[page]}{proto}", 200, psize[page] + int(rand() * 400), ref, ua)
            return 200
        emit(t, pre, f"{method} {paths[page]}{proto}", st, 235 if st == 301 else 196, ref, ua)
        return st

    # Session state: [visitor, views left, prev url, next forced action, first view]
    def human_view(t, s):
        v, left, prev, forced, first = s
        pre, ua, proto = v_pre[v], v_ua[v], v_proto[v]
        cold = not seen[v]
        ref = prev
        nxt = None
        if forced == 1:        # add to cart: POST, 302, GET /cart
            emit(t, pre, f"POST /cart/add{proto}", 302, "-", prev, ua)
            t += 0.05 + rand() * 0.2
            page = CART_I
        elif forced == 3:      # place order: POST /checkout, 302, thanks
            emit(t, pre, f"POST /checkout{proto}", 302, "-", prev, ua)
            t += 0.2 + rand() * 0.8
            page = THANKS_I
        elif forced == 2:
            page = CHECKOUT_I
        elif not first and rand() < 0.004:   # log in
            emit(t, pre, f"POST /login{proto}", 302, "-", prev, ua)
            t += 0.05 + rand() * 0.2
            page = site.account
        else:
            page = zipf_page()
        st = page_line(t, pre, proto, ua, page, ref)
        if st == 301:                         # browser follows the redirect
            page = ptarget[page]
            t += 0.05 + rand() * 0.15
            st = page_line(t, pre, proto, ua, page, ref)
        url = urls[page]
        if st in (200, 404):
            assets(t, pre, proto, ua, page, url, kinds[page], first, cold)
        k = kinds[page]
        if k == PROD and rand() < 0.07:
            nxt = 1
        elif k == CART and rand() < 0.4:
            nxt = 2
        elif k == CHECKOUT and rand() < 0.6:
            nxt = 3
        s[1] = left - 1
        s[2] = url
        s[3] = nxt
        s[4] = False
        if first:
            seen[v] = 1
        return s[1] > 0 or nxt is not None

    # Bot state: [bot index, requests left, ip prefix, first request]
    def bot_request(t, s):
        b, left, pre, first = s
        _, ua, _, _, _, style = bots[b]
        if style == "monitor":
            emit(t, pre, "HEAD / HTTP/1.1\" ", 200, "-", "-", ua)
        elif first and style != "curl":
            emit(t, pre, "GET /robots.txt HTTP/1.1\" ", 200, 1204, "-", ua)
            if style == "crawl" and rand() < 0.3:
                emit(t + 0.3, pre, "GET /sitemap.xml HTTP/1.1\" ", 200, 482113, "-", ua)
        elif style == "scan":
            p = SCANNER_PATHS[randrange(len(SCANNER_PATHS))]
            st = 403 if p.startswith("/.") and rand() < 0.5 else 404
            method = "POST" if p.endswith(".php") and rand() < 0.3 else "GET"
            emit(t, pre, f"{method} {p} HTTP/1.1\" ", st, 196 if st == 404 else 199, "-", ua)
        else:
            page = int(rand() * n_pages) if rand() < 0.6 else zipf_page()
            method = "HEAD" if style == "curl" and rand() < 0.4 else "GET"
            st = pstatus[page]
            if st == 200 and style == "crawl" and rand() < 0.1:
                st = 304
            if st == 200 and rand() < 0.002:
                st = 500
            if method == "HEAD" or st == 304:
                size = "-"
            else:
                size = psize[page] if st == 200 else (531 if st == 500 else 235 if st == 301 else 196)
            emit(t, pre, f"{method} {paths[page]} HTTP/1.1\" ", st, size, "-", ua)
        s[1] = left - 1
        s[3] = False
        return s[1] > 0

    # --- event loop ----------------------------------------------------------
    heap = [(float(start), 0, 0, None)]   # (time, seq, type 0=arrival/1=human/2=bot, state)
    seq = 1
    two_pi_day = 2 * math.pi / 86400
    mu_gap = math.log(30.0)

    while written < n_lines:
        t, _, typ, s = heappop(heap)
        if pending and pending[0][0] <= t:
            drain(t)
        if typ == 0:
            # Next arrival: Poisson with a daily cycle (peak ~16:00 UTC).
            f = 1.0 + 0.6 * math.sin((t - 36000) * two_pi_day)
            heappush(heap, (t + expo(session_rate * f), seq, 0, None))
            seq += 1
            if rand() < p_bot:
                b = bisect_right(bot_cw, rand() * bot_cw[-1])
                _, _, ips, _, mean_n, _ = bots[b]
                s = [b, 1 + int(expo(1.0 / mean_n)), ips[randrange(len(ips))], True]
                typ = 2
            else:
                for _ in range(50):
                    v = int(rand() * N_LOYAL) if rand() < 0.35 else int(rand() * N_VISITORS)
                    if busy_until[v] + MIN_RETURN_GAP < t:
                        break
                else:
                    continue
                busy_until[v] = 1e18
                ext = ext_list[bisect_right(ext_cw, rand() * ext_cw[-1])]
                s = [v, 1 + bisect_right(pv_cw, rand() * pv_cw[-1]), ext, None, True]
                typ = 1
        if typ == 1:
            if human_view(t, s):
                gap = min(lognorm(mu_gap, 1.1), 1500.0) + 1.0
                heappush(heap, (t + gap, seq, 1, s))
                seq += 1
            else:
                busy_until[s[0]] = t
        else:
            if bot_request(t, s):
                _, _, _, mean_gap, _, _ = bots[s[0]]
                heappush(heap, (t + 0.05 + expo(1.0 / mean_gap), seq, 2, s))
                seq += 1

    flush()
    return n_lines


def parse_start(s):
    dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=3_000_000, help="lines to write (default 3,000,000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--out", default="-", help="output file; .gz = gzip level 6; - = stdout (default)")
    ap.add_argument("--start", default="2026-03-02T00:00:00Z", help="first timestamp (ISO 8601, default 2026-03-02T00:00:00Z)")
    ap.add_argument("--rate", type=float, default=20.0, help="mean lines per second of log time (default 20)")
    args = ap.parse_args()
    if args.lines < 0:
        ap.error("--lines must be >= 0")
    t0 = time.perf_counter()
    sink = Sink(args.out)
    try:
        n = generate(args.lines, args.seed, parse_start(args.start), args.rate, sink) if args.lines else 0
        sink.close()
    except BrokenPipeError:                  # e.g. `... --out - | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    dt = time.perf_counter() - t0
    print(f"gen_access_log: wrote {n} lines to {args.out} in {dt:.1f} s "
          f"({n / dt if dt > 0 else 0:,.0f} lines/s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
