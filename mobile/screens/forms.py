"""What the entry screens (swap, collect, complete) share: choices, field messages, scanning, saving."""

from kivy.app import App
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import Screen

from common.enums import FailureCode, PartCondition
from mobile import scanner, serials, workday
from mobile.entries import field_messages
from mobile.workday import humanise

NO_FAILURE_CODE = "None"
CONDITIONS = {humanise(c.value).capitalize(): c.value for c in PartCondition}
FAILURE_CODES = {NO_FAILURE_CODE: None} | {humanise(f.value).capitalize(): f.value for f in FailureCode}


class EntryScreen(Screen):
    """A screen that saves entries about one job, or one entry correcting a refused one (`corrects`)."""

    job_id = NumericProperty(0)
    corrects = StringProperty(None, allownone=True)
    subtitle = StringProperty()
    message = StringProperty()
    busy = BooleanProperty(False)

    def _saved(self, logged):
        self.busy = False
        saved_on_phone(len(logged))


def condition_label(value: str | None) -> str:
    return next((label for label, v in CONDITIONS.items() if v == value), "")


def failure_label(value: str | None) -> str:
    return next((label for label, v in FAILURE_CODES.items() if v == value), NO_FAILURE_CODE)


def job_title(job_id: int) -> str:
    """"J-261125-18B80E · North Office": which job an entry screen is about."""
    card = next((c for c in workday.jobs(App.get_running_app().store) if c.id == job_id), None)
    return f"{card.reference} · {card.site_name}" if card else f"Job {job_id}"


def show_messages(errors: dict, fields: dict, general) -> None:
    """Put each field message under its field (`fields`: protocol name → widget); the rest in `general`."""
    rest = []
    for name, message in field_messages(errors).items():
        if name in fields:
            fields[name].message = message
        else:
            rest.append(message)
    general(" ".join(rest))


def scan_into(part_field, serial_field, target) -> None:
    """Scan a code into `target`; a label holding a part number and a serial fills both fields."""
    app = App.get_running_app()

    def scanned(code: str):
        part_number, serial = scanner.split_label(code, lambda text: app.store.part(text) is not None)
        if part_number is not None:
            part_field.text, serial_field.text = part_number, serial
        else:
            target.text = serial

    app.scan_into(target, scanned)


def check_look_alikes(part_field, serial_field) -> None:
    """Say at once when a serial fits its part only with O read as 0 (or I as 1), and offer that serial."""
    entry = serials.catalogue_entry(App.get_running_app().store.part(part_field.text))
    serial_field.message = serials.look_alike_message(serial_field.text, entry)
    serial_field.suggestion = serials.meant(serial_field.text, entry) or ""


def saved_on_phone(count: int) -> None:
    """Back to the job, which says the entries are saved."""
    app = App.get_running_app()
    app.back()
    if app.root.current == "job":
        app.root.get_screen("job").flash = (f"Saved on this phone ({count} entr{'y' if count == 1 else 'ies'}). "
                        "It will be sent with the next sync.")
