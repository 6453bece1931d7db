"""What templates see of the agent and the channel, besides the answer and the customer
(:mod:`.names`) and the ticket's details (:mod:`.detailview`)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import UnknownNameError
from ..models import Channel, Settings
from .texts import ReplyTexts, agent_signature, reply_texts

__all__ = ["AgentView", "ChannelView", "agent_view"]


@dataclass(frozen=True)
class AgentView:
    """What templates see of the agent: their name and their sign-off for this channel."""

    id: str
    name: str
    signature: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class ChannelView:
    """What templates see of the channel."""

    name: str
    limit: int | None
    public: bool
    format: str


def agent_view(
    settings: Settings,
    agent_id: str | None,
    channel_name: str,
    spec: Channel,
    *,
    texts: ReplyTexts | None = None,
    team: str | None = None,
) -> AgentView:
    """The agent who signs (``None``: the team, called ``team``, the rendered team
    sign-off of the reply's language) and their sign-off on this channel in the reply's
    language (``texts``; None: the source language): theirs for the channel or one of
    its aliases, else the language's default for the channel's family
    (:func:`~replykb.render.texts.agent_signature`)."""
    brand = settings.brand
    texts = texts or reply_texts(settings)
    if agent_id is None:
        name = team if team is not None else f"The {brand} team"
        return AgentView("", name, name if spec.family != "short" else f"^{brand}")
    agents = settings.agents
    if agent_id not in agents:
        raise UnknownNameError("agent", agent_id, agents)
    name, signature = agent_signature(
        agents[agent_id], texts, (channel_name, *spec.aliases), spec, brand
    )
    return AgentView(agent_id, name, signature)
