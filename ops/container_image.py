"""Build the portal's image from its unmodified Dockerfile and run it, with no Docker daemon and no registry.

Used by tests/container to run the image as Fargate runs it. buildah builds, podman runs (runc), both rootful and
both on a storage of their own under ``.local/container/`` (``TT_CONTAINER_DIR``), never the machine's default
store. The Dockerfile's base image (its ``FROM``) is not pulled: a stand-in is bootstrapped once from Debian's
packages (``debootstrap --variant=minbase`` with python3 and pip) and committed under the ``FROM`` name, so a
second run finds it in that storage and takes seconds.

The stand-in is NOT the real base: it carries Debian's python3 (3.11 on bookworm) where python:3.12.12-slim has
CPython 3.12.12 built under /usr/local. It mimics the parts the Dockerfile relies on: ``python`` and ``pip`` on the
PATH in /usr/local/bin, pip allowed to install system-wide (no EXTERNALLY-MANAGED marker), groupadd/useradd, a CA
bundle, LANG=C.UTF-8.

Flags chosen for a sandbox without systemd, on cgroup v1: ``--cgroup-manager=cgroupfs``, ``--events-backend=file``,
``--isolation chroot`` for builds, ``--network slirp4netns`` for runs (a user-space network: no bridge, no
firewall rules on the host).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import resource
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_STATE_DIR = ROOT / ".local" / "container"
# The host's CA bundle, mounted into builds: pip inside them must trust what the host trusts (an egress proxy's CA).
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
DEBIAN_MIRROR = os.environ.get("TT_DEBIAN_MIRROR", "http://deb.debian.org/debian")
DEBIAN_SUITE = "bookworm"
BASE_PACKAGES = ("python3", "python3-pip", "ca-certificates")
# Stored as a label on the stand-in: a change of the recipe below rebuilds it.
BASE_RECIPE = f"debootstrap minbase {DEBIAN_SUITE} {','.join(BASE_PACKAGES)} r1"
BASE_RECIPE_LABEL = "io.testtime.base-recipe"
# What debootstrap leaves that a slim image does not carry.
BASE_TRIMMED = ("var/cache/apt", "var/lib/apt/lists", "usr/share/doc", "usr/share/man", "usr/share/locale")
# Fargate's nofile default (soft and hard); nproc stays at the operating system's default there, 4096 here (within
# the sandbox's hard limit).
FARGATE_NOFILE = 65535
NPROC = 4096


class ContainerError(RuntimeError):
    """A buildah or podman command failed; the message carries its output."""


def dockerfile_base_image(dockerfile: Path) -> str:
    """The image the Dockerfile's first FROM names (``FROM [--platform=…] name [AS stage]``)."""
    for line in dockerfile.read_text().splitlines():
        words = line.split()
        if words and words[0].upper() == "FROM":
            names = [word for word in words[1:] if not word.startswith("--")]
            if names:
                return names[0]
    raise ValueError(f"{dockerfile} has no FROM line")


