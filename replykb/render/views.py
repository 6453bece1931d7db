"""What templates see of the agent and the channel, besides the answer and the customer
(:mod:`.names`) and the ticket's details (:mod:`.detailview`)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import UnknownNameError
from ..models import Channel, Settings

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
    settings: Settings, agent_id: str | None, channel_name: str, spec: Channel
) -> AgentView:
    """The agent who signs (``None``: the team) and their sign-off on this channel: theirs
    for the channel or one of its aliases, else a default for the channel's family."""
    brand = settings.brand
    if agent_id is None:
        name = f"The {brand} team"
        return AgentView("", name, name if spec.family != "short" else f"^{brand}")
    agents = settings.agents
    if agent_id not in agents:
        raise UnknownNameError("agent", agent_id, agents)
    agent = agents[agent_id]
    signature = next(
        (
            agent.signatures[name]
            for name in (channel_name, *spec.aliases)
            if name in agent.signatures
        ),
        None,
    )
    if signature is None:
        signature = {
            "short": f"^{agent.name}",
            "sms": f"{agent.name}, {brand}",
            "email": f"{agent.name}\n{brand} Customer Care",
        }.get(spec.family, f"{agent.name}, {brand}")
    return AgentView(agent_id, agent.name, signature)
