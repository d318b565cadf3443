"""Fixtures of the portal's pure tests: the fake REST API of portal_support and the portal app pointed at it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

sys.path.insert(0, str(Path(__file__).resolve().parent))

from portal_support import STUDENT_KEY, FakeApi, serve, sign_in

from portal.app import create_app


@pytest.fixture
def fake_api() -> Iterator[FakeApi]:
    api = FakeApi()
    server = serve(api)
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def app(fake_api: FakeApi) -> Flask:
    return create_app({"TESTING": True}, environ={"API_URL": fake_api.url, "PORTAL_SECRET_KEY": "s" * 48})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def as_student(client: FlaskClient) -> FlaskClient:
    response = sign_in(client, STUDENT_KEY)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
