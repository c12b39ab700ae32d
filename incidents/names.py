"""How people are named in pages, letters, exports and the timeline."""

from __future__ import annotations

from typing import Any


def display_name(user: Any) -> str:
    """A login's name as people read it: the full name, else the username; the product itself
    when nobody acted."""
    if user is None:
        return "Casework (automatic)"
    return user.get_full_name() or user.get_username()
