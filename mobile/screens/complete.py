"""Complete the job: notes, and the name of the customer who signs it off."""

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder

from mobile import entries
from mobile.screens import forms


class CompleteScreen(forms.EntryScreen):
    def start(self, job_id: int, prefill: dict | None = None, corrects: str | None = None):
        self.subtitle = forms.job_title(job_id)
        prefill = prefill or {}
        self.job_id, self.corrects, self.busy, self.message = job_id, corrects, False, ""
        self.ids.notes.text = prefill.get("notes") or ""
        self.ids.signoff.text = prefill.get("customer_signoff_name") or ""
        self.ids.notes.message = self.ids.signoff.message = ""

    def save(self):
        self.ids.notes.message = self.ids.signoff.message = ""
        draft = entries.completion(self.job_id, self.ids.notes.text, self.ids.signoff.text)
        self.busy = True
        App.get_running_app().save_entries([draft], self._saved, self._refused, corrects=self.corrects)

    def _refused(self, errors: list[dict]):
        self.busy = False
        fields = {"notes": self.ids.notes, "customer_signoff_name": self.ids.signoff}
        forms.show_messages(errors[0], fields, lambda rest: setattr(self, "message", rest))


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
