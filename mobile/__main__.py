"""Run the field app on a desktop: ``python -m mobile --server http://127.0.0.1:5000``."""

import argparse
import os


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m mobile", description="Fieldloop field app")
    parser.add_argument("--server", default="http://127.0.0.1:5000", help="the Fieldloop server's address")
    parser.add_argument("--data", help="folder of the local database (default: the app's user data folder)")
    parser.add_argument("--size", default="400x800", help="window size on a desktop, WIDTHxHEIGHT")
    args = parser.parse_args(argv)

    # Kivy reads its own options from sys.argv unless told not to, and fixes the window size at import.
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kivy.config import Config

    width, height = args.size.lower().split("x")
    Config.set("graphics", "width", width)
    Config.set("graphics", "height", height)
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("kivy", "exit_on_escape", "0")

    from mobile.main import FieldloopApp

    FieldloopApp(server_url=args.server, data_dir=args.data).run()


if __name__ == "__main__":
    main()
