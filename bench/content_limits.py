"""Content parsing under hostile input: how long the publisher's loader takes to refuse each kind of bomb, and to
load an honest large test, with the peak memory of each load.

    python bench/content_limits.py [--repeat 3]      (from the repository root, venv active)

Each case is a content folder (the class list plus one test file) loaded by ``ops.content.load_content`` in a
child process of its own, so the peak resident memory (``ru_maxrss``) belongs to that case alone. The figure is
the best of ``--repeat`` runs. Target (issue 18): every hostile file is refused in well under a second, in bounded
memory; the limits are in ``ops/content/documents.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STUDENTS = "- id: student01\n  name: Ada\n  email: ada@example.com\n"
TEST_FILE = "subjects/networks/test01.yml"
_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path
    from ops.content import ContentError, load_content
    started = time.perf_counter()
    try:
        load_content(Path(sys.argv[1]))
        outcome = "loaded"
    except ContentError as error:
        outcome = str(error.problems[0])
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "outcome": outcome}))
    """
)


def billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 9):
        name, previous = "abcdefghi"[level], "abcdefghi"[level - 1]
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    return "\n".join(lines) + "\n"


def large_test(questions: int) -> str:
    rows = ["title: A long test", "questions:"]
    for number in range(1, questions + 1):
        rows += [
            f"  - id: q{number}",
            f"    text: Question {number} about {'networks ' * 10}",
            "    choices: {a: Routing, b: Switching, c: Framing, d: Signalling}",
            "    answer: b",
        ]
    return "\n".join(rows) + "\n"


CASES: dict[str, str] = {
    "billion laughs (540 bytes, 9**9 values)": billion_laughs(),
    "nested 100,000 deep (flow)": "[" * 100_000 + "]" * 100_000 + "\n",
    "flat list of 300,000 values": "[" + "0, " * 300_000 + "0]\n",
    "3 MB file": "title: " + "x" * 3_000_000 + "\n",
    "honest test of 200 questions": large_test(200),
}


def run_case(text: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "students.yml").write_text(STUDENTS, encoding="utf-8")
        (Path(folder) / TEST_FILE).parent.mkdir(parents=True)
        (Path(folder) / TEST_FILE).write_text(text, encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "lambda_src")])}
        child = subprocess.run(
            [sys.executable, "-c", _CHILD, folder], cwd=REPO, env=env, capture_output=True, text=True, check=True
        )
    result: dict[str, object] = json.loads(child.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the best is shown (default 3)")
    args = parser.parse_args(argv)
    print(f"{'case':<42} {'ms':>8} {'peak MB':>8}   outcome")
    for label, text in CASES.items():
        runs = [run_case(text) for _ in range(max(1, args.repeat))]
        best = min(runs, key=lambda run: float(run["seconds"]))  # type: ignore[arg-type]
        outcome = str(best["outcome"])
        outcome = outcome if len(outcome) <= 90 else outcome[:87] + "..."
        print(f"{label:<42} {float(best['seconds']) * 1000:8.1f} {float(best['peak_mb']):8.1f}   {outcome}")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
