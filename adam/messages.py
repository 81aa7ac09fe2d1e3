"""Marks text for the translation catalogue in modules that must not import Flask (models, domain logic).

The text stays English where it is defined (exports, the API, the database); the web layer translates it where it
is shown, with gettext or the template filter `tr`."""


def N_(message: str) -> str:
    return message


class Percent(float):
    """A share (0.78) that a message shows as a percentage: "78%" in English text (exports, the API), and in the
    reader's own way where the web layer translates the message ("78 %" in French)."""

    def __str__(self) -> str:
        return f"{self:.0%}"


class Amount(float):
    """A sum of money or a count that a message shows as a whole number with thousands grouped: "1,250,000" in
    English text, "1 250 000" in French where the web layer translates the message."""

    def __str__(self) -> str:
        return f"{self:,.0f}"


class Listing(tuple):
    """Names that come from data (themes, pillars) listed in a message: "Border control, Precursor control" in English
    text; where the web layer translates the message, each name is translated and the list is joined the reader's
    way ("Contrôle des frontières et Contrôle des précurseurs")."""

    def __str__(self) -> str:
        return ", ".join(self)


# How typed parameters are stored (Message.as_data): {"percent": 0.78}, {"list": ["Border control"]}.
_KINDS = {"percent": Percent, "amount": Amount}


def _param_data(value):  # noqa: ANN001, ANN202
    if isinstance(value, Message):
        return value.as_data()
    if isinstance(value, Listing):
        return {"list": list(value)}
    for kind, cls in _KINDS.items():
        if isinstance(value, cls):
            return {kind: float(value)}
    return value


def _param_from_data(value):  # noqa: ANN001, ANN202
    if isinstance(value, dict) and len(value) == 1:
        kind, data = next(iter(value.items()))
        if kind in _KINDS and isinstance(data, (int, float)):
            return _KINDS[kind](data)
        if kind == "list" and isinstance(data, list):
            return Listing(str(name) for name in data)
    return message_from_data(value)


class Message(str):
    """A message with parameters, English as a string, that the web layer can still translate: it keeps its
    catalogue id and its parameters (raise SomeError(Message("Signed in as %(email)s.", email=email))).
    Numbers that each language writes its own way are given as Percent or Amount, lists of names as a Listing;
    a message whose words follow a count is made with ngettext below."""

    msgid: str
    params: dict
    plural: str | None = None

    def __new__(cls, msgid: str, **params) -> "Message":
        text = super().__new__(cls, msgid % params if params else msgid)
        text.msgid, text.params = msgid, params
        return text

    def as_data(self) -> dict:
        """The message as JSON-ready data (catalogue id and parameters, nested Messages too), for storage."""
        data = {"msgid": self.msgid, "params": {k: _param_data(v) for k, v in self.params.items()}}
        if self.plural is not None:
            data["plural"] = self.plural
        return data


def ngettext(singular: str, plural: str, num: int, **params) -> Message:  # noqa: ANN003
    """A Message whose words follow the count `num` ("Try again in %(num)s minute." / "... minutes."): English
    picks its form here; the web layer picks the reader's (Russian has three). Named like gettext's own function,
    so that the catalogue extraction keeps both forms."""
    params["num"] = num
    text = Message(singular if num == 1 else plural, **params)
    text.msgid, text.plural = singular, plural
    return text


def message_from_data(data) -> str:  # noqa: ANN001
    """A stored message back as a Message (see Message.as_data); plain text stays as it is."""
    if isinstance(data, dict) and "msgid" in data:
        params = {k: _param_from_data(v) for k, v in (data.get("params") or {}).items()}
        if data.get("plural") and isinstance(params.get("num"), int):
            return ngettext(data["msgid"], data["plural"], **params)
        return Message(data["msgid"], **params)
    return data


def message_data(text: str) -> dict | str:
    """A Message as stored data (catalogue id and parameters); plain text as it is."""
    return text.as_data() if isinstance(text, Message) else str(text)
