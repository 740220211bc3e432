"""Time the Dask backend against the local one: the same class graded both ways in one run.

    .venv/bin/python benchmarks/cluster_benchmark.py                        # 20 students of 07
    .venv/bin/python benchmarks/cluster_benchmark.py --assignment 04_batchnorm_from_scratch --students 40
    .venv/bin/python benchmarks/cluster_benchmark.py --repeat 2 --json out.json

Builds a class of ``--students`` submissions of a real assignment in a temporary folder (student i
answers the first i mod (exercises + 1) exercises, so scores spread from zero to full marks),
grades it with the local pool (``-j`` = the workers) and with a ``distributed.LocalCluster`` of as
many single-threaded worker processes, each in its own copy of the course; with ``--repeat`` > 1
in the order local, dask, dask, local, ... so that a change in the machine's load hits both alike.
The cluster is started before its clock starts (a course keeps one running); connecting to it,
checking its workers and shipping every submission as data are timed. Prints both wall times and
their ratio (the cost of Dask); how busy each kept its workers (the seconds the worker processes
spent grading, summed, over workers x wall time: other load on the machine slows grading and wall
time alike, so the ratio of these shows the cost of Dask even on a busy machine); the cost of one
submission in core-seconds and so the submissions graded per core-hour; and whether both backends
gave every student the same status and score.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from grading_benchmark import make_course, timed_grade  # noqa: E402

from grading import assemble as asm  # noqa: E402
from grading.config import load_settings  # noqa: E402
from grading.demo import student_version  # noqa: E402


def make_class(course: Path, aid: str, n: int) -> None:
    import nbformat

    source = nbformat.read(str(load_settings(course).source_notebook(aid)), as_version=4)
    gids = [asm.grade_id(c) for c in source.cells if asm.cell_kind(c) == "solution" and c.cell_type == "code"]
    for i in range(n):
        folder = course / "submitted" / f"student{i:03d}" / aid
        folder.mkdir(parents=True)
        nb = student_version(source, answered=set(gids[: i % (len(gids) + 1)]))
        nbformat.write(nb, str(folder / f"{aid}.ipynb"))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--assignment", default="07_beyond_batchnorm", help="a real assignment (default: the fastest)")
    p.add_argument("--students", type=int, default=20, help="submissions in the class (default 20)")
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                   help="local workers, and Dask worker processes (default: one per core)")
    p.add_argument("--repeat", type=int, default=1, help="gradings each way, alternated (default 1)")
    p.add_argument("--cell-timeout", type=float, default=60.0)
    p.add_argument("--json", help="write the numbers to this file")
    args = p.parse_args(argv)
    try:
        from distributed import LocalCluster
    except ImportError:
        raise SystemExit("needs the package distributed: pip install normalization-course[cluster]") from None
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

    numbers: dict = {"assignment": args.assignment, "students": args.students, "cpus": os.cpu_count(),
                     "workers": args.jobs, "load_average_before": os.getloadavg()[0]}
    walls: dict[str, list[float]] = {"local": [], "dask": []}
    busy: dict[str, list[float]] = {"local": [], "dask": []}
    outcome: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="cluster-bench-") as tmp:
        template = Path(tmp) / "template"
        make_course(template, args.assignment, args.cell_timeout)
        make_class(template, args.assignment, args.students)
        start = time.perf_counter()
        cluster = LocalCluster(n_workers=args.jobs, threads_per_worker=1, processes=True, dashboard_address=None,
                               host="127.0.0.1")
        numbers["cluster_start_s"] = round(time.perf_counter() - start, 2)
        try:
            for run in range(max(1, args.repeat)):
                for backend in ("local", "dask") if run % 2 == 0 else ("dask", "local"):
                    course = Path(tmp) / f"{backend}-{run}"
                    shutil.copytree(template, course)
                    settings = load_settings(course, workers=args.jobs,
                                             scheduler=cluster.scheduler_address if backend == "dask" else None)
                    wall, results = timed_grade(settings)
                    walls[backend].append(wall)
                    busy[backend].append(sum(r["seconds"] for r in results) / (args.jobs * wall))
                    outcome[backend] = {r["student"]: (r["status"], r["score"]) for r in results}
                    if backend == "local":
                        numbers["median_submission_s"] = round(statistics.median(r["seconds"] for r in results), 2)
                    shutil.rmtree(course)
                    print(f"  {backend:<5} run {run + 1}: {wall:.1f} s, workers busy {busy[backend][-1]:.0%}, "
                          f"load {os.getloadavg()[0]:.1f}", file=sys.stderr)
        finally:
            cluster.close()
    local, dask = statistics.median(walls["local"]), statistics.median(walls["dask"])
    busy_local, busy_dask = statistics.median(busy["local"]), statistics.median(busy["dask"])
    core_s = min(args.jobs, os.cpu_count() or 1) * local / args.students
    numbers.update({
        "local_wall_s": [round(w, 2) for w in walls["local"]], "dask_wall_s": [round(w, 2) for w in walls["dask"]],
        "dask_over_local": round(dask / local, 3),
        "workers_busy_local": [round(b, 3) for b in busy["local"]],
        "workers_busy_dask": [round(b, 3) for b in busy["dask"]],
        "dask_over_local_busy": round(busy_local / busy_dask, 3),
        "core_seconds_per_submission_local": round(core_s, 2),
        "submissions_per_core_hour_local": round(3600 / core_s),
        "submissions_per_core_hour_dask": round(3600 * args.students / (min(args.jobs, os.cpu_count() or 1) * dask)),
        "same_statuses_and_scores": outcome["local"] == outcome["dask"],
        "statuses": sorted({s for s, _ in outcome["local"].values()}),
        "load_average_after": os.getloadavg()[0],
    })
    print(json.dumps(numbers, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(numbers, indent=1))
    return 0 if numbers["same_statuses_and_scores"] else 1


if __name__ == "__main__":
    sys.exit(main())
