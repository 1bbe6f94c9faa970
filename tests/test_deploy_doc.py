"""docs/deploy.md is what an operator types: every `langnghe …` command in it must exist in
the real command line, with the options it is given, and answer `--help`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from langnghe.cli import app

DOC = Path(__file__).resolve().parents[1] / "docs" / "deploy.md"
# "langnghe" as a command: at a line start, after a space, quote or backtick, or a bin/ path;
# then its words (sub-commands) and the rest of the line (options).
COMMAND = re.compile(r"(?:^|(?<=[\s`'\"])|(?<=bin/))langnghe((?: +[a-z][a-z-]*)*)(?=(.*)$)", re.M)


def _commands() -> list[tuple[list[str], list[str], str]]:
    found = []
    for match in COMMAND.finditer(DOC.read_text(encoding="utf-8")):
        words = match.group(1).split()
        if not words:
            continue  # "langnghe" as a user, directory or file name
        rest = match.group(2).split("`", 1)[0]
        options = re.findall(r"(?<!\S)(--[a-z][a-z-]*)", rest)
        found.append((words, options, match.group(0).strip()))
    return found


def _is_group(command) -> bool:
    return isinstance(getattr(command, "commands", None), dict)


def _resolve(words: list[str]):
    command = get_command(app)
    path: list[str] = []
    for word in words:
        if not _is_group(command) or word not in command.commands:
            break
        command = command.commands[word]
        path.append(word)
    return path, command


def test_the_guide_names_the_operations_commands():
    named = {" ".join(_resolve(words)[0]) for words, _, _ in _commands()}
    assert {"serve", "db upgrade", "backup", "restore", "purge", "bot", "worker"} <= named


@pytest.mark.parametrize("words,options,line", _commands(), ids=lambda v: str(v)[:60])
def test_every_command_in_the_guide_exists(words, options, line):
    path, command = _resolve(words)
    assert path, f"docs/deploy.md: unknown command in {line!r}"
    assert not _is_group(command), f"{line!r} names a group, not a command"
    known = {
        opt
        for param in command.params
        for opt in (*param.opts, *getattr(param, "secondary_opts", ()))
    }
    unknown = [option for option in options if option not in known | {"--help"}]
    assert not unknown, f"docs/deploy.md: {line!r} uses options {unknown} that do not exist"
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
