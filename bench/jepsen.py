"""The randomized fault run of tests/faults, larger: more phones, more rounds, more entries; prints the invariants.

    python -m bench.jepsen                                   # SQLite, 8 phones x 6 rounds x 40 entries
    python -m bench.jepsen --db postgres --devices 12 --rounds 8 --seed 7

The harness is tests/jepsen_run.py, the very one the CI test runs small: phone
processes that log and sync through links that cut, hold, lose and duplicate
requests, go offline, get SIGKILLed, while the server process is SIGKILLed and
restarted and a dispatcher moves jobs; then everything heals and the history is
checked. Everything listens on 127.0.0.1 and stops by itself; the exit status
is 1 if an invariant failed.
"""

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from bench.report import REPO, machine, machine_line, progress, write_results

sys.path.insert(0, str(REPO / "tests"))  # the harness and its helpers live with the tests

from jepsen_run import JepsenPlan, build_world, run  # noqa: E402
from live_servers import ServerProcess, server_environment  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--devices", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--entries", type=int, default=40, help="entries each phone logs per round")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--server", choices=["werkzeug", "gunicorn"], default="werkzeug")
    args = parser.parse_args(argv)

    from bench.databases import bench_app, fresh_database
    from server.extensions import db

    plan = JepsenPlan(devices=args.devices, entries_per_round=args.entries, rounds=args.rounds, seed=args.seed,
                      round_deadline_s=max(15.0, 0.5 * args.entries), replays=200)
    progress(f"Fresh {args.db} database…")
    url = fresh_database(args.db, f"jepsen_{args.db}")
    app = bench_app(url)
    folder = Path(tempfile.mkdtemp(prefix="fieldloop-jepsen-"))
    server = ServerProcess(server_environment(url, folder / "instance"), folder / "server.log", kind=args.server)
    with app.app_context():
        world = build_world(db.session, plan.devices)
        server.start()
        try:
            report = run(plan, server, db.session, world, folder, log=progress)
        finally:
            server.stop()
            db.session.remove()
            db.engine.dispose()

    print(f"\nMachine: {machine_line(machine())}")
    print(report.summary())
    verdict = "all invariants hold" if not report.failures else "FAILED: " + ", ".join(report.failures)
    markdown = (f"| {args.db} | {args.server} | {plan.devices} | {plan.rounds} | {plan.entries_per_round} "
                f"| {plan.seed} | {report.entries:,} | {report.events_on_server:,} "
                f"| {', '.join(f'{k} {v}' for k, v in sorted(report.faults.items()))} "
                f"| {report.syncs_to_converge} | {report.seconds:.0f} | {verdict} |\n")
    json_path, _ = write_results(f"jepsen-{args.db}", {
        "plan": plan.__dict__, "entries": report.entries, "events_on_server": report.events_on_server,
        "faults": dict(report.faults), "checks": report.checks, "details": report.details,
        "syncs_to_converge": report.syncs_to_converge, "seconds": report.seconds,
    }, markdown)
    if report.failures:
        print(f"\nRaw results: {json_path}; the phones' stores and the server's log are kept in {folder}")
        return 1
    shutil.rmtree(folder, ignore_errors=True)
    print(f"\nRaw results: {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
