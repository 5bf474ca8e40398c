#!/usr/bin/env python3
"""Generate fixtures/access/site-visits.log: visits to the hand-written fixture site fixtures/site/.

Deterministic (no clock, random.Random with a fixed seed): running it again rewrites the same bytes.
The generated log is committed; this script only documents how it was made.

    scripts/make-site-visits.py            # writes fixtures/access/site-visits.log
    scripts/make-site-visits.py --check    # exits 1 if the committed log differs from a fresh run

The site (www.example.com) and its link graph are described in fixtures/site/EXPECTED.md. Every
session below is a list of page views written in a tiny notation; each step states HOW the visitor
arrived, which decides the Referer header written to the log:

    /pricing          followed a link on the previous page   (referrer = previous page; the link is
                      asserted to exist in LINKS below)
    !/pricing         typed the URL / bookmark / link in an e-mail  (referrer "-")
    ^/docs/config     went BACK one page in the browser (no request: the page came from the cache),
                      then followed a link there            (referrer = the page two views back; the
                      link is asserted to exist from that page)
    +/thanks          submitted the sign-up form: "POST /thanks.html" answered 303, then
                      "GET /thanks" with referrer /signup   (a form is not a link)
    @                 reload of the current page (same page again, same referrer as before)
    PAGE=REQUEST      the page is PAGE but the request line shows REQUEST (a query string, or
                      /docs/index.html, which cleaning folds to /docs/)
    PAGE=301:REQUEST  REQUEST is answered "301" (dropped by cleaning), then PAGE is fetched with the
                      same referrer
    ~404:/path        a request answered 404 (dropped by cleaning; not a page view)
    ~HEAD:/path  ~OPTIONS:/path   requests with those methods (dropped by cleaning)
    %1800             the gap before the next view is exactly 1800 s (by default 10..200 s, seeded)

The first view's referrer is the session's `entry` field ('-' = none). Most sessions also fetch static
files (/css/site.css, /img/logo.png, /favicon.ico 404, later /css/site.css 304), all of which cleaning
drops. Two Googlebot requests and its /robots.txt fetch are added; robots are dropped by user agent.
"""
import argparse, datetime, os, random, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "access", "site-visits.log")
SITE = "http://www.example.com"
DAY = datetime.datetime(2026, 4, 14, 8, 0, 0, tzinfo=datetime.timezone.utc)

# The site's hyperlinks between pages, as intended when the HTML was written (fixtures/site/EXPECTED.md
# section (a) lists the same edges; its appendix extracts them from the HTML and checks they agree).
LINKS = {
    "/": {"/features", "/pricing", "/docs/", "/blog/", "/contact"},
    "/features": {"/", "/pricing", "/docs/install"},
    "/pricing": {"/", "/features", "/signup", "/contact"},
    "/signup": {"/", "/pricing"},
    "/thanks": {"/docs/install", "/"},
    "/contact": {"/", "/docs/faq"},
    "/docs/": {"/", "/docs/install", "/docs/config", "/docs/faq"},
    "/docs/install": {"/docs/", "/docs/faq"},
    "/docs/config": {"/docs/", "/docs/install", "/docs/faq"},
    "/docs/faq": {"/docs/", "/contact", "/pricing", "/features"},
    "/blog/": {"/", "/blog/launch"},
    "/blog/launch": {"/blog/", "/", "/docs/install", "/pricing"},
    "/legacy": {"/", "/pricing"},
}

UA = {
    "chrome-win": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "chrome-mac": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "firefox-linux": "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "firefox-win": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "safari-mac": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "safari-iphone": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "chrome-android": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
    "edge-win": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
}
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"

G = "https://www.google.com/search?q=acme+widgets"
G_INSTALL = "https://www.google.com/search?q=acme+widgets+install"
G_OLD = "https://www.google.com/search?q=acme+preise+2019"
T_CO = "https://t.co/AbCdEf123"
HN = "https://news.ycombinator.com/item?id=40000001"
AD = "https://www.googleadservices.com/pagead/aclk?sa=L&ai=xyz"
FEATURES = SITE + "/features"  # a tab left open on /features for 45 minutes

