"""Drives the real field app in a real window, as an engineer would: touches, typed text, assertions on screens.

Run by test_mobile_ui.py in its own process (Kivy's window is one per
process) with DISPLAY set to a private Xvfb. The app talks to the server
through a FlakyLink, so the scenario can take the network away and give it back.
Exits 0 when the whole scenario passed; prints the failing step otherwise.
"""

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

WINDOW_SIZE = (400, 800)
STEP_TIMEOUT_S = 30


class Robot:
    """Touches and keystrokes on the app's window."""

    def __init__(self, app, shots: Path | None):
        self.app = app
        self.shots = shots
        #: What the engineer's hands did: every tap, and every character typed (deletions included).
        self.taps = 0
        self.typed = 0

    def effort(self) -> tuple[int, int]:
        """(taps, typed characters) so far: subtract two readings to measure a task."""
        return self.taps, self.typed

    def screen(self, name: str | None = None):
        manager = self.app.root
        return manager.get_screen(name) if name else manager.current_screen

    def on(self, name: str):
        """A condition: screen `name` is shown and takes touches (none are taken while a transition runs)."""
        return lambda: (self.app.root is not None and self.app.root.current == name
                        and not self.app.root.transition.is_active)

    def tap(self, widget) -> None:
        from kivy.tests.common import UnitTestTouch

        assert not widget.disabled, f"{widget} is disabled"
        self.taps += 1
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()

    def reveal(self, widget):
        """Scroll the page holding `widget` until it is in view, as a thumb would (a generator)."""
        from kivy.uix.scrollview import ScrollView

        page = widget.parent
        while page is not None and not isinstance(page, ScrollView):
            page = page.parent
        if page is None:
            return
        _, bottom = widget.to_window(widget.x, widget.y)
        _, page_bottom = page.to_window(page.x, page.y)
        if bottom < page_bottom or bottom + widget.height > page_bottom + page.height:
            page.scroll_to(widget, padding=10, animate=False)
            yield 0.3

    def type_into(self, field, text: str):
        """Tap a Field's input, remove what is there, and type `text` key by key.

        A generator: inside a scroll view a tap reaches the input a moment later.
        """
        from kivy.core.window import Window

        yield from self.reveal(field)
        self.tap(field.ids.input)
        yield lambda: field.ids.input.focus
        field.ids.input.cursor = field.ids.input.get_cursor_from_index(len(field.ids.input.text))
        self.typed += len(field.ids.input.text) + len(text)
        for _ in range(len(field.ids.input.text)):
            Window.dispatch("on_key_down", 8, 0, None, [])
            Window.dispatch("on_key_up", 8, 0)
        for char in text:
            Window.dispatch("on_textinput", char)
        assert field.text == text, f"{field.label}: typed {text!r}, shows {field.text!r}"

    def choose(self, choice, text: str):
        """Open a Choice's list and tap one of its options (a generator: the list opens on the next frame)."""
        spinner = choice.ids.spinner
        yield from self.reveal(choice)
        self.tap(spinner)
        yield lambda: spinner.is_open
        [option] = [o for o in spinner._dropdown.container.children if o.text == text]
        self.tap(option)
        yield lambda: choice.text == text and spinner._dropdown.parent is None

    def scan(self, field, code: str):
        """Tap a Field's Scan button and have the camera read `code` (a generator).

        Xvfb has no camera: the code is handed to the scan screen as its decoder hands over what it reads
        in a frame (decoding itself is tested in test_mobile_scanner.py).
        """
        [button] = self.find(field, "QuietButton", "Scan")
        yield from self.reveal(field)
        self.tap(button)
        yield self.on("scan")
        self.screen()._decoded([code])

    def check_layout(self):
        """On the screen shown: touch targets of 48 dp (main actions 56 dp), text of 16 sp or more, every
        label's text inside its widget, and every widget inside the window's width."""
        from kivy.core.text import Label as CoreLabel
        from kivy.core.window import Window
        from kivy.metrics import dp, sp
        from kivy.uix.behaviors import ButtonBehavior
        from kivy.uix.label import Label
        from kivy.uix.textinput import TextInput

        screen = self.screen()
        problems = []
        for widget in screen.walk(restrict=True):
            if not _shown(widget, screen):
                continue
            name = f"{type(widget).__name__} {getattr(widget, 'text', '')!r:.40}"
            if isinstance(widget, (ButtonBehavior, TextInput)):
                least = dp(56) if type(widget).__name__ == "PrimaryButton" else dp(48)
                if widget.height < least - 0.5 or widget.width < dp(48) - 0.5:
                    problems.append(f"{name}: touch target {widget.width:.0f}×{widget.height:.0f} px, "
                                    f"under {least:.0f} px")
            if isinstance(widget, (Label, TextInput)) and widget.text and widget.font_size < sp(16) - 0.01:
                problems.append(f"{name}: text of {widget.font_size:.1f} px, under 16 sp ({sp(16):.1f} px)")
            if isinstance(widget, Label) and widget.text:
                text_w, text_h = widget.texture_size
                # A label given a fixed text height draws a texture of that height whatever it holds:
                # then a line of its text must fit.
                text_h = max(text_h, CoreLabel(text=widget.text, font_size=widget.font_size, bold=widget.bold,
                                               font_name=widget.font_name).get_extents(widget.text)[1])
                if text_w > widget.width + 1 or text_h > widget.height + 1:
                    problems.append(f"{name}: text {text_w:.0f}×{text_h:.0f} px clipped in "
                                    f"{widget.width:.0f}×{widget.height:.0f} px")
            left, _ = widget.to_window(widget.x, widget.y)
            if left < -0.5 or left + widget.width > Window.width + 0.5:
                problems.append(f"{name}: from x={left:.0f} to {left + widget.width:.0f}, outside the window "
                                f"(0–{Window.width})")
        assert not problems, f"{screen.name}:\n" + "\n".join(problems)

    def sign_in(self, username: str, password: str, check_layout: bool = False):
        """Sign in from the first screen and wait for the day's one job, synced; returns Today (a generator)."""
        yield self.on("sign_in")
        sign_in = self.screen()
        if check_layout:
            self.check_layout()
        yield from self.type_into(sign_in.ids.username, username)
        yield from self.type_into(sign_in.ids.password, password)
        self.tap(sign_in.ids.submit)
        yield self.on("today")
        today = self.screen()
        yield lambda: len(today.ids.jobs.children) == 1 and self.app.sync_state == "idle"
        return today

    def back(self, screen, to: str):
        """Tap the top bar's back arrow on `screen` and wait for screen `to` (a generator)."""
        [arrow] = self.find(screen, "Button", "<")
        self.tap(arrow)
        yield self.on(to)

    def find(self, root, kind: str, text: str | None = None):
        """The widgets under `root` of class `kind` (and with this text)."""
        found = [w for w in root.walk(restrict=True) if type(w).__name__ == kind and (text is None or getattr(w, "text", None) == text)]
        return found

    def texts(self, root) -> str:
        return "\n".join(str(w.text) for w in root.walk() if hasattr(w, "text") and isinstance(w.text, str))

    def shot(self, name: str):
        """Save the window as mobile-<name>.png (after two frames, so the last change is drawn)."""
        if self.shots is None:
            return
        yield 0.25
        from kivy.core.window import Window

        self.shots.mkdir(parents=True, exist_ok=True)
        made = Window.screenshot(name=str(self.shots / f"mobile-{name}.png"))
        os.replace(made, self.shots / f"mobile-{name}.png")


