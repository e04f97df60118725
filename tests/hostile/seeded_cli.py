"""`python -m hostile.seeded_cli ARGS...`: the real `ec-console` command line in a child process whose
in-memory credential store starts out holding one secret.

A test that kills the command line mid-run needs it in a process of its own, and that process needs the
application's secret. Without an OS keychain (`EC_CONSOLE_CREDENTIAL_STORE=memory`) the only way in is
the environment: `EC_TEST_SEED_KEY` names the store key, `EC_TEST_SEED_SECRET` holds the secret. Both
are removed from the environment before anything else runs (so no child of this process inherits them),
the secret goes into the store, and `ec_console.cli.main` runs with the remaining arguments — the same
code as `python -m ec_console`. Never used outside the tests.
"""

from __future__ import annotations

import os
import sys

SEED_KEY_ENV = "EC_TEST_SEED_KEY"
SEED_SECRET_ENV = "EC_TEST_SEED_SECRET"


def main(argv: list[str]) -> int:
    key = os.environ.pop(SEED_KEY_ENV, None)
    secret = os.environ.pop(SEED_SECRET_ENV, None)
    if key and secret is not None:
        from ec_console.secrets import default_store

        default_store().set(key, secret)
    from ec_console.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
