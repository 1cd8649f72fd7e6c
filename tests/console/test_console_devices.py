"""Devices on the Users page: revoke after a confirmation that says what becomes of waiting entries; re-enable."""

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from phones import Phone
from server.models import Device


def signed_in_phone(client, username: str, device_id: str) -> Phone:
    phone = Phone(client=client, device_id=device_id)
    assert phone.sign_in(username).status == 200
    return phone


def device_pk(session, phone: Phone) -> int:
    session.rollback()
    return session.scalar(sa.select(Device.id).where(Device.device_uid == phone.device_id))


def test_revoke_first_shows_what_happens_to_the_entries_waiting_on_the_phone(dispatcher, client, yard, session):
    phone = signed_in_phone(client, "amy", "amys-lost-phone")
    pk = device_pk(session, phone)
    users = dispatcher.get("/console/users").get_data(as_text=True)
    assert f'href="/console/users/devices/{pk}/revoke?page=1"' in users

    page = dispatcher.get(f"/console/users/devices/{pk}/revoke").get_data(as_text=True)
    assert "Entries waiting on the phone stay on the phone" in page
    assert "If an admin re-enables the device, the phone sends them" in page
    assert phone.pull().status == 200  # showing the question revoked nothing


def test_a_revoked_device_shows_the_entries_known_to_wait_on_it_and_who_can_reenable_it(
        dispatcher, client, yard, session):
    phone = signed_in_phone(client, "amy", "amys-lost-phone")
    events = [phone.new_event("part_removed", yard.amy_job.id, part_number="PRN-FUS-220", serial=serial,
                              condition="faulty") for serial in ("AR00000001", "AR00000009")]
    assert phone.push(events[1:]).status == 200  # seq 1 never arrived
    assert dispatcher.post(f"/console/users/devices/{device_pk(session, phone)}/revoke").status_code == 303
    assert phone.sign_in("amy", last_seq=4).status == 403

    page = dispatcher.get("/console/users").get_data(as_text=True)
    assert 'data-waiting="3"' in page and "3 entries known to be waiting on the phone" in page
    assert "An admin can re-enable it." in page and "Re-enable</button>" not in page


def test_a_dispatcher_cannot_revoke_an_admins_device_in_the_console(dispatcher, client, yard, session):
    roots = signed_in_phone(client, "root", "roots-tablet")
    pk = device_pk(session, roots)
    users = dispatcher.get("/console/users").get_data(as_text=True)
    assert f"/console/users/devices/{pk}/revoke" not in users
    assert "only an admin can revoke it" in users
    for r in (dispatcher.get(f"/console/users/devices/{pk}/revoke"),
              dispatcher.post(f"/console/users/devices/{pk}/revoke")):
        assert r.status_code == 403 and "Only an admin can revoke an admin&#39;s device." in r.get_data(as_text=True)
    assert roots.request("GET", "/api/v1/me").status == 200


def test_only_an_admin_reenables_a_device_in_the_console(console, client, yard, session):
    phone = signed_in_phone(client, "amy", "amys-found-phone")
    pk = device_pk(session, phone)
    console.sign_in("dana")
    assert console.post(f"/console/users/devices/{pk}/revoke").status_code == 303
    assert console.post(f"/console/users/devices/{pk}/enable").status_code == 403
    console.post("/console/sign-out")

    console.sign_in("root")
    assert console.post_raw(f"/console/users/devices/{pk}/enable").status_code == 400  # no CSRF token
    r = console.post(f"/console/users/devices/{pk}/enable")
    assert r.status_code == 303
    assert "re-enabled" in console.get("/console/users").get_data(as_text=True)
    assert phone.sign_in("amy").status == 200 and phone.pull().status == 200


def test_device_pages_are_for_staff_only(console, client, yard, session):
    pk = device_pk(session, signed_in_phone(client, "amy", "amys-phone-1"))
    for method in (console.get, console.post):
        r = method(f"/console/users/devices/{pk}/revoke")
        assert r.status_code == 302 and "/console/sign-in" in r.headers["Location"]
    assert console.sign_in("amy").status_code == 403
    assert console.post(f"/console/users/devices/{pk}/enable").status_code == 302


def test_an_unknown_or_absurd_device_id_is_404(dispatcher, yard):
    for pk in (999_999, 2**70):
        assert dispatcher.get(f"/console/users/devices/{pk}/revoke").status_code == 404


def test_in_a_browser_a_dispatcher_confirms_a_revoke_and_an_admin_reenables_the_phone(
        live_server, laptop, yard, session, sign_in_as, shoot):
    phone = Phone(base_url=live_server.url, device_id="amys-lost-phone")
    assert phone.sign_in("amy").status == 200
    waiting = phone.new_event("part_removed", yard.amy_job.id, part_number="PRN-FUS-220", serial="AR00000001",
                              condition="faulty")

    sign_in_as(laptop, "dana")
    laptop.goto("/console/users")
    row = laptop.locator("#users tr", has_text="amys-lost-phone")
    row.get_by_role("link", name="Revoke…").click()
    question = laptop.locator("#confirm-revoke")
    expect(question).to_contain_text("Entries waiting on the phone stay on the phone")
    shoot(laptop, "revoke-device")
    laptop.get_by_role("link", name="Cancel").click()
    expect(laptop).to_have_url(re.compile(r"/console/users"))
    assert phone.pull().status == 200

    row.get_by_role("link", name="Revoke…").click()
    laptop.get_by_role("button", name="Revoke this device").click()
    expect(laptop.get_by_role("status")).to_contain_text("revoked")
    expect(row).to_contain_text("Revoked")
    assert phone.sign_in("amy", last_seq=1).status == 403
    laptop.reload()
    expect(row).to_contain_text("1 entry known to be waiting on the phone")
    shoot(laptop, "users-revoked-device")

    laptop.get_by_role("button", name="Sign out").click()
    sign_in_as(laptop, "root")
    laptop.goto("/console/users")
    row.get_by_role("button", name="Re-enable").click()
    expect(laptop.get_by_role("status")).to_contain_text("re-enabled")
    expect(row).not_to_contain_text("Revoked")
    assert phone.sign_in("amy").status == 200
    [result] = phone.push([waiting]).json["results"]
    assert (result["seq"], result["status"]) == (1, "accepted")
