"""The web portal on the local target: gunicorn on 127.0.0.1:<port> (PORTAL_PORT, default 8080), talking to the
local API (ApiUrl of build/local/stack-outputs.json).

The session cookie is signed with PORTAL_SECRET_KEY, else with .local/portal-secret (made on first use, 0600; it
reaches gunicorn through its environment, never a command line or a log). The pid, log, fingerprint and the
server-side sessions (sessions/, shared by gunicorn's two workers; the cookie holds only a signed session id) live
in PORTAL_STATE_DIR (default .local/portal-<port>/), readable by their owner only.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path

from ops import cli
from ops import target as targets
from ops.deployment import REPO_ROOT, SETTINGS_FILE, DeploymentError, load_settings, read_outputs
from ops.i18n import TRAINER, run_in_class_language
from ops.local_aws import (
    LOCAL_DIR,
    LocalProcessError,
    log_tail,
    port_taken,
    private_files,
    running_pid,
    spawn,
    stop_pid,
    tighten,
    wait_until,
)
from ops.source_tree import digest

_ = TRAINER.gettext

DEFAULT_PORT = 8080
SECRET_FILE = LOCAL_DIR / "portal-secret"
PORTAL_SOURCE = REPO_ROOT / "portal"
PROGRAM = "gunicorn"  # what its command line names (ops.local_aws.runs_program)
START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0  # gunicorn's master stops its workers gracefully on SIGTERM

EXAMPLES = """examples:
  bin/portal.sh ensure            # start it, or restart it when its code, API_URL or settings changed
  bin/portal.sh status            # is it running, and where
  PORTAL_PORT=8081 bin/portal.sh start
  bin/portal.sh stop

environment:
  PORTAL_PORT          its port on 127.0.0.1 (default 8080)
  PORTAL_STATE_DIR     its pid, log, fingerprint and sessions (default .local/portal-<port>/)
  PORTAL_SECRET_KEY    signs the session cookie (default: .local/portal-secret, made on first use)
  PORTAL_TIMEZONE      the zone deadlines are shown in (default trainer_timezone of group_vars/all.yml)
  CLASS_LANGUAGE       the pages' language (default language of group_vars/all.yml)

