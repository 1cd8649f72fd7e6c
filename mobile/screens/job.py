"""Job: the site and what is installed there, the parts expected, what has been logged, and the actions."""

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from mobile import workday
from mobile.store import Entry
from mobile.widgets import Body

ENTRY_STATES = {
    "waiting": "waiting to sync",
    "accepted": "synced",
    "rejected": "refused: see Sync",
}


class EntryRow(BoxLayout):
    text = StringProperty()
    state = StringProperty()
    state_text = StringProperty()


class InstalledRow(BoxLayout):
    """An item installed at the site; its Swap button opens the swap with it as the removed part."""

    part_number = StringProperty()
    serial = StringProperty()
    removed = BooleanProperty(False)

    __events__ = ("on_swap",)

    def on_swap(self):
        pass


class TravelRow(BoxLayout):
    """An item removed on this job and what to do with it: carry it back, or leave it for the courier."""

    text = StringProperty()
    travel = StringProperty()
    instruction = StringProperty()


def entry_row(entry: Entry, store) -> EntryRow:
    state = entry.state
    if state == "rejected" and entry.problem != "open":
        state_text = f"refused, {entry.problem}"
    else:
        state_text = ENTRY_STATES[state]
    return EntryRow(text=workday.describe(entry, store), state=state, state_text=state_text)


class JobScreen(Screen):
    job_id = NumericProperty(0)
    reference = StringProperty()
    site_name = StringProperty()
    window = StringProperty()
    summary = StringProperty()
    address = StringProperty()
    contact = StringProperty()
    completed = BooleanProperty(False)
    missing = BooleanProperty(False)
    has_lines = BooleanProperty(False)
    has_replacements = BooleanProperty(False)
    #: A word after saving ("Saved on this phone…"), cleared when the engineer leaves.
    flash = StringProperty()

    def show(self, job_id: int):
        self.job_id = job_id
        self.refresh()

    def on_pre_enter(self, *args):
        if self.job_id:
            self.refresh()

    def on_leave(self, *args):
        self.flash = ""

    def refresh(self):
        store = App.get_running_app().store
        view = workday.job_view(store, self.job_id)
        self.missing = view is None
        for box in ("installed", "expected", "replacements", "travel", "logged"):
            self.ids[box].clear_widgets()
        if view is None:
            return
        card = view.card
        self.reference, self.site_name, self.window = card.reference, card.site_name, card.window
        self.summary, self.address, self.contact = card.summary, card.address, card.contact
        self.completed = card.status == "completed"
        for item in view.installed:
            row = InstalledRow(part_number=item.part_number, serial=item.serial, removed=item.removed)
            row.bind(on_swap=lambda row: self.log_swap(row.part_number, row.serial))
            self.ids.installed.add_widget(row)
        if not view.installed:
            self.ids.installed.add_widget(_line("No serialised items recorded at this site."))
        for text in view.expected or ["None listed."]:
            self.ids.expected.add_widget(_line(text))
        self.has_replacements = bool(view.replacements)
        for text in view.replacements:
            self.ids.replacements.add_widget(_line(text))
        self.has_lines = bool(view.lines)
        for line in view.lines:
            self.ids.travel.add_widget(TravelRow(text=line.item, travel=line.travel, instruction=line.instruction))
        for entry in reversed(view.entries):
            self.ids.logged.add_widget(entry_row(entry, store))
        if not view.entries:
            self.ids.logged.add_widget(_line("Nothing logged yet."))

    def log_swap(self, part_number: str | None = None, serial: str | None = None):
        """Open the swap; with an installed item, that item is the part removed."""
        removed = {"part_number": part_number, "serial": serial} if part_number else None
        App.get_running_app().go("swap").start(self.job_id, prefill=removed)

    def log_collected(self):
        App.get_running_app().go("collect").start(self.job_id)

    def complete(self):
        App.get_running_app().go("complete").start(self.job_id)


def _line(text: str) -> Body:
    return Body(text=text)


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