def first_day(robot: Robot, link, password: str):
    """Sign in, see the day, lose the network, log a swap and a collection, sync, correct a refusal, hand over."""
    app = robot.app
    yield robot.on("sign_in")
    sign_in = robot.screen()
    assert sign_in.ids.server.text == link.url
    yield from robot.type_into(sign_in.ids.username, "amy")
    yield from robot.type_into(sign_in.ids.password, password)
    yield from robot.shot("sign-in")
    robot.tap(sign_in.ids.submit)

    yield robot.on("today")
    today = robot.screen()
    yield lambda: len(today.ids.jobs.children) == 1 and app.sync_state == "idle"
    [card] = today.ids.jobs.children
    assert card.site == "North Office · Northwind Legal" and "Replace fuser" in card.summary, robot.texts(card)
    assert app.sync_line.startswith("Up to date"), app.sync_line
    robot.check_layout()
    yield from robot.shot("today")

    link.down()  # no signal from here on
    app.can_scan = True  # a phone with a camera
    robot.tap(card)
    yield robot.on("job")
    job = robot.screen()
    assert "replace: 1 × PRN-FUS-220" in robot.texts(job.ids.expected)
    robot.check_layout()

    # Saving an empty swap says what is missing; a serial typed with a letter O is caught as it is typed.
    robot.tap(job.ids.swap_button)
    yield robot.on("swap")
    swap = robot.screen()
    assert swap.ids.removed_item.values == ["PRN-FUS-220 · AR00000001", "Another item: scan or type it"]
    robot.tap(swap.ids.save_button)
    yield lambda: swap.ids.removed_part.message
    assert swap.ids.removed_part.message == "Enter the part number: pick the item, scan its label or type it."
    yield from robot.type_into(swap.ids.removed_part, "PRN-FUS-220")
    assert swap.ids.installed_part.text == "PRN-FUS-220"  # the installed part follows the removed one
    yield from robot.type_into(swap.ids.removed_serial, "AR0000O001")
    assert swap.ids.removed_serial.message == "Did you mean AR00000001? O and 0, I and 1 look alike: check the label."
    assert app.store.waiting_count() == 0
    robot.check_layout()
    yield from robot.shot("swap-validation")
    use = swap.ids.removed_serial.ids.use_suggestion
    assert use.text == "Use AR00000001"
    robot.tap(use)
    yield lambda: swap.ids.removed_serial.text == "AR00000001" and not swap.ids.removed_serial.message
    [cancel] = robot.find(swap, "QuietButton", "Cancel")
    robot.tap(cancel)
    yield robot.on("job")

    # The standard swap: the removed part picked from the site's installed items, the new serial scanned.
    before = robot.effort()
    [installed] = robot.find(job.ids.installed, "InstalledRow")
    assert (installed.part_number, installed.serial) == ("PRN-FUS-220", "AR00000001")
    robot.tap(installed.ids.swap)
    yield robot.on("swap")
    assert (swap.ids.removed_part.text, swap.ids.removed_serial.text) == ("PRN-FUS-220", "AR00000001")
    assert swap.ids.removed_item.text == "PRN-FUS-220 · AR00000001" and swap.ids.installed_part.text == "PRN-FUS-220"
    yield from robot.choose(swap.ids.failure, "Mechanical wear")
    yield from robot.scan(swap.ids.installed_serial, "AR55500001")
    yield robot.on("swap")
    assert swap.ids.installed_serial.text == "AR55500001"
    robot.tap(swap.ids.save_button)
    yield robot.on("job")
    taps, typed = (after - start for after, start in zip(robot.effort(), before))
    print(f"EFFORT standard swap: {taps} taps, {typed} typed characters")
    assert "Saved on this phone (2 entries)" in job.flash, job.flash
    assert app.store.waiting_count() == 2
    yield lambda: app.sync_state == "offline"
    assert "2 waiting" in app.sync_line, app.sync_line
    rows = robot.find(job.ids.logged, "EntryRow")
    assert [row.state_text for row in rows] == ["waiting to sync"] * 2
    assert "Removed PRN-FUS-220 AR00000001, faulty (mechanical wear)" in [row.text for row in rows]
    assert "removed" in robot.texts(job.ids.installed)
    [travel] = robot.find(job.ids.travel, "TravelRow")
    assert travel.text == "PRN-FUS-220 · AR00000001" and "where it goes is known after sync" in travel.instruction
    robot.check_layout()
    yield from robot.shot("job")

    # Meanwhile Amy's other phone logs AR00000077 as collected: the server will refuse this one's; it cannot know.
    logged_elsewhere("http://%s:%d" % link.target, password, job.job_id)
    robot.tap(job.ids.collect_button)
    yield robot.on("collect")
    collect = robot.screen()
    yield from robot.type_into(collect.ids.part, "PRN-FUS-220")
    yield from robot.type_into(collect.ids.serial, "AR00000077")
    robot.tap(collect.ids.save_button)
    yield robot.on("job")

    yield from robot.back(job, "today")
    robot.tap(today.ids.carrying_button)
    yield robot.on("carrying")
    carrying = robot.screen()
    lines = robot.find(carrying.ids.lines, "LineRow")
    assert sorted(line.text for line in lines) == ["PRN-FUS-220 · AR00000001", "PRN-FUS-220 · AR00000077"]
    assert all("waiting to sync" in line.detail for line in lines)
    robot.check_layout()

    link.up()  # signal again
    yield from robot.back(carrying, "today")
    robot.tap(today.ids.sync_button)
    yield robot.on("sync")
    sync = robot.screen()
    robot.tap(sync.ids.sync_now)
    yield lambda: app.waiting == 0 and app.problems == 1 and app.sync_state == "idle"
    [problem] = robot.find(sync.ids.problems, "ProblemRow")
    assert problem.text == "Collected PRN-FUS-220 AR00000077, working", problem.text
    assert "AR00000077 is already logged as on its way back" in problem.reason, problem.reason
    assert "1 problem" in app.sync_line
    robot.check_layout()
    yield from robot.shot("sync-problem")

    [correct] = robot.find(problem, "QuietButton", "Correct")
    robot.tap(correct)
    yield robot.on("collect")
    assert collect.ids.serial.text == "AR00000077" and collect.corrects == problem.entry_id
    yield from robot.type_into(collect.ids.serial, "AR00000100")
    robot.tap(collect.ids.save_button)
    yield robot.on("sync")  # saving woke the sync engine: the corrected entry goes at once
    yield lambda: app.waiting == 0 and app.problems == 0 and app.sync_state == "idle"
    assert robot.find(sync.ids.problems, "ProblemRow") == []

    yield from robot.back(sync, "today")
    robot.tap(today.ids.carrying_button)
    yield robot.on("carrying")
    [removed] = [line for line in robot.find(carrying.ids.lines, "LineRow") if line.text.endswith("AR00000001")]
    robot.tap(removed)
    yield lambda: removed.selected
    assert carrying.ids.facility.text.startswith("TPK")
    robot.tap(carrying.ids.hand_over_button)
    yield lambda: carrying.flash.startswith("Hand-over of 1 item saved")
    app.sync_now()
    yield lambda: app.waiting == 0 and app.sync_state == "idle"
    # Left: what this phone collected, and what the other phone did.
    yield lambda: sorted(line.text for line in robot.find(carrying.ids.lines, "LineRow")) == [
        "PRN-FUS-220 · AR00000077", "PRN-FUS-220 · AR00000100"]