# (label, ip, user agent key, start "HH:MM:SS" or None = "previous session's end + offset", entry
# referrer, steps). Labels are only comments; the tool numbers sessions by start time.
SESSIONS = [
    ("s01", "198.51.100.10", "chrome-win", "08:02:11", G, "/ /pricing /signup +/thanks"),
    ("s02", "198.51.100.11", "firefox-linux", "08:09:40", G, "/ /pricing /signup +/thanks /docs/install"),
    ("s03", "198.51.100.12", "safari-iphone", "08:21:05", "-", "/ /pricing /signup"),
    ("s04", "198.51.100.13", "chrome-mac", "08:30:52", G, "/ /features /pricing /signup +/thanks"),
    ("s05", "198.51.100.14", "edge-win", "08:44:18", "-",
     "/ /features /pricing=/pricing?plan=pro&period=year /signup=/signup?plan=pro"),
    ("s06", "198.51.100.15", "chrome-android", "08:58:33", G, "/ /pricing /contact"),
    ("s07", "198.51.100.16", "firefox-win", "09:07:02", "-", "/ ~404:/pricng /pricing /features /pricing /signup"),
    ("s08", "198.51.100.17", "chrome-win", "09:19:47", "-", "/ /docs/ /docs/install /docs/ /docs/config"),
    ("s09", "198.51.100.18", "safari-mac", "09:31:26", G, "/ /docs/ ~HEAD:/docs/install /docs/install /docs/faq"),
    ("s10", "198.51.100.19", "firefox-linux", "09:40:09", G_INSTALL, "/docs/install /docs/ /docs/config /docs/faq"),
    ("s11", "198.51.100.20", "chrome-mac", "09:52:30", "-", "!/docs/=/docs/index.html /docs/install ^/docs/config"),
    ("s12", "198.51.100.21", "chrome-win", "10:03:14", "-", "/ /docs/ /docs/install /docs/ /docs/config /docs/install"),
    ("s13", "198.51.100.22", "safari-iphone", "10:15:58", T_CO, "/blog/ /blog/launch /pricing /signup"),
    ("s14", "198.51.100.23", "chrome-android", "10:24:41", "-", "/ /blog/ /blog/launch /docs/install"),
    ("s15", "198.51.100.24", "firefox-win", "10:33:07", HN, "/blog/launch /pricing /signup +/thanks"),
    ("s16", "198.51.100.25", "edge-win", "10:47:55", G, "/ /features /docs/install /docs/ /docs/config"),
    ("s17", "203.0.113.30", "chrome-win", "10:58:20", G, "/"),
    ("s18", "203.0.113.31", "safari-mac", "11:06:44", "-", "/"),
    ("s19", "203.0.113.32", "chrome-android", "11:14:02", G, "/pricing"),
    ("s20", "203.0.113.33", "firefox-linux", "11:25:39", G_OLD, "/legacy /pricing /signup"),
    ("s21", "203.0.113.34", "chrome-mac", "11:37:16", "-", "/legacy /"),
    ("s22", "203.0.113.35", "safari-iphone", "11:48:51", G, "/contact"),
    ("s23", "203.0.113.36", "chrome-win", "12:01:27", G, "/docs/faq /docs/ /docs/install"),
    ("s24", "203.0.113.37", "edge-win", "12:12:03", G, "/docs/faq /pricing /signup"),
    ("s25", "203.0.113.38", "firefox-win", "12:24:45", "-", "/ /pricing /signup /pricing /contact"),
    # s26a/s26b: one visitor, two sessions 45 min apart; the second starts from the tab left open on
    # /features (an internal referrer on a session's first view).
    ("s26a", "203.0.113.39", "chrome-mac", "12:36:10", "-", "/ /features"),
    ("s26b", "203.0.113.39", "chrome-mac", "+45:00", FEATURES, "/pricing /signup +/thanks"),
    # s27: a gap of exactly 30 minutes does not split the session.
    ("s27", "203.0.113.40", "chrome-win", "12:49:31", "-", "/ /docs/ %1800 /docs/install /docs/faq"),
    ("s28", "203.0.113.41", "safari-mac", "13:02:08", "-", "/ /pricing @ /signup"),
    ("s29", "203.0.113.42", "chrome-android", "13:14:36", G, "/ /features /pricing /contact"),
    ("s30", "203.0.113.43", "firefox-linux", "13:27:12", "-", "!/thanks /docs/install /docs/ /docs/config"),
    ("s31", "192.0.2.50", "chrome-win", "13:39:50", "-", "/ /docs/ /docs/faq /pricing /signup"),
    ("s32", "192.0.2.51", "edge-win", "13:51:23", G, "/ /features /docs/install /docs/faq"),
    ("s33", "192.0.2.52", "chrome-mac", "14:04:01", G, "/docs/config /docs/install /docs/faq"),
    ("s34", "192.0.2.53", "safari-iphone", "14:16:37", "-", "/ /blog/ /blog/launch /blog/"),
    # s35/s36: two people behind one NAT address, different browsers, at the same time.
    ("s35", "192.0.2.54", "firefox-win", "14:29:14", "-", "/ /blog/ ^/docs/ /docs/config"),
    ("s36", "192.0.2.54", "chrome-win", "14:29:54", G, "/ /contact"),
    ("s37", "192.0.2.55", "chrome-android", "14:41:48", G, "/ /docs/ /docs/config /docs/faq /contact"),
    ("s38", "192.0.2.56", "safari-mac", "14:54:25", "-", "!/pricing=301:/pricing.html /signup"),
    ("s39", "192.0.2.57", "chrome-win", "15:07:03", "-", "/ /pricing /features /docs/install /docs/ /docs/config"),
    ("s40", "192.0.2.58", "firefox-linux", "15:19:38", G, "/docs/ /docs/install /docs/ /docs/config /docs/install /docs/faq"),
    ("s41", "192.0.2.59", "edge-win", "15:32:16", AD, "/features /pricing /signup +/thanks"),
    ("s42", "192.0.2.60", "chrome-mac", "15:44:52", "-", "/ /features /pricing /signup +/thanks /docs/install"),
    ("s43", "192.0.2.61", "chrome-android", "15:57:29", "-", "/ /pricing /signup +/thanks /docs/install /docs/ /docs/config"),
    ("s44", "192.0.2.62", "safari-mac", "16:10:05", G, "/ /docs/ /docs/install ~OPTIONS:/docs/install /docs/faq /docs/"),
    # s45: the visitor of s01 comes back in the afternoon (a new session by the 30-minute rule).
    ("s45", "198.51.100.10", "chrome-win", "16:22:40", "-", "/ /pricing /features"),
]


