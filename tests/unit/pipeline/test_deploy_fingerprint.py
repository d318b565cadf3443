"""The deploy's up-to-date check: the fingerprint moves with any file the deploy may read (a new one anywhere
included), any environment variable those files read, an extra variable or the target, and not with the tests,
the docs or the trainer's content; a recorded deploy counts as current only when its record matches."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ops.deploy_fingerprint import compute, environment_read_by, input_files, save, stale_reason


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "roles" / "r" / "tasks").mkdir(parents=True)
    (tmp_path / "roles" / "r" / "tasks" / "main.yml").write_text("---\n")
    (tmp_path / "lambda_src").mkdir()
    (tmp_path / "lambda_src" / "mod.py").write_text("X = 1\n")
    (tmp_path / "lambda_src" / "__pycache__").mkdir()
    (tmp_path / "ansible.cfg").write_text("[defaults]\n")
    return tmp_path


def test_the_fingerprint_follows_files_extra_vars_and_target(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TT_TARGET", "local")
    base = compute([], tree)
    assert compute([], tree) == base
    (tree / "lambda_src" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    assert compute([], tree) == base, "bytecode is no input"
    assert compute(["-e project_name=x"], tree) != base
    monkeypatch.setenv("TT_TARGET", "aws")
    assert compute([], tree) != base
    monkeypatch.setenv("TT_TARGET", "local")
    (tree / "lambda_src" / "mod.py").write_text("X = 2\n")
    assert compute([], tree) != base


def test_a_deploy_is_current_only_against_its_own_record(tmp_path: Path) -> None:
    state = tmp_path / "last-deploy.json"
    assert stale_reason("abc", state) == "no record of a previous deploy"
    outputs = tmp_path / "stack-outputs.json"
    outputs.write_text(json.dumps({"Stacks": ["s"], "ArtifactsBucket": "b", "LambdaPackageKey": "k"}))
    save("abc", state, outputs)
    assert stale_reason("other", state) == "the deployment's files or settings changed"
    outputs.unlink()
    assert stale_reason("abc", state) == "the stack outputs file is missing"


def test_a_new_file_anywhere_counts_but_not_the_places_the_deploy_never_reads(tree: Path) -> None:
    base = compute([], tree)
    never_read = ("tests/test_x.py", "docs/x.md", "content/subjects/s/t.yml", "bench/b.py", "NOTES.md",
                  ".venv/lib/x.py", "build/local/stack-outputs.json", ".local/ministack-4566/state.json")  # fmt: skip
    for path in never_read:
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        (tree / path).write_text("anything\n")
        assert compute([], tree) == base, path
    (tree / "somewhere_new" / "plugin.py").parent.mkdir()
    (tree / "somewhere_new" / "plugin.py").write_text("X = 1\n")
    assert compute([], tree) != base, "a file nobody listed still counts"


def test_the_environment_the_playbook_reads_counts(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tree / "group_vars").mkdir()
    (tree / "group_vars" / "all.yml").write_text("x: \"{{ lookup('ansible.builtin.env', 'TT_SOMETHING_NEW') }}\"\n")
    (tree / "roles" / "r" / "action_plugins").mkdir()
    (tree / "roles" / "r" / "action_plugins" / "p.py").write_text("from ops import settings_used\n")
    (tree / "ops").mkdir()
    (tree / "ops" / "settings_used.py").write_text(
        'import os\nPORT = os.environ.get("TT_OTHER_SETTING", "1")\nK = os.getenv("A_SECRET_KEY")\n'
    )
    (tree / "ops" / "a_command.py").write_text('import os\nSTART = os.environ.get("TT_AFTER_THE_PLAYBOOK")\n')
    read = environment_read_by(input_files(tree), tree)
    assert {"TT_OTHER_SETTING", "TT_SOMETHING_NEW"} <= set(read), "a lookup and a plugin's import count"
    assert "TT_AFTER_THE_PLAYBOOK" not in read, "a command around the playbook shapes no stack"
    assert "A_SECRET_KEY" not in read, "a secret's value is never recorded"
    for name in ("TT_SOMETHING_NEW", "TT_OTHER_SETTING", "TT_AFTER_THE_PLAYBOOK"):
        monkeypatch.delenv(name, raising=False)
    base = compute([], tree)
    monkeypatch.setenv("TT_OTHER_SETTING", "2")
    assert compute([], tree) != base
    monkeypatch.delenv("TT_OTHER_SETTING")
    monkeypatch.setenv("TT_AFTER_THE_PLAYBOOK", "1")
    monkeypatch.setenv("A_SECRET_KEY", "changed")
    assert compute([], tree) == base


def test_in_a_git_checkout_what_gitignore_leaves_out_does_not_count(tree: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tree)], check=True)
    (tree / ".gitignore").write_text(".hypothesis/\n")
    base = compute([], tree)
    (tree / ".hypothesis" / "examples").mkdir(parents=True)
    (tree / ".hypothesis" / "examples" / "x").write_text("test output\n")
    assert compute([], tree) == base, "an ignored file is no input"
    (tree / "roles" / "r" / "tasks" / "extra.yml").write_text("---\n")
    assert compute([], tree) != base, "an untracked file that is not ignored counts"
