"""Who is signed in on this phone: server, user and token kept in the store; the password only in memory.

The token outlives a restart of the app, so an engineer can work offline all
day without signing in again. The password is kept in memory only, to renew a
token that expires during the day without asking; after a restart an expired
token means asking for the password (the entries waiting are not touched).
The device secret the server issues at the phone's first sign-in is kept in the
store beside the outbox and sent at every sign-in, whoever signs in.
"""

import threading

from common.enums import Role
from mobile.api_client import ApiClient, DeviceRevoked, NotAllowed, SignInRequired
from mobile.store import Store


class EntriesOfAnotherAccount(Exception):
    """Signing in as someone else, or to another server, while entries are waiting to be sent."""


class EntriesWaiting(Exception):
    """Signing out while entries are waiting to be sent."""


class Account:
    def __init__(self, store: Store, client: ApiClient, device_label: str | None = None):
        self.store = store
        self.client = client
        self.device_label = device_label
        self._password: str | None = None
        self._lock = threading.Lock()
        client.token = store.setting("token")
        if self.server_url:
            client.base_url = self.server_url

    @property
    def username(self) -> str | None:
        return self.store.setting("username")

    @property
    def display_name(self) -> str:
        return self.store.setting("display_name") or self.username or ""

    @property
    def server_url(self) -> str | None:
        return self.store.setting("server_url")

    @property
    def known(self) -> bool:
        """Someone has signed in on this phone: their entries can be logged offline."""
        return self.username is not None

    @property
    def has_password(self) -> bool:
        return self._password is not None

    def sign_in(self, server_url: str, username: str, password: str) -> None:
        """Sign in on the server; raises an ApiError subclass, or EntriesOfAnotherAccount."""
        server_url = server_url.strip().rstrip("/")
        username = username.strip()
        waiting_for = self.store.waiting_usernames()
        if waiting_for and (waiting_for != {username} or (self.server_url and server_url != self.server_url)):
            who = ", ".join(sorted(waiting_for))
            raise EntriesOfAnotherAccount(
                f"Entries logged by {who} are waiting to be sent to {self.server_url}. "
                f"Sign in there as {who} and sync first."
            )
        with self._lock:
            before = self.client.base_url, self.client.token
            self.client.base_url = server_url
            try:
                answer = self._token_for(username, password)
                role = answer.get("user", {}).get("role")
                if role != Role.ENGINEER:
                    raise NotAllowed(f"This app is for field engineers; {username} is a {role}.")
            except DeviceRevoked:
                self.client.base_url, self.client.token = before
                if (username, server_url) == (self.username, self.server_url):
                    self._password = password  # the server checked it: sync retries it until re-enabled
                raise
            except Exception:
                self.client.base_url, self.client.token = before
                raise
            if (username, server_url) != (self.username, self.server_url):
                self.store.forget_cache()
            self._password = password
            self.store.set_settings(
                server_url=server_url, username=username, token=answer["access_token"],
                display_name=answer.get("user", {}).get("display_name") or username,
            )

    def sign_out(self) -> None:
        """Forget who is signed in, their token and cached work; raises EntriesWaiting while entries wait.

        The phone keeps its device id, device secret and seq counter: they belong to the phone, not to the user.
        """
        with self.store.sync_lock, self._lock:
            waiting = self.store.waiting_count()
            if waiting:
                raise EntriesWaiting(
                    f"{waiting} entr{'y is' if waiting == 1 else 'ies are'} waiting to be sent. Sync first: "
                    f"signed out, this phone could not send {'it' if waiting == 1 else 'them'} until you sign in "
                    "here again."
                )
            self.store.set_settings(username=None, display_name=None, token=None)
            self.store.forget_cache()
            self.client.token = None
            self._password = None

    def _token_for(self, username: str, password: str) -> dict:
        """Sign in with this phone's device secret; keep the secret the server issues, if it does."""
        answer = self.client.sign_in(username, password, self.device_label, device_secret=self.store.device_secret,
                                     last_seq=self.store.last_seq)
        if answer.get("device_secret"):
            self.store.set_settings(device_secret=answer["device_secret"])
        return answer

    def renew(self) -> bool:
        """Get a new token with the password kept in memory; False when the password is needed."""
        with self._lock:
            if self._password is None or self.username is None:
                return False
            try:
                answer = self._token_for(self.username, self._password)
            except SignInRequired:
                self._password = None  # changed on the server: ask for it
                return False
            self.store.set_settings(token=answer["access_token"])
            return True