def after_restart(robot: Robot, link, password: str):
    """The app restarts with its token expired: work goes on offline-style, then the password is asked for."""
    app = robot.app
    yield robot.on("today")  # no sign-in: the account and the day's work are on the phone
    today = robot.screen()
    yield lambda: app.sync_state == "needs_password" and len(today.ids.jobs.children) == 1
    assert "Sign-in expired" in app.sync_line, app.sync_line
    [enter_password] = robot.find(today, "QuietButton", "Enter password")
    assert enter_password.height > 0 and not enter_password.disabled

    [card] = today.ids.jobs.children
    robot.tap(card)
    yield robot.on("job")
    job = robot.screen()
    robot.tap(job.ids.complete_button)
    yield robot.on("complete")
    complete = robot.screen()
    yield from robot.type_into(complete.ids.signoff, "Ms Patel")
    robot.tap(complete.ids.save_button)
    yield robot.on("job")
    assert app.store.waiting_count() == 1 and job.completed
    yield from robot.back(job, "today")
    yield lambda: app.sync_state == "needs_password"
    yield from robot.shot("today-sign-in-expired")

    robot.tap(enter_password)
    yield robot.on("sign_in")
    sign_in = robot.screen()
    assert sign_in.reauth and sign_in.ids.username.text == "amy" and sign_in.ids.username.readonly
    yield from robot.type_into(sign_in.ids.password, password)
    robot.tap(sign_in.ids.submit)
    yield robot.on("today")
    yield lambda: app.waiting == 0 and app.sync_state == "idle"
    assert today.ids.jobs.children[0].status == "completed"


