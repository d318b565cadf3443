"""The one way a test module gets its own embedded AWS: a throwaway MiniStack (``tests.integration.harness.LocalAws``)
started, optionally prepared, deployed (with extra ``-e`` settings or environment) and published to, and always
stopped. The ``throwaway_aws`` fixture of tests/conftest.py hands this out; a module wraps it in a module-scoped
fixture, so it deploys once per module."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol

from tests.integration.harness import LocalAws


@contextmanager
def throwaway_aws(
    workdir: Path,
    *,
    deploy: bool = True,
    publish: bool = False,
    deploy_args: Sequence[str] = (),
    deploy_env: Mapping[str, str] | None = None,
    before_deploy: Callable[[LocalAws], None] | None = None,
) -> Iterator[LocalAws]:
    """A started emulator in ``workdir``; ``before_deploy`` sets up the account state the deploy must meet, then
    ``deploy-api-gateway.sh`` (with ``deploy_args``, e.g. ``-e name=value``) and ``update-subjects-or-students.sh``
    (content/) when asked. The deploy's output is kept as ``local.deploy_output``."""
    local = LocalAws(workdir)
    local.start()
    try:
        if before_deploy:
            before_deploy(local)
        if deploy:
            deployed = local.run("deploy-api-gateway.sh", *deploy_args, **dict(deploy_env or {}))
            local.deploy_output = deployed.stdout
        if publish:
            local.run("update-subjects-or-students.sh")
        yield local
    finally:
        local.stop()


class ThrowawayAws(Protocol):
    """The ``throwaway_aws`` fixture: :func:`throwaway_aws` in a fresh temporary folder named after ``name``."""

    def __call__(
        self,
        name: str,
        *,
        deploy: bool = True,
        publish: bool = False,
        deploy_args: Sequence[str] = (),
        deploy_env: Mapping[str, str] | None = None,
        before_deploy: Callable[[LocalAws], None] | None = None,
    ) -> AbstractContextManager[LocalAws]: ...
