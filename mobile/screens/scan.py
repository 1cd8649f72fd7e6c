"""Scan: the camera's view; frames are decoded on a worker thread and the first code found fills the field."""

from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen
from kivy.utils import platform

from mobile import scanner

FRAME_INTERVAL_S = 0.3
CAMERA_RESOLUTION = (640, 480)


class ScanScreen(Screen):
    message = StringProperty()

    def start(self, field, on_code=None):
        self._field = field
        self._on_code = on_code or (lambda code: setattr(field, "text", code))
        self._camera = None
        self._decoding = False

    def on_enter(self, *args):
        self.message = "Point the camera at the barcode or QR code."
        if platform == "android":
            from android.permissions import Permission, request_permissions

            request_permissions([Permission.CAMERA], lambda permissions, granted: Clock.schedule_once(
                lambda dt: self._open_camera() if all(granted) else self._no_camera()))
        else:
            self._open_camera()

    def on_leave(self, *args):
        Clock.unschedule(self._grab)
        if self._camera is not None:
            self._camera.play = False
            self.ids.viewfinder.remove_widget(self._camera)
            self._camera = None

    def _open_camera(self):
        from kivy.uix.camera import Camera

        try:
            self._camera = Camera(play=True, resolution=CAMERA_RESOLUTION, index=0)
        except Exception:  # noqa: BLE001 - no camera, or no camera provider: typing is always possible
            self._no_camera()
            return
        self.ids.viewfinder.add_widget(self._camera)
        Clock.schedule_interval(self._grab, FRAME_INTERVAL_S)

    def _no_camera(self):
        self.message = "No camera available: type the code instead."

    def _grab(self, dt):
        texture = self._camera.texture if self._camera is not None else None
        if texture is None or self._decoding:
            return
        pixels, (width, height) = texture.pixels, texture.size
        self._decoding = True
        App.get_running_app().in_background(
            lambda: scanner.decode(scanner.grey_from_rgba(pixels, width, height), width, height),
            self._decoded, self._failed)

    def _decoded(self, codes: list[str]):
        self._decoding = False
        if codes and self.manager.current == self.name:
            App.get_running_app().back()
            self._on_code(codes[0])

    def _failed(self, err):
        self._decoding = False
        self.message = f"The code could not be read: {err}"


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