def courier_day(robot: Robot, link, password: str):
    """Items removed earlier went their ways: one to carry back, two left at the site for a planned courier,
    one to leave there on the way out.

    Run at a large font scale (KIVY_METRICS_FONTSCALE=1.5): every screen still fits and takes gloved taps.
    """
    app = robot.app
    today = yield from robot.sign_in("amy", password, check_layout=True)
    assert today.ids.carrying_button.text == "Carrying (1)", today.ids.carrying_button.text
    robot.check_layout()
    [card] = today.ids.jobs.children
    robot.tap(card)
    yield robot.on("job")
    job = robot.screen()
    rows = {row.text: row for row in robot.find(job.ids.travel, "TravelRow")}
    assert set(rows) == {"PRN-FUS-220 · AR00000001", "MED-BAT-V12 · MD00000001", "PRN-MFP-C550 · AR55555555",
                         "1 × PRN-RLR-KIT"}
    assert rows["1 × PRN-RLR-KIT"].instruction.startswith(
        "Leave it at North Office for the courier when you go."), rows["1 × PRN-RLR-KIT"].instruction
    assert rows["PRN-FUS-220 · AR00000001"].instruction == "Carry it back to Trafford Park depot (TPK)."
    battery = rows["MED-BAT-V12 · MD00000001"]
    assert battery.travel == "leave" and battery.instruction.startswith(
        "Leave it at North Office for the courier. Hand it to Sam Contact. Label it \"P-"), battery.instruction
    assert "Collected " in battery.instruction and "not planned" not in battery.instruction
    robot.check_layout()
    page, travel = job.ids.page, job.ids.travel
    content = page.children[0]
    from_top = content.top - travel.top - 110  # with the heading above the list
    page.scroll_y = max(0.0, 1 - from_top / (content.height - page.height))
    yield from robot.shot("job-travel")
    for screen in ("swap", "collect", "complete"):
        app.go(screen).start(job.job_id)
        yield robot.on(screen)
        robot.check_layout()
        app.back()
        yield robot.on("job")

    yield from robot.back(job, "today")
    robot.tap(today.ids.carrying_button)
    yield robot.on("carrying")
    carrying = robot.screen()
    [carried] = robot.find(carrying.ids.lines, "LineRow")
    assert carried.text == "PRN-FUS-220 · AR00000001" and carried.selectable
    left = robot.find(carrying.ids.left, "LineRow")
    assert sorted(row.text for row in left) == ["1 × PRN-RLR-KIT", "MED-BAT-V12 · MD00000001",
                                                 "PRN-MFP-C550 · AR55555555"]
    assert not any(row.selectable for row in left)
    robot.check_layout()
    yield from robot.shot("carrying")
    app.go("sync")
    yield robot.on("sync")
    robot.check_layout()


