"""Prompt files: prompts/<name>.md (installed as package data), loaded, checked and filled
in one place.

Prompts live as Markdown so they can be read and reviewed as text. Only the placeholders
registered here are filled, in one pass, so braces in the values (passage text, the
user's question) are never read as placeholders.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.errors import NamndsvarError
from ingest.settings import bundled

# The checkout's prompts/, or the same files installed as package data.
PROMPT_DIR = bundled("prompts")

# Each prompt and the placeholders it must hold (and may only hold).
PROMPTS: dict[str, frozenset[str]] = {
    "answer_system": frozenset(),
    "answer_user": frozenset({"question", "passages", "plan"}),
}

# "{{" and "}}" are literal braces (as in str.format); "{name}" is a placeholder.
_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")


class PromptError(NamndsvarError):
    """A prompt file is missing or its placeholders do not match what the code fills."""


def load_prompt(name: str, prompt_dir: Path | None = None) -> str:
    """The text of prompts/<name>.md (or <prompt_dir>/<name>.md)."""
    if name not in PROMPTS:
        raise PromptError(f"Okänd prompt ”{name}”. Kända promptar: {', '.join(sorted(PROMPTS))}.")
    path = (prompt_dir or PROMPT_DIR) / f"{name}.md"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptError(f"Promptfilen {path} saknas. Återställ den från projektet.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PromptError(f"Promptfilen {path} kan inte läsas ({exc}). "
                          "Den ska vara en textfil i UTF-8.") from None


def placeholders(template: str) -> set[str]:
    return {m.group(1) for m in _TOKEN.finditer(template) if m.group(1)}


def _check(name: str, template: str) -> None:
    required = PROMPTS[name]
    found = placeholders(template)
    missing, unknown = required - found, found - required
    problems = []
    if missing:
        problems.append("saknar " + ", ".join(f"{{{p}}}" for p in sorted(missing)))
    if unknown:
        problems.append("har okända platshållare " + ", ".join(f"{{{p}}}" for p in sorted(unknown)))
    if problems:
        raise PromptError(f"Prompten ”{name}” {' och '.join(problems)}. Den ska innehålla "
                          f"precis: {', '.join(f'{{{p}}}' for p in sorted(required)) or 'inga'}"
                          " (skriv {{ och }} för klamrar som ska stå kvar).")


def render(name: str, /, prompt_dir: Path | None = None, **values: object) -> str:
    """The prompt with its placeholders filled; values are inserted verbatim."""
    template = load_prompt(name, prompt_dir)
    _check(name, template)
    required = PROMPTS[name]
    missing, unknown = required - values.keys(), values.keys() - required
    if missing or unknown:
        raise PromptError(
            f"Prompten ”{name}” fylldes fel: saknade värden {sorted(missing) or '-'}, "
            f"okända värden {sorted(unknown) or '-'}."
        )
    text = {k: str(v) for k, v in values.items()}

    def fill(m: re.Match[str]) -> str:
        token = m.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        return text[m.group(1)]

    return _TOKEN.sub(fill, template)


def check_prompts(prompt_dir: Path | None = None) -> None:
    """Every registered prompt exists and holds exactly its placeholders (run at start-up,
    so a broken prompt file is reported before the first question)."""
    problems: list[str] = []
    for name in PROMPTS:
        try:
            _check(name, load_prompt(name, prompt_dir))
        except PromptError as exc:
            problems.append(str(exc))
    if problems:
        raise PromptError(" ".join(problems))