def clf_time(t):
    return t.strftime("%d/%b/%Y:%H:%M:%S +0000")


def size_of(path):
    # A stable, page-dependent response size (no hash randomisation: a plain byte sum).
    return 2000 + sum(path.encode()) * 7 % 9000


def line(t, ip, ua, method, path, status, size, referrer):
    return (t, f'{ip} - - [{clf_time(t)}] "{method} {path} HTTP/1.1" {status} {size} "{referrer}" "{ua}"')


def expand(label, ip, ua, start, entry, steps, rng, with_static):
    """Turn one session's notation into log lines; returns (lines, time of the last line)."""
    out, views = [], []  # views: (page, request path, referrer) of each logged page view
    t = start
    gap = None
    first = True

    def view(page, request, referrer):
        nonlocal t, first
        out.append(line(t, ip, ua, "GET", request, 200, size_of(request), referrer))
        if with_static:
            here = SITE + request
            if first:
                out.append(line(t + datetime.timedelta(seconds=1), ip, ua, "GET", "/css/site.css", 200, 4312, here))
                out.append(line(t + datetime.timedelta(seconds=1), ip, ua, "GET", "/img/logo.png", 200, 10240, here))
                out.append(line(t + datetime.timedelta(seconds=2), ip, ua, "GET", "/favicon.ico", 404, 209, "-"))
            else:
                out.append(line(t + datetime.timedelta(seconds=1), ip, ua, "GET", "/css/site.css", 304, 0, here))
        views.append((page, request, referrer))
        first = False

    for tok in steps.split():
        if tok.startswith("%"):
            gap = int(tok[1:])
            continue
        if not first:
            t += datetime.timedelta(seconds=gap if gap is not None else rng.randint(10, 200))
            gap = None
        if tok.startswith("~"):
            method, path = tok[1:].split(":", 1)
            if method == "404":
                out.append(line(t, ip, ua, "GET", path, 404, 209, "-"))
            else:
                out.append(line(t, ip, ua, method, path, 200, 0, SITE + views[-1][1] if views else "-"))
            continue
        if tok == "@":
            page, request, referrer = views[-1]
            view(page, request, referrer)
            continue
        how = tok[0] if tok[0] in "!^+" else ""
        spec = tok[len(how):]
        page, _, request = spec.partition("=")
        redirect = None
        if request.startswith("301:"):
            redirect, request = request[4:], page
        request = request or page
        if first:
            referrer = entry
        elif how == "!":
            referrer = "-"
        elif how == "+":
            assert views[-1][0] == "/signup", (label, tok)
            referrer = SITE + views[-1][1]
            out.append(line(t, ip, ua, "POST", "/thanks.html", 303, 0, referrer))
            t += datetime.timedelta(seconds=1)
        elif how == "^":
            src = views[-2]
            assert page in LINKS[src[0]], (label, "no link", src[0], page)
            referrer = SITE + src[1]
        else:
            src = views[-1]
            assert page in LINKS[src[0]], (label, "no link", src[0], page)
            referrer = SITE + src[1]
        if redirect:
            out.append(line(t, ip, ua, "GET", redirect, 301, 0, referrer))
            t += datetime.timedelta(seconds=1)
        view(page, request, referrer)
    return out, t


