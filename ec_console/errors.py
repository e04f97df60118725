"""Exit statuses and the exceptions that map onto them (DESIGN.md, "CLI contract").

A diagnosed check failure is a *result*, not an exception: these are for the cases where the console
refuses to start work (bad input, no keychain) or cannot go on.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0            # every step passed or warned
    STEP_FAILED = 1   # a step failed (a problem inside a file's content counts here too)
    BAD_INPUT = 2     # refused before any work: usage, malformed arguments, missing secret
    NO_KEYCHAIN = 3   # no usable keychain
    INTERRUPTED = 130


class ConsoleError(Exception):
    """An expected failure with a message meant for the user (never a traceback)."""

    exit_status: ExitStatus = ExitStatus.STEP_FAILED
    code: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(ConsoleError):
    """The user's input was refused before any work was done."""

    exit_status = ExitStatus.BAD_INPUT
    code = "bad_input"


class KeychainUnavailable(ConsoleError):
    """No usable, secure keychain: nothing was written anywhere."""

    exit_status = ExitStatus.NO_KEYCHAIN
    code = "keychain_unavailable"


class RoleRefused(ConsoleError):
    """The signed-in role may not do this (a helpdesk member revoking, for instance): refused by the
    registry's database or, before any work, by the console. Exit status 1: tried and not allowed."""

    exit_status = ExitStatus.STEP_FAILED
    code = "refused_by_role"
