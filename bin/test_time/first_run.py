"""The first run in a terminal: ask for the API URL and the key (hidden), check them with the API, save them."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from .api import Api
from .console import Console
from .ids import is_safe_id
from .outcomes import EXIT_CONFIG, EXIT_FORBIDDEN, EXIT_NETWORK, EXIT_REJECTED, PROG, Failure
from .settings import key_problem, normalise_url, write_config

SETUP_ATTEMPTS = 3


def ask_url(console: Console) -> str:
    while True:
        try:
            return normalise_url(console.ask("API URL: "))
        except ValueError as error:
            console.say(f"{error}: paste the URL your trainer gave you, e.g. https://abc123.execute-api...")


def ask_key(console: Console) -> str:
    while True:
        key = getpass.getpass("API key (not shown while you type): ").strip()
        if not key:
            console.say("The key is needed: paste it and press Enter (it stays hidden).")
            continue
        problem = key_problem(key)
        if problem is None:
            return key
        console.say(f"That is not an API key: {problem}. Paste the key your trainer gave you.")


def first_run(path: Path, console: Console) -> tuple[dict[str, str], dict[str, Any]]:
    """The settings and the first listing. Terminal only: from a pipe there is nobody to ask."""
    if not console.interactive:
        raise Failure(
            f"invalid config: {path} does not exist; run bin/{PROG} in a terminal once to set it up "
            f"(or ask your trainer for: bin/pull-api-config.sh --student ID --save)",
            EXIT_CONFIG,
        )
    console.say(f"Welcome to Test Time. There are no settings at {path} yet: let's set them up.")
    console.say("Your trainer gave you the API URL and your API key.")
    failure: Failure | None = None
    for attempt in range(1, SETUP_ATTEMPTS + 1):
        url = ask_url(console)
        key = ask_key(console)
        console.say("Checking them with the API...")
        try:
            listing = Api(url, key).list_tests()
        except Failure as error:
            failure = error
            if error.status not in (EXIT_NETWORK, EXIT_FORBIDDEN, EXIT_CONFIG, EXIT_REJECTED):
                raise
            left = SETUP_ATTEMPTS - attempt
            said = error.message.rstrip(".")  # a message may end a sentence already
            console.say(f"That did not work: {said}." + (f" Try again ({left} left)." if left else ""))
            continue
        student = listing.get("studentId")
        values = {"API_URL": url, "API_KEY": key, "STUDENT_ID": student if is_safe_id(student) else ""}
        write_config(path, values)
        console.say(f"OK, you are {values['STUDENT_ID'] or 'known'}. Saved to {path} (only you can read it).")
        console.say()
        return values, listing
    assert failure is not None
    raise failure
