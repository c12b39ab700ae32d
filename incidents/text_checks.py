"""Characters no one types and some use to deceive: null bytes and other control characters, and the
bidirectional overrides and isolates that make text read differently from how it is stored (a name
shown backwards, a sentence that hides another). Text given to any form of the product is refused
if it holds one (`hidden_character_problem`, applied by `incidents.forms.AccessibleForm` and the
case list's search); a file's name has them removed (`without_hidden_characters`)."""

from __future__ import annotations

import re

# C0 controls except tab, line feed and carriage return; DEL and the C1 controls; the bidirectional
# embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069).
HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def without_hidden_characters(text: str) -> str:
    return HIDDEN.sub("", text)


def hidden_character_problem(text: str) -> str:
    """A sentence saying what is wrong with `text`, or '' when it holds no hidden character."""
    found = HIDDEN.search(text)
    if not found:
        return ""
    character = found.group()
    if character == "\x00":
        what = "a null character"
    elif "\u202a" <= character <= "\u202e" or "\u2066" <= character <= "\u2069":
        what = "a hidden character that changes the direction of the text"
    else:
        what = "a hidden control character"
    return (f"This text contains {what} (at character {found.start() + 1}), which could make it read "
            "differently from what it says. Type that part again, or paste it as plain text.")
