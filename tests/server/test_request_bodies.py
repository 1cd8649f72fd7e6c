"""Bodies the database cannot hold, or Python cannot parse, get 4xx on sign-in and the customer's answer."""

import json

import pytest
import sqlalchemy as sa

from server.models import Device
from test_customer_link import link  # noqa: F401  (fixture)
from test_planning import due_pickup, leave_for_courier  # noqa: F401  (fixtures)

DEEP = "[" * 1000 + "]" * 1000


def post_text(client, path: str, text: str):
    return client.post(path, data=text.encode(), content_type="application/json")


def sign_in_text(**fields) -> str:
    return json.dumps({"username": "amy", "password": "secret", "device_id": "device-1234", **fields})


@pytest.mark.parametrize(
    "text, field",
    [
        (sign_in_text(username="\ud800"), "username"),
        (sign_in_text(password="pass\x00word"), "password"),
        (sign_in_text(device_id="device-\udfff-1"), "device_id"),
        (sign_in_text(device_label="DEEP").replace('"DEEP"', DEEP), "device_label"),
        (sign_in_text(**{"\ud800": 1}), "\ud800"),
    ],
    ids=["surrogate-username", "nul-password", "surrogate-device", "deep-label", "surrogate-field-name"],
)
def test_a_sign_in_the_database_cannot_hold_is_422_naming_the_field(client, world, session, text, field):
    r = post_text(client, "/api/v1/auth/token", text)
    assert r.status_code == 422
    assert field in r.json["errors"]["json"]
    assert session.scalar(sa.select(sa.func.count()).select_from(Device)) == 0


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/customer/pickups/some-token/answer"])
def test_a_body_nested_1000_deep_is_4xx(client, world, path):
    r = post_text(client, path, DEEP)
    assert r.status_code in (400, 422) and r.json["message"]


@pytest.mark.parametrize(
    "text",
    ['{"answer": "\\ud800"}', '{"answer": "another_day", "another_day": "\\u0000"}',
     '{"answer": "another_day", "another_day": "9999-12-31"}', '{"answer": "another_day", "another_day": "0001-01-01"}',
     '{"answer": %s}' % DEEP, '{"answer": "confirmed", "another_day": 1e999}'],
    ids=["surrogate", "nul", "year-9999", "year-1", "deep", "infinity"],
)
def test_a_customer_answer_the_server_cannot_use_is_422(client, link, text):
    r = post_text(client, f"/api/v1/customer/pickups/{link}/answer", text)
    assert r.status_code == 422 and r.json["errors"]


@pytest.mark.parametrize("method, path", [
    ("POST", "/api/v1/jobs"), ("PATCH", "/api/v1/jobs/{job}"), ("POST", "/api/v1/plans"),
    ("POST", "/api/v1/facility/receive"), ("PUT", "/api/v1/returns/{line}/disposition"),
    ("POST", "/api/v1/pickups/1/move"), ("POST", "/api/v1/reviews/1/resolution"),
])
@pytest.mark.parametrize("text", [DEEP, '{"a": ' + "9" * 5000 + "}"], ids=["nested-1000-deep", "number-too-long"])
def test_every_json_endpoint_answers_an_unreadable_body_with_4xx(client, dana, world, method, path, text):
    url = path.format(job=world.amy_job.id, line="4b9c4f7e-0a51-4b3c-9d6e-111111111111")
    r = client.open(url, method=method, data=text.encode(), content_type="application/json",
                    headers={"Authorization": f"Bearer {dana.token}"})
    assert 400 <= r.status_code < 500 and r.json["message"]
