"""The API's flask-smorest Blueprint: its argument parser answers JSON nested too deeply for Python as bad JSON."""
from __future__ import annotations

import typing

import flask
import flask_smorest
from webargs.flaskparser import FlaskParser, abort


class ApiParser(FlaskParser):
    def _raw_load_json(self, req: flask.Request) -> typing.Any:
        try:
            return super()._raw_load_json(req)
        except RecursionError as exc:  # [[[[...]]]] deeper than the interpreter's recursion limit
            abort(400, exc=exc, messages={"json": ["Invalid JSON body (nested too deeply)."]})


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = ApiParser()