def replacements_day(robot: Robot, link, password: str):
    """The job's replacements are on their way: a fuser waits at Amy's depot, a roller kit comes to the site."""
    today = yield from robot.sign_in("amy", password)
    [waiting] = robot.find(today.ids.depot, "Body")
    assert waiting.text.endswith(": Replacement PRN-FUS-220 (refurbished) waiting at Trafford Park depot: "
                                 "collect it before the job"), waiting.text
    assert today.ids.depot_heading.text == "Waiting for you at the depot"
    robot.check_layout()
    [card] = today.ids.jobs.children
    robot.tap(card)
    yield robot.on("job")
    job = robot.screen()
    coming = sorted(row.text for row in robot.find(job.ids.replacements, "Body"))
    assert len(coming) == 2, coming
    assert coming[0].startswith("Replacement PRN-FUS-220 (refurbished) waiting at Trafford Park depot"), coming
    assert coming[1].startswith("Replacement PRN-RLR-KIT (new) coming to the site by "), coming
    robot.check_layout()
    yield from robot.reveal(job.ids.replacements)
    yield from robot.shot("job-replacements")


def logged_elsewhere(server: str, password: str, job_id: int) -> None:
    """Amy's other phone, straight to the server, sends a collection of PRN-FUS-220 AR00000077 on her job."""
    from phones import Phone

    other = Phone(base_url=server)
    assert other.sign_in("amy", password).status == 200
    answer = other.push([other.new_event("equipment_collected", job_id, part_number="PRN-FUS-220",
                                         serial="AR00000077", condition="working")])
    assert answer.json["results"][0]["status"] == "accepted", answer.json


