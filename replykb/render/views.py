"""What templates see of the agent and the channel, besides the answer and the customer
(:mod:`.names`) and the ticket's details (:mod:`.detailview`)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import UnknownNameError
from ..models import Channel, Settings
from .texts import ReplyTexts, agent_signature

__all__ = ["AgentView", "ChannelView", "agent_view", "team_view"]


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


def team_view(team: str, spec: Channel, brand: str) -> AgentView:
    """The team signing a reply with no agent: ``team`` is the team's sign-off in the
    reply's language, already rendered (``translations.<lang>.team_signature``, else the
    built-in one of :mod:`.phrases`, the one source of that text); on a channel of the
    ``short`` family (X, SMS) the sign-off is ``^<brand>``, the same in every language."""
    return AgentView("", team, team if spec.family != "short" else f"^{brand}")


def agent_view(
    settings: Settings,
    agent_id: str,
    channel_name: str,
    spec: Channel,
    *,
    texts: ReplyTexts,
) -> AgentView:
    """The agent who signs and their sign-off on this channel in the reply's language
    (``texts``): theirs for the channel or one of its aliases, else the language's
    default for the channel's family (:func:`~replykb.render.texts.agent_signature`).
    A reply with no agent is signed by the team: :func:`team_view`."""
    agents = settings.agents
    if agent_id not in agents:
        raise UnknownNameError("agent", agent_id, agents)
    name, signature = agent_signature(
        agents[agent_id], texts, (channel_name, *spec.aliases), spec, settings.brand
    )
    return AgentView(agent_id, name, signature)
