"""CPU as a Lambda function of a given memory size has it: a cgroup v1 ``cpu`` group with a CFS quota.

"Lambda allocates CPU power in proportion to the amount of memory configured. [...] At 1,769 MB, a function has
the equivalent of one vCPU (one vCPU-second of credits per second)." (Lambda guide, "Configure Lambda function
memory", https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html). So a group's quota is
``period * memory / 1769`` of each 100,000 us period: 256 MB is 14,471 us (0.145 of a CPU), 1,024 MB 57,886 us
(0.579). ``memory_mb=None`` makes a group without a quota (-1), so that every configuration runs the same way.

A process joins the group by writing its own pid to ``cgroup.procs`` (:func:`join`), before it starts any
thread. Nothing here ever falls back to running without the limit: a missing controller or a refused write
raises :class:`CpuLimitUnavailable` with what failed; the group is removed on leaving the ``with`` block, also
after an error.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from types import TracebackType

CPU_ROOT = Path("/sys/fs/cgroup/cpu")
PERIOD_US = 100_000
ONE_VCPU_MB = 1769


class CpuLimitUnavailable(RuntimeError):
    """The cgroup v1 cpu controller cannot be used here: the benchmark must not run unlimited instead."""


def quota_us(memory_mb: int) -> int:
    """The CFS quota per PERIOD_US of a Lambda function with ``memory_mb`` (at least 1,000 us, the kernel's floor)."""
    return max(1000, round(PERIOD_US * memory_mb / ONE_VCPU_MB))


def vcpus(memory_mb: int | None) -> float | None:
    return None if memory_mb is None else quota_us(memory_mb) / PERIOD_US


def _write(path: Path, value: str) -> None:
    try:
        path.write_text(value)
    except OSError as error:
        raise CpuLimitUnavailable(f"cannot write {value!r} to {path}: {error}") from error


def join(procs_file: str) -> None:
    """Move the calling process (all its threads, so call it before starting any) into the group of ``procs_file``
    and check that the kernel put it there."""
    _write(Path(procs_file), str(os.getpid()))
    group = "/" + Path(procs_file).parent.name
    with open("/proc/self/cgroup", encoding="ascii") as lines:
        for line in lines:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if "cpu" in controllers.split(",") and path == group:
                return
    raise CpuLimitUnavailable(f"this process is not in the cpu cgroup {group} after joining it")


class CpuGroup:
    """A throwaway cpu cgroup limited as a ``memory_mb`` Lambda function (None: no limit)."""

    def __init__(self, name: str, memory_mb: int | None) -> None:
        self.path = CPU_ROOT / name
        self.memory_mb = memory_mb

    @property
    def procs_file(self) -> str:
        return str(self.path / "cgroup.procs")

    def __enter__(self) -> CpuGroup:
        if not (CPU_ROOT / "cpu.cfs_quota_us").is_file():
            raise CpuLimitUnavailable(
                f"no cgroup v1 cpu controller with CFS quotas at {CPU_ROOT}: cannot limit the CPU as Lambda does"
            )
        try:
            self.path.mkdir()
        except OSError as error:
            raise CpuLimitUnavailable(f"cannot create the cpu cgroup {self.path}: {error}") from error
        try:
            quota = -1 if self.memory_mb is None else quota_us(self.memory_mb)
            _write(self.path / "cpu.cfs_period_us", str(PERIOD_US))
            _write(self.path / "cpu.cfs_quota_us", str(quota))
            applied = (self.path / "cpu.cfs_quota_us").read_text().strip()
            if applied != str(quota):
                raise CpuLimitUnavailable(f"{self.path}/cpu.cfs_quota_us reads {applied}, not {quota}")
        except BaseException:
            self.remove()
            raise
        return self

    def throttling(self) -> dict[str, int]:
        """The group's cpu.stat: nr_periods, nr_throttled, throttled_time (ns)."""
        stat: dict[str, int] = {}
        for line in (self.path / "cpu.stat").read_text().splitlines():
            name, _, value = line.partition(" ")
            if value.strip().isdigit():
                stat[name] = int(value)
        return stat

    def remove(self) -> None:
        """Remove the group; a process still in it (a child that outlived an error) goes back to the root first."""
        if not self.path.exists():
            return
        for pid in (self.path / "cgroup.procs").read_text().split():
            with contextlib.suppress(OSError):  # it exited meanwhile
                (CPU_ROOT / "cgroup.procs").write_text(pid)
        self.path.rmdir()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.remove()
