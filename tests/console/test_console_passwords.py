"""Passwords: a dispatcher resets an engineer's, an admin anyone's; the next sign-in chooses a new one;
any new password signs out the user's phones and console sessions."""

import re

import pytest
import sqlalchemy as sa

import factories as make
from phones import Phone
from server.models import ApiToken, User

TEMPORARY = "temporary password 1"
NEW = "my very own password"


def reset(console, user, password: str = TEMPORARY):
    return console.post(f"/console/users/{user.id}/password", {"new_password": password})


def test_a_dispatcher_resets_an_engineers_password_and_the_phone_must_choose_a_new_one(dispatcher, client, yard,
                                                                                        session):
    phone = Phone(client=client)
    assert phone.sign_in("amy").status == 200
    assert reset(dispatcher, yard.amy).status_code == 303
    session.rollback()
    assert phone.request("GET", "/api/v1/me").status == 401
    assert phone.sign_in("amy").status == 401
    refused = phone.sign_in("amy", TEMPORARY)
    assert refused.status == 403 and "new_password" in refused.json["errors"]
    r = client.post("/api/v1/auth/password", json={"username": "amy", "password": TEMPORARY, "new_password": NEW})
    assert r.status_code == 204
    assert phone.sign_in("amy", NEW).status == 200


@pytest.mark.parametrize("target", ["dana", "root"])
def test_a_dispatcher_cannot_reset_a_dispatchers_or_an_admins_password(dispatcher, yard, session, target):
    user = getattr(yard, target)
    before = user.password_hash
    assert dispatcher.get(f"/console/users/{user.id}/password").status_code == 403
    assert reset(dispatcher, user).status_code == 403
    session.expire_all()
    assert (user.password_hash, user.must_change_password) == (before, False)


def test_the_users_page_offers_a_reset_only_where_it_is_allowed(dispatcher, yard):
    page = dispatcher.get("/console/users").get_data(as_text=True)
    links = set(re.findall(r"/console/users/(\d+)/password", page))
    assert links == {str(yard.amy.id), str(yard.ben.id)}


def test_an_admin_resets_a_dispatchers_password_and_her_sessions_end(admin, other_browser, yard):
    dana = other_browser
    assert dana.sign_in("dana").status_code == 302
    assert reset(admin, yard.dana).status_code == 303
    assert dana.get("/console/").status_code == 302
    assert dana.sign_in("dana").status_code == 401


def test_nobody_resets_their_own_password(admin, yard):
    assert reset(admin, yard.root).status_code == 403


def test_a_temporary_password_too_short_is_shown_under_its_field(dispatcher, yard, session):
    r = reset(dispatcher, yard.amy, "short")
    assert r.status_code == 422 and "at least 10 characters" in r.get_data(as_text=True)
    session.expire_all()
    assert not yard.amy.must_change_password


def test_after_a_reset_the_console_opens_only_the_password_change_page(admin, other_browser, yard):
    reset(admin, yard.dana)
    dana = other_browser
    r = dana.sign_in("dana", TEMPORARY)
    assert r.status_code == 302 and r.headers["Location"].endswith("/console/password")
    for page in ("/console/", "/console/returns", "/console/users"):
        assert dana.get(page).headers["Location"].endswith("/console/password")
    assert "/console/sign-in" in dana.get("/console/admin/catalogue/").headers["Location"]
    assert "Your password was reset" in dana.get("/console/password").get_data(as_text=True)


def test_choosing_a_new_password_opens_the_console_and_ends_the_old_one(admin, other_browser, yard):
    reset(admin, yard.dana)
    dana = other_browser
    dana.sign_in("dana", TEMPORARY)
    r = dana.post("/console/password", {"current_password": TEMPORARY, "new_password": NEW, "new_password_again": NEW})
    assert r.status_code == 303 and r.headers["Location"].endswith("/console/")
    assert "Recovery rate" in dana.get("/console/").get_data(as_text=True)
    dana.post("/console/sign-out")
    assert dana.sign_in("dana", TEMPORARY).status_code == 401
    assert dana.sign_in("dana", NEW).status_code == 302


@pytest.mark.parametrize("fields, message", [
    ({"current_password": "not it at all", "new_password": NEW, "new_password_again": NEW},
     "This is not your current password."),
    ({"current_password": make.PASSWORD, "new_password": NEW, "new_password_again": NEW + "x"},
     "The two new passwords differ."),
    ({"current_password": make.PASSWORD, "new_password": "short", "new_password_again": "short"},
     "at least 10 characters"),
    ({"current_password": make.PASSWORD, "new_password": make.PASSWORD, "new_password_again": make.PASSWORD},
     "other than the one you have now"),
])
def test_a_password_change_that_cannot_be_done_says_why_under_the_field(dispatcher, yard, session, fields, message):
    r = dispatcher.post("/console/password", fields)
    assert r.status_code == 422 and message in r.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(sa.select(User.session_generation).where(User.id == yard.dana.id)) == 0


def test_a_dispatcher_changing_her_password_signs_out_her_phone_tokens(dispatcher, client, yard, session):
    phone = Phone(client=client)
    phone.sign_in("dana")
    r = dispatcher.post("/console/password", {"current_password": make.PASSWORD, "new_password": NEW,
                                              "new_password_again": NEW})
    assert r.status_code == 303
    session.rollback()
    assert phone.request("GET", "/api/v1/me").status == 401
    assert session.scalar(sa.select(sa.func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None))) == 0


def test_a_reset_engineer_appears_as_such_on_the_users_page(dispatcher, yard):
    reset(dispatcher, yard.amy)
    assert "must change password" in dispatcher.get("/console/users").get_data(as_text=True)


def test_a_username_taken_in_another_case_is_refused_under_its_field(dispatcher, yard, session):
    r = dispatcher.post("/console/users", {"username": "AMY", "display_name": "Another Amy", "role": "engineer",
                                           "password": "a long enough password"})
    assert r.status_code == 422 and "A user named &#39;amy&#39; already exists." in r.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(User).where(User.display_name == "Another Amy")) == 0


def test_in_a_browser_an_admin_resets_a_dispatchers_password_and_she_chooses_a_new_one(
        laptop, phone_screen, yard, sign_in_as, shoot):
    sign_in_as(phone_screen, "dana")
    sign_in_as(laptop, "root")
    laptop.goto("/console/users")
    laptop.locator("#users tr", has_text="Dana Dispatcher").get_by_role("link", name="Reset password").click()
    laptop.get_by_label("Temporary password").fill(TEMPORARY)
    shoot(laptop, "reset-password")
    laptop.get_by_role("button", name="Reset password").click()
    assert "password is reset" in laptop.locator(".flash").inner_text()

    phone_screen.reload()
    assert "/console/sign-in" in phone_screen.url
    phone_screen.get_by_label("Username").fill("Dana")
    phone_screen.get_by_label("Password").fill(TEMPORARY)
    phone_screen.get_by_role("button", name="Sign in").click()
    phone_screen.wait_for_url(re.compile(r"/console/password$"))
    assert "Your password was reset" in phone_screen.content()
    phone_screen.get_by_label("Current password").fill(TEMPORARY)
    phone_screen.get_by_label("New password", exact=True).fill(NEW)
    phone_screen.get_by_label("New password again").fill(NEW)
    shoot(phone_screen, "change-password-phone")
    phone_screen.get_by_role("button", name="Change password").click()
    phone_screen.wait_for_url(re.compile(r"/console/$"))
    assert "Your password is changed" in phone_screen.locator(".flash").inner_text()
