"""Marks text for the translation catalogue in modules that must not import Flask (models, domain logic).

The text stays English where it is defined (exports, the API, the database); the web layer translates it where it
is shown, with gettext or the template filter `tr`."""


def N_(message: str) -> str:
    return message


class Message(str):
    """A message with parameters, English as a string, that the web layer can still translate: it keeps its
    catalogue id and its parameters (raise SomeError(Message("Try again in %(minutes)s minute(s).", minutes=5)))."""

    msgid: str
    params: dict

    def __new__(cls, msgid: str, **params) -> "Message":
        text = super().__new__(cls, msgid % params if params else msgid)
        text.msgid, text.params = msgid, params
        return text

    def as_data(self) -> dict:
        """The message as JSON-ready data (catalogue id and parameters, nested Messages too), for storage."""
        return {"msgid": self.msgid,
                "params": {k: v.as_data() if isinstance(v, Message) else v for k, v in self.params.items()}}


def message_from_data(data) -> str:  # noqa: ANN001
    """A stored message back as a Message (see Message.as_data); plain text stays as it is."""
    if isinstance(data, dict) and "msgid" in data:
        params = {k: message_from_data(v) for k, v in (data.get("params") or {}).items()}
        return Message(data["msgid"], **params)
    return data


def message_data(text: str) -> dict | str:
    """A Message as stored data (catalogue id and parameters); plain text as it is."""
    return text.as_data() if isinstance(text, Message) else str(text)
