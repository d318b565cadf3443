"""The translation catalogs: extract the texts people read, update each language's ``.po``, compile ``.mo``, check.

One gettext domain per part of the service, each with its own catalog folder:

    api, mail, dates   lambda_src/testtime/locale   (a module's domain is the one it imports from testtime.i18n)
    trainer            ops/locale                   (the trainer's tools; ops.i18n.TRAINER)
    client             bin/test_time/locale         (the student's terminal client: standard library only)
    messages           portal/translations          (the portal, through Flask-Babel)

The ``.mo`` files are committed next to their ``.po``: the Lambda package, the portal's image and the student's
copy of ``bin/`` read them as they are, and none of those has Babel. ``check`` (run by the tests) fails when a
text lacks a translation, a translation drops or invents a ``{placeholder}``, a catalog keeps a text nobody uses,
or a ``.mo`` is older than its ``.po``.

    python -m ops.catalogs update [--domain D] [--language pl]   # new texts in, unused ones out; then translate
    python -m ops.catalogs compile [--domain D]
    python -m ops.catalogs check
"""

from __future__ import annotations

import argparse
import io
import re
import string
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2.ext
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LAMBDA_PACKAGE = ROOT / "lambda_src" / "testtime"
# gettext's names, and the short aliases modules give them (testtime.i18n): _p = X.pgettext, _n = X.ngettext.
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None, "_p": ((1, "c"), 2), "_n": (1, 2)}
# As the portal's Jinja environment has them (portal/app.py): {% trans %} blocks trimmed of their line breaks.
JINJA_OPTIONS = {"trimmed": "true", "silent": "false"}
_IMPORT = re.compile(r"^from (?:testtime|ops)\.i18n import (.+)$", re.MULTILINE)


@dataclass(frozen=True)
class Domain:
    name: str
    locale_dir: Path
    sources: Callable[[], list[Path]]
    templates: Callable[[], list[Path]] = list

    def po_path(self, language: str) -> Path:
        return self.locale_dir / language / "LC_MESSAGES" / f"{self.name}.po"

    def languages(self) -> list[str]:
        return sorted(path.parent.parent.name for path in self.locale_dir.glob(f"*/LC_MESSAGES/{self.name}.po"))


def _importers(domain: str, package: Path = LAMBDA_PACKAGE, *also: Path) -> Callable[[], list[Path]]:
    """The modules of ``package`` that take their texts from ``domain`` (``from testtime.i18n import MAIL``), and
    ``also`` (the module that defines the domain, when it has texts of its own)."""

    def modules() -> list[Path]:
        found = list(also)
        for path in sorted(package.rglob("*.py")):
            imported = {name.strip() for line in _IMPORT.findall(path.read_text(encoding="utf-8")) for name in
                        line.strip("()").split(",")}  # fmt: skip
            if domain.upper() in imported:
                found.append(path)
        return found

    return modules


DOMAINS = {
    domain.name: domain
    for domain in (
        Domain("api", LAMBDA_PACKAGE / "locale", _importers("api")),
        Domain("mail", LAMBDA_PACKAGE / "locale", _importers("mail")),
        Domain("dates", LAMBDA_PACKAGE / "locale", _importers("dates")),
        Domain(
            "trainer",
            ROOT / "ops" / "locale",
            lambda: sorted({*_importers("trainer", ROOT / "ops")(), ROOT / "ops" / "i18n.py"}),
        ),
        Domain(
            "client", ROOT / "bin" / "test_time" / "locale", lambda: sorted((ROOT / "bin" / "test_time").glob("*.py"))
        ),
        Domain(
            "messages",
            ROOT / "portal" / "translations",
            lambda: sorted((ROOT / "portal").glob("*.py")),
            lambda: sorted((ROOT / "portal" / "templates").glob("*.html")),
        ),
    )
}


def extract(domain: Domain) -> Catalog:
    """Every text of the domain's sources, as a template catalog."""
    template = Catalog(domain=domain.name, project="Test Time", fuzzy=False)
    found: list[tuple[Path, Any]] = [(path, "python") for path in domain.sources()]
    found += [(path, jinja2.ext.babel_extract) for path in domain.templates()]
    for path, method in found:
        options = {} if method == "python" else JINJA_OPTIONS
        for line, message, comments, context in extract_from_file(
            method, str(path), keywords=KEYWORDS, options=options
        ):
            where = (str(path.relative_to(ROOT)), line)
            template.add(message, None, [where], auto_comments=comments, context=context)
    return template


