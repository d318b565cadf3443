"""The trainer's tools' texts, in the class's language (``language`` in group_vars/all.yml).

The same gettext core as the Lambda package (testtime.i18n), with the catalogs of the ``trainer`` domain in
``ops/locale``. A tool's entry point sets the language once::

    from ops.i18n import TRAINER, run_in_class_language
    _ = TRAINER.gettext
    return run_in_class_language(lambda: _main(argv))
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from testtime.i18n import Messages, use_language

LOCALE_DIR = Path(__file__).with_name("locale")
TRAINER = Messages("trainer", LOCALE_DIR)
_ = TRAINER.gettext


@contextmanager
def use_class_language() -> Iterator[str]:
    """Texts in the settings' language inside the block; yields the language."""
    from ops.deployment import load_settings

    language = load_settings().language
    with use_language(language):
        yield language


def run_in_class_language(run: Callable[[], int], failed: int = 1) -> int:
    """A tool's command in the class's language. A ``DeploymentError`` (group_vars/all.yml unusable, its language
    included, or the tool's own) is one line ``error: ...`` on stderr and the exit status ``failed``."""
    from ops.deployment import DeploymentError

    try:
        with use_class_language():
            return run()
    except DeploymentError as error:
        print(_("error: {error}", error=error), file=sys.stderr)
        return failed
