"""Carrying: the return lines the engineer carries back, handing them over at a facility, and apart from
them the items to leave at a site for the courier.

Lines come from pull, or from removals logged on this phone and not yet sent
(a line's id is the id of the entry that created it), so an item removed
offline can be handed over offline too.
"""

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, DictProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from mobile import entries, workday

LINE_STATES = {
    "carried": "",
    "not_sent": "logged on this phone, waiting to sync",
    "handing_over": "handed over at {facility}, waiting to sync",
}


class LineRow(ButtonBehavior, BoxLayout):
    line_id = StringProperty()
    text = StringProperty()
    detail = StringProperty()
    instruction = StringProperty()
    travel = StringProperty()
    selectable = BooleanProperty(True)
    selected = BooleanProperty(False)

    def on_release(self):
        if self.selectable:
            self.selected = not self.selected


class CarryingScreen(Screen):
    facility_labels = ListProperty()
    facility_ids = DictProperty()
    message = StringProperty()
    flash = StringProperty()
    busy = BooleanProperty(False)
    #: How many items wait at a site for the courier (listed apart: not carried, not handed over).
    leaving = NumericProperty(0)

    def on_pre_enter(self, *args):
        self.message = self.flash = ""
        self.refresh()

    def refresh(self):
        store = App.get_running_app().store
        chosen = {row.line_id for row in self._rows() if row.selected}
        facilities = workday.facilities(store)
        self.facility_ids = {f"{f['code']} · {f['name']}": f["id"] for f in facilities}
        self.facility_labels = list(self.facility_ids)
        if self.ids.facility.text not in self.facility_ids:
            self.ids.facility.text = self.facility_labels[0] if self.facility_labels else ""
        box, left_box = self.ids.lines, self.ids.left
        box.clear_widgets()
        left_box.clear_widgets()
        lines = workday.carried_lines(store)
        for line in lines:
            box.add_widget(_row(line, selectable=line.state != "handing_over",
                                selected=line.id in chosen and line.state != "handing_over"))
        left = workday.left_at_site(store)
        for line in left:
            left_box.add_widget(_row(line, selectable=False, selected=False))
        self.leaving = len(left)
        self.ids.empty.text = "" if lines else "You are not carrying anything back."

    def hand_over(self):
        chosen = [row.line_id for row in self._rows() if row.selected]
        facility_id = self.facility_ids.get(self.ids.facility.text)
        if not chosen:
            self.message = "Tick the items you hand over."
            return
        if facility_id is None:
            self.message = "Choose the facility you hand them to."
            return
        self.busy, self.message = True, ""
        drafts = [entries.hand_over(line_id, facility_id) for line_id in chosen]
        App.get_running_app().save_entries(drafts, self._saved, self._refused)

    def _saved(self, logged):
        self.busy = False
        self.flash = f"Hand-over of {len(logged)} item{'s' if len(logged) > 1 else ''} saved on this phone."
        self.refresh()

    def _refused(self, errors):
        self.busy = False
        self.message = " ".join(" ".join(entries.field_messages(e).values()) for e in errors if e)

    def _rows(self) -> list[LineRow]:
        return [row for row in self.ids.lines.children if isinstance(row, LineRow)]


def _row(line: workday.CarriedLine, selectable: bool, selected: bool) -> LineRow:
    state = LINE_STATES[line.state].format(facility=line.facility)
    detail = f"{workday.humanise(line.condition).capitalize()}, from {line.job_reference}"
    return LineRow(line_id=line.id, text=line.item, instruction=line.instruction, travel=line.travel,
                   detail=f"{detail}\n{state}" if state else detail, selectable=selectable, selected=selected)


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