HEADER = "# {language} texts of Test Time's {domain!r} domain (python -m ops.catalogs, see ops/catalogs.py).\n#"


def _read(path: Path, language: str, domain: str) -> Catalog:
    if not path.is_file():
        catalog = Catalog(locale=language, domain=domain, project="Test Time", fuzzy=False)
        catalog.header_comment = HEADER.format(language=catalog.locale.english_name, domain=domain)
        return catalog
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=domain)


def _po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=116, sort_output=True, omit_header=False, include_lineno=False)
    return out.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def update(domain: Domain, languages: Iterable[str] = ()) -> list[Path]:
    """Each language's ``.po`` with the sources' texts: new ones untranslated, unused ones dropped."""
    template = extract(domain)
    written = []
    for language in sorted({*domain.languages(), *languages}):
        path = domain.po_path(language)
        catalog = _read(path, language, domain.name)
        created = catalog.creation_date if path.is_file() else template.creation_date
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.creation_date = created  # unchanged by an update: a .po's diff shows texts, not dates
        catalog.obsolete.clear()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_po_bytes(catalog))
        written.append(path)
    return written


def compile_domain(domain: Domain) -> list[Path]:
    written = []
    for language in domain.languages():
        catalog = _read(domain.po_path(language), language, domain.name)
        target = domain.po_path(language).with_suffix(".mo")
        target.write_bytes(mo_bytes(catalog))
        written.append(target)
    return written


def _placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"<unbalanced braces>"}


def _message_problems(where: str, message: Message) -> list[str]:
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    texts = message.string if isinstance(message.string, tuple) else (message.string,)
    shown = ids[0] if len(ids[0]) <= 70 else ids[0][:67] + "..."
    if message.fuzzy:
        return [f"{where}: {shown!r} is marked fuzzy: check its translation and remove the mark"]
    if not all(texts):
        return [f"{where}: {shown!r} has no translation"]
    wanted = set().union(*(_placeholders(text) for text in ids)) | ({"n"} if len(ids) > 1 else set())
    problems = []
    for text in texts:
        extra = _placeholders(text) - wanted
        missing = _placeholders(ids[-1] if len(ids) > 1 else ids[0]) - _placeholders(text) - {"n"}
        if extra or missing:
            problems.append(f"{where}: {shown!r}: the translation's placeholders {sorted(_placeholders(text))} "
                            f"differ from the text's {sorted(wanted)}")  # fmt: skip
    return problems


def check(domains: Sequence[Domain] = tuple(DOMAINS.values())) -> list[str]:
    """Why the catalogs are not ready, one line per problem; empty when every text of every language is there."""
    problems = []
    for domain in domains:
        template = extract(domain)
        for language in domain.languages():
            path = domain.po_path(language)
            where = str(path.relative_to(ROOT))
            catalog = _read(path, language, domain.name)
            for message in template:
                if not message.id:
                    continue
                translated = catalog.get(message.id, message.context)
                if translated is None:
                    problems.append(f"{where}: {message.id!r} is not in the catalog (python -m ops.catalogs update)")
                else:
                    problems += _message_problems(where, translated)
            for message in catalog:
                if message.id and template.get(message.id, message.context) is None:
                    problems.append(f"{where}: {message.id!r} is used nowhere any more (python -m ops.catalogs update)")
            compiled = path.with_suffix(".mo")
            if not compiled.is_file() or compiled.read_bytes() != mo_bytes(catalog):
                problems.append(f"{where}: its .mo is missing or older than the .po (python -m ops.catalogs compile)")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.catalogs", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("update", "compile", "check"))
    parser.add_argument("--domain", choices=sorted(DOMAINS), help="one domain (default: every one)")
    parser.add_argument("--language", action="append", default=[], help="update: also start this language's catalog")
    args = parser.parse_args(argv)
    chosen = [DOMAINS[args.domain]] if args.domain else list(DOMAINS.values())
    if args.action == "check":
        problems = check(chosen)
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{len(problems)} problem(s) in the translation catalogs" if problems else "every text is translated")
        return 1 if problems else 0
    for domain in chosen:
        paths = update(domain, args.language) if args.action == "update" else compile_domain(domain)
        for path in paths:
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
