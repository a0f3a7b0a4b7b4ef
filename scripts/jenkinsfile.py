"""Reads what the tests need from the declarative Jenkinsfile: its parameters' defaults and the shell steps of a stage.

Just enough Groovy for this repository's Jenkinsfile, whose stages' steps are `sh '...'` only (the logic is in
.ci/pipeline), so that the tests run the stages' commands exactly as Jenkins would, with the parameters' defaults
Jenkins would pass as environment variables. Anything else in a stage's steps is reported, not guessed at.

Used by Tests/e2e/test_jenkins_job.py (offline) and Tests/testbed/test_66_jenkins_pipeline.py (on the test bed).
"""

from __future__ import annotations

import re

_STRING = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""


def _unquote(literal: str) -> str:
    """A Groovy string literal's value: quotes off, backslash escapes resolved (no interpolation is used here)."""
    return re.sub(r"\\(.)", r"\1", literal[1:-1])


def _block(text: str, open_brace: int) -> tuple[str, int]:
    """The text between the brace at `open_brace` and its match (strings skipped), and the index after the match."""
    assert text[open_brace] == "{", text[open_brace:open_brace + 40]
    depth, index = 0, open_brace
    while index < len(text):
        char = text[index]
        if char in "'\"":
            string = re.compile(_STRING, re.S).match(text, index)
            if string is None:
                raise ValueError(f"unterminated string at {index}: {text[index:index + 40]!r}")
            index = string.end()
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[open_brace + 1:index], index + 1
        index += 1
    raise ValueError(f"unbalanced braces from {open_brace}")


def _section(text: str, head: str) -> str:
    """The body of the first `head {` section (head is a regular expression)."""
    match = re.search(head + r"\s*\{", text)
    if match is None:
        raise ValueError(f"no section {head!r} in the Jenkinsfile")
    return _block(text, match.end() - 1)[0]


def parameters(text: str) -> dict[str, str]:
    """Each parameter's default, as Jenkins passes it: a string's defaultValue, a choice's first choice."""
    body = _section(text, r"\bparameters")
    found: dict[str, str] = {}
    calls = list(re.finditer(r"\b(string|choice)\s*\(", body))
    for number, call in enumerate(calls):
        end = calls[number + 1].start() if number + 1 < len(calls) else len(body)
        arguments = body[call.end():end]
        name = re.search(r"\bname\s*:\s*(" + _STRING + ")", arguments)
        if name is None:
            raise ValueError(f"a parameter without a name: {arguments[:80]!r}")
        if call[1] == "choice":
            choices = re.search(r"\bchoices\s*:\s*\[\s*(" + _STRING + ")", arguments)
            default = _unquote(choices[1]) if choices else ""
        else:
            value = re.search(r"\bdefaultValue\s*:\s*(" + _STRING + ")", arguments)
            default = _unquote(value[1]) if value else ""
        found[_unquote(name[1])] = default
    return found


def _steps(body: str) -> list[str]:
    """The commands of a `steps` body made of `sh '...'` steps; anything else is an error."""
    commands: list[str] = []
    index = 0
    step = re.compile(r"\s*(?:sh\s+(" + _STRING + r")|(\S))", re.S)
    while (match := step.match(body, index)) is not None:  # None: only white space is left
        if match[1] is None:
            raise ValueError(f"a step this reader does not know: {body[match.start():match.start() + 80].strip()!r}")
        commands.append(_unquote(match[1]))
        index = match.end()
    return commands


def stage_commands(text: str, stage: str) -> list[str]:
    """The shell commands the `steps` of `stage` run, in order."""
    match = re.search(r"\bstage\s*\(\s*'" + re.escape(stage) + r"'\s*\)\s*\{", text)
    if match is None:
        raise ValueError(f"no stage {stage!r} in the Jenkinsfile")
    stage_body = _block(text, match.end() - 1)[0]
    steps = re.search(r"\bsteps\s*\{", stage_body)
    if steps is None:
        raise ValueError(f"stage {stage!r} has no steps")
    return _steps(_block(stage_body, steps.end() - 1)[0])
