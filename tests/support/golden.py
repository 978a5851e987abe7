"""Build a feed renderer's arguments from a golden case's JSON.

A case names its renderer and gives each argument as JSON; the renderer's own type hints
say which frozen value of `feeds.model` each one becomes, so a case reads like the data
the shell hands the core, and a new field needs no change here.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from feeds.all_seasons_feed import render_all_seasons_feed
from feeds.notice_feed import render_lost_access_feed
from feeds.season_feed import render_season_feed
from feeds.teaser_feed import render_teaser_feed

RENDERERS: dict[str, Callable[..., bytes]] = {
    "season": render_season_feed,
    "teaser": render_teaser_feed,
    "all_seasons": render_all_seasons_feed,
    "lost_access": render_lost_access_feed,
}


def render_case(case: dict[str, Any]) -> bytes:
    """The bytes the case's renderer produces from the case's arguments."""
    renderer = RENDERERS[case["renderer"]]
    hints = typing.get_type_hints(renderer)
    unknown = set(case["arguments"]) - set(hints)
    if unknown:
        raise ValueError(f"{case['renderer']} takes no argument {sorted(unknown)}")
    arguments = {name: _value(hints[name], raw) for name, raw in case["arguments"].items()}
    return renderer(**arguments)


def _value(hint: Any, raw: Any) -> Any:
    """`raw` (parsed JSON) as a value of type `hint`."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        if raw is None:
            return None
        (inner,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _value(inner, raw)
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_value(args[0], item) for item in raw)
        return tuple(_value(arg, item) for arg, item in zip(args, raw, strict=True))
    if isinstance(origin, type) and issubclass(origin, Sequence):
        (inner,) = typing.get_args(hint)
        return [_value(inner, item) for item in raw]
    if dataclasses.is_dataclass(hint):
        return _dataclass(hint, raw)
    if hint is datetime:
        return datetime.fromisoformat(raw)
    return raw


def _dataclass(cls: Any, raw: dict[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    names = {field.name for field in dataclasses.fields(cls)}
    unknown = set(raw) - names
    if unknown:
        raise ValueError(f"{cls.__name__} has no field {sorted(unknown)}")
    return cls(**{name: _value(hints[name], value) for name, value in raw.items()})
