// replykb agent console: one page over the server's HTTP API (no build step, no
// dependencies; ES modules). Every text from the customer, the base or the server is
// put on the page with textContent or .value, never as HTML.
import { api } from "./api.js";
import {
  chatwootAgent,
  chatwootChannel,
  chatwootDetails,
  chatwootId,
  lastIncoming,
  listenToChatwoot,
} from "./chatwoot.js";
import { $, clear, debounce, element, formatTime, show } from "./dom.js";
import { edited, openWrongBox, report, updateFeedbackButtons } from "./feedback.js";
import { addDetailRow, buildRequest, setLastMessage, showRequestError } from "./form.js";
import { loadLanguages, showReplyLanguage, wantedLanguage } from "./language.js";
import { copyFrom, formText, showMeter, showWindow } from "./reply.js";
import { clearResult } from "./result.js";
import { state } from "./state.js";

const PREFS_KEY = "replykb.console";
const LENGTH_DEBOUNCE_MS = 150;

let ready = null; // resolves when channels and agents are loaded

// --- the base: channels, agents, answers -----------------------------------------

function loadPrefs() {
  try {
    return JSON.parse(localStorage.getItem(PREFS_KEY) || "{}") || {};
  } catch {
    return {};
  }
}

function savePrefs() {
  try {
    localStorage.setItem(PREFS_KEY, JSON.stringify({ channel: $("channel").value, agent: $("agent").value }));
  } catch {
    // Storage can be refused (private mode, a sandboxed iframe): preferences are a nicety.
  }
}

async function loadBase() {
  const [channels, agents] = await Promise.all([
    api("GET", "v1/channels"),
    api("GET", "v1/agents"),
    loadLanguages(),
  ]);
  state.channels = channels || {};
  state.agents = agents || {};
  const prefs = loadPrefs();
  const channelSelect = $("channel");
  clear(channelSelect);
  for (const [name, channel] of Object.entries(state.channels)) {
    const where = channel && channel.public ? "public" : "private";
    channelSelect.append(element("option", { value: name, text: `${name} (${where})` }));
  }
  if (prefs.channel && prefs.channel in state.channels) channelSelect.value = prefs.channel;
  const agentSelect = $("agent");
  for (const [id, agent] of Object.entries(state.agents)) {
    const name = agent && agent.name ? agent.name : id;
    agentSelect.append(element("option", { value: id, text: name === id ? id : `${name} (${id})` }));
  }
  if (prefs.agent && prefs.agent in state.agents) agentSelect.value = prefs.agent;
  loadAnswers();
  loadStatus();
}

async function loadAnswers() {
  try {
    const answers = await api("GET", "v1/answers");
    state.answers = Array.isArray(answers) ? answers : (answers && answers.answers) || [];
  } catch {
    state.answers = [];
  }
  const select = $("right-answer");
  select.replaceChildren(select.options[0]);
  for (const answer of state.answers) {
    if (!answer || typeof answer.id !== "string") continue;
    const title = answerTitle(answer);
    select.append(element("option", { value: answer.id, text: title ? `${answer.id}: ${title}` : answer.id }));
  }
}

function answerTitle(answer) {
  if (!answer) return "";
  for (const key of ["title", "question", "first_question"]) {
    if (typeof answer[key] === "string" && answer[key]) return answer[key];
  }
  if (Array.isArray(answer.questions) && typeof answer.questions[0] === "string") return answer.questions[0];
  return "";
}

async function loadStatus() {
  try {
    const response = await fetch("readyz", { headers: { Accept: "application/json" } });
    const ready = await response.json();
    const parts = [];
    if (typeof ready.answers === "number") parts.push(`${ready.answers} answers`);
    if (typeof ready.fingerprint === "string") parts.push(`base ${ready.fingerprint.slice(0, 12)}`);
    if (ready.loaded_at) parts.push(`loaded ${formatTime(ready.loaded_at)}`);
    $("base-status").textContent = response.ok ? `Ready: ${parts.join(" · ")}` : "The server is not ready.";
    if (ready.reload_error) $("base-status").textContent += " (the last edit of the base failed to load)";
  } catch {
    $("base-status").textContent = "Connected.";
  }
}

// --- the request -----------------------------------------------------------------

