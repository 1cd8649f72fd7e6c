"""The Kivy app: builds the screens, starts the sync engine, and brings its news to the UI thread.

Screens read the local store directly (fast, local) and act through the app's
methods: saving entries and signing in run on worker threads, and their
results come back with ``Clock.schedule_once``.
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager
from kivy.utils import platform

import mobile.widgets  # noqa: F401  (registers the shared widgets before the screens' rules)
from common.enums import EventType
from mobile import entries, scanner
from mobile.account import Account, EntriesOfAnotherAccount, EntriesWaiting
from mobile.api_client import ApiClient, ApiError, DeviceRevoked, Offline, PasswordChangeRequired
from mobile.screens.carrying import CarryingScreen
from mobile.screens.collect import CollectScreen
from mobile.screens.complete import CompleteScreen
from mobile.screens.job import JobScreen
from mobile.screens.scan import ScanScreen
from mobile.screens.sign_in import SignInScreen
from mobile.screens.swap import SwapScreen
from mobile.screens.sync import SyncScreen
from mobile.screens.today import TodayScreen
from mobile.screens.van_stock import VanStockScreen
from mobile.store import Store
from mobile.sync import SyncEngine, SyncState, SyncStatus, revoked_words

DATABASE_NAME = "fieldloop.db"
ANDROID_BACK_KEY = 27

_STATE_WORDS = {
    SyncState.IDLE: "",
    SyncState.SYNCING: "Syncing…",
    SyncState.OFFLINE: "Offline",
    SyncState.RETRYING: "Server busy, retrying",
    SyncState.NEEDS_PASSWORD: "Sign-in expired",
    SyncState.UPDATE_REQUIRED: "Update the app to sync",
    SyncState.REVOKED: "Phone revoked",
    SyncState.ERROR: "Sync failed",
}


class FieldloopApp(App):
    title = "Fieldloop"

    sync_state = StringProperty(SyncState.IDLE.value)
    sync_message = StringProperty()
    sync_line = StringProperty("Not synced yet")
    waiting = NumericProperty(0)
    problems = NumericProperty(0)
    last_sync = StringProperty("never")
    can_scan = BooleanProperty(False)
    user_name = StringProperty()

    def __init__(self, server_url: str | None = None, data_dir: str | Path | None = None, **kwargs):
        super().__init__(**kwargs)
        self.default_server_url = server_url
        self._data_dir = Path(data_dir) if data_dir else None
        self._history: list[str] = []
        # One worker: saves happen in the order the engineer made them.
        self._workers = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fieldloop-work")

    # --- life cycle ---------------------------------------------------------------

    def build(self):
        data_dir = self._data_dir or Path(self.user_data_dir)
        self.store = Store(data_dir / DATABASE_NAME)
        self.client = ApiClient(self.default_server_url or "http://127.0.0.1:5000", self.store.device_id)
        self.account = Account(self.store, self.client, device_label=f"Fieldloop app ({platform})")
        self.engine = SyncEngine(self.store, self.client, self.account, on_status=self._status_from_engine)
        self.can_scan = scanner.available() and camera_present()
        self.user_name = self.account.display_name
        self._show_status(self.engine.status)

        Window.softinput_mode = "below_target"
        Window.bind(on_keyboard=self._on_keyboard)
        manager = ScreenManager(transition=NoTransition())
        for screen in (SignInScreen(name="sign_in"), TodayScreen(name="today"), JobScreen(name="job"),
                       SwapScreen(name="swap"), CollectScreen(name="collect"), CompleteScreen(name="complete"),
                       CarryingScreen(name="carrying"), SyncScreen(name="sync"), ScanScreen(name="scan"),
                       VanStockScreen(name="van_stock")):
            manager.add_widget(screen)
        manager.current = "today" if self.account.known else "sign_in"
        return manager

    def on_start(self):
        self.engine.start()

    def on_pause(self):
        return True  # keep running in the background; everything saved is already on disk

    def on_resume(self):
        self.engine.request_sync()

    def on_stop(self):
        self.engine.stop()
        self._workers.shutdown(wait=True)
        self.client.close()
        self.store.close()

    # --- navigation -----------------------------------------------------------------

    def go(self, name: str, remember: bool = True):
        manager = self.root
        if remember and manager.current != name:
            self._history.append(manager.current)
        manager.current = name
        return manager.get_screen(name)

    def back(self):
        if self._history:
            self.root.current = self._history.pop()
            return True
        return False

    def home(self):
        self._history.clear()
        self.root.current = "today"

    def open_job(self, job_id: int):
        self.go("job").show(job_id)

    def _on_keyboard(self, window, key, *args):
        if key != ANDROID_BACK_KEY:
            return False
        if self.root.current != "today" and self.back():
            return True
        if platform == "android":
            # Back on the first screen sends the app to the background, where sync goes on.
            from android import mActivity

            mActivity.moveTaskToBack(True)
            return True
        return False

    # --- work off the UI thread -----------------------------------------------------------

    def in_background(self, work, on_done, on_error):
        """Run `work()` on a worker thread; call on_done(result) or on_error(exception) on the UI thread."""

        def run():
            try:
                result = work()
            except Exception as err:  # noqa: BLE001 - every failure is shown to the engineer
                Clock.schedule_once(lambda dt, err=err: on_error(err))
            else:
                Clock.schedule_once(lambda dt: on_done(result))

        self._workers.submit(run)

    def sign_in(self, server_url: str, username: str, password: str, on_done, on_error, new_password: str = ""):
        """Sign in (choosing `new_password` first when given); `on_error(message, change_required)`."""

        def work():
            if new_password:
                self.account.change_password(server_url, username, password, new_password)
            else:
                self.account.sign_in(server_url, username, password)
            return self.account.display_name

        def done(name):
            self.user_name = name
            self.engine.request_sync()
            on_done()

        def failed(err):
            if isinstance(err, DeviceRevoked):
                self.engine.request_sync()  # the account kept the password: sync shows the state and retries
            on_error(sign_in_message(err, server_url, self.store.waiting_count()),
                     isinstance(err, PasswordChangeRequired))

        self.in_background(work, done, failed)

    def sign_out(self, on_refused):
        """Sign out and show the sign-in screen; `on_refused(message)` while entries wait to be sent."""

        def done(_):
            self.user_name = ""
            self._history.clear()
            self.root.current = "sign_in"
            self._show_status(self.engine.current_status())

        def failed(err):
            on_refused(str(err) if isinstance(err, EntriesWaiting) else f"Not signed out: {err}")

        self.in_background(self.account.sign_out, done, failed)

    def save_entries(self, drafts, on_saved, on_refused, corrects: str | None = None):
        """Check and save entries; `on_saved(entries)` runs only once they are on disk."""

        def saved(logged):
            self.engine.request_sync()
            self._show_status(self.engine.current_status())
            on_saved(logged)

        def failed(err):
            if isinstance(err, entries.EntryRefused):
                on_refused(err.errors)
            else:
                on_refused([{"_schema": [f"Not saved: {err}"]}] * len(drafts))

        self.in_background(lambda: entries.log(self.store, drafts, self.account.username, corrects), saved, failed)

    def sync_now(self):
        self.engine.request_sync()

    def correct(self, entry_id: str):
        """Open the form of a refused entry, filled in, so that a corrected copy can be saved."""
        entry = self.store.entry(entry_id)
        if entry.type in (EventType.PART_REMOVED, EventType.PART_INSTALLED):
            mode = "removed" if entry.type == EventType.PART_REMOVED else "installed"
            self.go("swap").start(entry.job_id, mode=mode, prefill=entry.payload, corrects=entry.id)
        elif entry.type == EventType.EQUIPMENT_COLLECTED:
            self.go("collect").start(entry.job_id, prefill=entry.payload, corrects=entry.id)
        elif entry.type == EventType.JOB_COMPLETED:
            self.go("complete").start(entry.job_id, prefill=entry.payload, corrects=entry.id)
        else:
            self.go("carrying")

    def dismiss_problem(self, entry_id: str):
        self.store.dismiss_problem(entry_id)
        self._show_status(self.engine.current_status())

    def scan_into(self, field, on_code=None):
        self.go("scan").start(field, on_code)

    # --- sync news ---------------------------------------------------------------------

    def _status_from_engine(self, status: SyncStatus):
        Clock.schedule_once(lambda dt: self._show_status(status))

    def _show_status(self, status: SyncStatus):
        ended_run = self.sync_state == SyncState.SYNCING and status.state != SyncState.SYNCING
        counts_changed = (self.waiting, self.problems) != (status.waiting, status.problems)
        self.sync_state = status.state
        self.sync_message = status.message
        self.waiting, self.problems = status.waiting, status.problems
        self.last_sync = _when(status.last_sync_at)
        words = [_STATE_WORDS[SyncState(status.state)]]
        words.append(f"{status.waiting} waiting" if status.waiting else ("Up to date" if not words[0] else ""))
        words.append(f"synced {self.last_sync}" if status.last_sync_at else "never synced")
        if status.problems:
            words.append(f"{status.problems} problem{'s' if status.problems > 1 else ''}")
        self.sync_line = " · ".join(w for w in words if w)
        if (ended_run or counts_changed) and self.root is not None:
            screen = self.root.current_screen
            if hasattr(screen, "refresh"):
                screen.refresh()


def camera_present() -> bool:
    """A camera Kivy can open: always on a phone; on a desktop only with a video device and a camera provider."""
    if platform in ("android", "ios"):
        return True
    if not any(Path("/dev").glob("video*")):
        return False
    from kivy.core.camera import Camera

    return Camera is not None


def sign_in_message(err: Exception, server_url: str, waiting: int) -> str:
    if isinstance(err, Offline):
        return f"Cannot reach the server at {server_url}. Check the address and the connection."
    if isinstance(err, DeviceRevoked):
        return revoked_words(waiting)
    if isinstance(err, (ApiError, EntriesOfAnotherAccount)):
        return getattr(err, "message", None) or str(err)
    return f"Sign-in failed: {err}"


def _when(text: str | None) -> str:
    if not text:
        return "never"
    moment = datetime.fromisoformat(text).astimezone()
    if moment.date() == datetime.now().astimezone().date():
        return moment.strftime("%H:%M")
    return moment.strftime("%a %d %b %H:%M")

