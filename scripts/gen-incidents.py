#!/usr/bin/env python3
"""Generates a shop's access log over N days with weekly seasonality (quiet weekends), day-to-day
noise, and planted incidents, plus the truth: which incidents happened on which day, and which
(scope, metric) each should show up in. For measuring `weblog-miner anomalies` (recall on the planted
incidents, false alarms on the other days).

Every day also has a crawler (about a tenth of the requests, with a robots.txt fetch) and a few
visitors following stale links to pages that answer 404, so that the error rate and robot share have
a normal level.

Incidents (days counted from 1):
  checkout-failure  the checkout answers 500 from 00:00 to 12:00: half a day of lost orders
  crawler-storm     the crawler fetches six times its usual number of pages
  campaign-spike    a campaign lands 10x the usual visitors on one product page
  outage            no traffic at all from 06:00 to 18:00

    scripts/gen-incidents.py --days 42 --out bench-data/incidents.log --truth bench-data/incidents.truth.tsv
"""
import argparse, datetime, math, random

CATS = ["shoes", "shirts", "hats", "bags", "coats", "gloves", "belts", "socks"]
PRODUCTS = [f"/p/{n}" for n in range(1000, 1100)]
POSTS = [f"/blog/post-{n}" for n in range(1, 31)]
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
]
CAMPAIGN_PAGE = "/p/1042"
CRAWLER = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def next_page(page, rng):
    """One step of the visitor's walk; None = leaves."""
    r = rng.random()
    if page == "/":
        return None if r < 0.25 else ("/c/" + rng.choice(CATS) if r < 0.8 else ("/blog/" if r < 0.9 else "/pricing"))
    if page.startswith("/c/"):
        return None if r < 0.25 else (rng.choice(PRODUCTS) if r < 0.9 else "/")
    if page.startswith("/p/"):
        return None if r < 0.35 else ("/cart" if r < 0.55 else (rng.choice(PRODUCTS) if r < 0.85 else "/c/" + rng.choice(CATS)))
    if page == "/cart":
        return None if r < 0.3 else ("/checkout" if r < 0.85 else "/")
    if page == "/checkout":
        return None if r < 0.25 else "/checkout/thanks"
    if page.startswith("/blog"):
        return None if r < 0.45 else (rng.choice(POSTS) if r < 0.85 else "/")
    if page == "/pricing":
        return None if r < 0.5 else ("/signup" if r < 0.7 else "/")
    if page == "/signup":
        return None if r < 0.4 else "/signup/thanks"
    return None