async function suggest() {
  await ready;
  if (!Object.keys(state.channels).length) {
    // The first load failed (server down, token refused): try again now.
    ready = loadBase().catch((error) => showRequestError(`Cannot load the base: ${error.message}`, null));
    await ready;
    if (!Object.keys(state.channels).length) return;
    $("base-status").classList.remove("error");
  }
  const request = buildRequest();
  if (!request.message.trim()) {
    showRequestError("Type or paste the customer's message first.", "message");
    $("message").focus();
    return;
  }
  showRequestError("", null);
  const seq = ++state.seq;
  show($("busy"), true);
  $("suggest").setAttribute("aria-busy", "true");
  try {
    const suggestion = await api("POST", "v1/suggest", request);
    if (seq !== state.seq) return;
    state.request = request;
    showSuggestion(suggestion);
  } catch (error) {
    if (seq !== state.seq) return;
    showRequestError(error.message, error.field);
  } finally {
    if (seq === state.seq) {
      show($("busy"), false);
      $("suggest").removeAttribute("aria-busy");
    }
  }
}

// --- the suggestion --------------------------------------------------------------

const STATUS_TEXT = {
  confident: "Confident match",
  ambiguous: "Several answers are close",
  no_match: "No confident answer",
};

function showSuggestion(suggestion) {
  state.suggestion = suggestion;
  state.reported = false;
  const match = suggestion.match || {};
  show($("result-empty"), false);
  show($("status-line"), true);
  const badge = $("status-badge");
  badge.textContent = STATUS_TEXT[match.status] || String(match.status);
  badge.className = `badge status-${match.status}`;
  $("status-answer").textContent = match.answer_id ? match.answer_id : "";
  $("status-score").textContent = typeof match.score === "number" ? `score ${match.score.toFixed(2)}` : "";
  showMood(suggestion.mood);
  showPrepared(suggestion.prepared);
  show($("no-match"), match.status === "no_match");
  showCandidates(match.status === "no_match" ? match.candidates || [] : []);
  showAlternatives(suggestion.alternatives || [], suggestion.reply);
  if (suggestion.reply) choose(suggestion.reply, "reply");
  else if ((suggestion.alternatives || []).length) choose(suggestion.alternatives[0], "alternative");
  else choose(null, null);
  $("feedback-status").textContent = "";
  show($("wrong-box"), false);
  show($("feedback"), true);
  updateFeedbackButtons();
}

function showMood(mood) {
  const parts = [];
  if (mood && mood.label && mood.label !== "neutral") parts.push(`The customer sounds ${mood.label}`);
  if (mood && mood.urgent) parts.push("urgent");
  if (mood && mood.repeated) parts.push("writing again");
  $("mood").textContent = parts.join(" · ");
  show($("mood"), parts.length > 0);
}

function showPrepared(prepared) {
  show($("prepared"), Boolean(prepared && prepared.text_used));
  $("prepared-text").textContent = prepared && prepared.text_used ? prepared.text_used : "";
}

function showCandidates(candidates) {
  const list = $("candidate-list");
  clear(list);
  candidates.forEach(([answerId, score], index) => {
    const answer = state.answers.find((a) => a && a.id === answerId);
    const title = answerTitle(answer);
    const button = element("button", {
      type: "button",
      className: "small",
      text: "Show this answer",
      "aria-label": `Show answer ${answerId}`,
      "data-answer": answerId,
      onclick: () => useCandidate(answerId, button),
    });
    list.append(
      element(
        "li",
        { "data-answer": answerId },
        element("span", { className: "answer-id", text: answerId }),
        element("span", { className: "muted", text: ` score ${Number(score).toFixed(2)}` }),
        title ? element("span", { className: "answer-title", text: ` ${title}` }) : null,
        index < 9 ? element("kbd", { className: "key", text: `Alt+${index + 1}` }) : null,
        button,
      ),
    );
  });
  show($("candidates"), candidates.length > 0);
}

async function useCandidate(answerId, button) {
  const request = state.request;
  if (!request) return;
  button.disabled = true;
  try {
    const reply = await api("POST", "v1/render", {
      answer_id: answerId,
      channel: request.channel,
      agent: request.agent,
      customer: request.customer,
      conversation_id: request.conversation_id,
      details: request.details,
      last_customer_message_at: request.last_customer_message_at,
      ...(wantedLanguage(state.suggestion && state.suggestion.language)
        ? { language: wantedLanguage(state.suggestion.language) }
        : {}),
    });
    if (state.request !== request) return; // the agent moved on meanwhile
    choose(reply, "candidate");
    $("reply-text").focus();
  } catch (error) {
    if (state.request === request) $("feedback-status").textContent = error.message;
  } finally {
    button.disabled = false;
  }
}

function showAlternatives(alternatives, reply) {
  const list = $("alternative-list");
  clear(list);
  alternatives.forEach((alternative, index) => {
    const id = `alternative-${index}`;
    const input = element("input", {
      type: "radio",
      name: "alternative",
      id,
      value: String(index),
      "data-answer": alternative.answer_id,
    });
    input.checked = reply ? reply.answer_id === alternative.answer_id : index === 0;
    input.addEventListener("change", () => choose(alternative, "alternative"));
    const label = element(
      "label",
      { for: id },
      element("span", { className: "answer-id", text: alternative.answer_id }),
      index < 9 ? element("kbd", { className: "key", text: `Alt+${index + 1}` }) : null,
      element("span", { className: "preview", text: alternative.text }),
    );
    list.append(element("div", { className: "choice" }, input, label));
  });
  show($("alternatives"), alternatives.length > 0);
}

