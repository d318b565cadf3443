"""Parsing one content file into plain values plus the line of every field, for error messages.

YAML is composed into nodes (``yaml.compose``) and turned into values here rather than by PyYAML's constructor:
every scalar stays the text the trainer typed (``id: 010`` is ``"010"``, ``answer: yes`` is ``"yes"``, not 8 or
True), only ``null``/``~``/empty become None, and duplicate keys are reported instead of silently overwritten.
JSON is parsed by ``json`` (strict syntax, real types); its field lines come from the same node walk, best effort.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ops.content.problems import FieldPath, Problem

_NULL_TAG = "tag:yaml.org,2002:null"


@dataclass(frozen=True)
class Document:
    """A parsed file: ``path`` relative to the content folder, the values, and the line of each field."""

    path: str
    data: Any
    lines: Mapping[FieldPath, int] = field(default_factory=dict)

    def line(self, where: FieldPath) -> int | None:
        """The line of ``where``, else of its closest enclosing field the parser saw."""
        for length in range(len(where), -1, -1):
            found = self.lines.get(where[:length])
            if found is not None:
                return found
        return None

    def problem(self, where: FieldPath, message: str) -> Problem:
        return Problem(self.path, message, where, self.line(where))


def read_document(folder: Path, relative: str) -> tuple[Document | None, list[Problem]]:
    """The parsed file (None when it cannot be read or parsed) and the problems found while parsing."""
    try:
        text = (folder / relative).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return None, [Problem(relative, f"not UTF-8 text (byte {error.start})")]
    except OSError as error:
        return None, [Problem(relative, f"cannot be read: {error.strerror}")]
    if relative.endswith(".json"):
        return _parse_json(relative, text)
    return _parse_yaml(relative, text)


def _parse_yaml(relative: str, text: str) -> tuple[Document | None, list[Problem]]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        return None, [_yaml_syntax_problem(relative, error)]
    except yaml.YAMLError as error:
        return None, [Problem(relative, f"not valid YAML: {error}")]
    walker = _NodeWalker(relative)
    data = walker.value(root, ()) if root is not None else None
    return Document(relative, data, walker.lines), walker.problems


def _yaml_syntax_problem(relative: str, error: yaml.MarkedYAMLError) -> Problem:
    mark = error.problem_mark or error.context_mark
    what = ", ".join(part for part in (error.context, error.problem) if part) or "syntax error"
    if mark is None:
        return Problem(relative, f"not valid YAML: {what}")
    return Problem(relative, f"not valid YAML: {what} (column {mark.column + 1})", line=mark.line + 1)


def _parse_json(relative: str, text: str) -> tuple[Document | None, list[Problem]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return None, [Problem(relative, f"not valid JSON: {error.msg} (column {error.colno})", line=error.lineno)]
    walker = _NodeWalker(relative)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return Document(relative, data), []  # valid JSON that PyYAML cannot read: no line numbers, that is all
    if root is not None:
        walker.value(root, ())
    return Document(relative, data, walker.lines), walker.problems


class _NodeWalker:
    """Turns composed YAML nodes into values, recording each field's line and every duplicate key."""

    def __init__(self, relative: str) -> None:
        self.relative = relative
        self.lines: dict[FieldPath, int] = {}
        self.problems: list[Problem] = []

    def value(self, node: yaml.Node, where: FieldPath) -> Any:
        self.lines.setdefault(where, node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            return None if node.tag == _NULL_TAG else node.value
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, (*where, index)) for index, item in enumerate(node.value)]
        return self._mapping(node, where)

    def _mapping(self, node: yaml.MappingNode, where: FieldPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(Problem(self.relative, "a key must be plain text", where, line))
                continue
            key = key_node.value
            if key in result:
                first = self.lines[(*where, key)]
                self.problems.append(
                    Problem(self.relative, f"duplicate key {key!r} (first at line {first})", (*where, key), line)
                )
                continue
            self.lines[(*where, key)] = line  # the key's line: where the trainer looks for the field
            result[key] = self.value(value_node, (*where, key))
        return result
