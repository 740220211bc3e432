"""Time grading: one submission graded alone, then a whole demo class graded in parallel.

    .venv/bin/python benchmarks/grading_benchmark.py                       # the toy assignment
    .venv/bin/python benchmarks/grading_benchmark.py --assignment 01_feature_scaling -j 2

Works in a temporary course folder (nothing in the repository is written). Prints the wall times,
the per-submission times the workers measured, and the speed-up over grading the same class one
submission at a time (estimated as the sum of the per-submission times, or measured with --serial).
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

from grading.batch import grade_class  # noqa: E402
from grading.config import load_settings  # noqa: E402
from grading.demo import TOY_ID, make_demo_class, student_version, write_toy_assignment  # noqa: E402


def make_course(dest: Path, aid: str, cell_timeout: float) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "nbgrader_config.py").write_text(
        (ROOT / "nbgrader_config.py").read_text()
        + f"\nc.ExecutePreprocessor.timeout = {cell_timeout}\nc.CourseGrading.probe_timeout = 5\n")
    if aid == TOY_ID:
        write_toy_assignment(dest)
        return
    src = ROOT / "solutions" / aid
    if not (src / f"{aid}.ipynb").is_file():
        raise SystemExit(f"no assignment {aid} in solutions/")
    shutil.copytree(src, dest / "solutions" / aid, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    if (ROOT / "notebooks" / aid).is_dir():
        shutil.copytree(ROOT / "notebooks" / aid, dest / "notebooks" / aid)


def timed_grade(settings, **kw):
    start = time.perf_counter()
    results = grade_class(settings, log=lambda *a: None, **kw)
    return time.perf_counter() - start, results


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--assignment", default=TOY_ID, help=f"assignment id (default: the toy, {TOY_ID})")
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="parallel workers for the class")
    p.add_argument("--cell-timeout", type=float, default=20.0, help="seconds per cell (the infinite loop costs this)")
    p.add_argument("--serial", action="store_true", help="also grade the whole class with one worker")
    p.add_argument("--json", help="write the numbers to this file")
    args = p.parse_args(argv)
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

    numbers = {"assignment": args.assignment, "cpus": os.cpu_count(), "jobs": args.jobs,
               "load_average_before": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        one = Path(tmp) / "one"
        make_course(one, args.assignment, args.cell_timeout)
        settings = load_settings(one, workers=1)
        import nbformat

        source = nbformat.read(str(settings.source_notebook(args.assignment)), as_version=4)
        folder = settings.path("submitted") / "perfect" / args.assignment
        folder.mkdir(parents=True)
        nbformat.write(student_version(source), str(folder / f"{args.assignment}.ipynb"))
        wall, results = timed_grade(settings)
        numbers["one_submission_wall_s"] = round(wall, 2)
        numbers["one_submission_worker_s"] = results[0]["seconds"]
        numbers["one_submission_status"] = f"{results[0]['status']} {results[0]['score']:g}/{results[0]['max_score']:g}"

        cls = Path(tmp) / "class"
        make_course(cls, args.assignment, args.cell_timeout)
        settings = load_settings(cls, workers=args.jobs)
        made = make_demo_class(settings, args.assignment)
        wall, results = timed_grade(settings)
        per = [r["seconds"] for r in results if r.get("seconds")]
        numbers.update({
            "class_size": len(made), "class_parallel_wall_s": round(wall, 2),
            "class_sum_of_submission_s": round(sum(per), 2),
            "class_median_submission_s": round(statistics.median(per), 2) if per else None,
            "speedup_vs_sum": round(sum(per) / wall, 2) if wall else None,
            "statuses": {r["student"]: r["status"] for r in sorted(results, key=lambda r: r["student"])},
        })
        if args.serial:
            shutil.rmtree(settings.path("autograded"), ignore_errors=True)
            wall1, _ = timed_grade(load_settings(cls, workers=1))
            numbers["class_serial_wall_s"] = round(wall1, 2)
            numbers["speedup_measured"] = round(wall1 / wall, 2)
    numbers["load_average_after"] = os.getloadavg()[0]
    print(json.dumps(numbers, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(numbers, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