function choose(reply, from) {
  state.chosen = reply;
  state.chosenFrom = from;
  show($("reply-part"), Boolean(reply));
  const pair = reply && reply.private_reply ? reply.private_reply : null;
  show($("private-part"), Boolean(pair));
  $("copy-reply").disabled = !reply;
  $("copy-private").disabled = !pair;
  if (reply) {
    $("reply-label").textContent = `Reply on ${reply.channel} (${reply.answer_id})`;
    $("reply-form").textContent = formText(reply.form);
    $("reply-text").value = reply.text;
    state.original.reply = reply.text;
    showMeter("reply-meter", { length: reply.length, limit: reply.limit, unit: reply.count });
    showWindow("reply-window", reply.window);
    showNeeds(reply.needs_details || []);
    showReplyLanguage(reply, state.suggestion && state.suggestion.language);
  } else {
    showReplyLanguage(null);
    state.original.reply = "";
    $("reply-text").value = "";
  }
  if (pair) {
    $("private-label").textContent = `Private message on ${pair.channel}`;
    $("private-text").value = pair.text;
    state.original.private = pair.text;
    showMeter("private-meter", { length: pair.length, limit: pair.limit, unit: pair.count });
    showWindow("private-window", pair.window);
  } else {
    state.original.private = "";
    $("private-text").value = "";
  }
  updateFeedbackButtons();
}

function showNeeds(names) {
  const el = $("reply-needs");
  if (!names.length) {
    show(el, false);
    el.textContent = "";
    return;
  }
  el.textContent = `This reply needs ticket details: ${names.join(", ")}. Fill them in and suggest again.`;
  show(el, true);
  const have = new Set([...$("detail-rows").children].map((row) => row.querySelector(".detail-name").value.trim()));
  for (const name of names) if (!have.has(name)) addDetailRow(name, "");
}

// --- the live length meter -------------------------------------------------------

const meterSeq = { "reply-meter": 0, "private-meter": 0 };

async function measure(textareaId, meterId, channel) {
  const seq = ++meterSeq[meterId];
  const chosen = state.chosen;
  try {
    const result = await api("POST", "v1/length", { text: $(textareaId).value, channel });
    if (seq !== meterSeq[meterId] || state.chosen !== chosen) return;
    showMeter(meterId, result);
  } catch (error) {
    if (seq === meterSeq[meterId] && state.chosen === chosen) $(meterId).textContent = `Length unknown: ${error.message}`;
  }
}

const measureReply = debounce(() => {
  if (state.chosen) measure("reply-text", "reply-meter", state.chosen.channel);
}, LENGTH_DEBOUNCE_MS);
const measurePrivate = debounce(() => {
  const pair = state.chosen && state.chosen.private_reply;
  if (pair) measure("private-text", "private-meter", pair.channel);
}, LENGTH_DEBOUNCE_MS);

// --- Chatwoot dashboard app ------------------------------------------------------

function availableChannel(name) {
  if (name in state.channels) return name;
  if ("chat" in state.channels) return "chat";
  return Object.keys(state.channels)[0] || name;
}

async function applyChatwootContext(context) {
  await ready;
  const conversation = context.conversation;
  if (!conversation || typeof conversation !== "object") return;
  const contact = context.contact || (conversation.meta && conversation.meta.sender) || {};
  const message = lastIncoming(conversation.messages);
  const id = chatwootId(conversation.id); // null: Chatwoot sent no usable id
  const name = id === null ? "this conversation" : `conversation #${id}`;
  const key = `${id}:${message ? message.id : ""}`;
  if (key === state.chatwootKey) return; // already shown: keep the agent's edits
  const status = $("chatwoot-text");
  const sameConversation = id !== null && state.chatwootConversation === id;
  if (sameConversation && !state.chatwootForce && state.chosen && edited() && !state.reported) {
    // The customer wrote again while the agent edits a reply: do not overwrite it.
    status.textContent = `The customer wrote again in ${name}: "Reload conversation" suggests for the new message.`;
    return;
  }
  const noMessage = "No customer message in this conversation yet: nothing to suggest.";
  // Another conversation (or no customer message): the previous customer's reply,
  // choices and pending feedback go before anything else, and any answer still on its
  // way for them is dropped, so nothing of theirs can be copied or reported here.
  if (!sameConversation || !message) clearResult(message ? `Asking for a reply for ${name}…` : noMessage);
  if (!sameConversation) $("language").value = ""; // a new customer: detect their language
  state.chatwootForce = false;
  state.chatwootKey = key;
  state.chatwootConversation = id;
  const channel = availableChannel(chatwootChannel(conversation));
  $("channel").value = channel;
  const agent = chatwootAgent(context.currentAgent, state.agents);
  if (agent) $("agent").value = agent;
  $("customer").value = typeof contact.name === "string" ? contact.name : "";
  $("conversation-id").value = id === null ? "" : id;
  clear($("detail-rows"));
  for (const [name, value] of chatwootDetails(conversation)) addDetailRow(name, value);
  if (!message) {
    $("message").value = "";
    $("last-message-at").value = "";
    status.textContent = `Chatwoot ${name}: no message from the customer yet.`;
    return;
  }
  $("message").value = message.content;
  const at = Number(message.created_at);
  if (at > 0) setLastMessage(new Date(at * 1000));
  else $("last-message-at").value = "";
  status.textContent = `Chatwoot ${name} on ${channel}: the customer's last message.`;
  await suggest();
}