def generate():
    rng = random.Random(20260414)
    lines, prev_end = [], None
    for n, (label, ip, ua, start, entry, steps) in enumerate(SESSIONS):
        if start.startswith("+"):
            mm, ss = start[1:].split(":")
            t0 = prev_end + datetime.timedelta(minutes=int(mm), seconds=int(ss))
        else:
            hh, mm, ss = map(int, start.split(":"))
            t0 = DAY.replace(hour=hh, minute=mm, second=ss)
        # Static files for all sessions except every fourth, so some sessions are pages only.
        out, prev_end = expand(label, ip, UA[ua], t0, entry, steps, rng, with_static=(n % 4 != 3))
        lines += out
    for hhmmss, path, status in (("09:12:00", "/robots.txt", 200), ("09:12:03", "/legacy", 200), ("13:30:30", "/", 200)):
        hh, mm, ss = map(int, hhmmss.split(":"))
        lines.append(line(DAY.replace(hour=hh, minute=mm, second=ss), "66.249.66.1", GOOGLEBOT, "GET", path, status, size_of(path), "-"))
    lines.sort(key=lambda x: x[0])  # stable: lines of equal time keep their generation order
    return "".join(text + "\n" for _, text in lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with the committed log instead of writing it")
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()
    text = generate()
    if args.check:
        with open(args.out) as f:
            same = f.read() == text
        print("make-site-visits: " + ("up to date" if same else "DIFFERENT from a fresh run"))
        return 0 if same else 1
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    print(f"make-site-visits: wrote {args.out} ({text.count(chr(10))} lines, {len(SESSIONS)} sessions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
