"""Sign-in throttling: per (case-folded username, address), growing delays, shared by every app process."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa

import factories as make
from app_settings import TEST_CONFIG
from server import create_app
from server.extensions import db
from server.models import LoginFailure

DEVICE = "device-throttle-1"
ELSEWHERE = "127.0.0.9"


def sign_in_from(client, address: str, username: str, password: str = make.PASSWORD):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password, "device_id": DEVICE},
                       environ_base={"REMOTE_ADDR": address})


def fail_until_throttled(client, address: str, username: str) -> int:
    """Wrong passwords from `address` until the pair is made to wait; the number of failures counted."""
    for failures in range(20):
        r = sign_in_from(client, address, username, "wrong password")
        if r.status_code == 429:
            return failures
        assert r.status_code == 401
    pytest.fail("never throttled")


def wait_out_the_delay(session) -> None:
    """Move every failure back in time by more than the longest delay the test reaches."""
    for failure in session.scalars(sa.select(LoginFailure)):
        failure.at -= timedelta(minutes=20)
    session.commit()


def test_after_a_few_failures_the_pair_waits_even_with_the_right_password(client, world):
    assert fail_until_throttled(client, "127.0.0.2", "dana") == 3
    r = sign_in_from(client, "127.0.0.2", "dana")
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1
    assert "Too many failed sign-ins" in r.json["message"]


def test_guesses_from_elsewhere_never_lock_out_the_user(client, world):
    for address in ("127.0.0.2", "127.0.0.3", "127.0.0.4"):
        assert fail_until_throttled(client, address, "dana") == 3
    assert sign_in_from(client, ELSEWHERE, "dana").status_code == 200


def test_many_failures_from_one_address_do_not_lock_out_the_others_behind_it(client, world, session):
    for username in ("amy", "ben", "root", "nobody1", "nobody2", "nobody3", "nobody4"):
        for _ in range(3):
            assert sign_in_from(client, "127.0.0.2", username, "wrong password").status_code == 401
    assert session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) >= 20
    assert sign_in_from(client, "127.0.0.2", "dana").status_code == 200


def test_each_further_failure_doubles_the_wait(client, world, session):
    waits = []
    for _ in range(4):
        fail_until_throttled(client, "127.0.0.2", "amy")
        waits.append(int(sign_in_from(client, "127.0.0.2", "amy").headers["Retry-After"]))
        wait_out_the_delay(session)
    assert waits == [1, 2, 4, 8]


def test_once_the_wait_is_over_the_right_password_signs_in_and_clears_the_count(client, world, session):
    fail_until_throttled(client, "127.0.0.2", "amy")
    wait_out_the_delay(session)
    assert sign_in_from(client, "127.0.0.2", "amy").status_code == 200
    assert session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 0
    assert fail_until_throttled(client, "127.0.0.2", "amy") == 3


def test_a_username_in_another_case_is_the_same_user_for_the_throttle(client, world):
    for username in ("AMY", "Amy", "amy"):
        assert sign_in_from(client, "127.0.0.2", username, "wrong password").status_code == 401
    assert sign_in_from(client, "127.0.0.2", "aMy").status_code == 429


def test_the_count_is_shared_by_every_app_process_on_the_database(client, world, database_url, tmp_path):
    fail_until_throttled(client, "127.0.0.2", "amy")
    other_process = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                                "MAIL_FOLDER": str(tmp_path / "mail2")})
    try:
        assert sign_in_from(other_process.test_client(), "127.0.0.2", "amy").status_code == 429
        assert sign_in_from(other_process.test_client(), ELSEWHERE, "amy").status_code == 200
    finally:
        with other_process.app_context():
            db.engine.dispose()



def test_guesses_sent_all_at_once_are_counted_one_after_the_other(live_server, world):
    def guess(_):
        return requests.post(f"{live_server.url}/api/v1/auth/token", timeout=60,
                             json={"username": "amy", "password": "wrong password", "device_id": DEVICE}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(guess, range(8)))
    assert sorted(answers) == [401, 401, 401] + [429] * 5
