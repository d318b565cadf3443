"""Setting up the config in a terminal: the first run asks for the API URL and the key (hidden), checks them with
the API and saves them; a key the API refuses is asked for again, alone (the URL answered, so it is right)."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from .api import Api
from .console import Console
from .i18n import CLIENT
from .ids import is_safe_id
from .outcomes import EXIT_CONFIG, EXIT_FORBIDDEN, EXIT_NETWORK, EXIT_REJECTED, PROG, Failure
from .settings import key_problem, normalise_url, write_config
from .taking import student_name

_ = CLIENT.gettext

SETUP_ATTEMPTS = 3


def ask_url(console: Console) -> str:
    while True:
        try:
            return normalise_url(console.ask(_("API URL: ")))
        except ValueError as error:
            console.say(
                _("{problem}: paste the URL your trainer gave you, e.g. https://abc123.execute-api...", problem=error)
            )


def ask_key(console: Console) -> str:
    while True:
        key = getpass.getpass(_("API key (not shown while you type): ")).strip()
        if not key:
            console.say(_("The key is needed: paste it and press Enter (it stays hidden)."))
            continue
        problem = key_problem(key)
        if problem is None:
            return key
        console.say(_("That is not an API key: {problem}. Paste the key your trainer gave you.", problem=problem))


def _did_not_work(console: Console, error: Failure, attempt: int) -> None:
    left = SETUP_ATTEMPTS - attempt
    said = _("That did not work: {problem}.", problem=error.message.rstrip("."))  # a message may end a sentence
    console.say(said + (" " + _("Try again ({left} left).", left=left) if left else ""))


def _save(path: Path, console: Console, values: dict[str, str], listing: dict[str, Any]) -> dict[str, str]:
    student = listing.get("studentId")
    values = {**values, "STUDENT_ID": student if is_safe_id(student) else values.get("STUDENT_ID", "")}
    write_config(path, values)
    who = student_name(listing)
    if who:
        console.say(_("OK, you are {name}. Saved to {path} (only you can read it).", name=who, path=path))
    else:
        console.say(_("OK. Saved to {path} (only you can read it).", path=path))
    console.say()
    return values


def first_run(path: Path, console: Console) -> tuple[dict[str, str], dict[str, Any]]:
    """The settings and the first listing. Terminal only: from a pipe there is nobody to ask."""
    if not console.interactive:
        raise Failure(
            _(
                "invalid config: {path} does not exist; run bin/{prog} in a terminal once to set it up "
                "(or ask your trainer for: bin/pull-api-config.sh --student ID --save)",
                path=path,
                prog=PROG,
            ),
            EXIT_CONFIG,
        )
    console.say(_("Welcome to Test Time. There are no settings at {path} yet: let's set them up.", path=path))
    console.say(_("Your trainer gave you the API URL and your API key."))
    failure: Failure | None = None
    url = ""
    for attempt in range(1, SETUP_ATTEMPTS + 1):
        if failure is None or failure.status != EXIT_FORBIDDEN:
            url = ask_url(console)  # a refused key: the URL answered, only the key is asked again
        key = ask_key(console)
        console.say(_("Checking them with the API..."))
        try:
            listing = Api(url, key).list_tests()
        except Failure as error:
            failure = error
            if error.status not in (EXIT_NETWORK, EXIT_FORBIDDEN, EXIT_CONFIG, EXIT_REJECTED):
                raise
            _did_not_work(console, error, attempt)
            continue
        return _save(path, console, {"API_URL": url, "API_KEY": key}, listing), listing
    assert failure is not None
    raise failure


def replace_key(path: Path, config: dict[str, str], console: Console) -> tuple[dict[str, str], dict[str, Any]]:
    """The config's key was refused: ask for the key only; the config is rewritten once the API accepts one."""
    console.say(_("Your API key was not accepted. Paste the key your trainer gave you (the API URL stays as it is)."))
    failure: Failure | None = None
    for attempt in range(1, SETUP_ATTEMPTS + 1):
        key = ask_key(console)
        console.say(_("Checking it with the API..."))
        try:
            listing = Api(config["API_URL"], key).list_tests()
        except Failure as error:
            if error.status != EXIT_FORBIDDEN:
                raise
            failure = error
            _did_not_work(console, error, attempt)
            continue
        return _save(path, console, {**config, "API_KEY": key}, listing), listing
    assert failure is not None
    raise failure
