"""Assembles the folder buildozer turns into an Android package: ``python -m mobile.packaging``.

Buildozer packages one folder whose main.py starts the app; the app lives in
the ``mobile`` and ``common`` packages of this repository, so they are copied
side by side into mobile/.buildozer/app-src with a two-line main.py.
"""

import shutil
from pathlib import Path

MOBILE_DIR = Path(__file__).resolve().parent
REPOSITORY = MOBILE_DIR.parent
STAGE = MOBILE_DIR / ".buildozer" / "app-src"
PACKAGES = ("common", "mobile")
LEFT_OUT = shutil.ignore_patterns("__pycache__", "*.pyc", ".buildozer", "bin", "*.spec", "packaging.py",
                                  ".fieldloop-data")

MAIN = '''"""Android entry point, written by mobile/packaging.py."""
from mobile.main import FieldloopApp

FieldloopApp().run()
'''


def stage(target: Path = STAGE) -> Path:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for package in PACKAGES:
        shutil.copytree(REPOSITORY / package, target / package, ignore=LEFT_OUT)
    (target / "main.py").write_text(MAIN)
    return target


if __name__ == "__main__":
    print(f"Staged the app for buildozer in {stage()}")
