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

// Chatwoot inbox types -> replykb channels, by the same rules as
// examples/chatwoot_webhook.py's chatwoot_channel (tests/test_console_chatwoot.py runs
// one table of payloads through both). The inbox type is the conversation's `channel`
// (webhook payloads) or else its `meta.channel` (the API's conversations, which the
// dashboard app gets); Chatwoot fills both from the inbox, so they agree when both are
// there. A Facebook page inbox holds Messenger conversations (and Instagram ones when
// the account is linked through the page), an X inbox tweets and direct messages.
function text(value) {
  return typeof value === "string" ? value : "";
}

function object(value) {
  return value && typeof value === "object" && !Array.isArray(value) ? value : {};
}

export function chatwootChannel(conversation) {
  const type = text(conversation.channel) || text(object(conversation.meta).channel);
  const kind = text(object(conversation.additional_attributes).type);
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

// A conversation id as Chatwoot gives it (a number; a digit string is accepted) as
// the text the request carries, or null when it is anything else.
export function chatwootId(value) {
  if (typeof value === "number" && Number.isSafeInteger(value) && value > 0) return String(value);
  if (typeof value === "string" && /^[1-9][0-9]{0,15}$/.test(value)) return value;
  return null;
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
function appContext(data) {
  let payload = data;
  if (typeof payload === "string") {
    try {
      payload = JSON.parse(payload);
    } catch {
      return null;
    }
  }
  if (!payload || payload.event !== "appContext" || !payload.data || typeof payload.data !== "object") return null;
  return payload.data;
}

// Every message from the parent, once handled (used or ignored), bumps the body's
// data-context-seq, and data-context-pending counts those still being handled (a
// suggestion on its way): a test (or a curious developer) can wait for them instead
// of a delay.
let contextSeq = 0;
let contextPending = 0;
function handled() {
  contextSeq += 1;
  document.body.dataset.contextSeq = String(contextSeq);
}
function pending(change) {
  contextPending += change;
  document.body.dataset.contextPending = String(contextPending);
}

export function listenToChatwoot(onContext) {
  window.addEventListener("message", (event) => {
    if (event.source !== window.parent) return;
    const context = appContext(event.data);
    if (!context) {
      handled();
      return;
    }
    pending(1);
    Promise.resolve(onContext(context)).finally(() => {
      pending(-1);
      handled();
    });
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
