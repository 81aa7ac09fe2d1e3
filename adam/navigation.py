"""Extension points for the layout: feature blueprints add menu entries and profile sections here."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import Flask, current_app, url_for
from flask_login import current_user


@dataclass
class NavItem:
    label: str
    endpoint: str
    visible: Callable[[object], bool]
    order: int


def add_nav_item(app: Flask, label: str, endpoint: str, visible: Callable[[object], bool] = lambda user: True,
                 order: int = 50) -> None:
    app.extensions.setdefault("adam_nav", []).append(NavItem(label, endpoint, visible, order))


def add_profile_section(app: Flask, template: str) -> None:
    app.extensions.setdefault("adam_profile_sections", []).append(template)


def register(app: Flask) -> None:
    @app.context_processor
    def layout_helpers():
        def nav_items():
            items = sorted(current_app.extensions.get("adam_nav", []), key=lambda i: i.order)
            return [
                {"label": i.label, "url": url_for(i.endpoint)}
                for i in items
                if current_user.is_authenticated and i.visible(current_user)
            ]

        def profile_sections():
            return list(current_app.extensions.get("adam_profile_sections", []))

        return {"nav_items": nav_items, "profile_sections": profile_sections}
