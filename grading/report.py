"""The grading report: per assignment and per exercise, as CSV files, PNG figures and one HTML page.

Written into ``reports/`` (or ``--out``):

* ``summary.csv``   -- per assignment: submissions, statuses, mean / median / min / max score (%);
* ``exercises.csv`` -- per exercise: points, mean points, share of students with full marks;
* ``tests.csv``     -- per test cell: passed / failed counts, the most common failure message;
* ``students.csv``  -- per student and assignment: status, score, flags and notes;
* ``<id>.png``      -- the score distribution and the pass rate of every test;
* ``report.html``   -- all of it on one page, most-failed tests and flagged submissions first.
"""

from __future__ import annotations

import csv
import html
import statistics
from collections import Counter
from pathlib import Path

from .config import Settings
from .store import Store

GRADED = ("ok", "error", "timeout", "kernel_died", "repaired", "output_truncated", "tampered", "memory_limit",
          "resource_limit")
UNSANDBOXED = "graded WITHOUT the sandbox"  # the note grading.sandbox gives such submissions


def _write_csv(path: Path, rows: list[dict], columns: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def _first_line(text: str, n: int = 160) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= n else line[: n - 1] + "…"


def summarize(rows: list[dict]):
    by_aid: dict[str, list[dict]] = {}
    for r in rows:
        by_aid.setdefault(r["assignment"], []).append(r)
    summary, exercises, tests = [], [], []
    for aid, group in sorted(by_aid.items()):
        done = [r for r in group if r["status"] not in ("pending",) and r["score"] is not None]
        pct = [100.0 * r["score"] / r["max_score"] for r in done if r["max_score"]]
        statuses = Counter(r["status"] for r in group)
        summary.append({
            "assignment": aid, "students": len(group), "graded": sum(statuses[s] for s in GRADED),
            "mean_percent": f"{statistics.fmean(pct):.1f}" if pct else "",
            "median_percent": f"{statistics.median(pct):.1f}" if pct else "",
            "min_percent": f"{min(pct):.1f}" if pct else "", "max_percent": f"{max(pct):.1f}" if pct else "",
            "statuses": "; ".join(f"{k} {v}" for k, v in sorted(statuses.items())),
            "flagged": statuses.get("tampered", 0),
        })
        ran = [r for r in done if r["status"] in GRADED]  # test statistics: notebooks that ran
        per_test: dict[str, dict] = {}
        for r in ran:
            for t in r["tests"]:
                d = per_test.setdefault(t["gid"], {"assignment": aid, "exercise": t["exercise"], "test": t["gid"],
                                                   "kind": "hidden" if t["hidden"] else "visible",
                                                   "max_points": t["max_points"], "passed": 0, "failed": 0,
                                                   "_messages": Counter()})
                if t["passed"]:
                    d["passed"] += 1
                else:
                    d["failed"] += 1
                    d["_messages"][_first_line(t["message"])] += 1
        for d in per_test.values():
            n = d["passed"] + d["failed"]
            d["pass_rate"] = f"{d['passed'] / n:.2f}" if n else ""
            top = d["_messages"].most_common(1)
            d["most_common_failure"] = f"{top[0][0]} ({top[0][1]}x)" if top else ""
            tests.append(d)
        per_ex: dict[str, dict] = {}
        for r in ran:
            got: dict[str, list[float]] = {}
            for t in r["tests"]:
                got.setdefault(t["exercise"], [0.0, 0.0])
                got[t["exercise"]][0] += t["points"]
                got[t["exercise"]][1] += t["max_points"]
            for ex, (p, m) in got.items():
                e = per_ex.setdefault(ex, {"assignment": aid, "exercise": ex, "max_points": m, "_scores": []})
                e["_scores"].append(p)
        for e in per_ex.values():
            s = e["_scores"]
            e["students"] = len(s)
            e["mean_points"] = f"{statistics.fmean(s):.2f}" if s else ""
            e["full_marks_rate"] = f"{sum(1 for x in s if x >= e['max_points']) / len(s):.2f}" if s else ""
            exercises.append(e)
    return by_aid, summary, exercises, tests


def _figure(aid: str, group: list[dict], tests: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pct = [100.0 * r["score"] / r["max_score"] for r in group
           if r["status"] != "pending" and r["score"] is not None and r["max_score"]]
    mine = [t for t in tests if t["assignment"] == aid]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, max(3.5, 0.28 * len(mine) + 1.5)),
                                 gridspec_kw={"width_ratios": [1, 1.4]})
    a1.hist(pct, bins=[i * 10 for i in range(11)], color="#4477aa", edgecolor="white")
    a1.set_xlabel("score (%)")
    a1.set_ylabel("students")
    a1.set_title(f"{aid}: score distribution (n={len(pct)})")
    names = [t["test"] for t in mine]
    rates = [float(t["pass_rate"] or 0) for t in mine]
    colors = ["#cc6677" if t["kind"] == "hidden" else "#117733" for t in mine]
    a2.barh(range(len(names)), rates, color=colors)
    a2.set_yticks(range(len(names)), names, fontsize=8)
    a2.invert_yaxis()
    a2.set_xlim(0, 1)
    a2.set_xlabel("share of students passing (green: visible, red: hidden)")
    a2.set_title("pass rate per test")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _table(rows: list[dict], columns: list[str]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{e(str(r.get(c, '')))}</td>" for c in columns) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def build_report(settings: Settings, assignments=None, out: Path | None = None) -> Path:
    out = Path(out) if out else settings.root / settings.report_dir
    out.mkdir(parents=True, exist_ok=True)
    with Store(settings.db_url) as store:
        rows = store.rows(assignments)
    by_aid, summary, exercises, tests = summarize(rows)
    _write_csv(out / "summary.csv", summary, ["assignment", "students", "graded", "mean_percent", "median_percent",
                                              "min_percent", "max_percent", "flagged", "statuses"])
    _write_csv(out / "exercises.csv", exercises, ["assignment", "exercise", "max_points", "students",
                                                  "mean_points", "full_marks_rate"])
    _write_csv(out / "tests.csv", tests, ["assignment", "exercise", "test", "kind", "max_points", "passed",
                                          "failed", "pass_rate", "most_common_failure"])
    students = [{"assignment": r["assignment"], "student": r["student"], "status": r["status"],
                 "score": "" if r["score"] is None or r["status"] == "pending" else f"{r['score']:g}",
                 "max_score": "" if r["max_score"] is None else f"{r['max_score']:g}",
                 "tampering": "; ".join(r["tampering"]), "notes": " | ".join(_first_line(n, 300) for n in r["notes"]),
                 "graded_at": r["graded_at"] or ""} for r in rows]
    _write_csv(out / "students.csv", students, ["assignment", "student", "status", "score", "max_score",
                                                "tampering", "notes", "graded_at"])
    sections = []
    for aid, group in sorted(by_aid.items()):
        _figure(aid, group, tests, out / f"{aid}.png")
        worst = sorted((t for t in tests if t["assignment"] == aid and t["failed"]), key=lambda t: -t["failed"])[:10]
        sections.append(
            f"<h2>{html.escape(aid)}</h2><img src='{html.escape(aid)}.png' alt='scores of {html.escape(aid)}'>"
            f"<h3>Most-failed tests</h3>" + _table(worst, ["test", "kind", "failed", "passed", "most_common_failure"])
            + "<h3>Exercises</h3>" + _table([e for e in exercises if e["assignment"] == aid],
                                            ["exercise", "max_points", "students", "mean_points", "full_marks_rate"]))
    flagged = [s for s in students if s["status"] not in ("ok",)]
    bare = [r for r in rows if any(n.startswith(UNSANDBOXED) for n in r["notes"])]
    warning = (f"<p style='color:#b00;font-weight:bold'>WARNING: {len(bare)} submission(s) were graded without "
               f"the sandbox, with the grader's permissions (see their notes).</p>" if bare else "")
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Grading report</title>
<style>body{{font-family:sans-serif;margin:2em}} td,th{{border:1px solid #ccc;padding:3px 6px;font-size:90%}}
table{{border-collapse:collapse;margin-bottom:1em}} img{{max-width:100%}}</style></head><body>
<h1>Grading report</h1>
{warning}
<h2>Assignments</h2>{_table(summary, ["assignment", "students", "graded", "mean_percent", "median_percent",
                                     "min_percent", "max_percent", "flagged", "statuses"])}
<h2>Submissions that need a look (status other than ok)</h2>
{_table(flagged, ["assignment", "student", "status", "score", "max_score", "tampering", "notes"])}
{''.join(sections)}
<p>CSV files next to this page: summary.csv, exercises.csv, tests.csv, students.csv.</p></body></html>"""
    (out / "report.html").write_text(page, encoding="utf-8")
    return out / "report.html"
