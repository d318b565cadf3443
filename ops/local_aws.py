"""The embedded local AWS: MiniStack on 127.0.0.1, its state kept under .local/ across restarts.

It listens on 127.0.0.1:<port> only, serves only the project's services, and its state is its owner's only
(0700 folders, 0600 files). The helpers for a background process of ours (its pid file, a taken port, a stop
that waits) are shared with the local portal (ops/local_portal.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from ops import cli
from ops import target as targets
from ops.deployment import REPO_ROOT, DeploymentError
from ops.i18n import TRAINER, run_in_class_language

_ = TRAINER.gettext

LOCAL_DIR = REPO_ROOT / ".local"
# The services the project calls or its templates create (templates/cfn/*.j2, roles/, ops/, lambda_src/, and the
# tests): MiniStack's SERVICES filter answers "Unsupported service" to every other one. apigateway covers
# apigatewayv2 and execute-api, ses covers SES v2, ec2 the portal's VPC, elasticloadbalancing its optional ALB;
# cloudtrail is how bench/ counts the S3 requests of each API call (bench/s3_trail.py).
LOCAL_AWS_SERVICES = ("s3,lambda,apigateway,cloudformation,iam,sts,ses,logs,scheduler,sqs,ecr,ecs,ec2"
                      ",servicediscovery,secretsmanager,elasticloadbalancing,cloudtrail")  # fmt: skip
PROGRAM = "ministack"  # what its command line names (runs_program)
START_TIMEOUT = 60.0  # seconds until a start that does not answer fails
STOP_TIMEOUT = 30.0  # seconds SIGTERM gets (MiniStack saves its state) before SIGKILL
POLL = 0.2

EXAMPLES = """examples:
  bin/local-aws.sh start                  # start it (nothing happens when it already runs)
  bin/local-aws.sh status                 # is it running, and where
  LOCAL_AWS_PORT=4567 bin/local-aws.sh start
  bin/local-aws.sh reset                  # stop it and remove its state and build/local (start afresh)

environment:
  LOCAL_AWS_PORT            its port on 127.0.0.1 (default 4566)
  LOCAL_AWS_STATE_DIR       its state folder (default .local/ministack-<port>/)
  LAMBDA_WARM_TTL_SECONDS   how long a warm function stays (default 600)
  MINISTACK_LOG_LEVEL       its log level (default WARNING)

exit status: 0 done (status: running), 1 failed (status: not running), 2 bad subcommand or option."""


class LocalProcessError(DeploymentError):
    """A local process (the emulator, the portal) could not be started: one line for the trainer."""


# --- a background process of ours: pid file, liveness, port, stop -------------------------------------------------

# The processes this Python process started: polled (reaped once they exit) rather than left as zombies, which
# ``kill -0`` would still count as running.
_STARTED: dict[int, subprocess.Popen[bytes]] = {}


def read_pid(pid_file: Path) -> int | None:
    try:
        text = pid_file.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def pid_alive(pid: int) -> bool:
    started = _STARTED.get(pid)
    if started is not None:
        return started.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, someone else's: a pid file of ours never names one, but do not claim it is gone
    return True


def runs_program(pid: int, program: str) -> bool:
    """The process runs ``program`` (its command line names it): a pid file left by a process that is gone, after a
    reboot say, may name another program's pid now, which must be neither stopped nor taken for ours. Where there
    is no /proc (macOS), an alive pid is taken for ours."""
    if not Path("/proc/self/cmdline").exists():
        return True
    try:
        return program.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def running_pid(pid_file: Path, program: str) -> int | None:
    """The pid in ``pid_file`` when that process is alive and runs ``program``, else None."""
    pid = read_pid(pid_file)
    return pid if pid is not None and pid_alive(pid) and runs_program(pid, program) else None


def port_taken(port: int) -> bool:
    """Something answers on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@contextmanager
def private_files() -> Iterator[None]:
    """umask 077 inside the block, for this process and every child started in it: what they write is readable
    by its owner only."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def spawn(command: Sequence[str], cwd: Path, env: Mapping[str, str], log: Path, append: bool = False) -> int:
    """Start ``command`` in the background, in a session of its own (a closed terminal does not stop it, as with
    nohup), stdout and stderr to ``log``; returns its pid. Call inside :func:`private_files`."""
    with log.open("ab" if append else "wb") as output:
        started = subprocess.Popen(list(command), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    _STARTED[started.pid] = started
    return started.pid


def wait_until(ready: Callable[[], bool], pid: int, timeout: float) -> bool:
    """True once ``ready()``; False when the process exited first. TimeoutError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not ready():
        if not pid_alive(pid):
            return False
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(POLL)
    return True


