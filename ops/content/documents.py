"""Parsing one content file into plain values plus the line of every field, for error messages.

YAML is composed into nodes and turned into values here rather than by PyYAML's constructor: every scalar stays the
text the trainer typed (``id: 010`` is ``"010"``, ``answer: yes`` is ``"yes"``, not 8 or True), only
``null``/``~``/empty become None, and duplicate keys are reported instead of silently overwritten. Nothing is ever
constructed from a tag, so ``!!python/object`` cannot run code; such tags are refused with their line all the same.
JSON is parsed by ``json`` (strict syntax, real types); its field lines come from the same node walk, best effort.

Parsing is bounded: a file over ``MAX_FILE_BYTES`` is refused before it is read, and composing stops with a problem
at the offending line once the document nests deeper than ``MAX_DEPTH``, uses more than ``MAX_ALIASES`` aliases or
holds more than ``MAX_VALUES`` values counting every alias as the values it stands for (a "billion laughs" file of
540 bytes would otherwise expand to gigabytes). A real test of 200 questions of 4 choices holds about 3,400.

Every file read and every folder listed goes through ``link_problem``: a symbolic link that points outside the
content folder, or to nothing, is refused and named; one that stays inside is followed.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from ops.content.problems import FieldPath, Problem
from ops.i18n import TRAINER

_ = TRAINER.gettext

MAX_FILE_BYTES = 2_000_000  # a test of 200 questions is about 40 KB
MAX_DEPTH = 50  # content nests 5 levels deep at most
MAX_ALIASES = 500  # e.g. one shared set of choices reused by every question of a long test
MAX_VALUES = 20_000  # scalars, lists and mappings, each alias counted as all it stands for (~50 µs each to compose)
MAX_VALUES_SHOWN = format(MAX_VALUES, ",")

_NULL_TAG = "tag:yaml.org,2002:null"
_CORE_TAG = "tag:yaml.org,2002:"
# Explicit tags that only restate what the value is; the walk keeps the text either way.
_PLAIN_TAGS = frozenset(_CORE_TAG + name for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp"))
_FILE_KINDS = ((stat.S_ISDIR, "folder"), (stat.S_ISFIFO, "pipe"), (stat.S_ISSOCK, "socket"))  # see _not_a_file
# A JSON string (escapes included) or a bracket: enough to measure nesting without recursing.
_JSON_NESTING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


@dataclass(frozen=True)
class Document:
    """A parsed file: ``path`` relative to the content folder, the values, and the line of each field."""

    path: str
    data: Any
    lines: Mapping[FieldPath, int] = field(default_factory=dict)
    # YAML scalars written quoted or as a block: text by intent. Every YAML scalar stays text, so this is how a
    # check that wants a number or true/false tells ``points: 2`` from ``points: "2"``.
    quoted: frozenset[FieldPath] = frozenset()

    @property
    def typed(self) -> bool:
        """Whether the values carry their types (JSON); a YAML document's scalars are all text."""
        return self.path.endswith(".json")

    def line(self, where: FieldPath) -> int | None:
        """The line of ``where``, else of its closest enclosing field the parser saw."""
        for length in range(len(where), -1, -1):
            found = self.lines.get(where[:length])
            if found is not None:
                return found
        return None

    def problem(self, where: FieldPath, message: str) -> Problem:
        return Problem(self.path, message, where, self.line(where))


def link_problem(folder: Path, relative: str) -> Problem | None:
    """Why ``relative`` may not be used: it, or a folder on its way, is a symbolic link that points outside the
    content folder or to nothing. None when every link on the way stays inside (the folder itself may be a link)."""
    root = folder.resolve()
    path = folder
    parts = PurePosixPath(relative).parts
    for count, part in enumerate(parts, 1):
        path = path / part
        if not path.is_symlink():
            continue
        link, target = "/".join(parts[:count]), os.readlink(path)
        try:
            resolved = path.resolve(strict=True)
        except FileNotFoundError:
            return Problem(link, _("is a symbolic link to {target}, which does not exist", target=target))
        except (OSError, RuntimeError) as error:  # RuntimeError: a loop, before Python 3.13
            if isinstance(error, RuntimeError) or error.errno == errno.ELOOP:
                return Problem(link, _("is a symbolic link to {target}, which leads back to itself", target=target))
            message = _("is a symbolic link to {target}, which cannot be followed: {error}", target=target,
                        error=error.strerror)  # fmt: skip
            return Problem(link, message)
        if not resolved.is_relative_to(root):
            return Problem(link, _("is a symbolic link to {target}, which points outside the content folder",
                                   target=target))  # fmt: skip
    return None


