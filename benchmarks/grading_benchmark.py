"""Time grading: one submission graded alone, then a whole demo class graded in parallel, each
with the sandbox and without it, in the same run.

    .venv/bin/python benchmarks/grading_benchmark.py                       # the toy assignment
    .venv/bin/python benchmarks/grading_benchmark.py --assignment 01_feature_scaling -j 2
    .venv/bin/python benchmarks/grading_benchmark.py --repeat 5            # one submission, 5 times each way

Works in a temporary course folder (nothing in the repository is written). Prints the wall times,
the per-submission times the workers measured, the speed-up over grading the same class one
submission at a time (estimated as the sum of the per-submission times, or measured with --serial),
and the sandbox's cost per submission: the difference of the medians of one submission graded with
and without it, alternated so that a change in the machine's load hits both alike.
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
    p.add_argument("--repeat", type=int, default=3, help="gradings of the one submission, each way (default 3)")
    p.add_argument("--no-class", action="store_true", help="only the one submission")
    args = p.parse_args(argv)
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

    numbers = {"assignment": args.assignment, "cpus": os.cpu_count(), "jobs": args.jobs,
               "load_average_before": os.getloadavg()[0]}
    from grading import sandbox as sb

    box = sb.resolve("auto", load_settings(ROOT).limits())
    modes = ["on", "off"] if box.active else ["off"]
    numbers["sandbox_available"] = box.active
    if not box.active:
        print(f"warning: {box.banner()}; timing without the sandbox only", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        one = Path(tmp) / "one"
        make_course(one, args.assignment, args.cell_timeout)
        import nbformat

        base = load_settings(one, workers=1)
        source = nbformat.read(str(base.source_notebook(args.assignment)), as_version=4)
        folder = base.path("submitted") / "perfect" / args.assignment
        folder.mkdir(parents=True)
        nbformat.write(student_version(source), str(folder / f"{args.assignment}.ipynb"))
        walls: dict[str, list[float]] = {m: [] for m in modes}
        workers_s: dict[str, list[float]] = {m: [] for m in modes}
        for _ in range(max(1, args.repeat)):
            for mode in modes:  # alternated: load changes hit both
                settings = load_settings(one, workers=1, sandbox="required" if mode == "on" else "off")
                wall, results = timed_grade(settings)
                walls[mode].append(wall)
                workers_s[mode].append(results[0]["seconds"])
                numbers[f"one_submission_status_{mode}"] = \
                    f"{results[0]['status']} {results[0]['score']:g}/{results[0]['max_score']:g}"
        for mode in modes:
            numbers[f"one_submission_wall_s_{mode}"] = [round(w, 2) for w in walls[mode]]
            numbers[f"one_submission_wall_median_s_{mode}"] = round(statistics.median(walls[mode]), 2)
        if box.active:  # the set-up alone: a bare Python start in a sandbox and outside, 10 times each
            import subprocess

            def start(cmd):
                t = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True)
                return time.perf_counter() - t

            bare = [sys.executable, "-c", "pass"]
            inside, outside = [], []
            for _ in range(10):
                cmd = sb.bwrap_command(box.bwrap, bare, submission_dir=None, limits=base.limits(),
                                       env=sb.sandbox_env(dict(os.environ)), uid=None)
                inside.append(start(cmd.args))
                outside.append(start(bare))
            numbers["python_start_median_s_in_sandbox"] = round(statistics.median(inside), 3)
            numbers["python_start_median_s_outside"] = round(statistics.median(outside), 3)
            numbers["sandbox_cost_per_submission_s"] = round(
                statistics.median(walls["on"]) - statistics.median(walls["off"]), 2)

        if not args.no_class:
            for mode in modes:
                cls = Path(tmp) / f"class-{mode}"
                make_course(cls, args.assignment, args.cell_timeout)
                settings = load_settings(cls, workers=args.jobs, sandbox="required" if mode == "on" else "off")
                made = make_demo_class(settings, args.assignment)
                wall, results = timed_grade(settings)
                per = [r["seconds"] for r in results if r.get("seconds")]
                numbers.update({
                    "class_size": len(made), f"class_parallel_wall_s_{mode}": round(wall, 2),
                    f"class_sum_of_submission_s_{mode}": round(sum(per), 2),
                    f"class_median_submission_s_{mode}": round(statistics.median(per), 2) if per else None,
                    f"speedup_vs_sum_{mode}": round(sum(per) / wall, 2) if wall else None,
                    f"statuses_{mode}": {r["student"]: f"{r['status']} {r['score']:g}"
                                         for r in sorted(results, key=lambda r: r["student"])},
                })
                if args.serial:
                    shutil.rmtree(settings.path("autograded"), ignore_errors=True)
                    wall1, _ = timed_grade(load_settings(cls, workers=1, sandbox=settings.sandbox))
                    numbers[f"class_serial_wall_s_{mode}"] = round(wall1, 2)
                    numbers[f"speedup_measured_{mode}"] = round(wall1 / wall, 2)
            if box.active:
                numbers["class_same_statuses_and_scores"] = numbers["statuses_on"] == numbers["statuses_off"]
    numbers["load_average_after"] = os.getloadavg()[0]
    print(json.dumps(numbers, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(numbers, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