def staff_action(server: str, username: str, password: str, device_uid: str, action: str) -> None:
    """A dispatcher or admin revokes or re-enables the device over the API, as the console does."""
    from phones import Phone

    staff = Phone(base_url=server)
    assert staff.sign_in(username, password).status == 200
    [device] = [d for d in staff.request("GET", "/api/v1/devices").json["items"] if d["device_uid"] == device_uid]
    r = staff.request("POST", f"/api/v1/devices/{device['id']}/{action}")
    assert r.status == 200, r.json


def revoked_phone(robot: Robot, link, password: str):
    """The phone is revoked: it says so in words, keeps the entry, refuses to sign out; re-enabled, "Try again"
    sends the entry, and signing out then works."""
    from common.enums import EventType, SyncEntity
    from mobile.store import Draft

    app = robot.app
    today = yield from robot.sign_in("amy", password)

    staff_action(link.url, "dana", password, app.store.device_id, "revoke")
    [job] = app.store.records(SyncEntity.JOB)
    saved = []
    app.save_entries([Draft(EventType.JOB_COMPLETED, job["id"], {"customer_signoff_name": "Ms Patel"})],
                     saved.append, saved.append)
    yield lambda: saved and app.waiting == 1
    robot.tap(today.ids.sync_button)
    yield robot.on("sync")
    sync = robot.screen()
    yield lambda: app.sync_state == "revoked"
    assert "This phone has been revoked" in sync.ids.state.text, sync.ids.state.text
    assert "The 1 entry waiting on it is kept here" in sync.ids.state.text, sync.ids.state.text
    assert "Phone revoked" in app.sync_line and "1 waiting" in app.sync_line, app.sync_line
    assert sync.ids.sync_now.text == "Try again"
    yield from robot.shot("sync-revoked")

    robot.tap(sync.ids.sign_out)
    yield lambda: sync.sign_out_message
    assert "1 entry is waiting to be sent. Sync first" in sync.ids.sign_out_notice.text
    assert app.root.current == "sync" and app.account.known and app.waiting == 1
    yield from robot.shot("sign-out-refused")

    staff_action(link.url, "root", password, app.store.device_id, "enable")
    yield lambda: app.sync_state != "syncing"
    robot.tap(sync.ids.sync_now)
    yield lambda: app.waiting == 0 and app.sync_state == "idle"

    robot.tap(sync.ids.sign_out)
    yield robot.on("sign_in")
    assert not app.account.known and robot.screen().ids.username.text == ""


