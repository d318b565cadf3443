"""bin/outbox.sh and bin/backup-data.sh in the class's language: Polish headers and counts, English by default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from content_support import BUCKET

from ops.backup import BackupError, Entry, file_digests, restore, restore_lines, verify_files
from ops.outbox import Email, human
from tests.support.moto_account import MotoAccount
from testtime.i18n import use_language

EMAILS = [
    Email("trener@example.com", ["a@example.com"], ["c@example.com"], [], "Wynik", "Treść", "", 1795000000.0, "m1"),
    Email("x@example.com", ["b@example.com"], [], [], "Przypomnienie", "", "<p>HTML</p>", None, "m2"),
]


def test_the_outbox_in_polish_and_in_english() -> None:
    with use_language("pl"):
        assert human(EMAILS).splitlines() == [
            "=== e-mail 1 z 2  2026-11-18T11:06:40+00:00",
            "Od:    trener@example.com",
            "Do:    a@example.com",
            "DW:    c@example.com",
            "Temat: Wynik",
            "",
            "Treść",
            "",
            "=== e-mail 2 z 2",
            "Od:    x@example.com",
            "Do:    b@example.com",
            "Temat: Przypomnienie",
            "",
            "(brak części tekstowej; tylko HTML)",
        ]
        assert human([]) == "brak przechwyconych e-maili"
    assert human(EMAILS).splitlines()[:5] == [
        "=== email 1 of 2  2026-11-18T11:06:40+00:00",
        "From:    trener@example.com",
        "To:      a@example.com",
        "Cc:      c@example.com",
        "Subject: Wynik",
    ]


OUTCOME = {"missing": ["os/t1/questions.json"], "different": ["catalog.json"], "unchanged": ["studentsList.json"]}


def test_the_restore_lines_in_polish() -> None:
    with use_language("pl"):
        assert restore_lines(OUTCOME, "dane", check=True) == [
            "do wysłania  os/t1/questions.json (brakujący)",
            "do wysłania  catalog.json (inny)",
            "sprawdzenie przywracania do dane: do wysłania 2 (brakujące 1, inne 1), bez zmian 1; niczego nie usunięto",
        ]
    assert restore_lines(OUTCOME, "dane", check=False)[-1] == (
        "restore into dane: 2 uploaded (1 missing, 1 different), 1 unchanged; nothing deleted"
    )


def test_a_tampered_backup_is_refused_in_polish(tmp_path: Path, moto_account: MotoAccount) -> None:
    """A backup of 25 files, each changed after it was made: 20 listed, then how many more (Polish plural)."""
    entries = []
    for number in range(25):
        path = tmp_path / "objects" / f"k{number:02}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}", encoding="utf-8")
        size, sha, md5 = file_digests(path)
        entries.append(Entry(path.name, size, md5, sha, "application/json"))
        path.write_text('{"changed": true}', encoding="utf-8")
    manifest = {"version": 1, "objects": [entry.__dict__ for entry in entries]}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with use_language("pl"):
        problems = verify_files(tmp_path, entries)
        assert problems[0].startswith("k00.json: plik różni się od spisu (rozmiar 17, sha256 ")
        with pytest.raises(BackupError) as raised:
            restore(moto_account.s3, BUCKET, tmp_path, workers=2, check=True)
    lines = str(raised.value).splitlines()
    assert lines[0] == f"kopia w {tmp_path} nie zgadza się ze swoim spisem; niczego nie przywrócono:"
    assert len(lines) == 22 and lines[-1] == "  … i jeszcze 5"
