"""The server tests' fixtures, for other test folders that need the same world."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("server_conftest", Path(__file__).parent / "server" / "conftest.py")
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)

World, Logistics = _module.World, _module.Logistics
world, logistics, phone_of, amy, ben, dana = (_module.world, _module.logistics, _module.phone_of, _module.amy,
                                              _module.ben, _module.dana)
