#!/usr/bin/env python3
"""Python side by side: whole-network frames from Patchwork's Python package, and loading
an SSD extract from Python against pandas.read_csv + a networkx graph of the same files.

    python benches/compare/compare_python_frames.py             # tier L (minutes, ~6 GB)
    python benches/compare/compare_python_frames.py --tier M    # quick run

Needs the `patchwork` package built in release mode in the interpreter that runs this,
plus pandas, pyarrow and networkx (bindings-python/requirements-test.txt has them):

    python3.11 -m venv .venv && .venv/bin/pip install -r bindings-python/requirements-test.txt
    .venv/bin/maturin develop --release -m bindings-python/Cargo.toml
    .venv/bin/python benches/compare/compare_python_frames.py

Three parts, each in its own process so that its peak memory (ru_maxrss) is its own:

1. **frames**: `patchwork.generate(tier, seed=2025)`, then the median of --repeats runs of
   each frame: `involvements()` (5M rows at L), `persons()`, `professionals()`,
   `episodes()`, and `table("involvements")` alone (the Arrow table, before pandas), and
   `pyarrow.table()` of it (the PyCapsule hand-over).
2. **patchwork**: `patchwork.Network.from_ssd(<tier>/ssd)`, median of --repeats runs.
3. **pandas+networkx**: `pandas.read_csv` of every `ssd_*.csv` of the same folder and a
   networkx `MultiDiGraph` (professional or team -> child per involvement, with role and
   dates; child -> family per membership), the same code as `ssd_import_pandas.py`, median
   of --repeats runs. It does less than the importer (no validation of identifiers, no
   episodes or activities, no report), so the comparison favours it.

The SSD extract is generated once with `patchwork generate --tier <T> --seed 2025` into
target/bench-data/<T>/ (shared with ssd_import_pandas.py). Timings are printed and as JSON.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(f, repeats: int):
    times = []
    value = None
    for _ in range(repeats):
        start = time.perf_counter()
        value = f()
        times.append(time.perf_counter() - start)
        del value
        value = None
    return statistics.median(times), times


def run_frames(tier: str, repeats: int) -> dict:
    import pyarrow as pa

    import patchwork

    start = time.perf_counter()
    net = patchwork.generate(tier, seed=2025)
    generate_s = time.perf_counter() - start
    out = {
        "generate_s": generate_s,
        "persons": net.person_count,
        "involvements": net.involvement_count,
        "professionals": net.professional_count,
    }
    for name in ("involvements", "persons", "professionals", "episodes"):
        median, all_ = timed(getattr(net, name), repeats)
        out[f"{name}_s"] = median
        out[f"{name}_all"] = all_
    median, _ = timed(lambda: net.table("involvements"), repeats)
    out["involvements_arrow_s"] = median
    table = net.table("involvements")
    median, _ = timed(lambda: pa.table(table), repeats)
    out["involvements_pyarrow_handover_s"] = median
    frame = net.involvements()
    out["involvements_rows"] = len(frame)
    out["involvements_frame_mib"] = frame.memory_usage(deep=True).sum() / 2**20
    out["peak_rss_mib"] = peak_mib()
    return out


def run_patchwork_ssd(ssd: Path, repeats: int) -> dict:
    import patchwork

    info = {}

    def load():
        net = patchwork.Network.from_ssd(ssd)
        info["persons"] = net.person_count
        info["involvements"] = net.involvement_count
        return net

    median, all_ = timed(load, repeats)
    return {"seconds_median": median, "seconds_all": all_, "peak_rss_mib": peak_mib(), **info}


def run_pandas_networkx(ssd: Path, repeats: int) -> dict:
    from ssd_import_pandas import pandas_graph

    info = {}

    def load():
        info.update(pandas_graph(ssd, "networkx"))

    median, all_ = timed(load, repeats)
    return {"seconds_median": median, "seconds_all": all_, "peak_rss_mib": peak_mib(), **info}


def child(args: list) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", default="L", choices=["S", "M", "L"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ssd-repeats", type=int, default=None, help="default: --repeats")
    parser.add_argument("--only", choices=["frames", "ssd"], default=None)
    parser.add_argument("--child", nargs=2, metavar=("PART", "ARG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    ssd_repeats = args.ssd_repeats or args.repeats
    if args.child:
        part, arg = args.child
        if part == "frames":
            result = run_frames(arg, args.repeats)
        elif part == "patchwork":
            result = run_patchwork_ssd(Path(arg), args.repeats)
        else:
            result = run_pandas_networkx(Path(arg), args.repeats)
        print(json.dumps(result))
        return

    import patchwork

    print(f"patchwork {patchwork.__version__} from {Path(patchwork.__file__).parent}", file=sys.stderr)
    results = {}
    if args.only in (None, "frames"):
        print(f"frames, tier {args.tier} ...", file=sys.stderr)
        frames = child(["--repeats", str(args.repeats), "--child", "frames", args.tier])
        results["frames"] = frames
        print(
            f"tier {args.tier}: {frames['persons']} persons, {frames['involvements']} involvements, "
            f"{frames['professionals']} professionals; generate {frames['generate_s']:.1f} s; "
            f"peak {frames['peak_rss_mib']:.0f} MiB"
        )
        print(f"{'frame':<36} {'median s':>9}")
        for name in ("involvements", "persons", "professionals", "episodes"):
            print(f"{name + '()':<36} {frames[name + '_s']:>9.3f}")
        arrow_only = 'table("involvements") (Arrow only)'
        handover = "pyarrow.table(t) (PyCapsule)"
        print(f"{arrow_only:<36} {frames['involvements_arrow_s']:>9.3f}")
        print(f"{handover:<36} {frames['involvements_pyarrow_handover_s']:>9.3f}")
    if args.only in (None, "ssd"):
        data = ROOT / "target" / "bench-data" / args.tier
        ssd = data / "ssd"
        if not (ssd / "ssd_involvements.csv").exists():
            print(f"generating tier {args.tier} into {data} ...", file=sys.stderr)
            subprocess.run(
                ["cargo", "run", "--quiet", "--release", "-p", "patchwork-adapters", "--bin",
                 "patchwork", "--", "generate", "--tier", args.tier, "--seed", "2025", "--out",
                 str(data)],
                check=True, cwd=ROOT,
            )
        size_mb = sum(f.stat().st_size for f in ssd.glob("ssd_*.csv")) / 1e6
        print(f"SSD extract, tier {args.tier}: {size_mb:.0f} MB ...", file=sys.stderr)
        ours = child(["--repeats", str(ssd_repeats), "--child", "patchwork", str(ssd)])
        theirs = child(["--repeats", str(ssd_repeats), "--child", "pandas", str(ssd)])
        results["ssd"] = {"mb": size_mb, "patchwork": ours, "pandas+networkx": theirs}
        print(f"SSD extract {size_mb:.0f} MB: {ours['persons']} persons, {ours['involvements']} involvements")
        print(f"{'contender':<36} {'median s':>9} {'peak MiB':>9} {'ratio':>6}")
        for name, r in (("Network.from_ssd", ours), ("pandas.read_csv + networkx", theirs)):
            ratio = r["seconds_median"] / ours["seconds_median"]
            print(f"{name:<36} {r['seconds_median']:>9.3f} {r['peak_rss_mib']:>9.0f} {ratio:>5.1f}x")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
