"""Command-line commands registered by the factory."""
from flask import Flask


def register(app: Flask) -> None:
    pass
