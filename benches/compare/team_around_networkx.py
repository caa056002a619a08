#!/usr/bin/env python3
"""Side-by-side: patchwork's `team_around` against the same lookup in networkx.

Runs the Rust binary `compare_team_around` (through cargo, release build), which generates
the synthetic council, writes its involvements and a sample of children as CSV, and times
our lookup. Then loads the same CSV into a networkx MultiDiGraph (professional -> child
edges carrying start, end and role) and times the equivalent lookup for the same children:
the child's in-edges active on the date (start <= as_of < end), collecting professional,
role and dates. Prints both medians (ns per lookup) and the ratio.

    python3 benches/compare/team_around_networkx.py            # tier M
    python3 benches/compare/team_around_networkx.py --tier L   # large county (needs ~10 GB)

networkx is only needed here; it is not a test requirement.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[2]


def run_ours(tier: str, out: Path, samples: int, repeats: int) -> tuple[float, int]:
    cmd = [
        "cargo", "run", "--quiet", "--release", "-p", "patchwork-benches",
        "--bin", "compare_team_around", "--",
        "--tier", tier, "--out", str(out), "--samples", str(samples), "--repeats", str(repeats),
    ]
    print("$", " ".join(cmd), flush=True)
    proc = subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True)
    print(proc.stdout, end="")
    ns = float(re.search(r"ours_median_ns_per_lookup=(\S+)", proc.stdout).group(1))
    members = int(re.search(r"ours_members_found=(\d+)", proc.stdout).group(1))
    return ns, members


def parse_date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def load_graph(path: Path) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            g.add_edge(
                row["professional"], row["person"],
                start=parse_date(row["start"]), end=parse_date(row["end"]), role=row["role"],
            )
    return g


def team_around(g: nx.MultiDiGraph, child: str, as_of: dt.date) -> list[tuple]:
    """The equivalent lookup: active in-edges of the child on `as_of`."""
    return [
        (prof, d["role"], d["start"], d["end"])
        for prof, _, d in g.in_edges(child, data=True)
        if (d["start"] is None or d["start"] <= as_of) and (d["end"] is None or as_of < d["end"])
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tier", choices=["S", "M", "L"], default="M")
    ap.add_argument("--out", type=Path, default=ROOT / "target" / "bench-data")
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()

    ours_ns, ours_members = run_ours(args.tier, args.out, args.samples, args.repeats)

    started = time.perf_counter()
    g = load_graph(args.out / "involvements.csv")
    with (args.out / "children.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    children = [r["person"] for r in rows]
    as_of = dt.date.fromisoformat(rows[0]["as_of"])
    print(f"networkx: loaded {g.number_of_edges()} edges in {time.perf_counter() - started:.1f} s")

    def one_pass() -> int:
        return sum(len(team_around(g, c, as_of)) for c in children)

    found = one_pass()  # warm-up, and a check that both sides see the same teams
    if found != ours_members:
        print(f"warning: networkx found {found} active involvements, patchwork {ours_members}")
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        one_pass()
        times.append((time.perf_counter() - t0) / len(children))
    nx_ns = statistics.median(times) * 1e9
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print()
    print(f"tier {args.tier}, {len(children)} children, median of {args.repeats} passes")
    print(f"  networkx   {nx_ns:10.1f} ns per lookup   (python peak {peak_mib:.0f} MiB)")
    print(f"  patchwork  {ours_ns:10.1f} ns per lookup")
    print(f"  ratio      {nx_ns / ours_ns:10.1f} x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
