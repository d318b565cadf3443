"""Shared by the content and publishing tests: sample content, paths, and the fake deployment's handles.

(A module of its own rather than conftest.py: several test folders have a conftest, and ``import conftest`` would
find whichever was imported last.)"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ops.deployment import StackOutputs
from testtime import s3io

REPO = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# A verbatim copy of the original service's data files (/work/shared/reference/legacy-content), kept in the
# repository so that a fresh clone tests it too.
LEGACY_CONTENT = REPO / "tests" / "fixtures" / "legacy-content"
BUCKET = "testtime-data-test"

STUDENTS_YML = """\
- id: student01
  name: Anna Kowalska
  email: student01@example.com
- id: student02
  name: Piotr Nowak
  email: student02@example.com
- id: student03
  name: Maria Wiśniewska
  email: student03@example.com
"""

TEST_YML = """\
title: Networks
questions:
  - id: 1
    text: Which layer routes packets?
    choices:
      a: network
      b: transport
    answer: a
  - id: 2
    text: Which protocol is connectionless?
    choices:
      a: TCP
      b: UDP
      c: SCTP
    answer: b
"""

ContentFiles = Mapping[str, str | None]
MakeContent = Callable[..., Path]


@dataclass
class FakeDeployment:
    outputs: StackOutputs
    s3: Any
    apigateway: Any
    ses: Any
    entered: list[tuple[str, str | None]] = field(default_factory=list)  # (--target, --region) ops.publish entered

    def objects(self) -> dict[str, bytes]:
        """Every object of the data bucket, key -> bytes."""
        return {key: self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() for key in s3io.list_keys(BUCKET)}

    def keys(self) -> dict[str, dict[str, Any]]:
        """Every API key by name, with its value."""
        items = self.apigateway.get_api_keys(includeValues=True)["items"]
        return {item["name"]: item for item in items}
