"""Mail transports against a real SMTP server on loopback, and a real folder."""

import os
from datetime import timezone
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from icalendar import Calendar

from server.notify.messages import pickup_scheduled
from server.notify.transports import FolderTransport, SmtpTransport, TransportError


def received_message(envelope):
    return message_from_bytes(envelope.original_content, policy=default_policy)


def ics_from(msg) -> Calendar:
    (part,) = [p for p in msg.iter_attachments() if p.get_filename().endswith(".ics")]
    return Calendar.from_ical(part.get_content())


@pytest.fixture
def pickup_email(make_notice, sender):
    return pickup_scheduled(make_notice(), sender, idempotency_key="pickup:42:scheduled")


def test_smtp_server_receives_the_pickup_email_with_its_invitation(smtp_server, pickup_email, make_notice):
    SmtpTransport(smtp_server.host, smtp_server.port, timeout=5).send(pickup_email)

    (envelope,) = smtp_server.handler.received
    assert envelope.mail_from == "pickups@fieldloop.example"
    assert envelope.rcpt_tos == ["jo.bloggs@acme.example"]
    msg = received_message(envelope)
    assert msg["Message-ID"] == pickup_email["Message-ID"]
    event = ics_from(msg).events[0]
    notice = make_notice()
    assert event.uid == "pickup-PU-2026-0042@fieldloop.example"
    assert event.start.astimezone(timezone.utc) == notice.window_start
    assert event.end.astimezone(timezone.utc) == notice.window_end


# The test server takes AUTH without TLS: fine on loopback, and aiosmtpd says so.
plain_auth_on_loopback = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@plain_auth_on_loopback
def test_smtp_login_with_the_configured_credentials(smtp_server_with_login, pickup_email):
    server = smtp_server_with_login

    SmtpTransport(server.host, server.port, username="pickups", password="s3cret", timeout=5).send(pickup_email)

    assert len(server.handler.received) == 1


@plain_auth_on_loopback
def test_rejected_credentials_are_a_permanent_failure(smtp_server_with_login, pickup_email):
    server = smtp_server_with_login
    transport = SmtpTransport(server.host, server.port, username="pickups", password="wrong", timeout=5)

    with pytest.raises(TransportError) as failure:
        transport.send(pickup_email)

    assert failure.value.permanent is True
    assert failure.value.code == 535


def test_a_451_answer_is_a_temporary_failure_and_the_retry_succeeds(smtp_server, pickup_email):
    smtp_server.handler.data_replies.append("451 4.3.0 Try again later")
    transport = SmtpTransport(smtp_server.host, smtp_server.port, timeout=5)

    with pytest.raises(TransportError) as failure:
        transport.send(pickup_email)
    transport.send(pickup_email)

    assert failure.value.permanent is False
    assert failure.value.code == 451
    assert "451" in str(failure.value)
    assert len(smtp_server.handler.received) == 1


def test_a_550_answer_is_a_permanent_failure(smtp_server, pickup_email):
    smtp_server.handler.data_replies.append("550 5.7.1 Message rejected as spam")

    with pytest.raises(TransportError) as failure:
        SmtpTransport(smtp_server.host, smtp_server.port, timeout=5).send(pickup_email)

    assert failure.value.permanent is True
    assert failure.value.code == 550


def test_an_unknown_recipient_is_a_permanent_failure(smtp_server, pickup_email):
    smtp_server.handler.refused_recipients["jo.bloggs@acme.example"] = "550 5.1.1 No such user"

    with pytest.raises(TransportError) as failure:
        SmtpTransport(smtp_server.host, smtp_server.port, timeout=5).send(pickup_email)

    assert failure.value.permanent is True
    assert "jo.bloggs@acme.example" in str(failure.value)


def test_a_recipient_deferred_with_4xx_is_a_temporary_failure(smtp_server, pickup_email):
    smtp_server.handler.refused_recipients["jo.bloggs@acme.example"] = "450 4.2.1 Mailbox busy"

    with pytest.raises(TransportError) as failure:
        SmtpTransport(smtp_server.host, smtp_server.port, timeout=5).send(pickup_email)

    assert failure.value.permanent is False


def test_one_refused_recipient_among_several_is_reported_without_a_retry(smtp_server, pickup_email):
    del pickup_email["To"]
    pickup_email["To"] = "jo.bloggs@acme.example, gone@acme.example"
    smtp_server.handler.refused_recipients["gone@acme.example"] = "550 5.1.1 No such user"

    with pytest.raises(TransportError) as failure:
        SmtpTransport(smtp_server.host, smtp_server.port, timeout=5).send(pickup_email)

    assert failure.value.permanent is True
    assert "gone@acme.example" in str(failure.value)
    assert smtp_server.handler.received[0].rcpt_tos == ["jo.bloggs@acme.example"]


def test_a_closed_port_is_a_temporary_failure(closed_port, pickup_email):
    with pytest.raises(TransportError) as failure:
        SmtpTransport("127.0.0.1", closed_port, timeout=2).send(pickup_email)

    assert failure.value.permanent is False


def test_starttls_and_implicit_tls_together_are_refused():
    with pytest.raises(ValueError, match="not both"):
        SmtpTransport("127.0.0.1", 465, starttls=True, ssl=True)


def test_folder_transport_writes_a_parseable_eml_named_after_the_message(tmp_path, pickup_email):
    outbox = tmp_path / "mail"

    FolderTransport(outbox).send(pickup_email)

    (written,) = outbox.iterdir()
    assert written.suffix == ".eml"
    slug = pickup_email["Message-ID"].strip("<>").replace("@", "-")
    assert written.name.endswith(f"-{slug}.eml")
    msg = message_from_bytes(written.read_bytes(), policy=default_policy)
    assert msg["Message-ID"] == pickup_email["Message-ID"]
    assert msg["To"] == "jo.bloggs@acme.example"
    assert ics_from(msg).events[0].uid == "pickup-PU-2026-0042@fieldloop.example"


def test_folder_transport_keeps_every_send_and_leaves_no_temporary_files(tmp_path, pickup_email):
    transport = FolderTransport(tmp_path)

    transport.send(pickup_email)
    transport.send(pickup_email)

    names = sorted(os.listdir(tmp_path))
    assert len(names) == 2
    assert all(name.endswith(".eml") for name in names)
    assert names[0] != names[1]


def test_folder_transport_that_cannot_write_fails_temporarily(tmp_path, pickup_email):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")

    with pytest.raises(TransportError) as failure:
        FolderTransport(blocker).send(pickup_email)

    assert failure.value.permanent is False