def log_tail(log: Path, lines: int = 20) -> str:
    """The last lines of a log, to show with a start-up failure (what the process said before it exited)."""
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return _("(no log)")


def stop_pid(pid_file: Path, program: str, timeout: float) -> bool:
    """SIGTERM the process of ``pid_file``, SIGKILL after ``timeout`` seconds; the pid file goes either way.
    False when nothing was running (quietly: nothing to do)."""
    pid = running_pid(pid_file, program)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    for signum, seconds in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        with suppress(ProcessLookupError):
            os.kill(pid, signum)
        deadline = time.monotonic() + seconds
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(POLL)
        if not pid_alive(pid):
            break
    _STARTED.pop(pid, None)
    pid_file.unlink(missing_ok=True)
    return True


def tighten(folder: Path) -> None:
    """chmod -R go-rwx: a folder an older version made under the default umask becomes its owner's only."""
    for path in [folder, *folder.rglob("*")]:
        with suppress(FileNotFoundError):  # a file removed meanwhile needs no tightening
            mode = path.lstat().st_mode
            if mode & 0o077 and not stat.S_ISLNK(mode):
                path.chmod(stat.S_IMODE(mode) & ~0o077)


# --- the emulator --------------------------------------------------------------------------------------------------


def state_dir() -> Path:
    return Path(os.environ.get("LOCAL_AWS_STATE_DIR") or LOCAL_DIR / f"ministack-{targets.local_port()}")


def pid_file() -> Path:
    return state_dir() / "ministack.pid"


def log_file() -> Path:
    return state_dir() / "ministack.log"


def scratch_dir() -> Path:
    # The emulator's own temporary folder: its pid file (ministack-<port>.pid) and the code of the functions it
    # runs go to tempfile.gettempdir(), i.e. $TMPDIR; kept with the rest of its state instead of in the shared /tmp.
    return state_dir() / "tmp"


def ministack_env() -> dict[str, str]:
    """The trainer's environment with MiniStack's settings on top."""
    folder = state_dir()
    # One address and port: the gateway on loopback (BIND_HOST). IOT_MTLS_ENABLED=0 and SFTP_ENABLED=0 keep
    # MiniStack's MQTT (0.0.0.0:8883) and SFTP listeners closed, USE_SSL=0 its second listener on :443 (each set
    # here, so that one left in the trainer's shell changes nothing). SERVICES leaves out every service the project
    # does not use. DOCKER_HOST names no daemon, so no container (an ECS task publishing its ports on every address)
    # is ever started: the portal runs as bin/portal.sh, the functions as local processes (LAMBDA_EXECUTOR=local).
    # PERSIST_STATE and S3_PERSIST keep stacks, keys and objects across a restart.
    # LAMBDA_WARM_TTL_SECONDS keeps warm containers long enough for the API's in-memory caches to matter.
    return {
        **os.environ,
        "BIND_HOST": "127.0.0.1",
        "GATEWAY_PORT": str(targets.local_port()),
        "MINISTACK_HOST": "localhost",
        "SERVICES": LOCAL_AWS_SERVICES,
        "IOT_MTLS_ENABLED": "0",
        "SFTP_ENABLED": "0",
        "USE_SSL": "0",
        "DOCKER_HOST": f"unix://{folder / 'no-docker.sock'}",
        "LAMBDA_EXECUTOR": "local",
        "TMPDIR": str(scratch_dir()),
        "PERSIST_STATE": "1",
        "STATE_DIR": str(folder / "state"),
        "S3_PERSIST": "1",
        "S3_DATA_DIR": str(folder / "s3"),
        "LAMBDA_WARM_TTL_SECONDS": os.environ.get("LAMBDA_WARM_TTL_SECONDS") or "600",
        "LOG_LEVEL": os.environ.get("MINISTACK_LOG_LEVEL") or "WARNING",
        "MINISTACK_REGION": targets.default_region(),
    }


