"""Consolidation: courier kilometres saved against one trip per line, and how long lines wait, by window.

For each consolidation window (``[consolidation] window_days`` in a temporary
copy of server/logistics/rules.toml, passed as RULES_PATH), a fresh SQLite
database gets the demo data and the same simulated weekdays with the same seed
(server/demo/simulation.py: engineers push through the real sync API, the
engine decides, the planner plans each evening, couriers collect). The
baseline, from the same runs, is the naive plan: one courier trip per line,
from the nearest depot and back. The plot, km saved (%) against the average
days a line waits at the site before collection, goes to
docs/consolidation-window.png.

    python -m bench.consolidation [--windows 0,1,2,3,5,8] [--days 20] [--seed 7] [--planner-seconds 1]
    python -m bench.consolidation --replot bench/results/consolidation-….json   # redraw only
"""

import argparse
import json
import re
import time
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from bench.databases import bench_app, fresh_database  # noqa: E402
from bench.report import REPO, RESULTS_DIR, machine, machine_line, progress, write_results  # noqa: E402
from server.demo import seed as demo  # noqa: E402
from server.demo.simulation import simulate  # noqa: E402
from server.extensions import db  # noqa: E402
from server.logistics.policy import DEFAULT_RULES_PATH  # noqa: E402
from server.services.accounts.passwords import Passwords  # noqa: E402

PLOT_PATH = REPO / "docs" / "consolidation-window.png"
#: The demo data is seeded on this Friday and the simulation starts the Monday after, so every run is the same
#: (20 weekdays from it end before today: a simulation never runs into the future).
SEED_DAY, FIRST_DAY = date(2026, 10, 30), date(2026, 11, 2)


def rules_with_window(window_days: int) -> str:
    """A copy of the default rules with the consolidation window set; its path."""
    text = DEFAULT_RULES_PATH.read_text()
    text, replaced = re.subn(r"(?m)^window_days\s*=\s*\d+", f"window_days = {window_days}", text)
    if replaced != 1:
        raise SystemExit(f"Expected one window_days in {DEFAULT_RULES_PATH}, found {replaced}.")
    path = RESULTS_DIR / "rules" / f"rules-window-{window_days}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def run_window(window_days: int, days: int, seed: int, planner_seconds: float) -> dict:
    url = fresh_database("sqlite", f"consolidation_w{window_days}")
    app = bench_app(url, RULES_PATH=rules_with_window(window_days), MAIL_FOLDER=str(RESULTS_DIR / "mail"))
    if app.extensions["fieldloop.policy"].consolidation.window_days != window_days:
        raise SystemExit("The rules file was not taken.")
    with app.app_context():
        demo.seed(db.session, Passwords(1024, 1), SEED_DAY)
        db.session.remove()
    started = time.perf_counter()
    result = simulate(app, days, seed, start=FIRST_DAY, planner_seconds=planner_seconds)
    with app.app_context():
        db.engine.dispose()
    saved = 1 - result.courier_km_planned / result.courier_km_naive if result.courier_km_naive else 0.0
    return {
        "window_days": window_days, "courier_km_planned": round(result.courier_km_planned, 1),
        "courier_km_naive": round(result.courier_km_naive, 1), "km_ratio": result.courier_km_planned / result.courier_km_naive
        if result.courier_km_naive else None, "km_saved_pct": 100 * saved, "lines_collected": len(result.line_wait_days),
        "average_wait_days": result.average_wait_days, "pickups_collected": result.pickups_collected,
        "events_accepted": result.events_accepted, "seconds": time.perf_counter() - started,
    }


def plot(rows: list[dict], days: int, seed: int) -> None:
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    xs = [r["average_wait_days"] for r in rows]
    ys = [r["km_saved_pct"] for r in rows]
    ax.plot(xs, ys, color="#1f6f8b", alpha=0.4, linewidth=1)
    ax.scatter(xs, ys, color="#1f6f8b", zorder=3)
    # One label per point; windows that gave the same result share it.
    labels: dict[tuple[float, float], list[int]] = {}
    for r, x, y in zip(rows, xs, ys):
        labels.setdefault((round(x, 3), round(y, 3)), []).append(r["window_days"])
    for n, ((x, y), windows) in enumerate(sorted(labels.items())):
        text = "window " + ", ".join(str(w) for w in windows) + " d"
        ax.annotate(text, (x, y), textcoords="offset points", xytext=(0, 9 if n % 2 else -15), ha="center",
                    fontsize=8)
    ax.set_xlabel("average days a line waits at the site before collection")
    ax.set_ylabel("courier km saved vs one trip per line (%)")
    ax.set_title(f"Consolidation window: km saved against waiting\n(demo data, {days} weekdays, seed {seed})",
                 fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.margins(x=0.1)
    ax.set_ylim(bottom=min(0, min(ys) - 5), top=max(100, max(ys) + 5) if max(ys) > 90 else max(ys) + 10)
    fig.tight_layout()
    fig.savefig(PLOT_PATH)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--windows", default="0,1,2,3,5,8", help="window_days values to run")
    parser.add_argument("--days", type=int, default=20, help="simulated weekdays per run")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--planner-seconds", type=float, default=1.0, help="route search time per planned day")
    parser.add_argument("--replot", metavar="RESULTS_JSON", help="only redraw the plot from a previous run's results")
    args = parser.parse_args(argv)

    if args.replot:
        saved = json.loads(Path(args.replot).read_text())
        plot(saved["rows"], saved["days"], saved["seed"])
        print(f"Plot: {PLOT_PATH}")
        return 0
    rows = []
    for window in [int(w) for w in args.windows.split(",")]:
        progress(f"window_days = {window}: {args.days} weekdays from {FIRST_DAY}, seed {args.seed}…")
        row = run_window(window, args.days, args.seed, args.planner_seconds)
        rows.append(row)
        progress(f"  {row['courier_km_planned']:,.0f} km planned vs {row['courier_km_naive']:,.0f} km one trip per "
                 f"line ({row['km_saved_pct']:.0f}% saved); lines wait {row['average_wait_days']:.2f} days on "
                 f"average; {row['seconds']:.0f} s")
    plot(rows, args.days, args.seed)
    markdown = "".join(
        f"| {r['window_days']} | {r['courier_km_planned']:,.0f} | {r['courier_km_naive']:,.0f} | **{r['km_ratio']:.2f}** "
        f"| {r['km_saved_pct']:.0f}% | {r['average_wait_days']:.2f} | {r['lines_collected']} | {r['pickups_collected']} |\n"
        for r in rows)
    json_path, _ = write_results("consolidation", {"days": args.days, "seed": args.seed,
                                                   "planner_seconds": args.planner_seconds,
                                                   "first_day": FIRST_DAY, "rows": rows}, markdown)
    print(f"\nMachine: {machine_line(machine())}")
    print("| window_days | courier km planned | km one trip per line | ratio | saved | avg wait (days) "
          "| lines collected | pickups |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(markdown, end="")
    print(f"\nPlot: {PLOT_PATH}\nRaw results: {json_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
