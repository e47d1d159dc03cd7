"""Fail when a catalogue of an interface language is not complete and exact.

For each .po file given: ``msgfmt --check-format --statistics`` must succeed (a placeholder such
as ``%(amount)s`` that differs from the English is an error) and report neither fuzzy nor
untranslated entries. Prints one line per catalogue, then what is wrong.
"""

import re
import shutil
import subprocess
import sys

STATISTICS = re.compile(r"(\d+) translated messages?(?:, (\d+) fuzzy translations?)?"
                        r"(?:, (\d+) untranslated messages?)?")


def check(path: str) -> list[str]:
    result = subprocess.run(  # noqa: S603 -- our own catalogue paths, no shell
        [shutil.which("msgfmt") or "/usr/bin/msgfmt", "--check-format", "--statistics",
         "-o", "/dev/null", path],
        capture_output=True, text=True, env={"LC_ALL": "C"})
    report = result.stderr.strip()
    match = STATISTICS.search(report)
    translated = int(match.group(1)) if match else 0
    fuzzy = int(match.group(2) or 0) if match else 0
    untranslated = int(match.group(3) or 0) if match else 0
    print(f"{path}: {translated} translated, {fuzzy} fuzzy, {untranslated} untranslated")
    problems = []
    if result.returncode != 0:
        problems.append(f"{path}: msgfmt refused it:\n{report}")
    if fuzzy or untranslated:
        problems.append(f"{path}: {fuzzy} fuzzy and {untranslated} untranslated entries")
    if match is None:
        problems.append(f"{path}: no statistics from msgfmt:\n{report}")
    return problems


def main(paths: list[str]) -> int:
    if not paths:
        print("No catalogue found under locale/.")
        return 1
    problems = [problem for path in sorted(paths) for problem in check(path)]
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
