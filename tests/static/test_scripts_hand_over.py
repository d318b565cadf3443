"""Every entry point is one command of one Python command line (ops/cli.py): the root scripts and bin/*.sh only make
sure .venv exists and hand over; no option parsing, YAML or JSON reading in bash. Every command has --help with
examples and exits 2 for a bad option."""

from __future__ import annotations

import contextlib
import importlib
import io
import re
import subprocess
from pathlib import Path

import pytest

from ops.cli import COMMANDS, USAGE

ROOT = Path(__file__).resolve().parents[2]
HANDED_OVER = sorted(ROOT / command.script.removeprefix("./") for command in COMMANDS.values())
# The student's client needs no .venv (plain python3 3.8+, standard library): it checks the interpreter and
# execs the client, which parses its own options.
OWN_LAUNCHERS = [ROOT / "bin" / "test-time.sh", ROOT / "run-tests.sh"]

# What parsing options or reading YAML/JSON in bash looks like.
FORBIDDEN = {
    "a case over arguments": re.compile(r"\bcase\b\s+\"?\$"),
    "shift": re.compile(r"\bshift\b"),
    "getopts": re.compile(r"\bgetopts\b"),
    "a positional argument": re.compile(r"\$\{?[1-9]"),
    "an argument count": re.compile(r"\$#"),
    "sed": re.compile(r"\bsed\b"),
    "awk": re.compile(r"\bawk\b"),
    "jq": re.compile(r"\bjq\b"),
    # A version check (bin/test-time.sh) is fine; reading settings, JSON or arguments through Python is not.
    "python -c reading data": re.compile(r"python3?\"?\s+-c\b.*(json|yaml|sys\.argv|open\()"),
    "a YAML or JSON file read": re.compile(r"\b(grep|cat|cut|head|tail|read|source)\b[^|;]*\.(ya?ml|json)\b"),
}


def code_lines(script: Path) -> list[str]:
    return [line for line in script.read_text().splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_every_command_has_its_script() -> None:
    scripts = {path.name for path in [*ROOT.glob("*.sh"), *(ROOT / "bin").glob("*.sh")]}
    for path in HANDED_OVER:
        assert path.is_file(), f"{path} is named in ops/cli.py COMMANDS but does not exist"
    others = scripts - {path.name for path in HANDED_OVER} - {path.name for path in OWN_LAUNCHERS}
    assert not others, f"scripts that are not a command of ops/cli.py: {sorted(others)}"


@pytest.mark.parametrize("script", HANDED_OVER + OWN_LAUNCHERS, ids=lambda path: path.name)
def test_no_script_parses_options_or_reads_yaml_or_json(script: Path) -> None:
    found = [f"{what}: {line.strip()}" for line in code_lines(script) for what, pattern in FORBIDDEN.items()
             if pattern.search(line)]  # fmt: skip
    assert not found, f"{script.relative_to(ROOT)} does in bash what ops/cli.py is for:\n" + "\n".join(found)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_script_hands_over_to_its_command(name: str) -> None:
    script = ROOT / COMMANDS[name].script.removeprefix("./")
    assert code_lines(script)[-1].strip() == f'hand_over {name} "$@"'
    assert "set -euo pipefail" in script.read_text()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_with_examples(name: str) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exited:
        importlib.import_module(COMMANDS[name].module).main(["--help"])
    assert exited.value.code == 0
    text = out.getvalue()
    assert text.startswith(f"usage: {COMMANDS[name].script}"), text[:200]
    assert COMMANDS[name].script in text.split("usage:", 1)[1].split("\n\n", 1)[1], f"no example in:\n{text}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_bad_option_is_a_usage_error(name: str) -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as exited:
        importlib.import_module(COMMANDS[name].module).main(["--no-such-option"])
    assert exited.value.code == USAGE
    assert "error:" in err.getvalue()


def test_the_bash_side_hands_over_the_arguments_and_the_exit_status() -> None:
    script = str(ROOT / "bin" / "status.sh")
    helped = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith("usage: bin/status.sh")
    refused = subprocess.run([script, "--target", "moon"], capture_output=True, text=True, timeout=60)
    assert refused.returncode == USAGE
    assert "moon" in refused.stderr
