"""Sign in: server address, username, password. Also asks for the password again when a token expires."""

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen


class SignInScreen(Screen):
    #: Someone is signed in on this phone already: only their password is asked for.
    reauth = BooleanProperty(False)
    busy = BooleanProperty(False)
    message = StringProperty()
    device_id = StringProperty()

    def on_pre_enter(self, *args):
        app = App.get_running_app()
        account = app.account
        self.reauth = account.known
        self.ids.server.text = account.server_url or app.default_server_url or ""
        self.ids.username.text = account.username or ""
        self.ids.password.text = ""
        self.device_id = app.store.device_id
        self.message = ""

    def sign_in_as_someone_else(self):
        self.reauth = False
        self.ids.username.text = ""

    def submit(self):
        fields = {name: self.ids[name].text.strip() for name in ("server", "username", "password")}
        for name, text in fields.items():
            self.ids[name].message = "" if text else "Required."
        if not all(fields.values()):
            return
        self.busy = True
        self.message = ""
        App.get_running_app().sign_in(fields["server"], fields["username"], fields["password"],
                                      self._signed_in, self._refused)

    def _signed_in(self):
        self.busy = False
        self.ids.password.text = ""
        app = App.get_running_app()
        if not (self.reauth and app.back()):
            app.home()

    def _refused(self, message: str):
        self.busy = False
        self.message = message


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
