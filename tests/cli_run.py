"""Run the `ec-console` command line in-process for a test: `run(capsys, *args)` gives the exit status and
what it wrote to stdout and stderr."""

from __future__ import annotations

from ec_console import cli


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err
