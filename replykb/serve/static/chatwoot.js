// The console as a Chatwoot dashboard app: what Chatwoot's appContext means for a
// replykb request (channel, last customer message, agent, ticket details).

// Chatwoot posts the open conversation to a dashboard app's iframe (its
// DashboardApp/Frame.vue) as a JSON string {event: "appContext", data: {...}}, on
// load and whenever the app asks with this message.
const CHATWOOT_FETCH = "chatwoot-dashboard-app:fetch-info";
// Chatwoot does not tell the app when the agent opens another conversation or the
// customer writes again: the app asks again this often while it is visible.
const CHATWOOT_POLL_MS = 4000;
// A detail's name as the server accepts it (replykb/details.py), and its bounds.
const DETAIL_NAME = /^[a-z][a-z0-9_]{0,39}$/;
export const MAX_DETAILS = 32;
const MAX_DETAIL_CHARS = 500;

// Chatwoot inbox types -> replykb channels, as examples/chatwoot_webhook.py maps them.
// A Facebook page inbox holds Messenger conversations (and Instagram ones when the
// account is linked through the page), an X inbox tweets and direct messages.
export function chatwootChannel(conversation) {
  const type = (conversation.meta && conversation.meta.channel) || conversation.channel || "";
  const kind = (conversation.additional_attributes && conversation.additional_attributes.type) || "";
  switch (type) {
    case "Channel::TwitterProfile":
      return kind === "tweet" ? "x" : "x_dm";
    case "Channel::FacebookPage":
      return kind === "instagram_direct_message" ? "instagram_dm" : "messenger";
    case "Channel::Instagram":
      return "instagram_dm";
    case "Channel::Email":
      return "email";
    case "Channel::Sms":
    case "Channel::TwilioSms":
      return "sms";
    case "Channel::Whatsapp":
      return "whatsapp";
    default:
      return "chat"; // WebWidget, Api, Telegram, Line...
  }
}

function isIncoming(message) {
  // The dashboard's messages carry message_type as a number (0 incoming, 1 outgoing,
  // 2 activity, 3 template); webhooks as text.
  return message && (message.message_type === 0 || message.message_type === "incoming") && !message.private;
}

export function lastIncoming(messages) {
  const list = Array.isArray(messages) ? messages : [];
  let best = null;
  for (const message of list) {
    if (!isIncoming(message) || typeof message.content !== "string" || !message.content.trim()) continue;
    if (!best || (Number(message.created_at) || 0) >= (Number(best.created_at) || 0)) best = message;
  }
  return best;
}

export function chatwootAgent(currentAgent, agents) {
  if (!currentAgent || typeof currentAgent.name !== "string") return null;
  const name = currentAgent.name.trim().toLowerCase();
  const first = name.split(/\s+/)[0];
  for (const [id, agent] of Object.entries(agents)) {
    const display = agent && typeof agent.name === "string" ? agent.name.trim().toLowerCase() : "";
    if (id === name || id === first || (display && (display === name || display === first))) return id;
  }
  return null;
}

export function chatwootDetails(conversation) {
  const details = [];
  const attributes = conversation.custom_attributes;
  if (!attributes || typeof attributes !== "object") return details;
  for (const [name, value] of Object.entries(attributes)) {
    if (!DETAIL_NAME.test(name)) continue;
    if (typeof value !== "string" && typeof value !== "number") continue;
    const text = String(value);
    if (!text.trim() || text.length > MAX_DETAIL_CHARS) continue;
    details.push([name, text]);
    if (details.length >= MAX_DETAILS) break;
  }
  return details;
}

// Listens to the parent (Chatwoot) for the conversation and asks for it now, when the
// window gets the focus and every few seconds while visible; returns the asking.
export function listenToChatwoot(onContext) {
  window.addEventListener("message", (event) => {
    if (event.source !== window.parent) return;
    let payload = event.data;
    if (typeof payload === "string") {
      try {
        payload = JSON.parse(payload);
      } catch {
        return;
      }
    }
    if (!payload || payload.event !== "appContext" || !payload.data || typeof payload.data !== "object") return;
    onContext(payload.data);
  });
  const fetchInfo = () => window.parent.postMessage(CHATWOOT_FETCH, "*");
  const poll = () => {
    if (document.visibilityState === "visible") fetchInfo();
  };
  setInterval(poll, CHATWOOT_POLL_MS);
  window.addEventListener("focus", poll);
  fetchInfo();
  return fetchInfo;
}
