"""Equipment collected: an item taken back from the site (end of contract), by part number, serial and condition."""

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder

from mobile import entries
from mobile.screens import forms


class CollectScreen(forms.EntryScreen):
    def start(self, job_id: int, prefill: dict | None = None, corrects: str | None = None):
        self.subtitle = forms.job_title(job_id)
        prefill = prefill or {}
        self.job_id, self.corrects, self.busy = job_id, corrects, False
        self.ids.part.text = prefill.get("part_number", "")
        self.ids.serial.text = prefill.get("serial", "")
        self.ids.condition.text = forms.condition_label(prefill.get("condition", "working"))
        self._clear_messages()

    def scan(self, target):
        forms.scan_into(self.ids.part, self.ids.serial, target)

    def check_look_alikes(self):
        forms.check_look_alikes(self.ids.part, self.ids.serial)

    def save(self):
        self._clear_messages()
        draft = entries.collection(self.job_id, self.ids.part.text, self.ids.serial.text,
                                   forms.CONDITIONS.get(self.ids.condition.text, ""))
        self.busy = True
        App.get_running_app().save_entries([draft], self._saved, self._refused, corrects=self.corrects)

    def _refused(self, errors: list[dict]):
        self.busy = False
        fields = {"part_number": self.ids.part, "serial": self.ids.serial, "condition": self.ids.condition}
        forms.show_messages(errors[0], fields, lambda rest: setattr(self, "message", rest))
        self.message = self.message or "Some fields need correcting; nothing was saved."

    def _clear_messages(self):
        for name in ("part", "serial", "condition"):
            self.ids[name].message = ""
        self.message = ""


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
