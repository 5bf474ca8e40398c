#!/usr/bin/env python3
"""Writes a combined log of N hits on N distinct pages whose paths are LENGTH bytes long (one visitor
every 10 hits, one hit a second), to standard output: the worst case for memory that grows with page
names (used by scripts/bench-memory).

    scripts/gen-long-paths.py --lines 1000000 --length 4096 | weblog-miner sessions - -o /dev/null
"""
import argparse, sys


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--length", type=int, default=4096)
    args = ap.parse_args()
    out = sys.stdout.buffer
    filler = "a" * args.length
    chunk = []
    for i in range(args.lines):
        t = i
        stamp = f"{1 + t // 86400:02d}/Mar/2026:{t // 3600 % 24:02d}:{t // 60 % 60:02d}:{t % 60:02d}"
        path = f"/p{i}/" + filler[: max(0, args.length - 4 - len(str(i)))]
        v = i // 10
        chunk.append(f'10.{v >> 16 & 255}.{v >> 8 & 255}.{v & 255} - - [{stamp} +0000] "GET {path} HTTP/1.1" 200 1 "-" "agent"\n')
        if len(chunk) == 1000:
            out.write("".join(chunk).encode())
            chunk = []
    out.write("".join(chunk).encode())


if __name__ == "__main__":
    main()