function startChatwoot() {
  show($("chatwoot-status"), true);
  document.body.classList.add("embedded");
  // The form fills itself from the conversation: the suggestion comes first, on the
  // screen and in the tab order.
  $("request-form").before($("result"));
  const fetchInfo = listenToChatwoot((context) =>
    applyChatwootContext(context).catch((error) => showRequestError(error.message, null)),
  );
  $("chatwoot-refresh").addEventListener("click", () => {
    state.chatwootKey = null;
    state.chatwootForce = true;
    fetchInfo();
  });
}

// --- keyboard --------------------------------------------------------------------

function onKeydown(event) {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.altKey) {
    event.preventDefault();
    if (!$("token-dialog").open) suggest();
    return;
  }
  if (!event.altKey || event.ctrlKey || event.metaKey) return;
  // event.code: the physical key, so Alt+letter works on every layout (and on a Mac,
  // where Option+letter types a symbol).
  const click = (id) => {
    const button = $(id);
    if (!button.disabled && !button.closest("[hidden]")) button.click();
  };
  const digit = /^Digit([1-9])$/.exec(event.code);
  let handled = true;
  if (digit) {
    const index = Number(digit[1]) - 1;
    const radio = $(`alternative-${index}`);
    const candidate = $("candidate-list").children[index];
    if (radio && !$("alternatives").hidden) {
      radio.checked = true;
      radio.dispatchEvent(new Event("change"));
      radio.focus();
    } else if (candidate && !$("candidates").hidden) {
      candidate.querySelector("button").click();
    } else handled = false;
  } else if (event.code === "KeyC") click("copy-reply");
  else if (event.code === "KeyP") click("copy-private");
  else if (event.code === "KeyS") click("fb-sent");
  else if (event.code === "KeyE") click("fb-edited");
  else if (event.code === "KeyW") openWrongBox();
  else if (event.code === "KeyM") $("message").focus();
  else handled = false;
  if (handled) event.preventDefault();
}

// --- start -----------------------------------------------------------------------

function bind() {
  $("request-form").addEventListener("submit", (event) => {
    event.preventDefault();
    suggest();
  });
  $("add-detail").addEventListener("click", () => {
    const row = addDetailRow();
    if (row) row.querySelector(".detail-name").focus();
  });
  const resuggest = () => {
    savePrefs();
    if (state.suggestion && $("message").value.trim()) suggest();
  };
  $("channel").addEventListener("change", resuggest);
  $("agent").addEventListener("change", resuggest);
  $("language").addEventListener("change", resuggest);
  $("reply-text").addEventListener("input", () => {
    measureReply();
    updateFeedbackButtons();
  });
  $("private-text").addEventListener("input", () => {
    measurePrivate();
    updateFeedbackButtons();
  });
  $("copy-reply").addEventListener("click", () => copyFrom("reply-text", $("copy-reply")));
  $("copy-private").addEventListener("click", () => copyFrom("private-text", $("copy-private")));
  $("fb-sent").addEventListener("click", () => report("sent"));
  $("fb-edited").addEventListener("click", () => report("edited"));
  $("fb-wrong").addEventListener("click", openWrongBox);
  $("fb-wrong-send").addEventListener("click", () => report("wrong", $("right-answer").value || null));
  $("fb-unused").addEventListener("click", () => report("unused"));
  document.addEventListener("keydown", onKeydown);
}

function start() {
  bind();
  ready = loadBase().catch((error) => {
    $("base-status").textContent = `Cannot load the base: ${error.message}`;
    $("base-status").classList.add("error");
  });
  if (window.parent !== window) startChatwoot();
}

start();
