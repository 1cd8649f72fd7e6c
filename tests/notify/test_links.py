"""Signed customer links: only the pickup they were made for, only until they expire."""

from datetime import datetime, timedelta, timezone

import pytest
from itsdangerous import URLSafeSerializer

from server.notify.links import ExpiredLink, InvalidLink, make_pickup_token, read_pickup_token

KEY = "test-secret-key"
NOW = datetime(2026, 3, 24, 16, 0, tzinfo=timezone.utc)
EXPIRES = datetime(2026, 4, 7, 23, 59, 59, tzinfo=timezone.utc)


def token_for(pickup_id=42, email="jo.bloggs@acme.example", expires_at=EXPIRES, key=KEY) -> str:
    return make_pickup_token(key, pickup_id, email, expires_at)


def test_a_token_reads_back_as_its_pickup_contact_and_expiry():
    claims = read_pickup_token(KEY, token_for(), now=NOW)

    assert claims.pickup_id == 42
    assert claims.contact_email == "jo.bloggs@acme.example"
    assert claims.expires_at == EXPIRES


def test_a_token_is_safe_to_put_in_a_url():
    token = token_for()

    assert all(c.isalnum() or c in "-_." for c in token)


def test_a_tampered_token_is_invalid():
    token = token_for(pickup_id=42)
    forged_payload = token_for(pickup_id=43).split(".")[0]
    forged = ".".join([forged_payload, token.split(".")[1]])

    with pytest.raises(InvalidLink, match="not valid"):
        read_pickup_token(KEY, forged, now=NOW)


def test_a_truncated_token_is_invalid():
    with pytest.raises(InvalidLink):
        read_pickup_token(KEY, token_for()[:-6], now=NOW)


def test_a_token_signed_with_another_key_is_invalid():
    with pytest.raises(InvalidLink):
        read_pickup_token(KEY, token_for(key="another-installation"), now=NOW)


def test_a_token_signed_for_another_purpose_is_invalid():
    other_purpose = URLSafeSerializer(KEY, salt="password-reset").dumps({"p": 42, "e": "x@y", "x": 2**40})

    with pytest.raises(InvalidLink):
        read_pickup_token(KEY, other_purpose, now=NOW)


def test_an_expired_token_says_when_it_expired_and_whose_it_was():
    with pytest.raises(ExpiredLink, match="expired on 07 April 2026") as failure:
        read_pickup_token(KEY, token_for(), now=EXPIRES + timedelta(seconds=1))

    assert failure.value.claims.pickup_id == 42


def test_a_token_is_valid_until_its_last_second():
    read_pickup_token(KEY, token_for(), now=EXPIRES - timedelta(seconds=1))


def test_a_token_for_pickup_a_cannot_open_pickup_b():
    token_for_a = token_for(pickup_id=42)

    with pytest.raises(InvalidLink, match="different pickup"):
        read_pickup_token(KEY, token_for_a, now=NOW, pickup_id=43)
    assert read_pickup_token(KEY, token_for_a, now=NOW, pickup_id="42").pickup_id == 42


def test_an_expiry_without_a_time_zone_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        token_for(expires_at=datetime(2026, 4, 7))