def leak_question(robot: Robot, link, password: str):
    """Completing a job whose fuser nobody logged: the phone asks about it; "not removed" needs a reason."""
    app = robot.app
    today = yield from robot.sign_in("amy", password)
    [card] = today.ids.jobs.children
    robot.tap(card)
    yield robot.on("job")
    job = robot.screen()
    robot.tap(job.ids.complete_button)
    yield robot.on("complete")
    complete = robot.screen()
    [row] = robot.find(complete.ids.expected_back, "ExpectedBackRow")
    assert row.ids.question.text == "The job expected PRN-FUS-220 to come back.", row.ids.question.text
    yield from robot.choose(row.ids.answer, "Not removed")
    robot.check_layout()
    yield from robot.shot("complete-leak-question")
    robot.tap(complete.ids.save_button)
    yield lambda: row.ids.detail.message
    assert row.ids.detail.message == "Say why it was not removed." and app.store.waiting_count() == 0
    yield from robot.type_into(row.ids.detail, "The customer keeps the old fuser as a spare")
    robot.tap(complete.ids.save_button)
    yield robot.on("job")
    [entry] = app.store.entries(job.job_id)  # saving woke the sync engine: it may be sent already
    assert entry.payload["not_returned"] == [{"part_number": "PRN-FUS-220",
                                              "reason": "The customer keeps the old fuser as a spare"}], entry.payload
    app.sync_now()
    yield lambda: app.waiting == 0 and app.sync_state == "idle"


def password_reset(robot: Robot, link, password: str):
    """Sign in, with a capital, on a password a dispatcher reset: the screen asks for a new one, then the day opens."""
    yield robot.on("sign_in")
    sign_in = robot.screen()
    assert sign_in.ids.new_password.parent is None
    yield from robot.type_into(sign_in.ids.username, "Amy")
    yield from robot.type_into(sign_in.ids.password, password)
    robot.tap(sign_in.ids.submit)
    yield lambda: sign_in.changing_password
    assert "Your password was reset" in sign_in.message, sign_in.message
    yield lambda: sign_in.ids.new_password.get_root_window() is not None
    assert sign_in.ids.submit.text == "Change password and sign in"
    yield from robot.type_into(sign_in.ids.new_password, NEW_PASSWORD)
    yield from robot.shot("sign-in-new-password")
    yield from robot.type_into(sign_in.ids.new_password, "short")
    robot.tap(sign_in.ids.submit)
    assert sign_in.ids.new_password.message == "At least 10 characters."
    yield from robot.type_into(sign_in.ids.new_password, NEW_PASSWORD)
    robot.tap(sign_in.ids.submit)
    yield robot.on("today")
    assert robot.app.account.username == "amy"


#: The password the password-reset scenario chooses.
NEW_PASSWORD = "my own new password"
def van_stock_day(robot: Robot, link, password: str):
    """The van holds two new fusers; a swap logged offline shows one at once, and the server agrees after sync."""
    app = robot.app
    today = yield from robot.sign_in("amy", password)
    robot.tap(today.ids.van_stock_button)
    yield robot.on("van_stock")
    van = robot.screen()
    [row] = robot.find(van.ids.rows, "VanStockRow")
    assert (row.part_number, row.grade, row.quantity, row.note) == ("PRN-FUS-220", "New", 2, ""), robot.texts(row)
    robot.check_layout()
    yield from robot.shot("van-stock")
    yield from robot.back(van, "today")

    link.down()
    app.can_scan = True
    robot.tap(today.ids.jobs.children[0])
    yield robot.on("job")
    job = robot.screen()
    [installed] = robot.find(job.ids.installed, "InstalledRow")
    robot.tap(installed.ids.swap)
    yield robot.on("swap")
    swap = robot.screen()
    yield from robot.choose(swap.ids.failure, "Mechanical wear")
    yield from robot.scan(swap.ids.installed_serial, "AR55500001")
    yield robot.on("swap")
    robot.tap(swap.ids.save_button)
    yield robot.on("job")
    yield from robot.back(job, "today")
    robot.tap(today.ids.van_stock_button)
    yield robot.on("van_stock")
    [row] = robot.find(van.ids.rows, "VanStockRow")
    assert (row.quantity, row.note) == (1, "1 installed on this phone, waiting to sync"), robot.texts(row)
    robot.check_layout()

    link.up()
    app.sync_now()
    yield lambda: app.waiting == 0 and app.sync_state == "idle"
    van.refresh()
    [row] = robot.find(van.ids.rows, "VanStockRow")
    assert (row.quantity, row.note) == (1, ""), robot.texts(row)