def is_present(folder: Path, relative: str) -> bool:
    """Whether anything, even a dangling symbolic link, is at ``relative``: reading it then says what is wrong."""
    return os.path.lexists(folder / relative)


def visible_entries(folder: Path, relative: str, problems: list[Problem], suffixes: tuple[str, ...]) -> Iterator[Path]:
    """The entries of the folder ``relative``, sorted, hidden ones left out (none when it is not a folder).

    An entry the walk would use (a folder, a file ending in one of ``suffixes``, or a dangling link that may have
    been either) whose link fails ``link_problem`` is reported when the walk reaches it (so problems stay in file
    order) and left out; the trainer's other files are ignored.
    """
    problem = link_problem(folder, relative)
    if problem is not None:
        problems.append(problem)
        return
    directory = folder / relative
    if not directory.is_dir():
        return
    for entry in sorted(directory.iterdir()):
        if entry.name.startswith("."):
            continue
        problem = link_problem(folder, f"{relative}/{entry.name}") if entry.is_symlink() else None
        if problem is None:
            yield entry
        elif entry.is_dir() or entry.suffix.lower() in suffixes or not (entry.exists() or entry.suffix):
            problems.append(problem)


def read_document(folder: Path, relative: str) -> tuple[Document | None, list[Problem]]:
    """The parsed file (None when it cannot be read or parsed) and the problems found while parsing."""
    problem = link_problem(folder, relative)
    if problem is not None:
        return None, [problem]
    raw, problem = _read_bytes(folder / relative, relative)
    if raw is None:
        return None, [problem] if problem else []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return None, [Problem(relative, _("not UTF-8 text (byte {byte})", byte=error.start))]
    if relative.endswith(".json"):
        return _parse_json(relative, text)
    return _parse_yaml(relative, text)


def _read_bytes(path: Path, relative: str) -> tuple[bytes | None, Problem | None]:
    """The file's bytes, or why not: only a regular file of at most ``MAX_FILE_BYTES`` is read. A named pipe or a
    device is refused from its ``stat`` without being opened (opening a pipe would wait for a writer forever)."""
    try:
        kind = _not_a_file(os.stat(path).st_mode)
        if kind is not None:
            return None, Problem(relative, kind)
        # O_NONBLOCK: should the path turn into a pipe after the stat, opening it still returns at once.
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY), "rb") as stream:
            info = os.fstat(stream.fileno())
            kind = _not_a_file(info.st_mode)
            if kind is not None:
                return None, Problem(relative, kind)
            raw = b"" if info.st_size > MAX_FILE_BYTES else stream.read(MAX_FILE_BYTES + 1)
            size = max(info.st_size, len(raw))
    except OSError as error:
        return None, Problem(relative, _("cannot be read: {error}", error=error.strerror))
    if size > MAX_FILE_BYTES:
        message = _("is too large ({size} bytes): a content file may be at most {most} bytes (2 MB)",
                    size=format(size, ","), most=format(MAX_FILE_BYTES, ","))  # fmt: skip
        return None, Problem(relative, message)
    return raw, None


def _not_a_file(mode: int) -> str | None:  # why a file of ``mode`` is not read; None for a regular file
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _FILE_KINDS if test(mode)), "device")
    return {"folder": _("is a folder, not a file"), "pipe": _("is a named pipe, not a file"),
            "socket": _("is a socket, not a file")}.get(kind) or _("is a device, not a file")  # fmt: skip


