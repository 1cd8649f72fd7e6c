"""Sign in: server address, username, password. Also asks for the password again when a token expires,
and for a new one when a dispatcher has reset it."""

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen


class SignInScreen(Screen):
    #: Someone is signed in on this phone already: only their password is asked for.
    reauth = BooleanProperty(False)
    busy = BooleanProperty(False)
    #: The server answered that the password was reset: a new one is chosen before signing in.
    changing_password = BooleanProperty(False)
    message = StringProperty()
    device_id = StringProperty()

    def on_kv_post(self, base_widget):
        # The new-password field is in the layout only while it is asked for (a hidden input would still take taps).
        self._new_password = self.ids.new_password.__self__
        self._new_password_place = (self._new_password.parent, self._new_password.parent.children.index(self._new_password))
        self.on_changing_password(self, False)

    def on_changing_password(self, _screen, changing: bool):
        place, index = self._new_password_place
        if changing and self._new_password.parent is None:
            place.add_widget(self._new_password, index=index)
        elif not changing and self._new_password.parent is not None:
            place.remove_widget(self._new_password)

    def on_pre_enter(self, *args):
        app = App.get_running_app()
        account = app.account
        self.reauth = account.known
        self.ids.server.text = account.server_url or app.default_server_url or ""
        self.ids.username.text = account.username or ""
        self.ids.password.text = ""
        self.ids.new_password.text = ""
        self.changing_password = False
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
        new_password = self.ids.new_password.text
        if self.changing_password:
            self.ids.new_password.message = "" if len(new_password) >= 10 else "At least 10 characters."
            if self.ids.new_password.message:
                return
        self.busy = True
        self.message = ""
        App.get_running_app().sign_in(fields["server"], fields["username"], fields["password"],
                                      self._signed_in, self._refused,
                                      new_password=new_password if self.changing_password else "")

    def _signed_in(self):
        self.busy = False
        self.changing_password = False
        self.ids.password.text = ""
        self.ids.new_password.text = ""
        app = App.get_running_app()
        if not (self.reauth and app.back()):
            app.home()

    def _refused(self, message: str, change_required: bool = False):
        self.busy = False
        self.message = message
        self.changing_password = self.changing_password or change_required


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
