"""Today: the engineer's jobs from the local cache, what waits for them at their depot, and how sync is doing
at a glance."""

from datetime import datetime
from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.screenmanager import Screen

from mobile import workday
from mobile.widgets import Body, Card


class JobCardView(Card):
    job_id = NumericProperty(0)
    reference = StringProperty()
    summary = StringProperty()
    site = StringProperty()
    window = StringProperty()
    address = StringProperty()
    contact = StringProperty()
    status = StringProperty()
    waiting = NumericProperty(0)


class TodayScreen(Screen):
    date_text = StringProperty()
    carrying = NumericProperty(0)
    #: Replacements to collect at the depot (there, or on their way to it).
    at_depot = NumericProperty(0)

    def on_pre_enter(self, *args):
        self.refresh()

    def refresh(self):
        store = App.get_running_app().store
        self.date_text = datetime.now().strftime("%A %d %B")
        cards = workday.jobs(store)
        self.carrying = sum(1 for line in workday.carried_lines(store) if line.state != "handing_over")
        container = self.ids.jobs
        container.clear_widgets()
        for card in cards:
            container.add_widget(JobCardView(
                job_id=card.id, reference=card.reference, summary=card.summary,
                site=card.site_name if card.customer in card.site_name else f"{card.site_name} · {card.customer}",
                window=card.window, address=card.address, contact=card.contact, status=card.status,
                waiting=card.waiting,
            ))
        self.ids.empty.text = "" if cards else "No jobs on this phone yet. They arrive with the next sync."
        depot = workday.waiting_at_depot(store)
        self.at_depot = len(depot)
        self.ids.depot.clear_widgets()
        for replacement in depot:
            self.ids.depot.add_widget(Body(text=f"{replacement.job_reference}: {replacement.text}"))


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
