"""Build small IATI activity files for tests, one mapping rule at a time."""
from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "iati"


def activity(identifier: str | None = "XM-TEST-1", body: str = "", *, title: str = "Border liaison offices",
             attrs: str = 'default-currency="EUR" xml:lang="en"') -> str:
    ident = f"<iati-identifier>{identifier}</iati-identifier>" if identifier is not None else ""
    head = f"<title><narrative>{title}</narrative></title>" if title else ""
    return f"<iati-activity {attrs}>{ident}{head}{body}</iati-activity>"


def document(*activities: str, version: str = "2.03") -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="{version}">{"".join(activities)}</iati-activities>'


def write(tmp_path: Path, *activities: str, name: str = "activities.xml", version: str = "2.03") -> Path:
    path = tmp_path / name
    path.write_text(document(*activities, version=version), encoding="utf-8")
    return path