def prepare_state_dir() -> None:
    """The state folder, readable by its owner only (0700 folders, 0600 files); a folder left by an older version,
    made under the default umask, is tightened too. The scratch folder holds nothing a restart needs: emptied."""
    folder = state_dir()
    (folder / "s3").mkdir(parents=True, exist_ok=True)
    (folder / "state").mkdir(exist_ok=True)
    tighten(folder)
    shutil.rmtree(scratch_dir(), ignore_errors=True)
    scratch_dir().mkdir()


def is_running() -> bool:
    """Ours is running and answers (what ``status`` reports as running)."""
    return running_pid(pid_file(), PROGRAM) is not None and targets.local_aws_is_healthy()


def status() -> tuple[bool, str]:
    """(running, what ``status`` prints)."""
    pid = running_pid(pid_file(), PROGRAM)
    if pid is not None and targets.local_aws_is_healthy():
        where = _("running (pid {pid}, state in {folder})", pid=pid, folder=state_dir())
        return True, "\n".join([where, _("endpoint: {url}", url=targets.local_endpoint())])
    return False, _("not running (start it with: bin/local-aws.sh start)")


def start() -> str:
    """Start it, or nothing when ours already runs and answers; returns what to print. LocalProcessError when the
    port is taken, or it exits or does not answer during start-up."""
    endpoint = targets.local_endpoint()
    pid = running_pid(pid_file(), PROGRAM)
    if pid is not None and targets.local_aws_is_healthy(endpoint):
        return "\n".join([_("local AWS already running (pid {pid})", pid=pid), _("endpoint: {url}", url=endpoint)])
    port = targets.local_port()
    if port_taken(port):
        raise LocalProcessError(_("port {port} on 127.0.0.1 is taken by another program: stop it, or choose a free "
                                  "port with LOCAL_AWS_PORT=4567.", port=port))  # fmt: skip
    ministack = Path(sys.executable).with_name("ministack")
    # umask 077: whatever the emulator writes (state, S3 objects, log, pid files) is readable by its owner only.
    with private_files():
        prepare_state_dir()
        pid = spawn([str(ministack)], cwd=state_dir(), env=ministack_env(), log=log_file())
        pid_file().write_text(f"{pid}\n")
    try:
        answered = wait_until(lambda: targets.local_aws_is_healthy(endpoint), pid, START_TIMEOUT)
    except TimeoutError:
        raise LocalProcessError(_("the local AWS did not answer on {url} within {seconds} s (log: {log})",
                                  url=endpoint, seconds=int(START_TIMEOUT), log=log_file())) from None  # fmt: skip
    if not answered:
        print(log_tail(log_file()), file=sys.stderr)
        raise LocalProcessError(_("the local AWS exited during start-up (log: {log})", log=log_file()))
    started = _("local AWS started (pid {pid}, state in {folder})", pid=pid, folder=state_dir())
    return "\n".join([started, _("endpoint: {url}", url=endpoint)])


def stop() -> str:
    """Stop ours (SIGTERM lets MiniStack save its state to STATE_DIR); quiet and idempotent when none runs."""
    if stop_pid(pid_file(), PROGRAM, STOP_TIMEOUT):
        return _("local AWS stopped")
    return _("local AWS not running")


def reset() -> str:
    """Stop it, then remove its state and the local build output (stack outputs and the rest): start afresh."""
    stopped = stop()
    folder = state_dir()
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(targets.build_root() / "local", ignore_errors=True)
    return "\n".join([stopped, _("local AWS state removed ({folder})", folder=folder)])


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=cli.prog(__name__), description=__doc__.split("\n\n")[0], epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    commands = parser.add_subparsers(dest="command", metavar="start|stop|status|reset", required=True)
    commands.add_parser("start", help="start it (nothing happens when it already runs)")
    commands.add_parser("stop", help="stop it; its state is kept")
    commands.add_parser("status", help="running or not, with its endpoint (exit 1 when not running)")
    commands.add_parser("reset", help="stop it and remove its state and build/local")
    return parser


def run(command: str) -> int:
    targets.local_port()  # a bad LOCAL_AWS_PORT is refused before anything is read or started
    if command == "status":
        running, text = status()
        print(text)
        return cli.DONE if running else cli.FAILED
    print({"start": start, "stop": stop, "reset": reset}[command](), flush=True)
    return cli.DONE


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return run_in_class_language(lambda: run(args.command))


if __name__ == "__main__":
    sys.exit(main())
