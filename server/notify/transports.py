"""Mail transports: hand a composed message to an SMTP relay, or to a folder.

A transport either delivers or raises `TransportError`, whose `permanent` flag
tells the outbox whether trying again later can help.
"""

import os
import re
import smtplib
import ssl
import tempfile
from datetime import datetime, timezone
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from hashlib import sha256
from pathlib import Path
from typing import Protocol

DEFAULT_SMTP_TIMEOUT_S = 30.0


class TransportError(Exception):
    """A message or webhook was not delivered.

    `permanent` is True when sending the same thing again cannot succeed (an
    SMTP 5xx answer, an HTTP 4xx): the outbox should stop and show the error.
    `retry_after_s` is the wait the receiving side asked for, when it said.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        code: int | None = None,
        retry_after_s: float | None = None,
    ):
        super().__init__(message)
        self.permanent = permanent
        self.code = code
        self.retry_after_s = retry_after_s


class MailTransport(Protocol):
    def send(self, msg: EmailMessage) -> None:
        """Deliver `msg` to its recipients or raise `TransportError`."""


def _is_permanent(smtp_code: int) -> bool:
    return smtp_code >= 500


def _decode(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _describe(refusals: dict) -> str:
    return "; ".join(f"{rcpt}: {code} {_decode(text)}" for rcpt, (code, text) in refusals.items())


class SmtpTransport:
    """Sends through an SMTP relay: plain, STARTTLS (port 587) or implicit TLS (port 465)."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        ssl: bool = False,
        timeout: float = DEFAULT_SMTP_TIMEOUT_S,
    ):
        if starttls and ssl:
            raise ValueError("Choose starttls (upgrade a plain connection) or ssl (implicit TLS), not both.")
        if (username is None) != (password is None):
            raise ValueError("Give both username and password, or neither.")
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.starttls = starttls
        self.implicit_tls = ssl
        self.timeout = timeout

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def send(self, msg: EmailMessage) -> None:
        where = f"SMTP server {self.host}:{self.port}"
        try:
            with self._connect() as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username is not None:
                    smtp.login(self.username, self.password)
                refused = smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as err:
            codes = [code for code, _ in err.recipients.values()]
            raise TransportError(
                f"{where} refused every recipient ({_describe(err.recipients)}).",
                permanent=all(_is_permanent(code) for code in codes),
                code=max(codes),
            ) from err
        except smtplib.SMTPResponseException as err:
            raise TransportError(
                f"{where} answered {err.smtp_code} {_decode(err.smtp_error)}.",
                permanent=_is_permanent(err.smtp_code),
                code=err.smtp_code,
            ) from err
        except smtplib.SMTPNotSupportedError as err:
            raise TransportError(f"{where} does not support this: {err}.", permanent=True) from err
        except (smtplib.SMTPException, OSError) as err:
            # Covers refused and dropped connections, timeouts and TLS failures.
            raise TransportError(f"Could not talk to {where}: {err}.", permanent=False) from err
        if refused:
            # Delivered to the others already: a retry would send them a duplicate.
            raise TransportError(
                f"{where} accepted the message but refused some recipients ({_describe(refused)}).",
                permanent=True,
                code=max(code for code, _ in refused.values()),
            )


def _slug(message_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", message_id.strip("<> ")).strip("-.")[:100]


class FolderTransport:
    """Writes each message as `<timestamp>-<message-id>.eml` into a folder.

    The embedded default when no SMTP server is configured: every message can be
    opened with a mail client. A file appears whole or not at all.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def send(self, msg: EmailMessage) -> None:
        data = msg.as_bytes(policy=SMTP_POLICY)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        slug = _slug(msg.get("Message-ID", "")) or sha256(data).hexdigest()[:32]
        target = self.path / f"{stamp}-{slug}.eml"
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=self.path, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as tmp:
                    tmp.write(data)
                    tmp.flush()
                    os.fsync(tmp.fileno())
                os.replace(tmp_name, target)
            except BaseException:
                Path(tmp_name).unlink(missing_ok=True)
                raise
        except OSError as err:
            raise TransportError(f"Could not write {target}: {err}.", permanent=False) from err
