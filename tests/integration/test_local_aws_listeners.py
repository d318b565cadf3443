"""The embedded AWS and the local portal listen on one loopback address and port each, and the emulator's state is
readable by its owner only (issue 18, point 6).

Sockets are read from /proc (no iproute2 needed): every TCP socket in LISTEN state and every bound, unconnected UDP
socket, mapped to its owner through the socket inodes of /proc/<pid>/fd, for the emulator's and the portal's process
trees (MiniStack with the function workers it spawns; gunicorn's master with its workers)."""

from __future__ import annotations

import json
import os
import socket
import stat
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.harness import LocalAws, api_key
from tests.integration.portal_support import free_port

pytestmark = pytest.mark.integration

TCP_LISTEN = "0A"  # include/net/tcp_states.h: TCP_LISTEN
UDP_UNCONNECTED = "07"  # TCP_CLOSE: a bound UDP socket not connected to a peer receives from anyone
# Every service the project calls or deploys (ops/local_aws.py's LOCAL_AWS_SERVICES, named as MiniStack's health
# endpoint names them).
PROJECT_SERVICES = {
    "s3", "lambda", "apigateway", "cloudformation", "iam", "sts", "ses", "logs", "scheduler", "sqs", "ecr", "ecs",
    "ec2", "servicediscovery", "secretsmanager", "elasticloadbalancing", "cloudtrail",
}  # fmt: skip

Listener = tuple[str, str, int]  # (protocol, address, port)


def _address(hex_address: str) -> str:
    """An address of /proc/net/{tcp,udp}{,6}: the bytes of each 32-bit word in host (little-endian) order."""
    raw = bytes.fromhex(hex_address)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return socket.inet_ntop(socket.AF_INET if len(words) == 4 else socket.AF_INET6, words)


def listening_sockets() -> dict[int, Listener]:
    """Every listening socket of this network namespace, by inode."""
    found: dict[int, Listener] = {}
    for protocol, listening_state in (("tcp", TCP_LISTEN), ("udp", UDP_UNCONNECTED)):
        for table in (protocol, f"{protocol}6"):
            path = Path("/proc/net") / table
            if not path.exists():
                continue  # no IPv6 in this kernel
            for line in path.read_text().splitlines()[1:]:
                fields = line.split()
                local, state, inode = fields[1], fields[3], int(fields[9])
                if state == listening_state and inode:
                    hex_address, hex_port = local.split(":")
                    found[inode] = (table, _address(hex_address), int(hex_port, 16))
    return found


def process_tree(root: int) -> set[int]:
    """``root`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                # The fields after the command name (which may hold spaces): state, ppid, ...
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
            children.setdefault(parent, []).append(int(entry.name))
    tree, pending = set(), [root]
    while pending:
        pid = pending.pop()
        tree.add(pid)
        pending.extend(children.get(pid, []))
    return tree


def socket_inodes(pids: set[int]) -> set[int]:
    inodes = set()
    for pid in pids:
        try:
            descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                target = os.readlink(descriptor)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(int(target[len("socket:[") : -1]))
    return inodes


def listeners_of(root_pid: int) -> set[Listener]:
    listening = listening_sockets()
    return {listening[inode] for inode in socket_inodes(process_tree(root_pid)) if inode in listening}


def loose_modes(folder: Path) -> list[str]:
    """Every folder or file under ``folder`` (itself included) that its group or others may use."""
    entries = [folder, *folder.rglob("*")]
    return [
        f"{oct(stat.S_IMODE(path.lstat().st_mode))} {path}"
        for path in entries
        if not path.is_symlink() and path.lstat().st_mode & 0o077
    ]


def health(aws: LocalAws) -> dict[str, object]:
    with urllib.request.urlopen(f"{aws.endpoint}/_ministack/health", timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def portal(deployed: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The local portal, started as the deploy starts it (bin/portal.sh), on a port of its own."""
    env = {
        "PORTAL_PORT": str(free_port()),
        "PORTAL_STATE_DIR": str(tmp_path_factory.mktemp("listeners-portal") / "portal"),
        "PORTAL_SECRET_KEY": "listeners-test-" * 4,
    }
    deployed.run("bin/portal.sh", "start", **env)
    try:
        yield env
    finally:
        deployed.run("bin/portal.sh", "stop", check=False, **env)


