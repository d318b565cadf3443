"""The trainer's tools' texts, in the class's language (``language`` in group_vars/all.yml).

The same gettext core as the Lambda package (testtime.i18n), with the catalogs of the ``trainer`` domain in
``ops/locale``. A tool's entry point sets the language once::

    from ops.i18n import TRAINER, use_class_language
    _ = TRAINER.gettext
    with use_class_language(): ...
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from testtime.i18n import Messages, use_language

LOCALE_DIR = Path(__file__).with_name("locale")
TRAINER = Messages("trainer", LOCALE_DIR)


@contextmanager
def use_class_language() -> Iterator[str]:
    """Texts in the settings' language inside the block; yields the language."""
    from ops.deployment import load_settings

    language = load_settings().language
    with use_language(language):
        yield language
