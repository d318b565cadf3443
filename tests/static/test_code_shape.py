"""The code's shape, as issue 13 asks for it and as a reader relies on it:

* the documents package is the only code that parses JSON read from the data bucket;
* every module of the Lambda package is small enough to read at once;
* keys of the bucket are taken apart in ``testtime.layout`` only.

The JSON parsed elsewhere is named below with what it is (a request body, a local file, a command's output): the
list is checked both ways, so a new ``json.loads`` needs a reason here and a reason that no longer applies fails.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "lambda_src" / "testtime"
DOCUMENTS = PACKAGE / "documents"
MAX_MODULE_LINES = 400

# Modules that parse JSON which is not a bucket document, and what that JSON is.
OTHER_JSON = {
    "lambda_src/testtime/http.py": "the API request's body",
    "lambda_src/testtime/log.py": "a log field's value, turned into plain JSON types",
    "lambda_src/testtime/scoring.py": "the GRADE_SCALE setting",
    "ops/content/documents.py": "the trainer's content files (the original JSON layout)",
    "ops/backup.py": "the backup folder's manifest.json and the stack outputs file",
    "ops/artifacts_bucket.py": "the artifacts bucket's policy, as S3 returns it",
    "ops/container_image.py": "buildah's and podman's inspect output",
    "ops/deploy_command.py": "the stack outputs file and -e variables given as JSON on the command line",
    "ops/deploy_fingerprint.py": "the deploy's local state and stack outputs files",
    "ops/deploy_preview.py": "the events file of the deploy's Ansible callback (callback_plugins/testtime_events.py)",
    "ops/deploy_progress.py": "the events file of the deploy's Ansible callback (callback_plugins/testtime_events.py)",
    "ops/teardown.py": "the data stack's saved outputs file (it names the data bucket once the stack is gone)",
    "ops/deployment.py": "the stack outputs file",
    "ops/logs.py": "CloudWatch log events the functions printed",
    "ops/outbox.py": "the emulator's SES outbox API answer",
    "ops/score_now.py": "the scorer's invocation result and the failure queue's messages",
    "ops/smoke/steps.py": "the output of the project's own commands and the stack outputs file",
    "bin/test_time/api.py": "the API's answers (the student's terminal client)",
}


def _python_files() -> list[Path]:
    files = [*PACKAGE.rglob("*.py"), *(ROOT / "ops").rglob("*.py"), *(ROOT / "bin").rglob("*.py")]
    files += (ROOT / "portal").rglob("*.py")
    return sorted(path for path in files if ".venv" not in path.parts)


def _json_parsing_calls(path: Path) -> list[int]:
    """Lines calling ``json.loads``/``json.load`` (or a name imported from json as such)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    aliases = {"loads", "load"} & {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "json"
        for alias in node.names
    }
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if isinstance(function, ast.Attribute) and function.attr in ("loads", "load"):
            if isinstance(function.value, ast.Name) and function.value.id == "json":
                lines.append(node.lineno)
        elif isinstance(function, ast.Name) and function.id in aliases:
            lines.append(node.lineno)
    return lines


def test_only_the_documents_package_parses_bucket_json() -> None:
    found = {
        path.relative_to(ROOT).as_posix(): lines
        for path in _python_files()
        if DOCUMENTS not in path.parents and (lines := _json_parsing_calls(path))
    }
    unexplained = {path: lines for path, lines in found.items() if path not in OTHER_JSON}
    assert not unexplained, (
        "JSON parsed outside lambda_src/testtime/documents: read bucket objects through the documents package, "
        f"or name what else this JSON is in OTHER_JSON: {unexplained}"
    )
    stale = sorted(path for path in OTHER_JSON if path not in found)
    assert not stale, f"OTHER_JSON names modules that no longer parse JSON: {stale}"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda path: path.relative_to(PACKAGE).as_posix())
def test_every_module_of_the_lambda_package_reads_at_once(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.relative_to(ROOT)} has {lines} lines; split it by what its parts do"


@pytest.mark.parametrize(
    "path", sorted((ROOT / "bin").rglob("*.py")), ids=lambda path: path.relative_to(ROOT).as_posix()
)
def test_every_module_under_bin_reads_at_once(path: Path) -> None:
    """The student's terminal client (bin/test_time_client.py and its package bin/test_time/) and any other tool."""
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.relative_to(ROOT)} has {lines} lines; split it by what its parts do"


def _prefix_slices(path: Path) -> list[int]:
    """Lines slicing a string by a prefix's length (``key[len(prefix):]``): how keys were taken apart before
    ``testtime.layout`` had a parser for each kind."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            lower = node.slice.lower
            if isinstance(lower, ast.Call) and isinstance(lower.func, ast.Name) and lower.func.id == "len":
                lines.append(node.lineno)
    return lines


def test_keys_are_taken_apart_by_the_layout_only() -> None:
    """A bucket key is built and parsed in testtime.layout; elsewhere a prefix-length slice is a second rule."""
    found = {
        path.relative_to(ROOT).as_posix(): lines
        for path in [*PACKAGE.rglob("*.py"), *(ROOT / "ops").rglob("*.py")]
        if path.name != "layout.py" and (lines := _prefix_slices(path))
    }
    assert not found, f"keys sliced outside testtime.layout (add a parser there): {found}"


# A constant piece of an f-string that is the tail or head of a bucket key: ``.../score.json``, ``scorer/...``.
_KEY_PIECE = re.compile(r"/(testResult|score|questions|questionsKey)\.json$|^(scorer|submitted)/")


def _built_keys(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.JoinedStr) and any(
            isinstance(part, ast.Constant) and isinstance(part.value, str) and _KEY_PIECE.search(part.value)
            for part in node.values
        ):
            lines.append(node.lineno)
    return lines


def test_keys_are_built_by_the_layout_only() -> None:
    found = {
        path.relative_to(ROOT).as_posix(): lines
        for path in _python_files()
        if path.name != "layout.py" and (lines := _built_keys(path))
    }
    assert not found, f"bucket keys built outside testtime.layout (use its functions): {found}"
