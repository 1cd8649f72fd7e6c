"""A device id is proven by its secret: hand-over of one phone, no take-over from another, revoke and re-enable."""

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

import factories as make
from phones import Phone
from server.models import ApiToken, Device, FieldEvent
from server.services.accounts.auth import digest
from server.sync.sequence import SeqTracker


def confirmed(phone: Phone) -> Phone:
    """The phone signs in again, presenting the secret its first sign-in was given."""
    assert phone.sign_in("amy").status == 200
    return phone


def device_row(session, phone: Phone) -> Device:
    session.rollback()
    return session.scalar(sa.select(Device).where(Device.device_uid == phone.device_id))


def removals(phone: Phone, world, count: int) -> list[dict]:
    return [phone.new_event("part_removed", world.amy_job.id, part_number="PRN-RLR-KIT", condition="working")
            for _ in range(count)]


def test_the_first_sign_in_issues_a_device_secret_of_which_the_server_keeps_only_a_digest(client, session, world):
    phone = Phone(client=client)
    first = phone.sign_in("amy")
    assert first.status == 200 and len(first.json["device_secret"]) >= 40
    stored = device_row(session, phone).secret_digest
    assert stored == digest(first.json["device_secret"]) and first.json["device_secret"] not in stored
    again = phone.sign_in("amy")
    assert again.status == 200 and "device_secret" not in again.json


def test_another_phone_claiming_a_device_id_without_its_secret_gets_409_and_changes_nothing(
        amy, client, session, world):
    confirmed(amy)
    assert amy.push(removals(amy, world, 2)).status == 200
    before = device_row(session, amy)
    kept = (before.user_id, before.label, before.last_seen_at, before.secret_digest)

    intruder = Phone(client=client, device_id=amy.device_id)
    for claim in ({}, {"device_secret": "not-the-secret"}):
        r = intruder.sign_in("ben", **claim)
        assert r.status == 409, r.json
        assert "device secret" in r.json["message"] and "Nothing was changed" in r.json["message"]
        assert list(r.json["errors"]) == ["device_secret"]
    same_user_elsewhere = intruder.sign_in("amy")
    assert same_user_elsewhere.status == 409

    after = device_row(session, amy)
    assert (after.user_id, after.label, after.last_seen_at, after.secret_digest) == kept
    assert session.scalar(sa.select(sa.func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None))) == 2
    # Amy's phone carries on: her token works and her next entry is not "seq already used".
    [third] = amy.push(removals(amy, world, 1)).json["results"]
    assert (third["seq"], third["status"]) == (3, "accepted")


def test_a_phone_handed_to_another_engineer_proves_itself_with_its_secret_and_keeps_its_seqs(
        amy, session, world):
    assert amy.push(removals(amy, world, 2)).status == 200
    amys_token = amy.token
    handed_over = amy.sign_in("ben")
    assert handed_over.status == 200 and "device_secret" not in handed_over.json
    assert amy.request("GET", "/api/v1/me", token=amys_token).status == 401
    assert device_row(session, amy).user_id == world.ben.id
    ev = amy.new_event("part_removed", world.ben_job.id, part_number="PRN-RLR-KIT", condition="working")
    [result] = amy.push([ev]).json["results"]
    assert (result["seq"], result["status"]) == (3, "accepted")


def test_a_device_registered_before_secrets_gets_one_at_its_next_sign_in_by_its_own_user(amy, session, world):
    session.execute(sa.update(Device).values(secret_digest=None))
    session.commit()
    amy.device_secret = None

    assert amy.sign_in("ben").status == 409  # no hand-over until the phone has its secret
    given_one = amy.sign_in("amy")
    assert given_one.status == 200 and given_one.json["device_secret"]
    assert device_row(session, amy).secret_digest == digest(given_one.json["device_secret"])
    assert amy.sign_in("ben").status == 200  # now the hand-over works, secret in hand


def test_an_app_from_before_device_secrets_signs_in_as_before_but_cannot_hand_its_phone_over(
        client, session, world):
    old_app = Phone(client=client)
    body = {"username": "amy", "password": make.PASSWORD, "device_id": old_app.device_id}  # no device_secret field
    for _ in range(2):
        r = old_app.request("POST", "/api/v1/auth/token", json=body)
        assert r.status == 200 and "device_secret" not in r.json
    assert device_row(session, old_app).secret_digest is None
    other = old_app.request("POST", "/api/v1/auth/token", json={**body, "username": "ben"})
    assert other.status == 409 and "has not yet proven it holds its device secret" in other.json["message"]


