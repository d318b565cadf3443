"""Ids whole (issue 18 point 2): the client's copy of the service's id rule agrees with it, --subject and --test
refuse anything else before any request, and ids a listing returns that are not ids are skipped, never sent."""

from __future__ import annotations

import pytest
from client_harness import FakeApi, listing, one_question, run_client, write_config
from test_time import ids as client_ids
from test_time.main import parse_args

from testtime import layout

CORPUS = [
    "a",
    "test01",
    "operating-systems",
    "a.b_c-d",
    "A" * 64,
    "A" * 65,
    "",
    "a\n",
    "test01\n",
    "a\r",
    "\na",
    " a",
    "a ",
    "a b",
    "a\t",
    "a/b",
    "../a",
    "..",
    "a..b",
    ".a",
    "-a",
    "_a",
    "a\x00",
    "a\x1b[2J",
    "é",
    "tést",
    "ａ",  # fullwidth a
    "٣",  # Arabic-Indic three
    "a\u2028",
    "a$",
    "a%0a",
    "a\\b",
    "a:b",
]


@pytest.mark.parametrize("value", CORPUS, ids=repr)
def test_the_client_rule_is_the_service_rule(value: str) -> None:
    assert client_ids.is_safe_id(value) == layout.is_safe_id(value)


def test_the_rule_matches_whole() -> None:
    accepted = {value for value in CORPUS if client_ids.is_safe_id(value)}
    assert accepted == {"a", "test01", "operating-systems", "a.b_c-d", "A" * 64}
    assert not client_ids.is_safe_id(None)


@pytest.mark.parametrize("flag", ["--subject", "--test"])
@pytest.mark.parametrize("value", ["test01\n", "a/b", "../x", "é", "a" * 65, " a", "a..b"], ids=repr)
def test_a_bad_id_flag_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], flag: str, value: str) -> None:
    argv = {"--subject": ["--subject", value, "--test", "test01"], "--test": ["--subject", "os", "--test", value]}
    with pytest.raises(SystemExit) as ended:
        parse_args(argv[flag])
    assert ended.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"test-time.sh: {flag} ")
    assert "1 to 64 letters, digits" in err


def test_a_bad_id_flag_sends_nothing(fake_api: FakeApi, tmp_path) -> None:
    config = write_config(tmp_path / "config", fake_api.url)
    proc = run_client(config, "--subject", "operating-systems\n", "--test", "test01")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "--subject 'operating-systems\\n' is not an id" in proc.stderr
    assert fake_api.seen == []


def test_listed_ids_that_are_not_ids_are_skipped_with_a_note(fake_api: FakeApi, tmp_path) -> None:
    fake_api.reply("POST", "/v1/tests", listing(("os", "bad\n"), ("os/..", "t"), ("os", "test01")))
    fake_api.reply("GET", "/v1/test", one_question())
    config = write_config(tmp_path / "config", fake_api.url)

    listed = run_client(config, "--list")
    assert listed.returncode == 0, listed.stderr
    assert "1. os: Title of test01 [os/test01]" in listed.stdout
    assert "bad" not in listed.stdout and "os/.." not in listed.stdout
    assert listed.stderr.count("note: skipped a listed test whose name is not a valid id") == 2
    assert "'bad\\n'" in listed.stderr

    fake_api.seen.clear()
    menu = run_client(config, input="1\na\nn\n")  # the only usable test is number 1; cancelled at the review
    assert menu.returncode == 1, menu.stdout + menu.stderr
    gets = [seen.path for seen in fake_api.seen if seen.method == "GET"]
    assert gets == ["/stage/api/v1/test?subjectName=os&testId=test01"]
