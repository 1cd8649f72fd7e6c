"""Van stock: what the engineer's van carries by part and grade, as the server last counted it less the
installs logged on this phone since (mobile/workday.py)."""

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from mobile import workday


class VanStockRow(BoxLayout):
    part_number = StringProperty()
    description = StringProperty()
    grade = StringProperty()
    quantity = NumericProperty(0)
    note = StringProperty()


class VanStockScreen(Screen):
    def on_pre_enter(self, *args):
        self.refresh()

    def refresh(self):
        rows = workday.van_stock(App.get_running_app().store)
        box = self.ids.rows
        box.clear_widgets()
        for row in rows:
            box.add_widget(VanStockRow(part_number=row.part_number, description=row.description,
                                       grade=workday.humanise(row.grade).capitalize(), quantity=row.quantity,
                                       note=_note(row)))
        self.ids.empty.text = "" if rows else "Your van holds no stock the server knows of."


def _note(row: workday.VanStockRow) -> str:
    notes = []
    if row.not_sent:
        notes.append(f"{row.not_sent} installed on this phone, waiting to sync")
    if row.quantity < 0:
        notes.append("more installed than the van held: tell the dispatcher")
    return "; ".join(notes)


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
