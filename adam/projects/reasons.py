"""Why a record was withdrawn or merged, when ADAM itself says it: English in the database (exports, the API), and
read back as a catalogue message for the pages, from new and old rows alike (the English wording never changed)."""
from __future__ import annotations

import re

from adam.messages import N_, Message

DUPLICATE_OF = N_("Duplicate of project #%(id)s")
MERGED_INTO = N_("Merged into project #%(id)s")
MERGED_FROM = N_("Merged from project #%(id)s “%(title)s”")
WITH_NOTE = N_("%(reason)s: %(note)s")

# The stored English of each message, as a pattern: (msgid, the pattern of its text, its parameters in order).
_PATTERNS = (
    (DUPLICATE_OF, re.compile(r"Duplicate of project #(\d+)(?:: (.*))?\Z", re.S), ("id",)),
    (MERGED_INTO, re.compile(r"Merged into project #(\d+)(?:: (.*))?\Z", re.S), ("id",)),
    (MERGED_FROM, re.compile(r"Merged from project #(\d+) “(.*?)”(?:: (.*))?\Z", re.S), ("id", "title")),
)


def with_note(msgid: str, note: str = "", **params) -> Message:  # noqa: ANN003
    """ADAM's reason (one of the messages above), followed by the coordinator's own note when there is one."""
    text = Message(msgid, **params)
    note = note.strip()
    return Message(WITH_NOTE, reason=text, note=note) if note else text


def readable(stored: str) -> str:
    """A stored reason or history note as a Message the page can translate; a person's own words stay as they are."""
    for msgid, pattern, names in _PATTERNS:
        match = pattern.match(stored or "")
        if match:
            *values, note = match.groups()
            params = dict(zip(names, values))
            params["id"] = int(params["id"])
            return with_note(msgid, note or "", **params)
    return stored
