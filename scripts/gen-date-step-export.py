#!/usr/bin/env python3
"""Generates a click export whose times are dates only and whose order within a session is a step
number (DIGINETICA-like), with rows shuffled across sessions, and the expected page sequence of
every session (one line each, space-separated items).

    scripts/gen-date-step-export.py --rows 500000 --sessions 30000 --out bench-data/date-step.csv --expected bench-data/date-step.expected
"""
import argparse, random


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=500_000)
    ap.add_argument("--sessions", type=int, default=30_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--expected", required=True)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    # Session lengths summing to --rows (at least one view each).
    lengths = [1] * args.sessions
    for _ in range(args.rows - args.sessions):
        lengths[rng.randrange(args.sessions)] += 1
    rows = []
    with open(args.expected, "w") as expected:
        for s, n in enumerate(lengths, start=1):
            day = 1 + rng.randrange(28)
            user = f"u{rng.randrange(args.sessions // 3 + 1)}"
            items = [f"/item/{rng.randrange(5000)}" for _ in range(n)]
            expected.write(" ".join(items) + "\n")
            for step, item in enumerate(items, start=1):
                rows.append(f"{s},{user},{item},2016-05-{day:02d},{step}\n")
    rng.shuffle(rows)
    with open(args.out, "w") as f:
        f.write("session_id,user_id,item_id,eventdate,step\n")
        f.writelines(rows)


if __name__ == "__main__":
    main()