class _Refused(Exception):
    """A document past a limit, or with a tag that is not plain: the message and where it was found."""

    def __init__(self, message: str, mark: yaml.Mark) -> None:
        super().__init__(message)
        self.message, self.mark = message, mark

    def problem(self, relative: str) -> Problem:
        return Problem(relative, self.message, line=self.mark.line + 1)


class _BoundedComposer(Composer):
    """PyYAML's composer within the limits: it counts while composing, so a bomb stops at its first alias past a
    limit, long before anything is expanded (the composer shares one node per anchor; the walk expands it)."""

    depth: int
    aliases: int
    values: int  # so far, each alias counted as the values it stands for
    open_anchors: set[str]  # the anchors of the nodes being composed: an alias to one would be a cycle
    measures: dict[int, tuple[int, int]]  # id(node) -> its values (aliases expanded) and its nesting

    def get_single_node(self) -> yaml.Node | None:
        self.depth = self.aliases = self.values = 0
        self.open_anchors, self.measures = set(), {}
        return super().get_single_node()

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self._alias(event)
            return super().compose_node(parent, index)
        tag, anchor = event.tag, event.anchor
        if tag is not None and tag != "!" and tag not in _PLAIN_TAGS:
            shown = "!!" + tag.removeprefix(_CORE_TAG) if tag.startswith(_CORE_TAG) else tag
            raise _Refused(_("the YAML tag {tag} is not allowed: write plain values", tag=shown), event.start_mark)
        self.depth += 1
        self.values += 1
        if self.depth > MAX_DEPTH:
            raise _Refused(_("nested more than {most} levels deep", most=MAX_DEPTH), event.start_mark)
        if self.values > MAX_VALUES:
            raise _Refused(_("holds more than {most} values", most=MAX_VALUES_SHOWN), event.start_mark)
        if anchor is None:
            node = super().compose_node(parent, index)
        else:
            self.open_anchors.add(anchor)
            node = super().compose_node(parent, index)
            self.open_anchors.discard(anchor)
        self.depth -= 1
        return node

    def _alias(self, event: yaml.AliasEvent) -> None:
        target = self.anchors.get(event.anchor)
        if target is None:
            return  # PyYAML reports the undefined alias
        name = f"*{event.anchor}"
        if event.anchor in self.open_anchors:
            raise _Refused(_("the alias {name} is inside the value it stands for", name=name), event.start_mark)
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            raise _Refused(_("uses more than {most} aliases (*name)", most=MAX_ALIASES), event.start_mark)
        values, depth = self._measure(target)
        if self.depth + depth > MAX_DEPTH:
            text = _("nested more than {most} levels deep once the alias {name} is expanded", most=MAX_DEPTH, name=name)
            raise _Refused(text, event.start_mark)
        self.values += values
        if self.values > MAX_VALUES:
            text = _("holds more than {most} values once the alias {name} is expanded",
                     most=MAX_VALUES_SHOWN, name=name)  # fmt: skip
            raise _Refused(text, event.start_mark)

    def _measure(self, node: yaml.Node) -> tuple[int, int]:
        """The values ``node`` stands for and its nesting, aliases expanded: measured once per node, so a chain of
        aliases costs no more than the nodes written (and recursion stays within ``MAX_DEPTH``, checked already)."""
        known = self.measures.get(id(node))
        if known is None:
            children = [self._measure(child) for child in _children(node)]
            known = (1 + sum(values for values, _ in children), 1 + max((depth for _, depth in children), default=0))
            self.measures[id(node)] = known
        return known


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


class _ExactLoader(_BoundedComposer, yaml.SafeLoader):
    """PyYAML's own parser, for its messages (the ones trainers know) when libyaml finds a mistake."""


