"""The terminal: prompts and wrapped output. Text from the API or from the input is shown, never obeyed: a
control character (an escape sequence that could move the cursor, clear the screen or retitle the window) is
printed as its escape (``\\x1b``)."""

from __future__ import annotations

import re
import shutil
import sys
import textwrap

# C0 controls except the whitespace textwrap turns into spaces, DEL and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """``text`` with its control characters (not tabs and line breaks) written as escapes."""
    return _CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


def one_line(text: str) -> str:
    """``text`` with every control character, line breaks too, written as an escape: a message stays one line."""
    return _ANY_CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


class Console:
    """Questions and answers: line editing in a terminal; from a pipe, each line read is echoed after its prompt."""

    def __init__(self) -> None:
        self.interactive = sys.stdin.isatty()
        self.width = max(40, min(shutil.get_terminal_size((100, 24)).columns, 110) - 2)

    def ask(self, prompt: str) -> str:
        if self.interactive:
            return input(prompt).strip()
        sys.stdout.write(prompt)
        sys.stdout.flush()
        line = sys.stdin.readline()
        if not line:
            sys.stdout.write("\n")
            raise EOFError
        answer = line.rstrip("\r\n")
        sys.stdout.write(one_line(answer) + "\n")
        return answer.strip()

    def say(self, text: str = "", indent: str = "") -> None:
        if not text:
            print()
            return
        wrapped = textwrap.fill(
            visible(text),
            width=self.width,
            initial_indent=indent,
            subsequent_indent=indent + "  ",
            break_long_words=False,  # paths and URLs stay whole, so that they can be copied
            break_on_hyphens=False,
        )
        print(wrapped)
