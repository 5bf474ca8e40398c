#!/usr/bin/env python3
"""Browser test of `weblog-miner run`'s report.html: hostile log strings must stay inert text.

Runs

    weblog-miner run --out TMPDIR/out fixtures/access/hostile.log -q

(fixtures/access/hostile.log: 3 visitors, 9 sessions whose paths, referrers, user agents and user name
carry script/attribute/JSON-breakout/SVG/U+2028/template payloads, each of which would set a
`data-pwned` attribute on <body> if it ever ran) and opens TMPDIR/out/report.html in headless Chromium
(installed with apt-get when missing; sudo only when not root):

  a) --dump-dom after --virtual-time-budget=3000 (the page's own script has run), parsed with
     html.parser:
       - no element carries a `data-pwned` attribute; no <img> with onerror, no <svg> with onload, no
         on* handler and no executable <script> mentioning the payloads, no javascript: URL in
         href/src/action;
       - <section id=overview|pages|paths|links|customers|dwell> each exist and contain a non-empty <h2>;
       - at least one payload (`<script>`, `<img src=x onerror=`, `<svg onload=`, ...) shows up as
         visible text, serialized HTML-escaped (`&lt;script&gt;`), and where (in a <td> or not);
       - no uncaught JavaScript error on the console (Chromium's stderr, --enable-logging).
     The raw report.html (before scripts) is checked too: the same injection checks; exactly one
     <script type="application/json" id="data"> whose text holds no raw < > & U+2028 U+2029 and parses as
     JSON; no external resource (src/link href other than data: or #fragment, CSS url(http...)/@import);
     <meta name="viewport" content="width=device-width...">.
  c) layout in the live DOM at 390 and 1400 px (a helper page with the report in an iframe): no
     <section> wider than its box (scrollWidth <= clientWidth) and no sideways page scroll; every
     <figure class="chart"> has an .axis-label; no number in the visible text with more than 4
     decimals; the findings block lists findings whose links each land on a <section>; clicking
     another window in the switch changes the visible window block.
  d) the same layout checks on the demo's report (fixtures/shop-sim run as scripts/demo runs it,
     every section filled; skipped with --no-demo or --report), where switching the window must
     also change the headline figures themselves.
  b) --screenshot at 1280x2000 (TMPDIR/report-desktop.png, or --screenshot PATH) and at phone width
     390x1600 (next to it, -phone.png): each PNG exists and is not blank (>= 2 colours and >= 0.1% of
     the pixels differ from the most common one; decoded with Pillow if installed, else zlib).
     Phone readability: the report loaded in a 390-px iframe of a helper page (same Chromium,
     --allow-file-access-from-files) must not scroll sideways (documentElement.scrollWidth <= 392;
     wide tables belong in an overflow-x:auto box); the live DOM is checked for [data-pwned] again.

Exit 0 when everything passes, 1 on any failure (the temporary directory is kept and named), 77 when
Chromium is missing and cannot be installed (skip).

Usage:
    scripts/check-report-browser.py [--bin PATH]       # the tool: --bin, else $WM, else .build/debug/weblog-miner
    scripts/check-report-browser.py --screenshot /tmp/report.png --keep
    scripts/check-report-browser.py --report out/report.html   # check an existing report, do not run the tool
"""
import argparse, collections, html.parser, json, os, re, shutil, signal, struct, subprocess, sys, tempfile, time, zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "access" / "hostile.log"
SECTIONS = ["findings", "overview", "funnels", "audience", "errors", "anomalies", "segments", "pages", "paths", "links", "customers", "dwell"]
WIDTHS = (390, 1400)
# The demo's run (scripts/demo): a report with every section filled, for the layout checks.
DEMO = ["run", "--site-host", "shop.example.com", "--site", "fixtures/shop-sim/site", "--registrations", "fixtures/shop-sim/registrations.csv",
        "--conversion", "^/signup/thanks$", "--map", "^/p/[0-9]+$=/p/:id", "--map", "^/blog/.+$=/blog/:post", "--title", "shop.example.com (demo)", "-q"]