SCENARIOS = {"first-day": first_day, "after-restart": after_restart, "courier-day": courier_day,
             "revoked": revoked_phone, "password-reset": password_reset, "van-stock": van_stock_day,
             "replacements": replacements_day, "leak-question": leak_question}


class Stepper:
    """Advances the scenario on the Kivy clock: a step yields a condition to wait for, or seconds to wait."""

    def __init__(self, app, steps):
        self.app = app
        self.steps = steps
        self.waiting_for = None
        self.deadline = 0.0
        self.failure: str | None = None
        self.finished = False
        #: Where to save the window when a step fails.
        self.failure_shot: str | None = None

    def tick(self, dt):
        if self.finished:
            return False
        try:
            if self.waiting_for is not None:
                if not self.waiting_for():
                    if time.monotonic() > self.deadline:
                        raise AssertionError(f"timed out at {_where(self.steps)} waiting for "
                                             f"{_describe(self.waiting_for)}")
                    return True
                self.waiting_for = None
            step = next(self.steps)
        except StopIteration:
            return self._finish()
        except Exception:  # noqa: BLE001 - any failure ends the run and is reported
            self.failure = traceback.format_exc()
            if self.failure_shot:
                from kivy.core.window import Window

                Window.screenshot(name=self.failure_shot)
            return self._finish()
        if isinstance(step, (int, float)):
            until = time.monotonic() + step
            self.waiting_for = lambda: time.monotonic() >= until
        else:
            self.waiting_for = step
        self.deadline = time.monotonic() + STEP_TIMEOUT_S
        return True

    def _finish(self):
        self.finished = True
        self.app.stop()
        return False


def _shown(widget, screen) -> bool:
    """True when the widget and all its parents up to the screen are drawn and have a size."""
    while widget is not None and widget is not screen:
        if widget.opacity == 0 or widget.width <= 0 or widget.height <= 0:
            return False
        widget = widget.parent
    return True


def _where(generator) -> str:
    """The lines the scenario, and the steps it delegates to, are paused at."""
    lines = []
    while generator is not None and generator.gi_frame is not None:
        lines.append(f"line {generator.gi_frame.f_lineno}")
        generator = getattr(generator, "gi_yieldfrom", None)
    return " > ".join(lines) or "the end"


def _describe(condition) -> str:
    code = condition.__code__
    return f"the condition at {Path(code.co_filename).name}:{code.co_firstlineno}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--shots")
    parser.add_argument("--scenario", choices=SCENARIOS, default="first-day")
    parser.add_argument("--link-port", type=int, default=0,
                        help="port of the app's side of the link; the app remembers its server across restarts")
    args = parser.parse_args()

    os.environ["KIVY_NO_ARGS"] = "1"
    from kivy.config import Config

    Config.set("graphics", "width", str(WINDOW_SIZE[0]))
    Config.set("graphics", "height", str(WINDOW_SIZE[1]))
    Config.set("input", "mouse", "mouse,disable_multitouch")
    from kivy.clock import Clock

    from mobile.main import FieldloopApp
    from tcp_proxy import FlakyLink

    link = FlakyLink(int(args.server.rsplit(":", 1)[1]), listen_port=args.link_port)
    app = FieldloopApp(server_url=link.url, data_dir=args.data)
    robot = Robot(app, Path(args.shots) if args.shots else None)
    stepper = Stepper(app, SCENARIOS[args.scenario](robot, link, args.password))
    stepper.failure_shot = str(Path(args.data) / "failure.png")
    Clock.schedule_interval(stepper.tick, 1 / 30)
    app.run()
    link.close()
    if not stepper.finished:
        print("The app stopped before the scenario finished.", file=sys.stderr)
        return 2
    if stepper.failure:
        print(f"SCENARIO FAILED in {robot.app.root.current if robot.app.root else '?'}:\n{stepper.failure}",
              file=sys.stderr)
        return 1
    print("SCENARIO PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
