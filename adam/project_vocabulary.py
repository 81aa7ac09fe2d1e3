"""A project's controlled vocabularies (statuses, activity types): plain data, importable without the database layer."""
from __future__ import annotations

from adam.messages import N_

# English labels, marked for the catalogue: the web pages show them translated (N_ leaves them as they are here).
STATUSES = {
    "pipeline": N_("Pipeline"),
    "ongoing": N_("Ongoing"),
    "completed": N_("Completed"),
    "cancelled": N_("Cancelled"),
}
ACTIVITY_TYPES = {
    "training": N_("Training"),
    "equipment": N_("Equipment"),
    "advisory": N_("Advisory / mentoring"),
    "infrastructure": N_("Infrastructure"),
    "research": N_("Study / research"),
    "conference": N_("Conference / meeting"),
}
