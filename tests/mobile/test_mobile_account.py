"""Signing in on the phone: who may, and what a sign-in does to the entries and cache already there."""

import pytest

import factories as make
from mobile import workday
from mobile.account import EntriesOfAnotherAccount
from mobile.api_client import NotAllowed, Offline, PasswordChangeRequired, SignInRequired
from mobile_workload import log_entries
from server.models import User


def test_a_wrong_password_is_refused_with_the_servers_message(phone_at, world, live_server):
    phone = phone_at(username=None)
    with pytest.raises(SignInRequired, match="Wrong username or password"):
        phone.account.sign_in(live_server.url, "amy", "not the password")
    assert not phone.account.known


def test_a_dispatcher_cannot_sign_in_to_the_field_app(phone_at, world, live_server):
    phone = phone_at(username=None)
    with pytest.raises(NotAllowed, match="for field engineers"):
        phone.account.sign_in(live_server.url, "dana", make.PASSWORD)
    assert not phone.account.known and phone.client.token is None


def test_an_unreachable_server_is_said_so(phone_at, world):
    phone = phone_at(username=None)
    with pytest.raises(Offline):
        phone.account.sign_in("http://127.0.0.1:9", "amy", make.PASSWORD)


def test_the_device_id_is_the_one_sent_at_sign_in(phone_at, world, session):
    from server.models import Device

    phone = phone_at()
    session.rollback()
    assert session.query(Device).filter_by(device_uid=phone.store.device_id).one().label == "test phone"


def test_another_engineer_cannot_sign_in_while_entries_are_waiting(amy, world, live_server):
    log_entries(amy.store, world.amy_job.id, 1)
    with pytest.raises(EntriesOfAnotherAccount, match="Entries logged by amy"):
        amy.account.sign_in(live_server.url, "ben", make.PASSWORD)
    assert amy.account.username == "amy" and amy.store.waiting_count() == 1


def test_another_engineer_signing_in_gets_their_own_cache_and_the_next_seq(amy, world, live_server):
    [last] = log_entries(amy.store, world.amy_job.id, 1)
    amy.engine.sync_once()

    amy.account.sign_in(live_server.url, "ben", make.PASSWORD)
    amy.engine.sync_once()

    assert [card.id for card in workday.jobs(amy.store)] == [world.ben_job.id]
    [bens_first] = log_entries(amy.store, world.ben_job.id, 1, username="ben", first_serial=50_000_000)
    assert bens_first.seq == last.seq + 1


def test_a_username_typed_with_a_capital_signs_in_as_the_stored_one(phone_at, world, live_server):
    phone = phone_at(username=None)
    phone.account.sign_in(live_server.url, "Amy", make.PASSWORD)
    assert phone.account.username == "amy"


def test_a_capitalised_username_is_the_same_engineer_as_the_entries_waiting(amy, world, live_server):
    log_entries(amy.store, world.amy_job.id, 1)
    amy.account.sign_in(live_server.url, "AMY", make.PASSWORD)
    assert amy.account.username == "amy" and amy.store.waiting_count() == 1


def test_after_a_reset_the_phone_asks_for_a_new_password_and_then_sends_what_waited(amy, world, live_server, app):
    from server.extensions import db
    from server.services.accounts import password_changes

    log_entries(amy.store, world.amy_job.id, 2)
    with app.app_context():
        password_changes.reset_password(db.session, app.extensions["fieldloop.passwords"], user_id=world.amy.id,
                                        new_password="temporary password 1", reset_by=db.session.get(User, world.dana.id))

    status = amy.engine.sync_once()
    assert status.state == "needs_password" and amy.store.waiting_count() == 2
    with pytest.raises(PasswordChangeRequired, match="Your password was reset"):
        amy.account.sign_in(live_server.url, "amy", "temporary password 1")
    amy.account.change_password(live_server.url, "amy", "temporary password 1", "my own new password")

    assert amy.engine.sync_once().state == "idle"
    assert amy.store.waiting_count() == 0
    with pytest.raises(SignInRequired):
        amy.account.sign_in(live_server.url, "amy", "temporary password 1")
