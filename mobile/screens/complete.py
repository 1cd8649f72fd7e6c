"""Complete the job: what the job expected back and was not logged, notes, and who signs it off.

For each unit the job expects back that nothing logged accounts for, the screen asks
"removed / not removed, why": removed logs its removal with the completion; not
removed tells the server why (`not_returned`), which keeps it on the unconfirmed line.
"""

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import StringProperty
from kivy.uix.boxlayout import BoxLayout

from mobile import entries, workday
from mobile.screens import forms

REMOVED = "Removed"
NOT_REMOVED = "Not removed"


class ExpectedBackRow(BoxLayout):
    """One unit the job expected back: did it come out, and its serial or why not."""

    part_number = StringProperty()

    @property
    def answer(self) -> str:
        return self.ids.answer.text

    @property
    def detail(self) -> str:
        return self.ids.detail.text.strip()

    def serialised(self) -> bool:
        part = App.get_running_app().store.part(self.part_number)
        return bool(part and part.get("serialised"))


class CompleteScreen(forms.EntryScreen):
    def start(self, job_id: int, prefill: dict | None = None, corrects: str | None = None):
        self.subtitle = forms.job_title(job_id)
        prefill = prefill or {}
        self.job_id, self.corrects, self.busy, self.message = job_id, corrects, False, ""
        self.ids.notes.text = prefill.get("notes") or ""
        self.ids.signoff.text = prefill.get("customer_signoff_name") or ""
        self.ids.notes.message = self.ids.signoff.message = ""
        self.ids.expected_back.clear_widgets()
        reasons = {}
        for answer in prefill.get("not_returned", []):
            reasons.setdefault(answer["part_number"], []).append(answer["reason"])
        for part_number in workday.expected_back(App.get_running_app().store, job_id):
            row = ExpectedBackRow(part_number=part_number)
            given = reasons.get(part_number)
            if given:
                row.ids.answer.text, row.ids.detail.text = NOT_REMOVED, given.pop(0)
            self.ids.expected_back.add_widget(row)

    @property
    def _rows(self) -> list[ExpectedBackRow]:
        return list(reversed(self.ids.expected_back.children))

    def save(self):
        self.ids.notes.message = self.ids.signoff.message = self.message = ""
        rows = self._rows
        for row in rows:
            row.ids.answer.message = row.ids.detail.message = ""
        removals, not_returned, removal_rows = [], [], []
        for row in rows:
            if row.answer == REMOVED:
                removals.append(entries.removal(self.job_id, row.part_number, row.detail or None, "unknown"))
                removal_rows.append(row)
            elif row.answer == NOT_REMOVED:
                if not row.detail:
                    row.ids.detail.message = "Say why it was not removed."
                    return
                not_returned.append({"part_number": row.part_number, "reason": row.detail})
        drafts = removals + [entries.completion(self.job_id, self.ids.notes.text, self.ids.signoff.text, not_returned)]
        self.busy = True
        App.get_running_app().save_entries(drafts, self._saved, lambda errors: self._refused(errors, removal_rows),
                                           corrects=self.corrects)

    def _refused(self, errors: list[dict], removal_rows: list[ExpectedBackRow]):
        self.busy = False
        general = []
        for row, found in zip(removal_rows, errors):
            forms.show_messages(found, {"serial": row.ids.detail}, general.append)
        fields = {"notes": self.ids.notes, "customer_signoff_name": self.ids.signoff}
        forms.show_messages(errors[-1], fields, general.append)
        self.message = " ".join(m for m in general if m)


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