def entry(rng):
    r = rng.random()
    if r < 0.45:
        return "/", "-"
    if r < 0.7:
        return rng.choice(PRODUCTS), "https://www.google.com/"
    if r < 0.9:
        return rng.choice(POSTS), "https://www.bing.com/"
    return "/c/" + rng.choice(CATS), "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=42)
    ap.add_argument("--sessions", type=int, default=3000, help="sessions on a weekday")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", required=True)
    ap.add_argument("--truth", required=True)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    start = datetime.date(2026, 1, 5)  # a Monday
    n = args.days
    # Incidents on weekdays of the last two weeks (the first two weeks build the baseline).
    incidents = {n - 12: "crawler-storm", n - 9: "checkout-failure", n - 5: "campaign-spike", n - 2: "outage"}
    truth = {
        "crawler-storm": [("site", "robot_share", "up")],
        "checkout-failure": [("site", "error_rate", "up"), ("site", "conversions", "down"), ("site", "conversion_rate", "down"), ("/checkout/thanks", "views", "down"), ("/checkout/thanks", "entries", "down"), ("/checkout/thanks", "exits", "down"), ("/checkout", "exits", "down"), ("/checkout", "views", "down")],
        "campaign-spike": [(CAMPAIGN_PAGE, "views", "up"), (CAMPAIGN_PAGE, "entries", "up"), (CAMPAIGN_PAGE, "exits", "up"), ("site", "sessions", "up"), ("site", "visitors", "up"), ("site", "views", "up"), ("site", "bounce_rate", "up"), ("site", "conversion_rate", "down"), ("/cart", "views", "up")],
        "outage": [("site", "views", "down"), ("site", "sessions", "down"), ("site", "visitors", "down"), ("site", "conversions", "down"), ("*", "views", "down"), ("*", "entries", "down"), ("*", "exits", "down")],
    }
    lines = []
    visitor = 0
    for d in range(1, n + 1):
        date = start + datetime.timedelta(days=d - 1)
        weekend = date.weekday() >= 5
        level = args.sessions * (0.6 if weekend else 1.0) * math.exp(rng.gauss(0, 0.04))
        count = int(round(level))
        kind = incidents.get(d)
        # The crawler: about 1,000 pages on a weekday (6x in a storm), spread over the day.
        crawl = int(round(args.sessions / 3 * (0.6 if weekend else 1.0) * math.exp(rng.gauss(0, 0.05)) * (6 if kind == "crawler-storm" else 1)))
        for i in range(crawl):
            t = rng.uniform(0, 86_400 - 1)
            if kind == "outage" and 6 * 3600 <= t < 18 * 3600:
                continue
            target = "/robots.txt" if i == 0 else rng.choice(PRODUCTS + POSTS + ["/", "/cart", "/pricing"])
            stamp = (datetime.datetime.combine(date, datetime.time()) + datetime.timedelta(seconds=t)).strftime("%d/%b/%Y:%H:%M:%S +0000")
            lines.append((d, t, f'66.249.66.1 - - [{stamp}] "GET {target} HTTP/1.1" 200 1234 "-" "{CRAWLER}"\n'))
        plan = [entry(rng) + (None,) for _ in range(count)]
        if kind == "campaign-spike":
            plan += [(CAMPAIGN_PAGE, "https://news.example.org/", "utm_campaign=spring")] * int(args.sessions * 0.25)
        for first, referrer, query in plan:
            visitor += 1
            t = rng.uniform(0, 86_400 - 3_600)
            if kind == "outage" and 6 * 3600 <= t < 18 * 3600:
                continue
            ip = f"10.{visitor // 65536 % 256}.{visitor // 256 % 256}.{visitor % 256}"
            agent = rng.choice(AGENTS)
            page, ref = first, referrer
            target = page + ("?" + query if query else "")
            if rng.random() < 0.01:
                # A stale link from a search engine: the page is gone.
                target = f"/p/{rng.randrange(500, 1000)}"
                ref = "https://www.google.com/"
            while page is not None:
                status = 404 if target.startswith("/p/") and int(target[3:].split("?")[0]) < 1000 else 200
                if kind == "checkout-failure" and page == "/checkout" and t < 12 * 3600:
                    status = 500
                stamp = (datetime.datetime.combine(date, datetime.time()) + datetime.timedelta(seconds=t)).strftime("%d/%b/%Y:%H:%M:%S +0000")
                lines.append((d, t, f'{ip} - - [{stamp}] "GET {target} HTTP/1.1" {status} 1234 "{ref}" "{agent}"\n'))
                if status != 200:
                    break
                ref = "https://shop.example.com" + page
                page = next_page(page, rng)
                target = page
                t += rng.expovariate(1 / 40)
                if t >= 86_400:
                    break
    lines.sort(key=lambda x: (x[0], x[1]))
    with open(args.out, "w") as f:
        f.writelines(l for _, _, l in lines)
    with open(args.truth, "w") as f:
        f.write("day\tincident\tscope\tmetric\tdirection\n")
        for d, kind in sorted(incidents.items()):
            label = (start + datetime.timedelta(days=d - 1)).isoformat()
            for scope, metric, direction in truth[kind]:
                f.write(f"{label}\t{kind}\t{scope}\t{metric}\t{direction}\n")


if __name__ == "__main__":
    main()