@dataclass
class Containers:
    """buildah and podman on a storage of their own (``state_dir``)."""

    state_dir: Path = field(default_factory=lambda: Path(os.environ.get("TT_CONTAINER_DIR") or DEFAULT_STATE_DIR))
    storage_driver: str = field(default_factory=lambda: os.environ.get("TT_CONTAINER_STORAGE_DRIVER", "overlay"))

    def __post_init__(self) -> None:
        # Absolute: podman records its storage paths and refuses the same storage under another spelling of them.
        self.state_dir = self.state_dir.resolve()

    @property
    def storage_args(self) -> list[str]:
        return [
            "--root",
            str(self.state_dir / "storage"),
            "--runroot",
            str(self.state_dir / "run"),
            "--storage-driver",
            self.storage_driver,
        ]

    def _env(self) -> dict[str, str]:
        # Temporary layers and archives under state_dir too, not in the machine's /var/tmp.
        return {**os.environ, "TMPDIR": str(self.state_dir / "tmp")}

    def _run(self, argv: Sequence[str], timeout: float, check: bool = True) -> subprocess.CompletedProcess[str]:
        (self.state_dir / "tmp").mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(list(argv), env=self._env(), text=True, capture_output=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise ContainerError(f"{' '.join(argv[:3])} … failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    def buildah(self, *args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._run(["buildah", *self.storage_args, *args], timeout, check)

    def podman(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
        podman = [
            "podman",
            *self.storage_args,
            "--cgroup-manager=cgroupfs",
            "--events-backend=file",
            "--runtime",
            "runc",
            "--tmpdir",
            str(self.state_dir / "libpod"),
        ]
        return self._run([*podman, *args], timeout, check)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One bootstrap at a time (two test processes may start together on a fresh clone)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with (self.state_dir / "bootstrap.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def image_label(self, image: str, label: str) -> str | None:
        """The image's label value ("" when it has no such label); None when there is no such image here."""
        proc = self.buildah("inspect", "--type", "image", image, check=False)
        if proc.returncode != 0:
            return None
        labels = json.loads(proc.stdout)["OCIv1"]["config"].get("Labels") or {}
        return str(labels.get(label, ""))

    def ensure_base_image(self, name: str) -> bool:
        """The Debian stand-in committed as ``name``; bootstraps it unless this storage has it. True if built."""
        with self._locked():
            if self.image_label(name, BASE_RECIPE_LABEL) == BASE_RECIPE:
                return False
            rootfs = Path(tempfile.mkdtemp(prefix="rootfs-", dir=self.state_dir))
            try:
                self._bootstrap(rootfs)
                self._commit_rootfs(rootfs, name)
            finally:
                _remove_rootfs(rootfs)
            return True

    def _bootstrap(self, rootfs: Path) -> None:
        cache = self.state_dir / "debs"  # kept: a rebuild of the stand-in downloads nothing again
        cache.mkdir(parents=True, exist_ok=True)
        argv = [
            "debootstrap",
            "--variant=minbase",
            f"--include={','.join(BASE_PACKAGES)}",
            f"--cache-dir={cache}",
            DEBIAN_SUITE,
            str(rootfs),
            DEBIAN_MIRROR,
        ]
        proc = subprocess.run(argv, text=True, capture_output=True, timeout=1200)
        if proc.returncode != 0:
            raise ContainerError(f"debootstrap failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr}")
        for trimmed in BASE_TRIMMED:
            for child in (rootfs / trimmed).glob("*"):
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        # As in the official image: pip may install into the system Python, and python/pip are in /usr/local/bin.
        for marker in rootfs.glob("usr/lib/python3*/EXTERNALLY-MANAGED"):
            marker.unlink()
        for link, target in (("python", "/usr/bin/python3"), ("pip", "/usr/bin/pip3")):
            (rootfs / "usr/local/bin" / link).symlink_to(target)

    def _commit_rootfs(self, rootfs: Path, name: str) -> None:
        container = self.buildah("from", "scratch").stdout.strip()
        try:
            mountpoint = self.buildah("mount", container).stdout.strip()
            # cp -a keeps owners, modes, links and special files as debootstrap made them.
            subprocess.run(["cp", "-a", f"{rootfs}/.", mountpoint], check=True, timeout=600)
            self.buildah("umount", container)
            self.buildah(
                "config",
                "--env",
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "--env",
                "LANG=C.UTF-8",
                "--cmd",
                "python3",
                "--label",
                f"{BASE_RECIPE_LABEL}={BASE_RECIPE}",
                "--label",
                f"io.testtime.stand-in-for={name} (Debian {DEBIAN_SUITE}'s python3, not the official image)",
                container,
            )
            self.buildah("commit", "--quiet", "--format", "docker", container, name)
        finally:
            self.buildah("rm", container, check=False)

    def build(self, context: Path, tag: str) -> None:
        """``buildah bud`` of the context's own Dockerfile; its base must be in this storage (nothing is pulled)."""
        nofile = fargate_nofile_limit()
        self.buildah(
            "bud",
            "--isolation",
            "chroot",
            "--pull=never",
            "--format",
            "docker",
            "--layers",  # unchanged steps (the pip install) come from the cache on the next run
            "--ulimit",
            f"nofile={nofile}:{nofile}",
            "--volume",
            f"{HOST_CA_BUNDLE}:/etc/ssl/certs/ca-certificates.crt:ro",
            "--tag",
            tag,
            str(context),
            timeout=900,
        )
        # The image this tag named before is now untagged: drop such images, the layers still in use stay cached.
        self.podman("image", "prune", "--force", check=False)


def _remove_rootfs(rootfs: Path) -> None:
    """Deletes a bootstrap folder, after unmounting what a failed debootstrap may have left mounted in it (its
    /proc, /sys): never delete through a mount into the host's own file systems."""
    prefix = f"{rootfs.resolve()}/"
    mounted = [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()]
    for mountpoint in sorted((m for m in mounted if m.startswith(prefix)), key=len, reverse=True):
        subprocess.run(["umount", "--lazy", mountpoint], check=False, timeout=60)
    if any(line.split()[4].startswith(prefix) for line in Path("/proc/self/mountinfo").read_text().splitlines()):
        raise ContainerError(f"{rootfs} still has file systems mounted in it: unmount them and delete it by hand")
    shutil.rmtree(rootfs, ignore_errors=True)


def fargate_nofile_limit() -> int:
    """Fargate's default nofile limit, 65535 soft and hard (ECS Ulimit API reference), lowered to this machine's
    hard limit when that is smaller (a sandbox's): a container cannot be given more than its host has."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    return FARGATE_NOFILE if hard == resource.RLIM_INFINITY else min(hard, FARGATE_NOFILE)


@dataclass(frozen=True)
class RunSpec:
    """How to run a container: what a Fargate container definition says, with host paths for its volumes."""

    image: str
    user: str
    read_only_root: bool
    bind_mounts: tuple[tuple[Path, str, bool], ...]  # host folder, container path, read-only
    environment: dict[str, str]
    ports: tuple[tuple[int, int], ...]  # port on the host's 127.0.0.1, port in the container
    command: tuple[str, ...] = ()  # empty: the image's CMD


@dataclass
class RunningContainer:
    containers: Containers
    name: str

    def state(self) -> dict[str, object]:
        proc = self.containers.podman("inspect", "--type", "container", "--format", "{{json .State}}", self.name)
        return json.loads(proc.stdout)

    def logs(self) -> str:
        proc = self.containers.podman("logs", self.name, check=False)
        return proc.stdout + proc.stderr

    def exec(self, *argv: str, user: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """``argv`` inside the running container, as its own user unless ``user`` is given."""
        as_user = ["--user", user] if user else []
        return self.containers.podman("exec", *as_user, self.name, *argv, timeout=timeout, check=False)


@contextlib.contextmanager
def run_container(containers: Containers, spec: RunSpec, name: str, work_dir: Path) -> Iterator[RunningContainer]:
    """``spec`` running detached until the block ends; then it is stopped and removed with its state."""
    work_dir.mkdir(parents=True, exist_ok=True)
    env_file = work_dir / f"{name}.env"  # not on the command line: PORTAL_SECRET_KEY stays out of `ps`
    env_file.write_text("".join(f"{key}={value}\n" for key, value in spec.environment.items()))
    env_file.chmod(0o600)
    argv = [
        "run",
        "--detach",
        "--name",
        name,
        "--user",
        spec.user,
        # The image's HEALTHCHECK needs systemd timers under podman; the caller runs the task's health check.
        "--no-healthcheck",
        "--network",
        "slirp4netns",
        "--ulimit",
        f"nofile={fargate_nofile_limit()}:{fargate_nofile_limit()}",
        "--ulimit",
        f"nproc={NPROC}:{NPROC}",
        "--env-file",
        str(env_file),
    ]
    if spec.read_only_root:
        # Only the read-only root: podman would otherwise put tmpfs on /tmp, /var/tmp and /run, Fargate does not.
        argv += ["--read-only", "--read-only-tmpfs=false"]
    for host_dir, container_path, read_only in spec.bind_mounts:
        argv += ["--volume", f"{host_dir}:{container_path}:{'ro' if read_only else 'rw'}"]
    for host_port, container_port in spec.ports:
        argv += ["--publish", f"127.0.0.1:{host_port}:{container_port}"]
    containers.podman("rm", "--force", name, check=False)
    containers.podman(*argv, spec.image, *spec.command)
    try:
        yield RunningContainer(containers, name)
    finally:
        containers.podman("rm", "--force", "--time", "5", name, check=False)