_FastLoader: type[_BoundedComposer] = _ExactLoader  # PyYAML built without libyaml (its wheels bundle it): slower
if yaml.__with_libyaml__:
    from yaml.cyaml import CParser

    class _LibyamlLoader(_BoundedComposer, CParser, SafeConstructor, Resolver):
        """Events from libyaml (C, ~10 times faster than PyYAML's own parser), composed by ``_BoundedComposer``."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            Composer.__init__(self)

    _FastLoader = _LibyamlLoader


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=_FastLoader)
    except _Refused:
        raise
    except yaml.YAMLError:
        # Within the same limits; and a document only libyaml refuses is read as PyYAML reads it.
        return yaml.compose(text, Loader=_ExactLoader)


def _parse_yaml(relative: str, text: str) -> tuple[Document | None, list[Problem]]:
    try:
        root = _compose(text)
    except _Refused as refused:
        return None, [refused.problem(relative)]
    except yaml.MarkedYAMLError as error:
        return None, [_yaml_syntax_problem(relative, error)]
    except yaml.YAMLError as error:
        return None, [Problem(relative, _("not valid YAML: {error}", error=error))]
    walker = _NodeWalker(relative)
    data = walker.value(root, ()) if root is not None else None
    return Document(relative, data, walker.lines, frozenset(walker.quoted)), walker.problems


def _yaml_syntax_problem(relative: str, error: yaml.MarkedYAMLError) -> Problem:
    mark = error.problem_mark or error.context_mark
    what = ", ".join(part for part in (error.context, error.problem) if part) or _("syntax error")
    if mark is None:
        return Problem(relative, _("not valid YAML: {error}", error=what))
    return Problem(relative, _("not valid YAML: {error} (column {column})", error=what, column=mark.column + 1),
                   line=mark.line + 1)  # fmt: skip


def _parse_json(relative: str, text: str) -> tuple[Document | None, list[Problem]]:
    too_deep = _json_too_deep(text)
    if too_deep is not None:  # before json.loads, which recurses once per level
        return None, [Problem(relative, _("nested more than {most} levels deep", most=MAX_DEPTH), line=too_deep)]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        message = _("not valid JSON: {error} (column {column})", error=error.msg, column=error.colno)
        return None, [Problem(relative, message, line=error.lineno)]
    walker = _NodeWalker(relative)
    try:
        root = yaml.compose(text, Loader=_FastLoader)  # no slow retry for messages: json.loads has checked it
    except _Refused as refused:
        return None, [refused.problem(relative)]
    except yaml.YAMLError:
        return Document(relative, data), []  # valid JSON that PyYAML cannot read: no line numbers, that is all
    if root is not None:
        walker.value(root, ())
    return Document(relative, data, walker.lines), walker.problems


def _json_too_deep(text: str) -> int | None:
    """The line of the first bracket nested deeper than ``MAX_DEPTH``, if any (brackets in strings do not count)."""
    depth = 0
    for match in _JSON_NESTING.finditer(text):
        bracket = match.group()
        if bracket in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return text.count("\n", 0, match.start()) + 1
        elif bracket in "]}":
            depth -= 1
    return None


class _NodeWalker:
    """Turns composed YAML nodes into values, recording each field's line and every duplicate key."""

    def __init__(self, relative: str) -> None:
        self.relative = relative
        self.lines: dict[FieldPath, int] = {}
        self.quoted: set[FieldPath] = set()
        self.problems: list[Problem] = []

    def value(self, node: yaml.Node, where: FieldPath) -> Any:
        self.lines.setdefault(where, node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            if node.style:  # None: plain; quotes, '|' or '>' otherwise
                self.quoted.add(where)
            return None if node.tag == _NULL_TAG else node.value
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, (*where, index)) for index, item in enumerate(node.value)]
        return self._mapping(node, where)

    def _mapping(self, node: yaml.MappingNode, where: FieldPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(Problem(self.relative, _("a key must be plain text"), where, line))
                continue
            key = key_node.value
            if key in result:
                first = self.lines[(*where, key)]
                message = _("duplicate key {key} (first at line {line})", key=repr(key), line=first)
                self.problems.append(Problem(self.relative, message, (*where, key), line))
                continue
            self.lines[(*where, key)] = line  # the key's line: where the trainer looks for the field
            result[key] = self.value(value_node, (*where, key))
        return result
