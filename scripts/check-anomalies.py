#!/usr/bin/env python3
"""Measures `weblog-miner anomalies` on planted incidents (scripts/gen-incidents.py): every planted
incident must be found on its day (recall), and site metrics may raise at most one false alarm per 30
scored days. Prints recall, precision and false alarms per seed; exits 1 when a target is missed.

An incident is found when a flagged row on its day matches one of its expected (scope, metric,
direction) rows of the truth file ('*' scope: any page). A false alarm is a flagged row on a day
without an incident. Scored days: days with at least two same weekdays before them.

    scripts/check-anomalies.py --bin .build/debug/weblog-miner               # CI: one seed
    scripts/check-anomalies.py --bin .build/release/weblog-miner --seeds 1,2,3,4,5 --days 56
"""
import argparse, csv, io, os, subprocess, sys, tempfile
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--seeds", default="7")
    ap.add_argument("--days", type=int, default=42)
    ap.add_argument("--sessions", type=int, default=3000)
    args = ap.parse_args()
    failed = False
    totals = defaultdict(int)
    with tempfile.TemporaryDirectory() as tmp:
        for seed in [int(s) for s in args.seeds.split(",")]:
            log, truth_path = os.path.join(tmp, "inc.log"), os.path.join(tmp, "truth.tsv")
            subprocess.run([sys.executable, os.path.join(HERE, "gen-incidents.py"), "--days", str(args.days), "--sessions", str(args.sessions),
                            "--seed", str(seed), "--out", log, "--truth", truth_path], check=True)
            out = subprocess.run([args.bin, "anomalies", "-q", "--site-host", "shop.example.com", "--conversion", "^/checkout/thanks$", log],
                                 check=True, capture_output=True, text=True).stdout
            flags = list(csv.DictReader(io.StringIO(out), delimiter="\t", quoting=csv.QUOTE_NONE))
            truth = list(csv.DictReader(open(truth_path), delimiter="\t"))
            incidents = defaultdict(list)
            for t in truth:
                incidents[(t["day"], t["incident"])].append(t)
            incident_days = {d for d, _ in incidents}
            found = 0
            for (day, name), expected in sorted(incidents.items()):
                hit = [f for f in flags if f["day"] == day and any(
                    (e["scope"] == f["scope"] or (e["scope"] == "*" and f["scope"] != "site")) and e["metric"] == f["metric"] and e["direction"] == f["direction"]
                    for e in expected)]
                found += bool(hit)
                print(f"  seed {seed}: {name} on {day}: {'found' if hit else 'MISSED'} ({len(hit)} matching rows)")
            site = [f for f in flags if f["scope"] == "site"]
            site_false = [f for f in site if f["day"] not in incident_days]
            page_false = [f for f in flags if f["scope"] != "site" and f["day"] not in incident_days]
            scored_days = args.days - 14
            recall = found / len(incidents)
            site_precision = (len(site) - len(site_false)) / len(site) if site else 1.0
            precision = (len(flags) - len(site_false) - len(page_false)) / len(flags) if flags else 1.0
            per30 = len(site_false) * 30 / scored_days
            print(f"seed {seed}: recall {recall:.2f} ({found}/{len(incidents)}), site precision {site_precision:.2f}, all-rows precision {precision:.2f}, "
                  f"site false alarms {len(site_false)} in {scored_days} scored days ({per30:.2f} per 30 days), page false alarms {len(page_false)}")
            for f in site_false:
                print(f"    false alarm: {f['day']} {f['scope']} {f['metric']} {f['value']} (expected {f['expected']}, score {f['score']})")
            totals["found"] += found
            totals["incidents"] += len(incidents)
            totals["site_false"] += len(site_false)
            totals["page_false"] += len(page_false)
            totals["scored_days"] += scored_days
            totals["flags"] += len(flags)
            if recall < 1.0 or per30 > 1.0:
                failed = True
    print(f"check-anomalies: recall {totals['found']}/{totals['incidents']}, site false alarms {totals['site_false']} in {totals['scored_days']} scored days "
          f"({totals['site_false'] * 30 / totals['scored_days']:.2f} per 30 days), page false alarms {totals['page_false']} of {totals['flags']} rows"
          + (" — TARGET MISSED" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
