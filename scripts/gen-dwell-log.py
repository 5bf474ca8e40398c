#!/usr/bin/env python3
"""A web server log with planted dwell times, for `dwell` (bench and checks).

Apache combined format, sessions of a simulated site, time-ordered. The dwell (time to the next view)
of a view has the median  base[page] * channel[entry channel] * 0.8 ** position  and a log-normal
spread (sigma 0.35); the last view of a session is censored as in any log (no next view), and
sessions still running at the end of the log are cut there. Channels come from the entry referrer
(direct: none, search: google, social: t.co, referral: another site, campaign: utm_ parameters).
Pages /page0 ... /page9 have medians 8, 15, 25, 40, 60, 90, 120, 20, 35, 70 s. Deterministic for a seed.

    scripts/gen-dwell-log.py --views 1000000 --days 14 > planted.log
    weblog-miner dwell planted.log --site-host shop.example.com --report r.json
"""
import argparse, math, random, sys, time

BASE = [8, 15, 25, 40, 60, 90, 120, 20, 35, 70]
CHANNELS = [  # factor, referrer, query of the landing
    (1.0, "-", ""),
    (0.3, "https://www.google.com/search?q=shop", ""),
    (0.5, "https://t.co/a1b2c3", ""),
    (1.6, "https://blog.example.org/review", ""),
    (0.8, "-", "?utm_source=news&utm_medium=email"),
]
POSITION = 0.8
SIGMA = 0.35
UAS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
       "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--views", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", default="2026-03-02", help="first day (UTC)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    t0 = int(time.mktime(time.strptime(args.start, "%Y-%m-%d"))) - time.timezone
    end = t0 + args.days * 86400
    # About 12 views per visitor over 14 days (sessions of one visitor rarely overlap in time).
    visitors = max(50, int(args.views / 12 * 14 / args.days))
    hits = []
    views = 0
    while views < args.views:
        start = t0 + rng.random() * args.days * 86400
        v = rng.randrange(visitors)
        ip = f"10.{v // 65536 % 256}.{v // 256 % 256}.{v % 256}"
        ua = UAS[v % 2]
        factor, ref, query = CHANNELS[rng.randrange(len(CHANNELS))]
        t = start
        for k in range(1 + rng.randrange(7)):
            if t >= end:
                break
            page = rng.randrange(len(BASE))
            url = f"/page{page}" + (query if k == 0 else "")
            referrer = ref if k == 0 else f"https://shop.example.com/page{prev}"
            hits.append((int(t), ip, url, referrer, ua))
            views += 1
            prev = page
            median = BASE[page] * factor * POSITION ** k
            t += max(1.0, median * math.exp(SIGMA * rng.gauss(0, 1)))
    hits.sort(key=lambda h: h[0])
    out = sys.stdout
    for t, ip, url, referrer, ua in hits:
        g = time.gmtime(t)
        stamp = f"{g.tm_mday:02d}/{MONTHS[g.tm_mon - 1]}/{g.tm_year}:{g.tm_hour:02d}:{g.tm_min:02d}:{g.tm_sec:02d} +0000"
        out.write(f'{ip} - - [{stamp}] "GET {url} HTTP/1.1" 200 5120 "{referrer}" "{ua}"\n')
    print(f"gen-dwell-log: {len(hits)} views", file=sys.stderr)


if __name__ == "__main__":
    main()
