"""portal/gunicorn.conf.py as gunicorn itself loads it (its own config loader, the installed pinned gunicorn)."""

from __future__ import annotations

from pathlib import Path

import pytest
from gunicorn.app.base import Application
from gunicorn.config import Config

CONFIG_FILE = Path(__file__).resolve().parents[2] / "portal" / "gunicorn.conf.py"


class _ConfigOnly(Application):
    """gunicorn's Application with only the config file as input (no command line, no app to load)."""

    def load_config(self) -> None:
        self.load_config_from_file(str(CONFIG_FILE))

    def load(self) -> None:  # pragma: no cover - never served
        raise NotImplementedError


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Config:
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    monkeypatch.delenv("PORTAL_PROXY_HOPS", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return _ConfigOnly().cfg


@pytest.mark.parametrize("env", [{}, {"PORTAL_PROXY_HOPS": "0"}, {"PORTAL_PROXY_HOPS": ""}])
def test_forwarded_headers_are_trusted_from_localhost_only_without_a_proxy(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    assert _settings(monkeypatch, **env).forwarded_allow_ips == ["127.0.0.1", "::1"]


def test_forwarded_headers_are_trusted_from_the_proxy_when_one_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _settings(monkeypatch, PORTAL_PROXY_HOPS="1").forwarded_allow_ips == ["*"]


def test_worker_heartbeat_files_go_to_dev_shm_not_the_root_owned_tmp(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(monkeypatch)
    assert settings.worker_tmp_dir == "/dev/shm"
    assert settings.control_socket_disable is True
