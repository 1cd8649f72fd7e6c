"""Who may open the console: signed-in dispatchers and admins, never engineers, tokens or customer links."""

import re

import pytest

import factories as make
from phones import Phone

PAGES = ["/console/", "/console/returns", "/console/routes", "/console/jobs", "/console/overdue", "/console/reviews",
         "/console/data", "/console/users", "/console/password", "/console/users/1/password",
         "/console/data/returns.csv", "/console/admin/", "/console/admin/catalogue/",
         "/console/admin/users/", "/console/sites/1"]


@pytest.mark.parametrize("page", PAGES)
def test_every_console_page_sends_a_stranger_to_sign_in(console, yard, page):
    r = console.get(page)
    assert r.status_code == 302 and "/console/sign-in" in r.headers["Location"]


def test_a_dispatcher_signs_in_and_lands_on_the_overview(console, yard):
    r = console.sign_in("dana")
    assert r.status_code == 302 and r.headers["Location"].endswith("/console/")
    page = console.get("/console/").get_data(as_text=True)
    assert "Dana Dispatcher" in page and "Recovery rate" in page


def test_the_servers_address_alone_leads_to_the_console(console, yard):
    stranger = console.get("/")
    assert stranger.status_code == 302 and stranger.headers["Location"] == "/console/"
    assert "/console/sign-in" in console.get("/console/").headers["Location"]
    console.sign_in("dana")
    assert "Recovery rate" in console.get("/", follow_redirects=True).get_data(as_text=True)


def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(console, yard):
    r = console.post("/console/sign-in", {"username": "dana", "password": make.PASSWORD, "next": "/console/jobs"})
    assert r.headers["Location"] == "/console/jobs"
    console.post("/console/sign-out")
    r = console.post("/console/sign-in", {"username": "dana", "password": make.PASSWORD, "next": "//evil.example/x"})
    assert r.headers["Location"].endswith("/console/")


def test_a_wrong_password_is_refused_with_a_message(console, yard):
    r = console.sign_in("dana", "not the password")
    assert r.status_code == 401 and "Wrong username or password." in r.get_data(as_text=True)
    assert console.get("/console/").status_code == 302


def test_an_engineer_cannot_sign_in_to_the_console(console, yard):
    r = console.sign_in("amy")
    assert r.status_code == 403 and "Engineers use the field app" in r.get_data(as_text=True)
    assert console.get("/console/returns").status_code == 302


def test_repeated_wrong_passwords_are_slowed_down_like_the_api_for_that_address_only(console, yard, app):
    for _ in range(app.config["LOGIN_FREE_FAILURES"]):
        assert console.sign_in("dana", "wrong").status_code == 401
    r = console.sign_in("dana")
    assert r.status_code == 429 and "Too many failed sign-ins" in r.get_data(as_text=True)
    elsewhere = console.post("/console/sign-in", {"username": "dana", "password": make.PASSWORD},
                             environ_base={"REMOTE_ADDR": "127.0.0.9"})
    assert elsewhere.status_code == 302


def test_an_api_bearer_token_does_not_open_console_pages(client, yard):
    phone = Phone(client=client)
    assert phone.sign_in("dana").status == 200
    r = client.get("/console/returns", headers={"Authorization": f"Bearer {phone.token}"})
    assert r.status_code == 302 and "/console/sign-in" in r.headers["Location"]


def test_a_form_without_its_csrf_token_is_refused(dispatcher, yard):
    r = dispatcher.post_raw("/console/users", {"username": "eve", "display_name": "Eve", "role": "engineer",
                                                       "password": "long enough password"})
    assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)
    assert "eve" not in dispatcher.get("/console/users").get_data(as_text=True)


def test_signing_in_without_a_csrf_token_is_refused(console, yard):
    r = console.post_raw("/console/sign-in", {"username": "dana", "password": make.PASSWORD})
    assert r.status_code == 400


def test_signing_out_ends_the_session(dispatcher):
    assert dispatcher.get("/console/").status_code == 200
    dispatcher.post("/console/sign-out")
    assert dispatcher.get("/console/").status_code == 302


def test_a_disabled_or_demoted_account_loses_its_session(dispatcher, yard, session):
    yard.dana.role = "engineer"
    session.commit()
    assert dispatcher.get("/console/").status_code == 302


def test_a_customer_link_opens_nothing_in_the_console(console, yard, client):
    console.get("/pickup/some-token-that-is-not-valid")
    assert console.get("/console/returns").status_code == 302


def test_console_pages_allow_only_the_apps_own_scripts(dispatcher):
    policy = dispatcher.get("/console/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert not re.search(r"https?://", policy)


def test_the_session_cookie_is_http_only_and_same_site(console, yard):
    r = console.sign_in("dana")
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_copied_session_cookie_is_refused_after_sign_out(dispatcher, client):
    copied = client.get_cookie("session").value
    dispatcher.post("/console/sign-out")
    client.set_cookie("session", copied)
    r = dispatcher.get("/console/")
    assert r.status_code == 302 and "/console/sign-in" in r.headers["Location"]


def test_signing_out_ends_the_users_sessions_in_other_browsers_too(dispatcher, other_browser, yard):
    assert other_browser.sign_in("dana").status_code == 302
    dispatcher.post("/console/sign-out")
    assert other_browser.get("/console/").status_code == 302


@pytest.mark.parametrize("target", [
    "/%09/evil.example", "/%0a/evil.example", "/%0d/evil.example", "%09//evil.example", "/\\evil.example",
    "https://evil.example/console/", "//evil.example", "///evil.example", "/console/%0d%0aSet-Cookie:x=1",
    "javascript:alert(1)", "/\x7f/evil.example",
])
def test_a_next_target_off_this_site_or_with_control_characters_leads_to_the_console(console, yard, target):
    from urllib.parse import unquote

    r = console.post(f"/console/sign-in?next={target}", {"username": "dana", "password": make.PASSWORD,
                                                         "next": unquote(target)})
    assert r.status_code == 302 and r.headers["Location"] == "/console/"


def test_a_next_path_on_this_site_with_a_query_is_kept(console, yard):
    r = console.post("/console/sign-in", {"username": "dana", "password": make.PASSWORD,
                                          "next": "/console/returns?status=with_engineer&page=2"})
    assert r.headers["Location"] == "/console/returns?status=with_engineer&page=2"


def test_the_sign_in_page_itself_survives_a_next_with_line_breaks(console, yard):
    assert console.get("/console/sign-in?next=/%0d%0a/evil.example").status_code == 200


def test_a_username_signs_in_to_the_console_in_any_case(console, yard):
    r = console.sign_in("DANA")
    assert r.status_code == 302 and r.headers["Location"].endswith("/console/")
