"""Reading JSON request bodies without letting their shape crash the server.

Python's parser gives up on a body nested about a thousand levels deep, and refuses an
integer of more than 4,300 digits with a ValueError: both would be a 500. Here a body that
is too deep is read with every part below `MAX_JSON_DEPTH` replaced by `TOO_DEEP`, which the
schemas then refuse with a reason where it stands (one event of a push, or the whole
request); a number too long is "not valid JSON", a 400.
"""

import json
import re
import secrets

import flask_smorest
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from common.representable import MAX_JSON_DEPTH, TOO_DEEP

#: A string (skipped whole) or a bracket: enough to measure how deep a JSON text nests.
_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def read_json(data: bytes | str):
    """The JSON value of a request body; json.JSONDecodeError when it is not JSON."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    try:
        return json.loads(text)
    except RecursionError:
        return _read_cut(text)
    except json.JSONDecodeError:
        raise
    except ValueError as err:
        raise json.JSONDecodeError(str(err), text, 0) from err


def _read_cut(text: str):
    """Read `text` with each part nested deeper than MAX_JSON_DEPTH replaced by TOO_DEEP."""
    # A placeholder no sender can guess stands for each cut-off part until the text is read.
    placeholder = f"too-deep-{secrets.token_hex(16)}"
    pieces, depth, cut_from, kept_to = [], 0, None, 0
    for token in _STRUCTURE.finditer(text):
        mark = token.group()
        if mark in ("[", "{"):
            depth += 1
            if depth == MAX_JSON_DEPTH + 1:
                cut_from = token.start()
        elif mark in ("]", "}"):
            if depth == MAX_JSON_DEPTH + 1 and cut_from is not None:
                pieces += [text[kept_to:cut_from], json.dumps(placeholder)]
                kept_to, cut_from = token.end(), None
            depth -= 1
    if cut_from is not None:
        raise json.JSONDecodeError("Unbalanced brackets", text, cut_from)
    pieces.append(text[kept_to:])
    try:
        return _put_back(json.loads("".join(pieces)), placeholder)
    except ValueError as err:
        raise json.JSONDecodeError(str(err), text, 0) from err


def _put_back(value, placeholder: str):
    if value == placeholder:
        return TOO_DEEP
    if isinstance(value, dict):
        return {k: _put_back(v, placeholder) for k, v in value.items()}
    if isinstance(value, list):
        return [_put_back(v, placeholder) for v in value]
    return value


class JsonBodyParser(FlaskParser):
    """webargs' Flask parser, reading bodies with `read_json`."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        return read_json(req.get_data(cache=True))


class Blueprint(flask_smorest.Blueprint):
    """A flask-smorest blueprint whose `arguments` read JSON bodies with `read_json`."""

    ARGUMENTS_PARSER = JsonBodyParser()