def test_the_emulator_and_the_portal_listen_on_their_loopback_port_only(
    deployed: LocalAws, portal: dict[str, str]
) -> None:
    # A call through API Gateway, so that the function workers MiniStack spawns are running and counted too.
    request = urllib.request.Request(
        deployed.outputs()["ApiUrl"] + "/api/v1/tests",
        data=b"{}",
        method="POST",
        headers={"x-api-key": api_key(deployed, "student01")},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
    portal_port = int(portal["PORTAL_PORT"])
    with urllib.request.urlopen(f"http://127.0.0.1:{portal_port}/healthz", timeout=10) as response:
        assert response.status == 200

    emulator_pid = int((deployed.workdir / "ministack" / "ministack.pid").read_text())
    assert len(process_tree(emulator_pid)) > 1, "no function worker running: the API call above should start one"
    assert listeners_of(emulator_pid) == {("tcp", "127.0.0.1", deployed.port)}
    portal_pid = int((Path(portal["PORTAL_STATE_DIR"]) / "portal.pid").read_text())
    assert listeners_of(portal_pid) == {("tcp", "127.0.0.1", portal_port)}


def test_the_local_portals_log_pid_and_sessions_are_readable_by_their_owner_only(portal: dict[str, str]) -> None:
    state_dir = Path(portal["PORTAL_STATE_DIR"])
    assert (state_dir / "portal.log").is_file() and (state_dir / "portal.pid").is_file()
    assert stat.S_IMODE(state_dir.stat().st_mode) == 0o700
    assert loose_modes(state_dir) == []


def test_gunicorn_settings_left_in_the_shell_do_not_reach_the_portal(deployed: LocalAws, tmp_path: Path) -> None:
    """GUNICORN_CMD_ARGS meant for another application reaches every gunicorn: here its ``--env`` would point the
    portal, and the keys students sign in with, at another API. bin/portal.sh starts the portal with its own
    settings only."""
    port = free_port()
    env = {
        "PORTAL_PORT": str(port),
        "PORTAL_STATE_DIR": str(tmp_path / "portal"),
        "PORTAL_SECRET_KEY": "listeners-test-" * 4,
        "GUNICORN_CMD_ARGS": "--env API_URL=elsewhere --reuse-port",
    }
    try:
        deployed.run("bin/portal.sh", "start", **env)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            assert json.loads(response.read()) == {"status": "ok"}
        portal_pid = int((tmp_path / "portal" / "portal.pid").read_text())
        assert listeners_of(portal_pid) == {("tcp", "127.0.0.1", port)}
    finally:
        deployed.run("bin/portal.sh", "stop", check=False, **env)


def test_the_emulator_offers_only_the_services_the_project_uses(deployed: LocalAws) -> None:
    # The MQTT listener is off, not merely unbound: "degraded" would mean it tried 0.0.0.0:8883 and found it taken.
    state = health(deployed)
    assert state["iot_mtls"] == "disabled"
    assert set(state["services"]) == PROJECT_SERVICES  # type: ignore[arg-type]


def test_the_emulators_state_is_readable_by_its_owner_only_after_a_deploy_and_a_publish(deployed: LocalAws) -> None:
    state_dir = deployed.workdir / "ministack"
    bucket = deployed.outputs()["DataBucketName"]
    published = list((state_dir / "s3").rglob("catalog.json"))
    assert any(bucket in str(path) for path in published), "the publish's objects are not where S3 keeps them"
    assert stat.S_IMODE(state_dir.stat().st_mode) == 0o700
    assert loose_modes(state_dir) == []
    # Its pid file and the functions' code: in its own scratch folder, not in the shared temporary folder.
    assert (state_dir / "tmp" / f"ministack-{deployed.port}.pid").is_file()
    for shared in {Path("/tmp"), Path(tempfile.gettempdir())}:
        assert not (shared / f"ministack-{deployed.port}.pid").exists()


def test_ministack_settings_left_in_the_shell_open_no_listener(tmp_path: Path) -> None:
    """MiniStack reads its settings from the environment: ones a trainer exported for another project (TLS with a
    second listener on :443, the MQTT listener, every service) change nothing."""
    aws = LocalAws(tmp_path)
    try:
        aws.run("bin/local-aws.sh", "start", USE_SSL="1", IOT_MTLS_ENABLED="1", SERVICES="s3,iot,transfer,rds")
        emulator_pid = int((tmp_path / "ministack" / "ministack.pid").read_text())
        state = health(aws)
        assert state["iot_mtls"] == "disabled"
        assert set(state["services"]) == PROJECT_SERVICES  # type: ignore[arg-type]
        assert listeners_of(emulator_pid) == {("tcp", "127.0.0.1", aws.port)}
    finally:
        aws.stop()


def test_an_older_state_folder_is_tightened_on_start_and_what_is_saved_on_stop_is_private(tmp_path: Path) -> None:
    """A state folder an older version made under the default umask (0755 folders, 0644 files)."""
    aws = LocalAws(tmp_path)
    old = tmp_path / "ministack"
    (old / "s3" / "000000000000" / "old-bucket").mkdir(parents=True, mode=0o755)
    (old / "state").mkdir(mode=0o755)
    for path in (old / "ministack.log", old / "s3" / "000000000000" / "old-bucket" / "object.json"):
        path.write_text("{}")
        path.chmod(0o644)
    for folder in (old, old / "s3", old / "s3" / "000000000000", old / "state"):
        folder.chmod(0o755)
    try:
        aws.start()
        assert stat.S_IMODE(old.stat().st_mode) == 0o700
        assert loose_modes(old) == []
        s3 = aws.client("s3")
        s3.create_bucket(Bucket="listeners-check", CreateBucketConfiguration={"LocationConstraint": aws.region})
        s3.put_object(Bucket="listeners-check", Key="a/b.json", Body=b"{}")
    finally:
        aws.stop()
    assert list((old / "state").glob("*.json")), "MiniStack saved no state on stop"
    assert list((old / "s3").rglob("b.json"))
    assert loose_modes(old) == []
