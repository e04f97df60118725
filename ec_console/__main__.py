"""`python -m ec_console` runs the same entry point as the `ec-console` command."""

import sys

from ec_console.cli import main

if __name__ == "__main__":
    sys.exit(main())
