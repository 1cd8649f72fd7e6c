"""Widgets every screen uses: top bar, sync strip, form fields with their message, cards, buttons.

Their looks are in widgets.kv; here only their properties and events.
"""

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label


class TopBar(BoxLayout):
    title = StringProperty()
    subtitle = StringProperty()
    can_go_back = BooleanProperty(True)


class SyncStrip(ButtonBehavior, BoxLayout):
    """One line saying how sync is doing; a tap opens the Sync screen."""


class Field(BoxLayout):
    """A labelled text input with its message below and, for part numbers and serials, a Scan button."""

    label = StringProperty()
    text = StringProperty()
    hint = StringProperty()
    message = StringProperty()
    #: A value the engineer probably meant (a serial with O read as 0): offered as a one-tap fix.
    suggestion = StringProperty()
    password = BooleanProperty(False)
    readonly = BooleanProperty(False)
    multiline = BooleanProperty(False)
    scannable = BooleanProperty(False)
    input_filter = ObjectProperty(None, allownone=True)
    lines = NumericProperty(1)

    __events__ = ("on_scan",)

    def on_text(self, field, text):
        # A message is about what was there before: the engineer has changed it.
        self.message = self.suggestion = ""

    def on_scan(self):
        pass


class Choice(BoxLayout):
    """A labelled choice from a short list, with its message below."""

    label = StringProperty()
    text = StringProperty()
    values = ListProperty()
    message = StringProperty()


class Card(ButtonBehavior, BoxLayout):
    pass


class Heading(Label):
    pass


class Body(Label):
    pass


class Notice(Label):
    """A message on a coloured band: `kind` is info, warning or error."""

    kind = StringProperty("info")


class PrimaryButton(Button):
    pass


class QuietButton(Button):
    pass


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