def test_a_phone_whose_first_answer_was_lost_gets_a_new_secret_from_its_own_user_only(client, session, world):
    phone = Phone(client=client)
    lost = phone.sign_in("amy").json["device_secret"]
    phone.device_secret = None  # the answer never reached the phone

    assert phone.sign_in("ben").status == 409
    again = phone.sign_in("amy")
    assert again.status == 200 and again.json["device_secret"] != lost
    assert device_row(session, phone).secret_confirmed_at is None
    confirmed(phone)
    assert device_row(session, phone).secret_confirmed_at is not None
    phone.device_secret = None
    assert phone.sign_in("amy").status == 409  # once the phone has proven it holds it, the secret is needed


def test_a_revoked_device_reenabled_by_an_admin_sends_its_waiting_entries_with_their_own_seqs(
        amy, dana, phone_of, session, world):
    first, *waiting = removals(amy, world, 3)
    assert amy.push([first]).status == 200
    assert dana.request("POST", f"/api/v1/devices/{device_row(session, amy).id}/revoke").status == 200

    refused = amy.sign_in("amy", last_seq=3)
    assert refused.status == 403 and "re-enable" in refused.json["message"]
    assert list(refused.json["errors"]) == ["device_id"]
    [listed] = [d for d in dana.request("GET", "/api/v1/devices").json["items"] if d["device_uid"] == amy.device_id]
    assert (listed["revoked_at"] is not None, listed["reported_seq"], listed["waiting_count"]) == (True, 3, 2)

    root = phone_of("root")
    enabled = root.request("POST", f"/api/v1/devices/{listed['id']}/enable")
    assert enabled.status == 200 and enabled.json["revoked_at"] is None
    assert amy.sign_in("amy", last_seq=3).status == 200
    answer = amy.push(waiting).json
    assert [(r["seq"], r["status"]) for r in answer["results"]] == [(2, "accepted"), (3, "accepted")]
    assert answer["highest_contiguous_seq"] == 3
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(FieldEvent)) == 3


def test_a_revoked_device_without_its_secret_learns_nothing_and_reports_nothing(amy, dana, client, session, world):
    device = device_row(session, confirmed(amy))
    assert dana.request("POST", f"/api/v1/devices/{device.id}/revoke").status == 200
    r = Phone(client=client, device_id=amy.device_id).sign_in("amy", last_seq=99)
    assert r.status == 409
    assert device_row(session, amy).reported_seq is None


def test_a_dispatcher_cannot_revoke_an_admins_device_but_an_admin_can(dana, phone_of, session, world):
    root = phone_of("root")
    device_pk = device_row(session, root).id
    r = dana.request("POST", f"/api/v1/devices/{device_pk}/revoke")
    assert r.status == 403 and r.json["message"] == "Only an admin can revoke an admin's device."
    assert device_row(session, root).revoked_at is None
    assert root.request("GET", "/api/v1/me").status == 200

    other_admin = phone_of("root")
    assert other_admin.request("POST", f"/api/v1/devices/{device_pk}/revoke").status == 200
    assert root.request("GET", "/api/v1/me").status == 401


def test_a_dispatcher_cannot_reenable_a_device(amy, dana, session, world):
    device_pk = device_row(session, amy).id
    assert dana.request("POST", f"/api/v1/devices/{device_pk}/revoke").status == 200
    r = dana.request("POST", f"/api/v1/devices/{device_pk}/enable")
    assert r.status == 403 and r.json["message"]
    assert device_row(session, amy).revoked_at is not None


def test_reenabling_an_unknown_device_is_404(phone_of, world):
    assert phone_of("root").request("POST", "/api/v1/devices/999999/enable").status == 404


def test_a_sign_in_with_a_malformed_secret_or_seq_is_422(client, world):
    phone = Phone(client=client)
    for fields in ({"device_secret": "x" * 129}, {"device_secret": ""}, {"last_seq": -1}, {"last_seq": 2**63},
                   {"last_seq": "7"}):
        r = phone.sign_in("amy", **fields)
        assert r.status == 422, (fields, r.status)
        assert r.json["errors"]["json"].keys() == fields.keys()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 60), max_size=40), st.one_of(st.none(), st.integers(0, 80)))
def test_the_waiting_count_is_the_missing_seqs_and_those_reported_above_the_highest_seen(arrivals, reported):
    tracker = SeqTracker()
    for seq in arrivals:
        tracker.receive(seq)
    top = max(arrivals, default=0)
    numbered = set(range(1, max(top, reported or 0) + 1))
    assert tracker.waiting_on_device(reported) == len(numbered - set(arrivals))
