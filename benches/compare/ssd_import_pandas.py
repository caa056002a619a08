#!/usr/bin/env python3
"""Side by side: importing an SSD extract with Patchwork, against reading the same CSV
files with pandas and building a rustworkx graph, and the same with networkx.

    python3 benches/compare/ssd_import_pandas.py            # tier M
    python3 benches/compare/ssd_import_pandas.py --tier L   # large county

The extract is generated once by `patchwork generate` into target/bench-data/<tier>/.
Each contender runs in its own process, so that its peak memory (ru_maxrss) is its own;
each reports the median of --repeats runs. The pandas contenders read every ssd_*.csv
file of the extract (as the importer does) and build a directed graph: professional ->
child for each involvement (with its dates and role as attributes), team -> child for
team-only ones, and child -> family for each family membership. That is less than the
importer does (it also validates identifiers, episodes and activities, and reports every
bad row), so the comparison favours pandas.

Needs pandas, networkx and rustworkx (benches/compare/requirements.txt):
    python3 -m venv .venv-bench && .venv-bench/bin/pip install -r benches/compare/requirements.txt
    .venv-bench/bin/python benches/compare/ssd_import_pandas.py
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pandas_graph(ssd: Path, library: str) -> dict:
    import pandas as pd

    if library == "rustworkx":
        import rustworkx as rx

        graph = rx.PyDiGraph()
        add_node = graph.add_node

        def add_edge(a, b, data):
            graph.add_edge(a, b, data)

    else:
        import networkx as nx

        graph = nx.MultiDiGraph()

        def add_node(key):
            graph.add_node(key)
            return key

        def add_edge(a, b, data):
            graph.add_edge(a, b, **data)

    frames = {f.stem: pd.read_csv(f, dtype=str, keep_default_na=False) for f in sorted(ssd.glob("ssd_*.csv"))}
    nodes = {}

    def node(kind, key):
        k = (kind, key)
        if k not in nodes:
            nodes[k] = add_node(k)
        return nodes[k]

    for pid in frames["ssd_person"]["pers_person_id"]:
        node("person", pid)
    for wid in frames["ssd_professionals"]["prof_professional_id"]:
        node("professional", wid)
    inv = frames["ssd_involvements"]
    for row in inv.itertuples(index=False):
        source = node("professional", row.invo_professional_id) if row.invo_professional_id else node("team", row.invo_professional_team)
        add_edge(
            source,
            node("person", row.invo_person_id),
            {
                "role": row.invo_professional_role_id,
                "start": row.invo_involvement_start_date,
                "end": row.invo_involvement_end_date,
            },
        )
    fam = frames.get("ssd_family")
    if fam is not None:
        for row in fam.itertuples(index=False):
            add_edge(node("person", row.fami_person_id), node("family", row.fami_family_id), {})
    edges = graph.num_edges() if library == "rustworkx" else graph.number_of_edges()
    return {"edges": edges, "rows": sum(len(f) for f in frames.values())}


def run_pandas(ssd: Path, library: str, repeats: int) -> None:
    """In a child process: time `repeats` reads+builds, print JSON."""
    times = []
    info = {}
    for _ in range(repeats):
        start = time.perf_counter()
        info = pandas_graph(ssd, library)
        times.append(time.perf_counter() - start)
    print(json.dumps({
        "seconds_median": statistics.median(times),
        "seconds_all": times,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        **info,
    }))


def child(args: list[str]) -> dict:
    out = subprocess.run(args, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", default="M", choices=["S", "M", "L"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("LIBRARY", "SSD"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_pandas(Path(args.child[1]), args.child[0], args.repeats)
        return

    data = ROOT / "target" / "bench-data" / args.tier
    ssd = data / "ssd"
    if not (ssd / "ssd_involvements.csv").exists():
        print(f"generating tier {args.tier} into {data} ...", file=sys.stderr)
        subprocess.run(
            ["cargo", "run", "--quiet", "--release", "-p", "patchwork-adapters", "--bin", "patchwork", "--",
             "generate", "--tier", args.tier, "--seed", "2025", "--out", str(data)],
            check=True, cwd=ROOT,
        )
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "patchwork-benches", "--bin", "compare_ssd_import"],
                   check=True, cwd=ROOT)
    ours = child([str(ROOT / "target" / "release" / "compare_ssd_import"), "--dir", str(ssd), "--repeats", str(args.repeats)])
    results = {"patchwork": ours}
    for library in ("rustworkx", "networkx"):
        try:
            results[f"pandas+{library}"] = child([sys.executable, __file__, "--repeats", str(args.repeats), "--child", library, str(ssd)])
        except subprocess.CalledProcessError as err:
            print(f"pandas+{library} failed (is it installed? see requirements.txt):\n{err.stderr}", file=sys.stderr)

    size_mb = ours["bytes"] / 1e6
    print(f"tier {args.tier}: {size_mb:.0f} MB of SSD CSV, {ours['persons']} persons, {ours['involvements']} involvements")
    print(f"{'contender':<20} {'median s':>9} {'MB/s':>7} {'peak MiB':>9} {'ratio':>6}")
    for name, r in results.items():
        ratio = r["seconds_median"] / ours["seconds_median"]
        print(f"{name:<20} {r['seconds_median']:>9.3f} {size_mb / r['seconds_median']:>7.1f} {r['peak_rss_mib']:>9.0f} {ratio:>5.1f}x")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
