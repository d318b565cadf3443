"""The local processes (ops/local_aws.py, ops/local_portal.py behind bin/local-aws.sh and bin/portal.sh): their exit
statuses, the portal's restart fingerprint and secret file, and a real MiniStack and a real gunicorn started, found
running, and stopped quietly and idempotently (the remove stops the local portal through this), each on a throwaway
port with a throwaway state folder."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ops import local_aws, local_portal

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def loose_modes(folder: Path) -> list[str]:
    """Every path under ``folder`` that its group or others may read, write or enter."""
    return [f"{path} {stat.filemode(path.stat().st_mode)}" for path in folder.rglob("*") if path.stat().st_mode & 0o077]


@pytest.fixture
def throwaway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Ports and folders of this test's own: never the trainer's 4566, 8080 or .local/."""
    env = {
        "LOCAL_AWS_PORT": str(free_port()),
        "LOCAL_AWS_STATE_DIR": str(tmp_path / "ministack"),
        "PORTAL_PORT": str(free_port()),
        "PORTAL_STATE_DIR": str(tmp_path / "portal"),
        "PORTAL_SECRET_KEY": "local-processes-" * 4,
        "TT_BUILD_ROOT": str(tmp_path / "build"),
        "TT_TARGET": "local",
        "TT_BUILD_DIR": str(tmp_path / "build" / "local"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("PORTAL_TIMEZONE", "GUNICORN_CMD_ARGS", "MINISTACK_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    return env


def script(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROOT / argv[0]), *argv[1:]], cwd=ROOT, text=True, capture_output=True, timeout=120)


# --- exit statuses, through the real scripts --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["bin/local-aws.sh", "bin/portal.sh"])
def test_status_not_running_exits_1_and_says_how_to_start(name: str, throwaway: dict[str, str]) -> None:
    shown = script(name, "status")
    assert shown.returncode == 1, shown.stderr
    assert shown.stdout == f"not running (start it with: {name} start)\n"


@pytest.mark.parametrize("name", ["bin/local-aws.sh", "bin/portal.sh"])
@pytest.mark.parametrize("argv", [["bogus"], [], ["start", "extra"], ["--bogus", "status"]])
def test_a_bad_subcommand_or_option_exits_2(name: str, argv: list[str], throwaway: dict[str, str]) -> None:
    refused = script(name, *argv)
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert refused.stderr.startswith(f"usage: {name} ")
    assert not Path(throwaway["LOCAL_AWS_STATE_DIR"]).exists() and not Path(throwaway["PORTAL_STATE_DIR"]).exists()


@pytest.mark.parametrize("name", ["bin/local-aws.sh", "bin/portal.sh"])
def test_help_names_the_subcommands_examples_and_variables(name: str) -> None:
    shown = script(name, "--help")
    assert shown.returncode == 0
    assert shown.stdout.startswith(f"usage: {name} ")
    assert "examples:" in shown.stdout and "exit status: 0 done" in shown.stdout
    variable = "LOCAL_AWS_PORT" if name == "bin/local-aws.sh" else "PORTAL_PORT"
    assert f"{variable}=" in shown.stdout


@pytest.mark.parametrize(
    ("name", "variable"), [("bin/local-aws.sh", "LOCAL_AWS_PORT"), ("bin/portal.sh", "PORTAL_PORT")]
)
@pytest.mark.parametrize("command", ["status", "stop"])
def test_a_bad_port_is_one_line_and_exit_1(name: str, variable: str, command: str, throwaway: dict[str, str]) -> None:
    shown = subprocess.run([str(ROOT / name), command], cwd=ROOT, text=True, capture_output=True,
                           env={**os.environ, variable: "80a"}, timeout=120)  # fmt: skip
    assert shown.returncode == 1
    assert shown.stderr == f"error: {variable} must be a port number (1 to 65535), not '80a'\n"
    assert shown.stdout == ""


# --- the portal's fingerprint and secret --------------------------------------------------------------------------


def test_the_fingerprint_follows_the_portals_files_and_settings_not_its_caches(
    tmp_path: Path, throwaway: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "portal"
    (source / "templates").mkdir(parents=True)
    (source / "app.py").write_text("app = 1\n")
    (source / "templates" / "page.html").write_text("<p>hello</p>\n")
    monkeypatch.setattr(local_portal, "PORTAL_SOURCE", source)
    api = "http://127.0.0.1:9/api"
    first = local_portal.fingerprint(api)
    assert local_portal.fingerprint(api) == first

    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"compiled")
    (source / "templates" / "page.pyc").write_bytes(b"compiled")
    assert local_portal.fingerprint(api) == first, "a compiled file is no change of the portal"

    monkeypatch.setenv("PORTAL_SECRET_KEY", "another-secret-" * 4)
    assert local_portal.fingerprint(api) == first, "the secret is not part of it"

    (source / "templates" / "page.html").write_text("<p>hello!</p>\n")
    changed = local_portal.fingerprint(api)
    assert changed != first
    (source / "templates" / "new.html").write_text("")
    assert local_portal.fingerprint(api) != changed, "a new file is a change"
    assert local_portal.fingerprint(api + "/other") != local_portal.fingerprint(api)
    settled = local_portal.fingerprint(api)
    monkeypatch.setenv("PORTAL_TIMEZONE", "UTC")
    assert local_portal.fingerprint(api) != settled
    monkeypatch.setenv("CLASS_LANGUAGE", "pl")
    assert local_portal.fingerprint(api) != settled


def test_the_secret_file_is_made_once_readable_by_its_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    path = tmp_path / "local" / "portal-secret"
    secret = local_portal.secret_key(path)
    assert len(secret) >= 48 and "\n" not in secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert local_portal.secret_key(path) == secret, "the same secret on every start: sessions survive a restart"
    path.chmod(0o644)  # loosened by hand, or left by an older version
    assert local_portal.secret_key(path) == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("")  # an empty file is no secret: a new one
    renewed = local_portal.secret_key(path)
    assert renewed and renewed != secret and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_portal_secret_key_wins_and_no_file_is_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_SECRET_KEY", "from-the-environment-" * 3)
    path = tmp_path / "portal-secret"
    assert local_portal.secret_key(path) == "from-the-environment-" * 3
    assert not path.exists()


# --- real processes -----------------------------------------------------------------------------------------------


def test_the_local_aws_starts_once_stops_quietly_and_resets_its_own_build_only(
    throwaway: dict[str, str], tmp_path: Path
) -> None:
    state = Path(throwaway["LOCAL_AWS_STATE_DIR"])
    endpoint = f"http://127.0.0.1:{throwaway['LOCAL_AWS_PORT']}"
    (state / "tmp").mkdir(parents=True)
    (state / "tmp" / "left-over").write_text("from the last run")
    try:
        started = local_aws.start()
        pid = local_aws.read_pid(state / "ministack.pid")
        assert started == f"local AWS started (pid {pid}, state in {state})\nendpoint: {endpoint}"
        assert local_aws.is_running() and answers(f"{endpoint}/_ministack/health")
        assert local_aws.start() == f"local AWS already running (pid {pid})\nendpoint: {endpoint}"
        assert local_aws.status() == (True, f"running (pid {pid}, state in {state})\nendpoint: {endpoint}")
        assert not (state / "tmp" / "left-over").exists(), "the scratch folder is emptied on start"
        assert stat.S_IMODE(state.stat().st_mode) == 0o700 and loose_modes(state) == []
    finally:
        stopped = local_aws.stop()
    assert stopped == "local AWS stopped"
    assert not answers(f"{endpoint}/_ministack/health") and not (state / "ministack.pid").exists()
    assert local_aws.stop() == "local AWS not running"
    assert local_aws.status() == (False, "not running (start it with: bin/local-aws.sh start)")

    build = Path(throwaway["TT_BUILD_ROOT"]) / "local"
    build.mkdir(parents=True)
    (build / "stack-outputs.json").write_text("{}")
    assert local_aws.reset() == f"local AWS not running\nlocal AWS state removed ({state})"
    assert not state.exists() and not build.exists()


def test_a_taken_port_is_refused_in_one_line(throwaway: dict[str, str]) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", int(throwaway["PORTAL_PORT"])))
        squatter.listen()
        (Path(throwaway["TT_BUILD_DIR"])).mkdir(parents=True)
        (Path(throwaway["TT_BUILD_DIR"]) / "stack-outputs.json").write_text('{"ApiUrl": "http://127.0.0.1:9/api"}')
        with pytest.raises(local_aws.LocalProcessError) as refused:
            local_portal.start()
    assert str(refused.value) == (
        f"port {throwaway['PORTAL_PORT']} on 127.0.0.1 is taken by another program: stop it, or choose a free port "
        "with PORTAL_PORT=8081."
    )


@pytest.fixture
def portal(throwaway: dict[str, str]) -> Iterator[dict[str, str]]:
    """Stack outputs for the portal to start from; whatever a test started is stopped on the way out."""
    build = Path(throwaway["TT_BUILD_DIR"])
    build.mkdir(parents=True)
    (build / "stack-outputs.json").write_text(json.dumps({"ApiUrl": "http://127.0.0.1:9/api"}))
    try:
        yield throwaway
    finally:
        local_portal.stop()


def test_the_portal_starts_restarts_on_a_change_and_stops_quietly(
    portal: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    state, url = Path(portal["PORTAL_STATE_DIR"]), f"http://127.0.0.1:{portal['PORTAL_PORT']}"
    started = local_portal.ensure()
    pid = local_aws.read_pid(state / "portal.pid")
    assert started == f"portal started (pid {pid}): {url}"
    assert answers(f"{url}/healthz") and local_portal.is_running()
    assert local_portal.start() == f"portal already running (pid {pid}): {url}"
    assert local_portal.ensure() == f"portal running, unchanged (pid {pid}): {url}"
    # The secret reaches gunicorn in its environment only: not on its command line, not in its log.
    assert portal["PORTAL_SECRET_KEY"].encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()
    assert portal["PORTAL_SECRET_KEY"] not in (state / "portal.log").read_text()
    assert stat.S_IMODE(state.stat().st_mode) == 0o700 and loose_modes(state) == []
    assert (state / "sessions").is_dir()

    # A setting the running portal was not started with: the portal restarts in it (and the tool speaks it too).
    monkeypatch.setenv("CLASS_LANGUAGE", "pl")
    restarted = local_portal.ensure()
    new_pid = local_aws.read_pid(state / "portal.pid")
    assert new_pid != pid and restarted == f"portal uruchomiony (pid {new_pid}): {url}"
    with urllib.request.urlopen(f"{url}/signin", timeout=10) as response:
        assert '<html lang="pl">' in response.read().decode()
    monkeypatch.delenv("CLASS_LANGUAGE")

    assert local_portal.stop() == "portal stopped"
    assert not answers(f"{url}/healthz") and not local_portal.is_running() and not (state / "portal.pid").exists()
    assert local_portal.stop() == "portal not running", "a second stop is quiet"


def test_the_removes_portal_step_stops_a_running_portal_and_says_nothing_when_none_runs(
    portal: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """After ./remove-api-gateway.sh the local portal must not answer "Not Found" for an API that is gone: the
    remove's portal step (ops.remove_command.stop_local_portal) stops it, and says nothing when none runs."""
    from ops.remove_command import stop_local_portal

    url = f"http://127.0.0.1:{portal['PORTAL_PORT']}"
    local_portal.start()
    assert answers(f"{url}/healthz")
    stop_local_portal()
    assert not answers(f"{url}/healthz") and not local_portal.is_running()
    assert "portal" in capsys.readouterr().out
    stop_local_portal()
    assert capsys.readouterr().out == ""


def test_a_pid_file_naming_another_program_is_not_taken_for_ours(throwaway: dict[str, str]) -> None:
    """A pid file left behind (a reboot, a crash) whose pid now belongs to another program: neither reported
    running nor stopped; the stale file goes."""
    other = subprocess.Popen(["sleep", "60"])
    try:
        for folder, module in (
            (throwaway["LOCAL_AWS_STATE_DIR"], local_aws),
            (throwaway["PORTAL_STATE_DIR"], local_portal),
        ):
            Path(folder).mkdir(parents=True)
            module.pid_file().write_text(f"{other.pid}\n")
            assert not module.is_running() and not module.status()[0]
            assert module.stop().endswith("not running")
            assert not module.pid_file().exists()
        assert other.poll() is None, "the other program was stopped"
    finally:
        other.kill()
        other.wait()
