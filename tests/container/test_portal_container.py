"""The portal's real container, run as Fargate runs it (issue 12, point 11), with no Docker daemon and no registry.

portal/Dockerfile, unmodified, is built with buildah and run with podman (runc) as the aws rendering of the portal
stack's task definition says: its user, a read-only root file system, each mount point an empty folder owned by
root with mode 0755 (what Fargate bind-mounts when the image declares no VOLUME on the path), its environment
(a random PORTAL_SECRET_KEY for its secret), nofile and nproc limits, its port published on 127.0.0.1 only. Then
/healthz and the sign-in page answer through that port.

Where this differs from Fargate: the base image is NOT python:3.12.12-slim. No registry is used, so a stand-in is
bootstrapped from Debian's packages and committed under the Dockerfile's FROM name: it runs Debian bookworm's
python3 (3.11), not CPython 3.12.12, from /usr/bin (linked into /usr/local/bin). The network is podman's
slirp4netns, not awsvpc; the nofile limit is Fargate's 65535 only where this machine's hard limit allows it.

The stand-in and the build cache live in .local/container/ (see ops/container_image.py): the first run
bootstraps the base (a few minutes); later runs take seconds. Needs root and buildah, podman, runc, debootstrap,
slirp4netns, which ./run-tests.sh installs (ensure_test_system_packages in bin/lib/common.sh).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ops.container_image import Containers, RunningContainer, dockerfile_base_image, run_container
from tests.container.fargate_task import FargateContainer, portal_container, render_aws_templates
from tests.integration.harness import free_port

ROOT = Path(__file__).resolve().parents[2]
PORTAL_CONTEXT = ROOT / "portal"
IMAGE_TAG = "localhost/testtime-portal:fargate-test"
TOOLS = ("buildah", "podman", "runc", "debootstrap", "slirp4netns")
# The stack's ApiUrl parameter, as the service stack's output would give it.
API_URL = "https://abcdef1234.execute-api.eu-central-1.amazonaws.com/api"

# The first run bootstraps the base image (debootstrap: minutes); later ones reuse it.
pytestmark = pytest.mark.timeout(1800)


@pytest.fixture(scope="module")
def portal_task(tmp_path_factory: pytest.TempPathFactory) -> FargateContainer:
    templates = render_aws_templates(tmp_path_factory.mktemp("rendered-aws"))
    return portal_container(templates, {"ApiUrl": API_URL})


@pytest.fixture(scope="module")
def portal_image() -> tuple[Containers, str]:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    assert not missing, f"missing {missing}: ./run-tests.sh installs them (as root)"
    containers = Containers()
    started = time.monotonic()
    built_base = containers.ensure_base_image(dockerfile_base_image(PORTAL_CONTEXT / "Dockerfile"))
    containers.build(PORTAL_CONTEXT, IMAGE_TAG)
    print(f"portal image ready in {time.monotonic() - started:.0f}s (base image bootstrapped: {built_base})")
    return containers, IMAGE_TAG


@dataclass
class PortalRuns:
    """Runs of the image as the task definition says; each is removed when the test ends."""

    containers: Containers
    image: str
    task: FargateContainer
    host_ports: dict[int, int]
    work_dir: Path
    stack: contextlib.ExitStack

    def start(self, name: str, **overrides: Any) -> RunningContainer:
        spec = self.task.run_spec(self.image, self.work_dir / name, self.host_ports, **overrides)
        container_name = f"testtime-portal-{name}-{secrets.token_hex(4)}"
        return self.stack.enter_context(run_container(self.containers, spec, container_name, self.work_dir))

    def url(self, path: str) -> str:
        """``path`` through the port published for the container's (first) port mapping."""
        return f"http://127.0.0.1:{self.host_ports[self.task.container_ports[0]]}{path}"


@pytest.fixture
def portal_runs(
    portal_task: FargateContainer, portal_image: tuple[Containers, str], tmp_path: Path
) -> Iterator[PortalRuns]:
    containers, image = portal_image
    host_ports = {port: free_port() for port in portal_task.container_ports}
    with contextlib.ExitStack() as stack:
        yield PortalRuns(containers, image, portal_task, host_ports, tmp_path, stack)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _wait_for_health(url: str, container: RunningContainer, seconds: float = 90) -> tuple[int, str]:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return _get(url)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            if time.monotonic() > deadline or not container.state()["Running"]:
                raise AssertionError(f"the portal never answered {url} ({error}):\n{container.logs()}") from None
            time.sleep(0.5)


def test_the_portal_image_answers_with_fargate_mounts_read_only_root_and_task_user(portal_runs: PortalRuns) -> None:
    task = portal_runs.task
    container = portal_runs.start("fargate")

    status, body = _wait_for_health(portal_runs.url("/healthz"), container)
    assert status == 200, body
    status, page = _get(portal_runs.url("/signin"))
    assert status == 200 and "<form" in page and 'name="csrf_token"' in page, page[:2000]

    # The Fargate condition held: every mount point root-owned 0755, the task's user, a read-only root.
    for container_path, _read_only in task.mount_points:
        stat = container.exec("stat", "-c", "%u:%g %a", container_path)
        assert stat.stdout.split() == ["0:0", "755"], stat
    uid_gid = container.exec("sh", "-c", 'echo "$(id -u):$(id -g)"').stdout.strip()
    assert uid_gid == task.user
    denied = container.exec("sh", "-c", "echo x > /tmp/probe")
    assert denied.returncode != 0 and "Permission denied" in denied.stderr, denied
    read_only = container.exec("sh", "-c", "echo x > /app/probe", user="0")  # even root cannot write there
    assert read_only.returncode != 0 and "Read-only file system" in read_only.stderr, read_only

    # The server-side session store (PORTAL_SESSION_DIR, under /dev/shm) works for that user: the sign-in page's
    # session (its CSRF token) was saved there.
    session_dir = task.environment["PORTAL_SESSION_DIR"]
    assert session_dir.startswith("/dev/shm/"), session_dir
    stored = container.exec("python", "-c", f"import os; print(len(os.listdir({session_dir!r})))")
    assert stored.returncode == 0 and int(stored.stdout) >= 1, stored

    # ECS's own health check, as the task definition states it, passes inside the container.
    health = container.exec(*task.health_check)
    assert health.returncode == 0, health
    assert container.state()["Running"], container.logs()


def test_the_previous_worker_tmp_dir_on_tmp_kills_the_portal_under_the_same_conditions(portal_runs: PortalRuns) -> None:
    """The setting before the fix, worker_tmp_dir=/tmp, given on gunicorn's command line (it overrides the
    config file): the first worker cannot create its heartbeat file in the root-owned /tmp and gunicorn exits."""
    inspected = portal_runs.containers.podman("image", "inspect", "--format", "{{json .Config.Cmd}}", portal_runs.image)
    cmd = json.loads(inspected.stdout)
    assert cmd[0] == "gunicorn", cmd
    container = portal_runs.start("old-tmp-dir", command=(cmd[0], "--worker-tmp-dir", "/tmp", *cmd[1:]))

    deadline = time.monotonic() + 90
    while container.state()["Running"] and time.monotonic() < deadline:
        time.sleep(0.5)
    state = container.state()
    logs = container.logs()
    assert not state["Running"] and state["ExitCode"] != 0, (state, logs)
    assert "PermissionError" in logs and "/tmp/wgunicorn-" in logs, logs
