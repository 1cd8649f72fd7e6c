"""Entry point of ``python -m server.logistics.routing``."""

import sys

from server.logistics.routing.cli import main

if __name__ == "__main__":
    sys.exit(main())