exit status: 0 done (status: running), 1 failed (status: not running), 2 bad subcommand or option."""


def port() -> int:
    return targets.port_setting("PORTAL_PORT", DEFAULT_PORT)


def url() -> str:
    return f"http://127.0.0.1:{port()}"


def state_dir() -> Path:
    return Path(os.environ.get("PORTAL_STATE_DIR") or LOCAL_DIR / f"portal-{port()}")


def pid_file() -> Path:
    return state_dir() / "portal.pid"


def log_file() -> Path:
    return state_dir() / "portal.log"


def fingerprint_file() -> Path:
    return state_dir() / "fingerprint"


def api_url() -> str:
    """The local API's URL, from the deploy's stack outputs."""
    value = read_outputs("local").get("ApiUrl")
    if not value:
        raise DeploymentError(_("the local stack outputs have no ApiUrl: deploy first (./deploy-api-gateway.sh)."))
    return str(value)


def portal_settings(settings: Path = SETTINGS_FILE) -> tuple[str, str]:
    """(timezone, language) of the portal's pages: PORTAL_TIMEZONE and CLASS_LANGUAGE win over group_vars/all.yml's
    trainer_timezone and language. The language lowercase, without spaces, as ops/deployment.py takes it."""
    loaded = load_settings(settings)
    timezone = os.environ.get("PORTAL_TIMEZONE") or loaded.trainer_timezone
    language = "".join((os.environ.get("CLASS_LANGUAGE") or loaded.language).split()).lower()
    return timezone, language or loaded.language


def fingerprint(api: str) -> str:
    """What the running portal was started from: its code and its settings (never the secret)."""
    timezone, language = portal_settings()
    settings = [f"api_url={api}", f"timezone={timezone}", f"language={language}"]
    return digest([PORTAL_SOURCE], root=PORTAL_SOURCE.parent, extra=settings)


def secret_key(path: Path | None = None) -> str:
    """PORTAL_SECRET_KEY, else the secret file, made on first use (0600, and made 0600 again if loosened)."""
    if os.environ.get("PORTAL_SECRET_KEY"):
        return os.environ["PORTAL_SECRET_KEY"]
    path = path or SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.stat().st_size == 0:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as secret:
            secret.write(secrets.token_urlsafe(48) + "\n")
    path.chmod(0o600)
    return path.read_text().strip()


def is_healthy(timeout: float = 2.0) -> bool:
    return targets.answers(f"{url()}/healthz", timeout)


def is_running() -> bool:
    """Ours is running and answers (what ``status`` reports as running)."""
    return running_pid(pid_file(), PROGRAM) is not None and is_healthy()


def status() -> tuple[bool, str]:
    """(running, what ``status`` prints)."""
    pid = running_pid(pid_file(), PROGRAM)
    if pid is not None and is_healthy():
        return True, _("running (pid {pid}): {url}", pid=pid, url=url())
    return False, _("not running (start it with: bin/portal.sh start)")


def start() -> str:
    """Start it, or nothing when ours already runs; returns what to print."""
    pid = running_pid(pid_file(), PROGRAM)
    if pid is not None:
        return _("portal already running (pid {pid}): {url}", pid=pid, url=url())
    if port_taken(port()):
        raise LocalProcessError(_("port {port} on 127.0.0.1 is taken by another program: stop it, or choose a free "
                                  "port with PORTAL_PORT=8081.", port=port()))  # fmt: skip
    api = api_url()
    timezone, language = portal_settings()
    folder, sessions = state_dir(), state_dir() / "sessions"
    # Loopback only. The secret reaches gunicorn through its environment, never its command line.
    # GUNICORN_CMD_ARGS, left in the shell for another application, would add to these settings (gunicorn.org,
    # "Configuration Overview"): the portal runs with its own only.
    env = {key: value for key, value in os.environ.items() if key != "GUNICORN_CMD_ARGS"}
    env.update(API_URL=api, PORTAL_SECRET_KEY=secret_key(), PORTAL_TIMEZONE=timezone, CLASS_LANGUAGE=language,
               PORTAL_SESSION_DIR=str(sessions), PYTHONPATH=str(REPO_ROOT))  # fmt: skip
    command = [str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{port()}", "--workers", "2",
               "--threads", "4", "--timeout", "60", "--no-control-socket", "--access-logfile", "-",
               "--error-logfile", "-", "portal.app:create_app()"]  # fmt: skip
    # Its log, pid, fingerprint and sessions are the trainer's only, like the emulator's state (0700 folders,
    # 0600 files); a folder left by an older version is tightened too.
    with private_files():
        sessions.mkdir(parents=True, exist_ok=True)
        tighten(folder)
        pid = spawn(command, cwd=REPO_ROOT, env=env, log=log_file(), append=True)
        pid_file().write_text(f"{pid}\n")
        fingerprint_file().write_text(fingerprint(api) + "\n")
    try:
        answered = wait_until(is_healthy, pid, START_TIMEOUT)
    except TimeoutError:
        raise LocalProcessError(_("the portal did not answer on {url} within {seconds} s (log: {log})",
                                  url=url(), seconds=int(START_TIMEOUT), log=log_file())) from None  # fmt: skip
    if not answered:
        print(log_tail(log_file()), file=sys.stderr)
        pid_file().unlink(missing_ok=True)
        raise LocalProcessError(_("the portal exited during start-up (log: {log})", log=log_file()))
    return _("portal started (pid {pid}): {url}", pid=pid, url=url())


def stop() -> str:
    """Stop ours; quiet and idempotent when none runs (the remove calls it: a portal without its API would answer
    "Not Found")."""
    if stop_pid(pid_file(), PROGRAM, STOP_TIMEOUT):
        return _("portal stopped")
    return _("portal not running")


def restart() -> str:
    return f"{stop()}\n{start()}"


def ensure() -> str:
    """Start it, or restart it when its code, the API URL or its settings changed since ours was started."""
    api = api_url()
    pid = running_pid(pid_file(), PROGRAM)
    if pid is not None:
        try:
            unchanged = fingerprint_file().read_text().strip() == fingerprint(api)
        except OSError:
            unchanged = False
        if unchanged:
            return _("portal running, unchanged (pid {pid}): {url}", pid=pid, url=url())
        stop()
    return start()


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=cli.prog(__name__), description=__doc__.split("\n\n")[0], epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    commands = parser.add_subparsers(dest="command", metavar="start|stop|restart|status|ensure", required=True)
    commands.add_parser("start", help="start it (nothing happens when it already runs)")
    commands.add_parser("stop", help="stop it")
    commands.add_parser("restart", help="stop it and start it again")
    commands.add_parser("status", help="running or not, with its address (exit 1 when not running)")
    commands.add_parser("ensure", help="start it, or restart it when its code or settings changed (the deploy runs it)")
    return parser


def run(command: str) -> int:
    # The portal always talks to the local API: the local target's region, endpoint and credentials.
    targets.enter("local")
    port()  # a bad PORTAL_PORT is refused before anything is read or started
    if command == "status":
        running, text = status()
        print(text)
        return cli.DONE if running else cli.FAILED
    actions = {"start": start, "stop": stop, "restart": restart, "ensure": ensure}
    print(actions[command](), flush=True)
    return cli.DONE


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return run_in_class_language(lambda: run(args.command))


if __name__ == "__main__":
    sys.exit(main())
