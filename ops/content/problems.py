"""What is wrong with the trainer's content: one problem per mistake, all of them in one exception."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ops.i18n import TRAINER

_ = TRAINER.gettext

# Where a value sits in a parsed file: mapping keys and list indexes (0-based), e.g. ("questions", 2, "answer").
FieldPath = tuple[str | int, ...]


def format_field(field: FieldPath) -> str:
    """``questions[2].answer`` for ``("questions", 2, "answer")``; ``[1].email`` for a top-level list."""
    text = ""
    for part in field:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


@dataclass(frozen=True)
class Problem:
    """One mistake: the file (relative to the content folder), the field, the line when the parser knows it."""

    file: str
    message: str
    field: FieldPath = ()
    line: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(_("line {line}", line=self.line))
        if self.field:
            parts.append(format_field(self.field))
        parts.append(self.message)
        return ": ".join(parts)


class ContentError(Exception):
    """The content cannot be published; ``problems`` lists every mistake found, in file order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))
