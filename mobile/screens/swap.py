"""Swap: the part removed (part number, serial, condition, failure code) and the part installed in its place.

Also used alone for either half, to correct a removal or an installation the server refused.
"""

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import ListProperty, OptionProperty

from mobile import entries, workday
from mobile.screens import forms

#: The last choice of "Installed at the site": the removed part is not one of the listed items.
OTHER_ITEM = "Another item: scan or type it"


class SwapScreen(forms.EntryScreen):
    #: swap: both halves; removed / installed: one half, to correct a refused entry.
    mode = OptionProperty("swap", options=["swap", "removed", "installed"])
    #: The site's installed items not yet removed ("PRN-FUS-220 · AR00000001"), then OTHER_ITEM.
    item_labels = ListProperty()

    def on_kv_post(self, base_widget):
        # Strong references: a half that is not shown is taken out of the page, and ids are weak.
        self._halves = {"removed": self.ids.removed_section.__self__, "installed": self.ids.installed_section.__self__}

    def on_mode(self, screen, mode):
        body = self.ids.body
        for half, section in self._halves.items():
            if section.parent is not None:
                body.remove_widget(section)
        message = self.ids.message.__self__
        body.remove_widget(message)
        for half in ("removed", "installed"):
            if mode in ("swap", half):
                body.add_widget(self._halves[half])
        body.add_widget(message)

    def start(self, job_id: int, mode: str = "swap", prefill: dict | None = None, corrects: str | None = None):
        """Open the form; `prefill` holds the half being corrected, or (a swap) the installed item removed."""
        self.subtitle = forms.job_title(job_id)
        self.job_id, self.mode, self.corrects, self.message, self.busy = job_id, mode, corrects, "", False
        self.ids.page.scroll_y = 1
        view = workday.job_view(App.get_running_app().store, job_id)
        self._items = {_item_label(i.part_number, i.serial): i for i in (view.installed if view else []) if not i.removed}
        self.item_labels = [*self._items, OTHER_ITEM]
        self._installed_default = ""
        for name in ("removed_item", "removed_part", "removed_serial", "installed_part", "installed_serial"):
            self.ids[name].text = ""
        self.ids.removed_quantity.text = "1"
        self.ids.condition.text = forms.condition_label("faulty")
        self.ids.failure.text = forms.NO_FAILURE_CODE
        prefill = prefill or {}
        self._replaces = prefill.get("replaces") if mode == "installed" else None
        half = "installed" if mode == "installed" else "removed"
        self.ids[f"{half}_part"].text = prefill.get("part_number") or ""
        self.ids[f"{half}_serial"].text = prefill.get("serial") or ""
        if mode == "removed":
            self.ids.removed_quantity.text = str(prefill.get("quantity", 1))
            self.ids.condition.text = forms.condition_label(prefill.get("condition"))
            self.ids.failure.text = forms.failure_label(prefill.get("failure_code"))
        label = _item_label(self.ids.removed_part.text, self.ids.removed_serial.text)
        self.ids.removed_item.text = label if label in self._items else ""
        self._clear_messages()

    def pick_item(self, label: str):
        """An installed item chosen as the part removed: its part number and serial fill the fields."""
        item = self._items.get(label)
        if item is not None:
            self.ids.removed_part.text, self.ids.removed_serial.text = item.part_number, item.serial
        elif label == OTHER_ITEM:
            self.ids.removed_part.text = self.ids.removed_serial.text = ""

    def follow_removed_part(self, part_number: str):
        """The installed part number follows the removed one until the engineer changes it."""
        if self.mode == "swap" and self.ids.installed_part.text in ("", self._installed_default):
            self.ids.installed_part.text = self._installed_default = part_number

    def check_look_alikes(self, half: str):
        forms.check_look_alikes(self.ids[f"{half}_part"], self.ids[f"{half}_serial"])

    def scan(self, half: str, target):
        forms.scan_into(self.ids[f"{half}_part"], self.ids[f"{half}_serial"], target)

    def save(self):
        self._clear_messages()
        removed = installed = None
        if self.mode in ("swap", "removed"):
            quantity = self.ids.removed_quantity.text.strip()
            removed = dict(part_number=self.ids.removed_part.text, serial=self.ids.removed_serial.text,
                           condition=forms.CONDITIONS.get(self.ids.condition.text, ""),
                           failure_code=forms.FAILURE_CODES.get(self.ids.failure.text),
                           quantity=int(quantity) if quantity.isdigit() else 1)
        if self.mode == "installed" or (self.mode == "swap" and self.ids.installed_part.text.strip()):
            part_number = self.ids.installed_part.text
            installed = dict(part_number=part_number, serial=self.ids.installed_serial.text,
                             grade=workday.install_grade_for(App.get_running_app().store, self.job_id, part_number))
        if removed and installed:
            drafts, halves = entries.swap(self.job_id, removed, installed), ["removed", "installed"]
        elif removed:
            drafts, halves = [entries.removal(self.job_id, **removed)], ["removed"]
        else:
            # A corrected install still names the removal the refused one replaced.
            drafts = [entries.installation(self.job_id, **installed, replaces=self._replaces)]
            halves = ["installed"]
        self.busy = True
        App.get_running_app().save_entries(drafts, self._saved, lambda errors: self._refused(errors, halves),
                                           corrects=self.corrects)

    def _refused(self, errors: list[dict], halves: list[str]):
        self.busy = False
        general = []
        for half, found in zip(halves, errors):
            fields = {"part_number": self.ids[f"{half}_part"], "serial": self.ids[f"{half}_serial"]}
            if half == "removed":
                fields |= {"quantity": self.ids.removed_quantity, "condition": self.ids.condition,
                           "failure_code": self.ids.failure}
            forms.show_messages(found, fields, general.append)
        self.message = " ".join(m for m in general if m) or "Some fields need correcting; nothing was saved."

    def _clear_messages(self):
        for name in ("removed_item", "removed_part", "removed_serial", "removed_quantity", "condition", "failure",
                     "installed_part", "installed_serial"):
            self.ids[name].message = ""
        self.message = ""


def _item_label(part_number: str, serial: str) -> str:
    return f"{part_number} · {serial}"


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