DESKTOP = (1280, 2000)
PHONE = (390, 1600)
SKIP = 77
# Substrings of the fixture's payloads as they read after the tool's percent-decoding. One of them
# must be visible text in the report (it is a hostile page name in every session).
VISIBLE_MARKERS = [
    "<script>document.body.setAttribute(",
    "<img src=x onerror=",
    "</script><script>",
    "<svg onload=",
    "<svg/onload=",
    "<!--<script>",
    "{{7*7}}",
    "<script>",
]
SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module", "text/ecmascript"}
INVISIBLE = {"script", "style", "template", "title", "noscript"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def say(msg=""):
    print(msg, flush=True)


class Checks:
    def __init__(self):
        self.failures = []

    def ok(self, what):
        say(f"  ok    {what}")

    def fail(self, what, detail=None):
        self.failures.append(what)
        say(f"  FAIL  {what}" + (f"\n        {detail}" if detail else ""))

    def expect(self, cond, what, detail=None):
        (self.ok(what) if cond else self.fail(what, detail))
        return cond


# ---------------------------------------------------------------------------------------------------
# HTML analysis

class Doc(html.parser.HTMLParser):
    """Collects what the checks need in one pass: elements with attributes, section/h2 structure,
    visible text (with whether it sits in a table cell), and script contents."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.elements = []            # (tag, {attr: value})
        self.sections = {}            # id -> list of h2 texts
        self.section_stack = []
        self.h2 = None                # text parts of the open h2
        self.invisible = 0
        self.td = 0
        self.visible = []             # (text, in_td)
        self.scripts = []             # (attrs, text)
        self.script = None
        self.styles = []
        self.meta = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        self.elements.append((tag, a))
        if tag == "meta":
            self.meta.append(a)
        if tag == "section":
            self.section_stack.append(a.get("id"))
            if a.get("id") is not None:
                self.sections.setdefault(a["id"], [])
        elif tag == "h2":
            self.h2 = []
        elif tag in ("td", "th"):
            self.td += 1
        if tag == "script":
            self.script = (a, [])
        if tag in INVISIBLE and tag not in VOID:
            self.invisible += 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag == "section" and self.section_stack:
            self.section_stack.pop()
        elif tag == "h2" and self.h2 is not None:
            text = "".join(self.h2).strip()
            for sid in self.section_stack:
                if sid is not None:
                    self.sections[sid].append(text)
            self.h2 = None
        elif tag in ("td", "th") and self.td:
            self.td -= 1
        if tag == "script" and self.script is not None:
            self.scripts.append((self.script[0], "".join(self.script[1])))
            self.script = None
        if tag in INVISIBLE and self.invisible:
            self.invisible -= 1

    def handle_data(self, data):
        if self.script is not None:
            self.script[1].append(data)
            return
        if self.lasttag == "style" and self.invisible:
            self.styles.append(data)
        if self.h2 is not None:
            self.h2.append(data)
        if not self.invisible and data.strip():
            self.visible.append((data, self.td > 0))


def injection_problems(doc):
    """Elements that a payload created (or could create on a click)."""
    problems = []
    for tag, a in doc.elements:
        if "data-pwned" in a:
            problems.append(f"<{tag}> has a data-pwned attribute: a payload ran")
        handlers = {k: v for k, v in a.items() if k.startswith("on")}
        if tag == "img" and "onerror" in a:
            problems.append(f"<img onerror={a['onerror'][:60]!r}> element")
        if tag == "svg" and "onload" in a:
            problems.append(f"<svg onload={a['onload'][:60]!r}> element")
        for k, v in handlers.items():
            if "pwned" in v or "setattribute" in v.lower():
                problems.append(f"<{tag} {k}={v[:60]!r}> handler from log data")
        for k in ("href", "src", "action", "formaction", "xlink:href", "data"):
            v = re.sub(r"[\x00-\x20]", "", a.get(k, "")).lower()
            if v.startswith("javascript:") or v.startswith("vbscript:"):
                problems.append(f"<{tag} {k}={a[k][:60]!r}>: script URL")
    for a, text in doc.scripts:
        if a.get("type", "").strip().lower() in SCRIPT_TYPES and "pwned" in text:
            problems.append(f"executable <script> containing a payload: {text.strip()[:80]!r}")
    return problems


def check_dom(c, doc, dom_text):
    problems = injection_problems(doc)
    c.expect(not problems, "dumped DOM: no data-pwned attribute, no injected img/svg/handler/script/javascript: URL",
             "; ".join(problems[:6]))
    for sid in SECTIONS:
        h2s = [t for t in doc.sections.get(sid, []) if t]
        if sid not in doc.sections:
            c.fail(f'<section id="{sid}"> exists', "missing in the dumped DOM")
        else:
            c.expect(bool(h2s), f'<section id="{sid}"> with <h2> ({h2s[0]!r})' if h2s else f'<section id="{sid}"> has a non-empty <h2>')
    found = []
    for marker in VISIBLE_MARKERS:
        hits = [(t, td) for t, td in doc.visible if marker in t]
        if hits:
            found.append((marker, any(td for _, td in hits), len(hits)))
    if found:
        escaped_in_dump = "&lt;script&gt;" in dom_text or "&lt;img" in dom_text or "&lt;svg" in dom_text
        desc = ", ".join(f"{m!r} x{n}{' (in <td>)' if td else ''}" for m, td, n in found[:5])
        c.expect(escaped_in_dump, f"payloads shown as visible escaped text: {desc}",
                 "visible text found by the parser, but no &lt;script&gt;/&lt;img/&lt;svg in the serialized DOM")
        if not any(td for _, td, _ in found):
            say("  note  no payload inside a <td>/<th>: are the page tables filled?")
    else:
        c.fail("at least one payload string shown as visible (escaped) text",
               "none of " + ", ".join(repr(m) for m in VISIBLE_MARKERS[:4]) + " appears in visible text: "
               "hostile page names must be shown (escaped), not dropped or only in attributes")
    amp = any("&lt;script&gt;" in t for t, _ in doc.visible)
    say(f"  info  the page name containing literal '&lt;script&gt;' (fixture) is {'visible as typed: & is escaped' if amp else 'not visible (may be cut or not listed)'}")


def check_raw(c, raw):
    doc = Doc(raw)
    problems = injection_problems(doc)
    c.expect(not problems, "report.html source: no injected element, handler or script URL", "; ".join(problems[:6]))
    blocks = [(a, t) for a, t in doc.scripts if a.get("id") == "data"]
    if c.expect(len(blocks) == 1 and blocks[0][0].get("type", "").strip().lower() == "application/json",
                'exactly one <script type="application/json" id="data">',
                f"found {len(blocks)} with id=data" + (f", type={blocks[0][0].get('type')!r}" if blocks else "")):
        text = blocks[0][1]
        raw_chars = sorted({ch for ch in text if ch in "<>&\u2028\u2029"})
        c.expect(not raw_chars, "JSON data block has no raw < > & U+2028 U+2029 (all \\u-escaped)",
                 "raw " + ", ".join(f"U+{ord(ch):04X}" for ch in raw_chars))
        try:
            data = json.loads(text)
            c.ok(f"JSON data block parses ({len(text):,} characters)")
            blob = json.dumps(data, ensure_ascii=False)
            carried = sum(1 for m in ("<script>", "<img src=x", "<svg onload=", "</script><script>", "\u2028") if m in blob)
            say(f"  info  the data block carries {carried} of 5 hostile strings (decoded)")
        except ValueError as e:
            c.fail("JSON data block parses", str(e))
    others = [t for a, t in doc.scripts if a.get("id") != "data" and "json" in a.get("type", "").lower()
              and any(ch in t for ch in "<>&\u2028\u2029")]
    c.expect(not others, "other JSON <script> blocks (if any) have no raw < > & U+2028 U+2029",
             f"{len(others)} block(s), e.g. {others[0][:80]!r}" if others else None)
    external = []
    for tag, a in doc.elements:
        for k in ("src", "data", "poster") if tag != "a" else ():
            v = a.get(k, "").strip()
            if k in a and not (v.startswith("data:") or v.startswith("#") or v == ""):
                external.append(f"<{tag} {k}={v[:60]!r}>")
        if tag == "link" and a.get("href", "").strip() and not a["href"].strip().startswith(("data:", "#")):
            external.append(f"<link href={a['href'][:60]!r}>")
    for css in doc.styles:
        if re.search(r"@import|url\(\s*['\"]?\s*(https?:|//)", css, re.I):
            external.append("CSS @import/url(http...)")
    c.expect(not external, "self-contained: no external script, stylesheet, image or font", "; ".join(external[:6]))
    vp = [m for m in doc.meta if m.get("name", "").lower() == "viewport"]
    c.expect(bool(vp) and "width=device-width" in vp[0].get("content", "").replace(" ", ""),
             '<meta name="viewport" content="width=device-width, ..."> (phones render at 980 px without it)',
             f"found {vp[0] if vp else 'none'}")


# ---------------------------------------------------------------------------------------------------
# PNG

def png_stats(path):
    """(width, height, distinct colours (capped), share of pixels != most common colour)."""
    try:
        from PIL import Image  # optional
        with Image.open(path) as im:
            im = im.convert("RGB")
            w, h = im.size
            counts = im.getcolors(maxcolors=1 << 24)
            top = max(n for n, _ in counts)
            return w, h, len(counts), 1 - top / (w * h)
    except ImportError:
        pass
    data = Path(path).read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    w, h, depth, ctype, _, _, interlace = ihdr
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    if depth != 8 or interlace:
        raise ValueError(f"unsupported PNG (bit depth {depth}, interlace {interlace}); install Pillow")
    raw = zlib.decompress(b"".join(idat))
    bpp, stride = channels, w * channels
    prev = bytearray(stride)
    counts = collections.Counter()
    prev_counts = collections.Counter()
    for y in range(h):
        f = raw[y * (stride + 1)]
        row = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if (f == 2 or (f == 0 and y == 0)) and row.count(0) == stride:
            if f == 0:
                prev_counts = collections.Counter({bytes(min(channels, 3)): w})
            counts.update(prev_counts)     # same as the row above: the common case on a page
            continue
        if f == 1:
            for i in range(bpp, stride):
                row[i] = (row[i] + row[i - bpp]) & 255
        elif f == 2:
            row = bytearray((a + b) & 255 for a, b in zip(row, prev))
        elif f == 3:
            for i in range(stride):
                row[i] = (row[i] + ((row[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
        elif f == 4:
            for i in range(stride):
                a = row[i - bpp] if i >= bpp else 0
                b = prev[i]
                cc = prev[i - bpp] if i >= bpp else 0
                p = a + b - cc
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - cc)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else cc)) & 255
        # Colour of each pixel (alpha ignored); rows of one colour are counted in one step.
        first = bytes(row[:channels])
        if row == first * w:
            prev_counts = collections.Counter({first[:3]: w})
        else:
            prev_counts = collections.Counter(bytes(row[i:i + min(channels, 3)]) for i in range(0, stride, channels))
        counts.update(prev_counts)
        prev = row
    top = counts.most_common(1)[0][1]
    return w, h, len(counts), 1 - top / (w * h)


# ---------------------------------------------------------------------------------------------------
# Chromium

def find_chromium(explicit):
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else shutil.which(explicit)
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def install_chromium():
    if not shutil.which("apt-get"):
        return "no apt-get on this system"
    prefix = []
    if os.getuid() != 0:
        if not shutil.which("sudo"):
            return "not root and no sudo"
        prefix = ["sudo", "-n"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    say("check-report-browser: chromium not found; installing the Debian package (apt-get install chromium) ...")
    install = prefix + ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]
    for attempt in range(2):
        r = subprocess.run(install, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode == 0:
            return None
        if attempt == 0:          # package lists may be missing or stale
            subprocess.run(prefix + ["apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return "apt-get install chromium failed: " + (r.stderr.strip().splitlines() or ["?"])[-1]


def run_limited(argv, timeout, **kw):
    """Run argv in its own process group; on timeout kill that group. Returns CompletedProcess or None."""
    p = subprocess.Popen(argv, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return None
    return subprocess.CompletedProcess(argv, p.returncode, out, err)


class Chromium:
    def __init__(self, binary, workdir, timeout):
        self.binary, self.workdir, self.timeout = binary, workdir, timeout
        self.runs = 0

    def run(self, url, *extra, size=DESKTOP):
        self.runs += 1
        profile = self.workdir / f"chromium-profile-{self.runs}"
        argv = [self.binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--mute-audio",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                "--hide-scrollbars", "--force-device-scale-factor=1", f"--window-size={size[0]},{size[1]}",
                "--virtual-time-budget=3000", *extra, url]
        t0 = time.monotonic()
        r = run_limited(argv, self.timeout, cwd=self.workdir)
        if r is None:
            raise RuntimeError(f"chromium timed out after {self.timeout} s: {' '.join(extra)}")
        r.elapsed = time.monotonic() - t0
        r.stdout = r.stdout.decode("utf-8", "replace")
        r.stderr = r.stderr.decode("utf-8", "replace")
        shutil.rmtree(profile, ignore_errors=True)
        return r


def console_messages(stderr):
    out = []
    for line in stderr.splitlines():
        m = re.search(r":CONSOLE(?:\(\d+\)|:\d+)?\]\s*(.*)$", line)
        if m:
            out.append(m.group(1))
    return out


# A helper page holding the report in an iframe of the given width; MEASURE fills `r` from the live DOM
# of the report (`d`) after its scripts ran, and the result is printed as JSON into <pre id="out">.
FRAME = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">
<iframe id="f" src="{url}" style="width:{w}px;height:{h}px;border:0"></iframe>
<pre id="out">pending</pre>
<script>
const f = document.getElementById('f');
f.addEventListener('load', () => setTimeout(() => {{
  let r;
  try {{
    const d = f.contentDocument;
MEASURE
  }} catch (e) {{ r = {{ok: false, error: String(e)}}; }}
  document.getElementById('out').textContent = JSON.stringify(r);
}}, 1000));
</script></body></html>
"""

# Phone readability: nothing wider than the viewport unless inside a box that scrolls or clips.
PROBE = """    const root = d.documentElement, vw = root.clientWidth;
    const wide = [];
    for (const el of d.body.querySelectorAll('*')) {{
      const b = el.getBoundingClientRect();
      const spills = getComputedStyle(el).overflowX === 'visible' && el.scrollWidth > el.clientWidth + 2 && b.left + el.scrollWidth > vw + 2;
      if ((b.right > vw + 2 || spills) && wide.length < 5) {{
        let p = el.parentElement, clipped = false;
        for (; p && p !== d.body; p = p.parentElement) {{
          const o = getComputedStyle(p).overflowX;
          if (o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') {{ clipped = true; break; }}
        }}
        if (!clipped) wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                               (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '') +
                               ' right=' + Math.round(Math.max(b.right, b.left + el.scrollWidth)));
      }}
    }}
    r = {{ok: true, clientWidth: vw, scrollWidth: root.scrollWidth, bodyScrollWidth: d.body.scrollWidth,
         pwned: d.querySelectorAll('[data-pwned]').length, fontSize: getComputedStyle(d.body).fontSize, wide}};
"""


def probe(browser, url, size, measure, path):
    """Runs `measure` (JS) on the report at size[0] px wide in the FRAME helper page; the JSON result."""
    path.write_text(FRAME.replace("MEASURE", measure).format(url=url, w=size[0], h=size[1]), encoding="utf-8")
    r = browser.run(path.as_uri(), "--allow-file-access-from-files", "--dump-dom", size=(size[0] + 40, size[1] + 200))
    m = re.search(r'<pre id="out">(.*?)</pre>', r.stdout, re.S)
    try:
        return json.loads(html.unescape(m.group(1))) if m else {"ok": False, "error": "no probe output"}
    except ValueError:
        return {"ok": False, "error": m.group(1)[:200]}


# Layout and readability at one width, in the live DOM: no section wider than its box, an axis label
# on every chart, no number with more than 4 decimals in the visible text, findings whose links land
# on sections, and a window switch that changes the headline figures.
LAYOUT = """    const sections = [];
    for (const s of d.querySelectorAll('section')) {{
      if (s.scrollWidth > s.clientWidth + 1) sections.push(s.id + ' ' + s.scrollWidth + '>' + s.clientWidth);
    }}
    const charts = d.querySelectorAll('figure.chart');
    const unlabelled = [];
    charts.forEach((c, i) => {{
      const labels = Array.from(c.querySelectorAll('.axis-label')).filter(e => e.textContent.trim());
      if (!labels.length) unlabelled.push((c.closest('section') || {{}}).id + ' chart ' + i);
    }});
    const text = d.body.innerText;
    const long = (text.match(/[0-9]+[.][0-9]{{5,}}/g) || []).slice(0, 5);
    const links = Array.from(d.querySelectorAll('#findings ul.findings a'));
    const badLinks = links.filter(a => {{ const id = (a.getAttribute('href') || '').slice(1); const t = d.getElementById(id); return !t || t.tagName !== 'SECTION'; }}).map(a => a.getAttribute('href'));
    const visibleFindings = Array.from(d.querySelectorAll('.window-block:not([hidden]) ul.findings li')).length;
    const figures = () => {{ const b = d.querySelector('.window-block:not([hidden])'); return b ? b.getAttribute('data-window') + ': ' + Array.from(b.querySelectorAll('.card b')).map(e => e.textContent).join(' | ') : ''; }};
    const before = figures();
    const other = Array.from(d.querySelectorAll('.switch button')).find(b => b.getAttribute('aria-pressed') !== 'true');
    if (other) other.click();
    const after = figures();
    r = {{ok: true, sections, sectionCount: d.querySelectorAll('section').length, charts: charts.length, unlabelled, long,
         findingLinks: links.length, badLinks, visibleFindings, before, after, switched: !!other,
         rootScroll: d.documentElement.scrollWidth, rootClient: d.documentElement.clientWidth}};
"""


def check_layout(c, browser, url, tmp, name, figures_must_change):
    for width in WIDTHS:
        res = probe(browser, url, (width, 1600), LAYOUT, tmp / f"layout-{name}-{width}.html")
        if not c.expect(res.get("ok"), f"{name} at {width} px: layout probe ran", res.get("error")):
            continue
        c.expect(not res["sections"] and res["rootScroll"] <= res["rootClient"] + 1,
                 f"{name} at {width} px: none of its {res['sectionCount']} sections scrolls sideways (page {res['rootScroll']} <= {res['rootClient']})",
                 "wider than their box: " + ", ".join(res["sections"]))
        c.expect(res["charts"] > 0 and not res["unlabelled"], f"{name} at {width} px: all {res['charts']} charts have axis labels",
                 "no chart" if not res["charts"] else "without: " + ", ".join(res["unlabelled"]))
        c.expect(not res["long"], f"{name} at {width} px: no number in the visible text has more than 4 decimals", ", ".join(res["long"]))
        c.expect(res["findingLinks"] > 0 and res["visibleFindings"] > 0 and not res["badLinks"],
                 f"{name} at {width} px: findings present ({res['visibleFindings']} shown), all {res['findingLinks']} links land on a section",
                 "no finding" if not res["findingLinks"] else "links to no section: " + ", ".join(res["badLinks"]))
        changed = res["before"] != res["after"] and res["before"].split(":")[0] != res["after"].split(":")[0]
        if figures_must_change:
            changed = changed and res["before"].split(": ", 1)[-1] != res["after"].split(": ", 1)[-1]
        c.expect(res["switched"] and changed, f"{name} at {width} px: the window switch changes the headline figures ({res['before'][:60]} -> {res['after'][:60]})",
                 "no other window to switch to" if not res["switched"] else f"before {res['before']!r}, after {res['after']!r}")


# ---------------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    ap.add_argument("--bin", help="weblog-miner binary (default: $WM, else .build/debug/weblog-miner)")
    ap.add_argument("--log", default=str(FIXTURE), help="hostile log to run (default: fixtures/access/hostile.log)")
    ap.add_argument("--report", help="check this existing report.html instead of running the tool")
    ap.add_argument("--screenshot", metavar="PATH", help="desktop screenshot path (phone: PATH with -phone.png)")
    ap.add_argument("--chromium", help="browser binary (default: chromium on PATH, installed if missing)")
    ap.add_argument("--timeout", type=float, default=90, help="seconds per tool/browser run (default 90)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--no-demo", action="store_true", help="skip the layout checks on the demo's report")
    args = ap.parse_args()

    chromium = find_chromium(args.chromium)
    if not chromium:
        why = install_chromium()
        chromium = find_chromium(None)
        if not chromium:
            why = why or "apt-get succeeded, but no chromium on PATH"
            say(f"check-report-browser: SKIP: chromium is not installed and could not be installed ({why})")
            return SKIP
    version = run_limited([chromium, "--version"], 30)
    say(f"check-report-browser: {version.stdout.decode().strip() if version and version.returncode == 0 else chromium}")

    tmp = Path(tempfile.mkdtemp(prefix="check-report-browser-"))
    c = Checks()
    try:
        if args.report:
            report = Path(args.report).resolve()
            say(f"check-report-browser: checking the existing {report}")
        else:
            binary = args.bin or os.environ.get("WM") or str(ROOT / ".build" / "debug" / "weblog-miner")
            if not os.access(binary, os.X_OK):
                say(f"check-report-browser: FAIL: {binary} is not an executable (swift build, or pass --bin / set WM)")
                return 1
            out = tmp / "out"
            argv = [binary, "run", "--out", str(out), str(Path(args.log).resolve()), "-q"]
            say(f"check-report-browser: {' '.join(argv)}")
            r = run_limited(argv, args.timeout, cwd=ROOT)
            if r is None:
                c.fail(f"weblog-miner run finished within {args.timeout:.0f} s")
                return 1
            err = r.stderr.decode("utf-8", "replace").strip()
            if not c.expect(r.returncode == 0, "weblog-miner run exits 0", f"exit {r.returncode}: {err[-500:]}"):
                return 1
            report = out / "report.html"
        if not c.expect(report.is_file() and report.stat().st_size > 0, f"{report.name} exists ({report.stat().st_size:,} bytes)"
                        if report.is_file() else "report.html exists"):
            return 1
        url = report.as_uri()
        raw = report.read_text(encoding="utf-8", errors="replace")

        say("\n(a0) report.html source")
        check_raw(c, raw)

        browser = Chromium(chromium, tmp, args.timeout)
        say("\n(a) headless Chromium --dump-dom (after the page's scripts ran)")
        r = browser.run(url, "--dump-dom")
        start = min([i for i in (r.stdout.find("<!DOCTYPE"), r.stdout.find("<!doctype"), r.stdout.find("<html")) if i >= 0],
                    default=-1)
        if not c.expect(r.returncode == 0 and start >= 0, f"chromium --dump-dom produced a DOM ({r.elapsed:.1f} s)",
                        f"exit {r.returncode}; stderr: {r.stderr.strip()[-400:]}"):
            return 1
        dom = r.stdout[start:]
        (tmp / "dom.html").write_text(dom, encoding="utf-8")
        say(f"  info  DOM {len(dom):,} characters after scripts (source {len(raw):,}); saved as dom.html")
        check_dom(c, Doc(dom), dom)
        console = console_messages(r.stderr)
        errors = [m for m in console if "Uncaught" in m or "SyntaxError" in m]
        c.expect(not errors, f"no uncaught JavaScript error ({len(console)} console message(s))", "; ".join(errors[:3]))

        say("\n(b) screenshots")
        desktop = Path(args.screenshot).resolve() if args.screenshot else tmp / "report-desktop.png"
        phone = desktop.with_name(desktop.stem + "-phone.png")
        desktop.parent.mkdir(parents=True, exist_ok=True)
        for path, size, label in ((desktop, DESKTOP, "desktop"), (phone, PHONE, "phone")):
            path.unlink(missing_ok=True)
            r = browser.run(url, f"--screenshot={path}", size=size)
            if not c.expect(path.is_file() and path.stat().st_size > 0, f"{label} screenshot {size[0]}x{size[1]} written: {path}",
                            f"exit {r.returncode}; stderr: {r.stderr.strip()[-300:]}"):
                continue
            try:
                w, h, colours, ink = png_stats(path)
            except (ValueError, zlib.error, struct.error, KeyError, TypeError) as e:
                c.fail(f"{label} screenshot decodes", str(e))
                continue
            c.expect((w, h) == size, f"{label} screenshot is {w}x{h}", f"expected {size[0]}x{size[1]}")
            c.expect(colours >= 2 and ink >= 0.001,
                     f"{label} screenshot not blank ({colours:,}{'+' if colours >= 1 << 24 else ''} colours, "
                     f"{ink:.1%} of pixels differ from the background)",
                     "a blank page: did the report render?")

        say(f"\n(b2) phone width: report in a {PHONE[0]}-px iframe")
        res = probe(browser, url, PHONE, PROBE, tmp / "phone-probe.html")
        if c.expect(res.get("ok"), "phone probe measured the layout", res.get("error")):
            c.expect(res["pwned"] == 0, "live DOM at phone width: no [data-pwned] element", f"{res['pwned']} element(s)")
            c.expect(res["scrollWidth"] <= res["clientWidth"] + 2,
                     f"no sideways scrolling at {PHONE[0]} px (scrollWidth {res['scrollWidth']}, viewport {res['clientWidth']}, "
                     f"body font {res['fontSize']})",
                     "too wide: " + (", ".join(res["wide"]) or "?") + " (put wide tables in an overflow-x:auto box, "
                     "let long URLs wrap: overflow-wrap:anywhere)")
        say(f"\n(c) layout at {' and '.join(str(w) for w in WIDTHS)} px: the report above")
        check_layout(c, browser, url, tmp, "report", figures_must_change=False)
        if not args.report and not args.no_demo:
            binary = args.bin or os.environ.get("WM") or str(ROOT / ".build" / "debug" / "weblog-miner")
            demo = tmp / "demo"
            argv = [binary] + DEMO[:1] + ["--no-state", "--out", str(demo)] + sorted(str(p) for p in (ROOT / "fixtures" / "shop-sim" / "logs").glob("*/*.gz")) + DEMO[1:]
            say(f"\n(d) the demo's report (fixtures/shop-sim, as scripts/demo runs it) at {' and '.join(str(w) for w in WIDTHS)} px")
            r = run_limited(argv, args.timeout * 2, cwd=ROOT)
            if c.expect(r is not None and r.returncode == 0, "weblog-miner run on the demo data exits 0",
                        "timed out" if r is None else r.stderr.decode("utf-8", "replace")[-400:]):
                check_layout(c, browser, (demo / "report.html").as_uri(), tmp, "demo", figures_must_change=True)
    except RuntimeError as e:
        c.fail(str(e))
    finally:
        keep = args.keep or bool(c.failures)
        if keep:
            say(f"\ncheck-report-browser: files kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    if c.failures:
        say(f"\ncheck-report-browser: FAIL ({len(c.failures)} check(s)): " + "; ".join(c.failures))
        return 1
    say("\ncheck-report-browser: PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
