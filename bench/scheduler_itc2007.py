"""ITC2007 track 3 on the scheduler's engine: every instance, each run as its own process
with the documented command, repeated; prints hard violations, soft cost (the dataset
README's definition, computed by an independent checker) and time to the first feasible
schedule, with medians.

    .venv/bin/python bench/scheduler_itc2007.py --time-limit 60 --repeats 3
    .venv/bin/python bench/scheduler_itc2007.py --time-limit 300 --repeats 1 comp05 comp07

Each run is `python -m scheduler.itc2007 INSTANCE --time-limit T --out FILE --seed N`.
"""
from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

DATASETS = Path("/work/shared/datasets/itc2007")
# Competition figures of the ITC2007 winner (the dataset README).
WINNER = {"comp01": 5, "comp02": 51, "comp03": 84, "comp04": 37, "comp05": 330, "comp06": 48, "comp07": 20}


def run(instance: str, time_limit: float, seed: int, workers: int, out_dir: Path) -> dict:
    out = out_dir / f"{instance}-{seed}.sol"
    command = [sys.executable, "-m", "scheduler.itc2007", str(DATASETS / f"{instance}.ctt"),
               "--time-limit", str(time_limit), "--out", str(out), "--seed", str(seed), "--workers", str(workers)]
    printed = subprocess.run(command, capture_output=True, text=True, timeout=time_limit + 120).stdout
    hard = int(re.search(r"hard violations: .*\(total (\d+)\)", printed).group(1))
    soft = int(re.search(r"soft cost: .*\(total (\d+)\)", printed).group(1))
    first = re.search(r"first feasible at ([\d.]+)s", printed)
    return {"hard": hard, "soft": soft, "first_feasible_s": float(first.group(1)) if first else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("instances", nargs="*", default=sorted(WINNER))
    parser.add_argument("--time-limit", type=float, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1, help="CP-SAT workers per run (default 1)")
    args = parser.parse_args()
    out_dir = Path(tempfile.mkdtemp(prefix="itc2007-"))
    print(f"time limit {args.time_limit:g}s, {args.repeats} run(s) per instance (seeds 0..), "
          f"{args.workers} CP-SAT worker(s); solutions in {out_dir}")
    print("| instance | hard violations (each run) | soft cost (each run) | median soft | winner | ratio "
          "| first feasible, median s |")
    print("|---|---|---|---|---|---|---|")
    for instance in args.instances:
        runs = [run(instance, args.time_limit, seed, args.workers, out_dir) for seed in range(args.repeats)]
        soft = statistics.median(r["soft"] for r in runs)
        firsts = [r["first_feasible_s"] for r in runs if r["first_feasible_s"] is not None]
        first = f"{statistics.median(firsts):.1f}" if len(firsts) == len(runs) else "not all feasible"
        print(f"| {instance} | {', '.join(str(r['hard']) for r in runs)} | {', '.join(str(r['soft']) for r in runs)} "
              f"| {soft:g} | {WINNER[instance]} | {soft / WINNER[instance]:.1f} | {first} |", flush=True)


if __name__ == "__main__":
    main()
