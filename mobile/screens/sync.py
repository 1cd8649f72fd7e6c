"""Sync: the state of sync, entries refused by the server (correct or dismiss), the queue, "Sync now", sign-out."""

import json
from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from mobile import workday
from mobile.widgets import Body


class ProblemRow(BoxLayout):
    entry_id = StringProperty()
    text = StringProperty()
    reason = StringProperty()


class SyncScreen(Screen):
    device_text = StringProperty()
    missing_text = StringProperty()
    sign_out_message = StringProperty()

    def on_pre_enter(self, *args):
        self.sign_out_message = ""
        self.refresh()

    def sign_out(self):
        """Refused, with the reason shown here, while entries wait: signed out, the phone could not send them."""
        self.sign_out_message = ""
        App.get_running_app().sign_out(self._refused)

    def _refused(self, message: str):
        self.sign_out_message = message

    def refresh(self):
        app = App.get_running_app()
        store = app.store
        self.device_text = f"Device {store.device_id}"
        problems = self.ids.problems
        problems.clear_widgets()
        for entry in store.problems():
            problems.add_widget(ProblemRow(entry_id=entry.id, text=workday.describe(entry, store),
                                           reason=workday.reason(entry)))
        if not problems.children:
            problems.add_widget(Body(text="None."))
        waiting = self.ids.waiting
        waiting.clear_widgets()
        queue = store.waiting()
        for entry in queue:
            logged = workday.local_time(entry.occurred_at)
            waiting.add_widget(Body(text=f"#{entry.seq} · {logged} · {workday.describe(entry, store)}"))
        if not queue:
            waiting.add_widget(Body(text="Nothing waiting: everything logged on this phone has reached the server."))
        missing = [seq for seq in json.loads(store.setting("server_missing_seqs", "[]"))
                   if seq not in {e.seq for e in queue}]
        self.missing_text = (f"The server has not received entries {', '.join(map(str, missing))} from this phone."
                             if missing else "")


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
