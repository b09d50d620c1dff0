"""Who is told about a queued item (light: the delivery of an idle outbox asks it too)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compare.model import Topic


def recipients_for(item: Any, topics: Sequence[Topic], default: Sequence[str]) -> tuple[str, ...]:
    """Who is told about an item: the topic's recipients, else the default list.

    Events about a document go to the default list, else to everyone who follows a topic.
    """
    if item.kind == "change":
        for topic in topics:
            if topic.name == item.topic and topic.recipients:
                return tuple(sorted(set(topic.recipients)))
        return tuple(sorted(set(default)))
    if default:
        return tuple(sorted(set(default)))
    return tuple(sorted({r for topic in topics for r in topic.recipients}))
