"""The trainer's content: loading and validating it (YAML or the original JSON layout) and rendering it into the
objects of the data bucket. Pure: no AWS calls here."""

from __future__ import annotations

from ops.content.catalog import CatalogChanges, build_catalog, catalog_changes, read_catalog
from ops.content.loader import load_content
from ops.content.model import AuthoredQuestion, Choice, Content, Question, Student, Test
from ops.content.problems import ContentError, Problem
from ops.content.render import render_objects

__all__ = [
    "AuthoredQuestion",
    "CatalogChanges",
    "Choice",
    "Content",
    "ContentError",
    "Problem",
    "Question",
    "Student",
    "Test",
    "build_catalog",
    "catalog_changes",
    "load_content",
    "read_catalog",
    "render_objects",
]
