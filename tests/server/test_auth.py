"""Sign-in: tokens per device, usernames in any case, expiry, revocation, password changes and hashing."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
import sqlalchemy.exc

import factories as make
from phones import Phone
from server.models import ApiToken, User


def test_sign_in_returns_a_bearer_token_and_the_user(client, world):
    r = Phone(client=client).sign_in("amy")
    assert r.status == 200
    assert r.json["token_type"] == "Bearer" and r.json["expires_in"] > 0 and len(r.json["access_token"]) > 30
    assert r.json["user"]["username"] == "amy" and r.json["user"]["role"] == "engineer"


def test_me_answers_who_is_signed_in(amy):
    r = amy.request("GET", "/api/v1/me")
    assert (r.status, r.json["username"]) == (200, "amy")


def test_wrong_password_is_401_with_a_message(client, world):
    r = Phone(client=client).sign_in("amy", "wrong password")
    assert r.status == 401
    assert r.json["message"] == "Wrong username or password."


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, world):
    r = Phone(client=client).sign_in("nobody", "whatever1234")
    assert (r.status, r.json["message"]) == (401, "Wrong username or password.")


def test_passwords_are_stored_as_argon2id_hashes(session, world):
    stored = session.scalar(sa.select(User.password_hash).where(User.username == "amy"))
    assert stored.startswith("$argon2id$")
    assert make.PASSWORD not in stored


def test_missing_or_malformed_authorization_is_401(client, world):
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and r.json["message"] == "This token is not valid; sign in again."


def test_expired_token_is_401(amy, session):
    session.execute(sa.update(ApiToken).values(expires_at=make.now() - timedelta(seconds=1)))
    session.commit()
    r = amy.request("GET", "/api/v1/me")
    assert (r.status, r.json["message"]) == (401, "This token has expired; sign in again.")


def test_revoked_device_loses_its_tokens_and_cannot_sign_in_again(amy, dana, session, world):
    device_pk = session.scalar(sa.select(ApiToken.device_id))
    r = dana.request("POST", f"/api/v1/devices/{device_pk}/revoke")
    assert r.status == 200 and r.json["revoked_at"]
    assert amy.request("GET", "/api/v1/me").status == 401
    again = amy.sign_in("amy")
    assert again.status == 403
    assert "revoked" in again.json["message"]


def test_a_phone_handed_to_another_engineer_ends_the_first_engineers_tokens(client, world):
    phone = Phone(client=client, device_id="shared-phone-1")
    phone.sign_in("amy")
    amy_token = phone.token
    phone.sign_in("ben")
    assert phone.request("GET", "/api/v1/me", token=amy_token).status == 401
    assert phone.request("GET", "/api/v1/me").json["username"] == "ben"


def test_disabled_account_cannot_sign_in(client, session, world):
    world.amy.active = False
    session.commit()
    assert Phone(client=client).sign_in("amy").status == 401


def test_a_username_signs_in_in_any_case_and_the_answer_spells_it_as_stored(client, world):
    r = Phone(client=client).sign_in("Amy")
    assert r.status == 200 and r.json["user"]["username"] == "amy"


def test_two_usernames_differing_only_in_case_cannot_both_exist(session, world):
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        make.user(session, "AMY")
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 4


def change_password(client, username="amy", password=make.PASSWORD, new_password="a brand new password"):
    return client.post("/api/v1/auth/password",
                       json={"username": username, "password": password, "new_password": new_password})


def test_a_password_change_revokes_every_token_of_the_user_and_keeps_others(client, world):
    first, second, bens = Phone(client=client), Phone(client=client), Phone(client=client)
    first.sign_in("amy"), second.sign_in("amy"), bens.sign_in("ben")
    assert change_password(client).status_code == 204
    assert first.request("GET", "/api/v1/me").status == 401
    assert second.request("GET", "/api/v1/me").status == 401
    assert bens.request("GET", "/api/v1/me").status == 200
    assert first.sign_in("amy").status == 401
    assert first.sign_in("amy", "a brand new password").status == 200


def test_a_password_change_with_a_wrong_current_password_changes_nothing(client, world, session):
    phone = Phone(client=client)
    phone.sign_in("amy")
    before = world.amy.password_hash
    r = change_password(client, password="not the password")
    assert (r.status_code, r.json["message"]) == (401, "Wrong username or password.")
    session.rollback()
    assert world.amy.password_hash == before and phone.request("GET", "/api/v1/me").status == 200


def test_a_new_password_too_short_is_a_field_error(client, world):
    r = change_password(client, new_password="short")
    assert r.status_code == 422 and "at least 10 characters" in r.json["errors"]["new_password"][0]


def test_password_changes_are_throttled_like_sign_in(client, world):
    for _ in range(3):
        assert change_password(client, password="wrong guess").status_code == 401
    r = change_password(client)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
