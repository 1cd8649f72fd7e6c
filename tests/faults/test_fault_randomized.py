"""The randomized fault run (tests/jepsen_run.py), small enough for CI: three phone processes, three rounds,
a fixed seed. ``python -m bench.jepsen`` runs the same harness larger.
"""

from jepsen_run import JepsenPlan, build_world, run

PLAN = JepsenPlan(devices=3, entries_per_round=20, rounds=3, seed=20261125)
EXPECTED_FAULTS = ("offline", "phone_killed", "server_killed", "cut_request", "cut_answer", "lose_answer",
                   "delay_answer", "duplicate", "late_replay")


def test_phones_syncing_through_random_faults_lose_and_duplicate_nothing_and_converge(server_process, session,
                                                                                       tmp_path):
    world = build_world(session, PLAN.devices)

    report = run(PLAN, server_process, session, world, tmp_path)

    assert report.failures == [], report.summary()
    assert all(report.faults[kind] >= 1 for kind in EXPECTED_FAULTS), report.summary()
    assert report.entries >= PLAN.devices * PLAN.rounds * PLAN.entries_per_round // 2, report.summary()
    assert report.events_on_server == report.entries
