// replykb agent console: one page over the server's HTTP API (no build step, no
// dependencies). Every text from the customer, the base or the server is put on the
// page with textContent or .value, never as HTML.
"use strict";

(() => {
  const TOKEN_KEY = "replykb.token";
  const PREFS_KEY = "replykb.console";
  const LENGTH_DEBOUNCE_MS = 150;
  const COPIED_MS = 2000;
  // Chatwoot posts the open conversation to a dashboard app's iframe (its
  // DashboardApp/Frame.vue) as a JSON string {event: "appContext", data: {...}}, on
  // load and whenever the app asks with this message.
  const CHATWOOT_FETCH = "chatwoot-dashboard-app:fetch-info";
  // Chatwoot does not tell the app when the agent opens another conversation or the
  // customer writes again: the app asks again this often while it is visible.
  const CHATWOOT_POLL_MS = 4000;
  // A detail's name as the server accepts it (replykb/details.py).
  const DETAIL_NAME = /^[a-z][a-z0-9_]{0,39}$/;
  const MAX_DETAILS = 32;
  const MAX_DETAIL_CHARS = 500;

  const $ = (id) => document.getElementById(id);

  const state = {
    channels: {}, // name -> {limit, count, public, private_channel, ...}
    agents: {}, // id -> {name, ...}
    answers: [], // [{id, ...}] for "which answer was right"
    request: null, // the body of the suggestion shown
    suggestion: null, // the Suggestion shown
    chosen: null, // the Reply in the editor (the reply, an alternative or a candidate)
    chosenFrom: null, // "reply" | "alternative" | "candidate"
    original: { reply: "", private: "" }, // the texts as suggested, to tell edits
    reported: false,
    seq: 0, // suggestion requests: only the newest one is shown
    chatwootKey: null, // conversation + message shown from Chatwoot
    chatwootConversation: null, // its conversation id
    chatwootForce: false, // "Reload conversation": apply even over the agent's edits
  };
  let ready = null; // resolves when channels and agents are loaded
  let pendingToken = null; // one token prompt for concurrent 401s

  // --- the HTTP API -------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message, field) {
      super(message);
      this.status = status;
      this.field = field || null;
    }
  }

  function errorMessage(body, status) {
    const error = body && typeof body === "object" ? body.error : null;
    if (error && typeof error.message === "string") return error.message;
    if (body && typeof body.detail === "string") return body.detail;
    return `The server answered HTTP ${status}.`;
  }

  async function api(method, path, body) {
    for (;;) {
      const headers = { Accept: "application/json" };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      const token = sessionStorage.getItem(TOKEN_KEY);
      if (token) headers.Authorization = `Bearer ${token}`;
      let response;
      try {
        response = await fetch(path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (error) {
        throw new ApiError(0, `The replykb server cannot be reached (${error.message}).`);
      }
      if (response.status === 401) {
        const given = await askToken(
          token ? "The server refused that token: enter the right one." : "This replykb server needs an access token.",
        );
        if (given === null) throw new ApiError(401, "No access token: the server refuses requests without one.");
        continue;
      }
      const text = await response.text();
      let data = null;
      try {
        data = text ? JSON.parse(text) : null;
      } catch {
        data = null;
      }
      if (!response.ok) {
        const error = data && data.error ? data.error : {};
        throw new ApiError(response.status, errorMessage(data, response.status), error.field);
      }
      return data;
    }
  }

  function askToken(reason) {
    if (pendingToken) return pendingToken;
    const dialog = $("token-dialog");
    $("token-reason").textContent = reason;
    $("token-input").value = "";
    pendingToken = new Promise((resolve) => {
      const done = () => {
        dialog.removeEventListener("close", done);
        const value = $("token-input").value.trim();
        pendingToken = null;
        if (dialog.returnValue === "ok" && value) {
          sessionStorage.setItem(TOKEN_KEY, value);
          resolve(value);
        } else {
          resolve(null);
        }
      };
      dialog.addEventListener("close", done);
      dialog.returnValue = "";
      dialog.showModal();
      $("token-input").focus();
    });
    return pendingToken;
  }

  // --- small helpers ------------------------------------------------------------

  function show(el, visible) {
    el.hidden = !visible;
  }

  function clear(el) {
    el.replaceChildren();
  }

  function element(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === "className") el.className = value;
      else if (key === "text") el.textContent = value;
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value);
    }
    for (const child of children) {
      if (child !== null && child !== undefined) el.append(child);
    }
    return el;
  }

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  function formatTime(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return String(iso);
    return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  }

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

  // --- the base: channels, agents, answers -------------------------------------

  async function loadBase() {
    const [channels, agents] = await Promise.all([api("GET", "v1/channels"), api("GET", "v1/agents")]);
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

  // --- the request --------------------------------------------------------------

  function addDetailRow(name = "", value = "") {
    const rows = $("detail-rows");
    if (rows.children.length >= MAX_DETAILS) return null;
    const row = $("detail-row").content.firstElementChild.cloneNode(true);
    const index = rows.children.length + 1;
    const nameInput = row.querySelector(".detail-name");
    const valueInput = row.querySelector(".detail-value");
    nameInput.value = name;
    valueInput.value = value;
    nameInput.setAttribute("aria-label", `Detail ${index} name`);
    valueInput.setAttribute("aria-label", `Detail ${index} value`);
    row.querySelector(".detail-remove").setAttribute("aria-label", `Remove detail ${index}`);
    row.querySelector(".detail-remove").addEventListener("click", () => {
      row.remove();
      $("add-detail").focus();
    });
    rows.append(row);
    return row;
  }

  function readDetails() {
    const details = {};
    for (const row of $("detail-rows").children) {
      const name = row.querySelector(".detail-name").value.trim();
      const value = row.querySelector(".detail-value").value;
      if (name && value.trim()) details[name] = value;
    }
    return Object.keys(details).length ? details : null;
  }

  function lastMessageIso() {
    const value = $("last-message-at").value;
    if (!value) return null;
    // datetime-local is the browser's local time: send it as an absolute UTC time.
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? null : date.toISOString();
  }

  function setLastMessage(date) {
    const pad = (n) => String(n).padStart(2, "0");
    $("last-message-at").value =
      `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
      `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  }

  function buildRequest() {
    const text = (id) => $(id).value.trim() || null;
    return {
      message: $("message").value,
      channel: $("channel").value,
      agent: $("agent").value || null,
      customer: text("customer"),
      conversation_id: text("conversation-id"),
      details: readDetails(),
      last_customer_message_at: lastMessageIso(),
      k: 3,
    };
  }

  const FIELD_INPUTS = {
    message: "message",
    channel: "channel",
    agent: "agent",
    customer: "customer",
    conversation_id: "conversation-id",
    last_customer_message_at: "last-message-at",
    details: "details",
  };

  function showRequestError(message, field) {
    $("request-error").textContent = message;
    for (const id of Object.values(FIELD_INPUTS)) $(id).removeAttribute("aria-invalid");
    const base = field ? String(field).split(".")[0] : null;
    if (base && FIELD_INPUTS[base]) $(FIELD_INPUTS[base]).setAttribute("aria-invalid", "true");
  }

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

  // --- the suggestion -----------------------------------------------------------

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
      });
      choose(reply, "candidate");
      $("reply-text").focus();
    } catch (error) {
      $("feedback-status").textContent = error.message;
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
    if (reply) {
      $("reply-label").textContent = `Reply on ${reply.channel} (${reply.answer_id})`;
      $("reply-form").textContent = formText(reply.form);
      $("reply-text").value = reply.text;
      state.original.reply = reply.text;
      showMeter("reply-meter", { length: reply.length, limit: reply.limit, unit: reply.count });
      showWindow("reply-window", reply.window);
      showNeeds(reply.needs_details || []);
    } else {
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

  function formText(form) {
    switch (form) {
      case "full":
        return "";
      case "short":
        return "short form: the full answer does not fit";
      case "truncated":
      case "cut":
        return "cut to fit the channel";
      case "private_invite":
        return "public invitation to continue in private";
      case "needs_details":
        return "needs ticket details";
      default:
        return form ? String(form) : "";
    }
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

  const WINDOW_TEXT = {
    open: (w) => (w.closes_at ? `Reply window open until ${formatTime(w.closes_at)}` : "Reply window open"),
    template_required: () => "Only an approved template message may be sent now",
    human_agent_tag: (w) =>
      `Send it yourself with the ${w.tag || "HUMAN_AGENT"} tag` + (w.closes_at ? `, until ${formatTime(w.closes_at)}` : ""),
    closed: () => "The reply window is closed: this reply can no longer be sent here",
    unknown: () => "Reply window unknown: give the time of the customer's last message",
  };

  function showWindow(id, window_) {
    const el = $(id);
    clear(el);
    // Open with no end and no other condition: nothing to tell the agent.
    if (!window_ || (window_.status === "open" && !window_.closes_at && !window_.once)) {
      show(el, false);
      return;
    }
    const describe = WINDOW_TEXT[window_.status] || (() => String(window_.status));
    let text = describe(window_);
    if (window_.once) text += " · one message only";
    el.append(element("strong", { text }));
    if (window_.rule) el.append(element("span", { className: "muted", text: ` (${window_.rule})` }));
    el.className = `window window-${window_.status}`;
    el.dataset.status = window_.status;
    show(el, true);
  }

  // --- the live length meter ----------------------------------------------------

  const UNITS = {
    chars: "characters",
    graphemes: "characters",
    twitter: "characters as X counts them",
    mastodon: "characters as Mastodon counts them",
    utf8: "bytes (UTF-8)",
    sms: "SMS segments",
  };

  function showMeter(id, { length, limit, unit, over, segments }) {
    const el = $(id);
    const label = UNITS[unit] || unit || "";
    const isOver = typeof over === "number" ? over > 0 : limit !== null && limit !== undefined && length > limit;
    let text = limit === null || limit === undefined ? `${length} ${label} (no limit)` : `${length} / ${limit} ${label}`;
    if (unit !== "sms" && typeof segments === "number") text += ` · ${segments} SMS segments`;
    if (isOver) text += limit !== null && limit !== undefined ? ` · ${length - limit} over the limit` : " · over the limit";
    el.textContent = text;
    el.classList.toggle("over", isOver);
    el.dataset.length = String(length);
    el.dataset.over = isOver ? "true" : "false";
  }

  const meterSeq = { "reply-meter": 0, "private-meter": 0 };

  async function measure(textareaId, meterId, channel) {
    const seq = ++meterSeq[meterId];
    try {
      const result = await api("POST", "v1/length", { text: $(textareaId).value, channel });
      if (seq !== meterSeq[meterId]) return;
      showMeter(meterId, result);
    } catch (error) {
      if (seq === meterSeq[meterId]) $(meterId).textContent = `Length unknown: ${error.message}`;
    }
  }

  const measureReply = debounce(() => {
    if (state.chosen) measure("reply-text", "reply-meter", state.chosen.channel);
  }, LENGTH_DEBOUNCE_MS);
  const measurePrivate = debounce(() => {
    const pair = state.chosen && state.chosen.private_reply;
    if (pair) measure("private-text", "private-meter", pair.channel);
  }, LENGTH_DEBOUNCE_MS);

  // --- copy ---------------------------------------------------------------------

  function legacyCopy(text) {
    // Without the async clipboard (plain HTTP, an iframe not allowed clipboard-write):
    // a selected off-screen textarea and the copy command, inside the user's click.
    const scratch = element("textarea", { readonly: "", "aria-hidden": "true", className: "offscreen" });
    scratch.value = text;
    document.body.append(scratch);
    scratch.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    scratch.remove();
    return ok;
  }

  async function copyFrom(textareaId, button) {
    const text = $(textareaId).value;
    let ok = false;
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        ok = true;
      } catch {
        ok = false;
      }
    }
    if (!ok) ok = legacyCopy(text);
    const label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.textContent = ok ? "Copied ✓" : "Copy failed: select the text and press Ctrl+C";
    button.classList.toggle("copied", ok);
    $("copy-status").textContent = ok ? `${label}: copied to the clipboard` : "Copy failed";
    clearTimeout(button.copyTimer);
    button.copyTimer = setTimeout(() => {
      button.textContent = label;
      button.classList.remove("copied");
    }, COPIED_MS);
  }

  // --- feedback -----------------------------------------------------------------

  function edited() {
    return (
      $("reply-text").value !== state.original.reply || $("private-text").value !== state.original.private
    );
  }

  function editedText() {
    const parts = [];
    if ($("reply-text").value !== state.original.reply) parts.push($("reply-text").value);
    if ($("private-text").value !== state.original.private) parts.push($("private-text").value);
    return parts.join("\n\n");
  }

  function updateFeedbackButtons() {
    const suggestion = state.suggestion;
    const noMatch = suggestion && suggestion.match && suggestion.match.status === "no_match";
    const hasReply = Boolean(state.chosen);
    const isEdited = hasReply && edited();
    const locked = state.reported;
    $("fb-sent").disabled = locked || !hasReply || isEdited;
    $("fb-edited").disabled = locked || !hasReply || !isEdited;
    $("fb-wrong").disabled = locked || noMatch || !hasReply;
    $("fb-unused").disabled = locked || !suggestion;
    $("fb-wrong-send").disabled = locked;
    show($("fb-wrong"), !noMatch);
    show($("fb-sent"), hasReply);
    show($("fb-edited"), hasReply);
    $("fb-sent").title = isEdited ? "You edited the reply: report it as sent edited" : "";
  }

  function feedbackBody(kind, usedAnswerId) {
    const suggestion = state.suggestion;
    const request = state.request;
    const chosen = state.chosen;
    const body = {
      outcome: kind,
      channel: suggestion.channel,
      answer_id: null,
      conversation_id: request.conversation_id,
      agent: request.agent,
      message: request.message,
      source: "console",
    };
    const fromCandidate = state.chosenFrom === "candidate";
    if (kind === "unused") {
      // Nothing suggested was used: after a no_match the agent wrote the reply, or
      // picked one of the closest answers (used_answer_id).
      body.answer_id = suggestion.match.status === "no_match" ? null : (chosen && chosen.answer_id) || suggestion.match.answer_id;
      body.used_answer_id = fromCandidate && chosen ? chosen.answer_id : usedAnswerId || null;
      return body;
    }
    if (fromCandidate) {
      // A closest answer after a no_match, sent as is or edited: no suggested answer
      // was used, this one was instead.
      body.outcome = "unused";
      body.used_answer_id = chosen.answer_id;
      if (kind === "edited") body.edited_text = editedText();
      return body;
    }
    body.answer_id = chosen ? chosen.answer_id : suggestion.match.answer_id;
    if (kind === "edited") body.edited_text = editedText();
    if (kind === "wrong") body.used_answer_id = usedAnswerId || null;
    return body;
  }

  const OUTCOME_TEXT = {
    sent: "sent as is",
    edited: "sent edited",
    wrong: "wrong answer",
    unused: "no suggested answer used",
  };

  async function report(kind, usedAnswerId) {
    if (!state.suggestion || state.reported) return;
    const body = feedbackBody(kind, usedAnswerId);
    const status = $("feedback-status");
    status.textContent = "Sending…";
    try {
      const result = await api("POST", "v1/feedback", body);
      state.reported = true;
      const what = OUTCOME_TEXT[body.outcome] || body.outcome;
      const extra = body.used_answer_id ? ` (used ${body.used_answer_id})` : "";
      status.textContent =
        result && result.recorded === false
          ? `Noted: ${what}${extra}. This server keeps no usage log, so it was not stored.`
          : `Recorded: ${what}${extra}. Thank you.`;
      status.dataset.outcome = body.outcome;
      show($("wrong-box"), false);
    } catch (error) {
      status.textContent = `Not recorded: ${error.message}`;
    }
    updateFeedbackButtons();
  }

  function openWrongBox() {
    if ($("fb-wrong").disabled) return;
    show($("wrong-box"), true);
    $("right-answer").focus();
  }

  // --- Chatwoot dashboard app ---------------------------------------------------

  // Chatwoot inbox types -> replykb channels, as examples/chatwoot_webhook.py maps them.
  // A Facebook page inbox holds Messenger conversations (and Instagram ones when the
  // account is linked through the page), an X inbox tweets and direct messages.
  function chatwootChannel(conversation) {
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

  function availableChannel(name) {
    if (name in state.channels) return name;
    if ("chat" in state.channels) return "chat";
    return Object.keys(state.channels)[0] || name;
  }

  function isIncoming(message) {
    // The dashboard's messages carry message_type as a number (0 incoming, 1 outgoing,
    // 2 activity, 3 template); webhooks as text.
    return message && (message.message_type === 0 || message.message_type === "incoming") && !message.private;
  }

  function lastIncoming(messages) {
    const list = Array.isArray(messages) ? messages : [];
    let best = null;
    for (const message of list) {
      if (!isIncoming(message) || typeof message.content !== "string" || !message.content.trim()) continue;
      if (!best || (Number(message.created_at) || 0) >= (Number(best.created_at) || 0)) best = message;
    }
    return best;
  }

  function chatwootAgent(currentAgent) {
    if (!currentAgent || typeof currentAgent.name !== "string") return null;
    const name = currentAgent.name.trim().toLowerCase();
    const first = name.split(/\s+/)[0];
    for (const [id, agent] of Object.entries(state.agents)) {
      const display = agent && typeof agent.name === "string" ? agent.name.trim().toLowerCase() : "";
      if (id === name || id === first || (display && (display === name || display === first))) return id;
    }
    return null;
  }

  function chatwootDetails(conversation) {
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

  async function applyChatwootContext(context) {
    await ready;
    const conversation = context.conversation;
    if (!conversation || typeof conversation !== "object") return;
    const contact = context.contact || (conversation.meta && conversation.meta.sender) || {};
    const message = lastIncoming(conversation.messages);
    const key = `${conversation.id}:${message ? message.id : ""}`;
    if (key === state.chatwootKey) return; // already shown: keep the agent's edits
    const status = $("chatwoot-text");
    const sameConversation = state.chatwootConversation === String(conversation.id);
    if (sameConversation && !state.chatwootForce && state.chosen && edited() && !state.reported) {
      // The customer wrote again while the agent edits a reply: do not overwrite it.
      status.textContent = `The customer wrote again in #${conversation.id}: "Reload conversation" suggests for the new message.`;
      return;
    }
    state.chatwootForce = false;
    state.chatwootKey = key;
    state.chatwootConversation = String(conversation.id);
    const channel = availableChannel(chatwootChannel(conversation));
    $("channel").value = channel;
    const agent = chatwootAgent(context.currentAgent);
    if (agent) $("agent").value = agent;
    $("customer").value = typeof contact.name === "string" ? contact.name : "";
    $("conversation-id").value = conversation.id === undefined || conversation.id === null ? "" : String(conversation.id);
    clear($("detail-rows"));
    for (const [name, value] of chatwootDetails(conversation)) addDetailRow(name, value);
    if (!message) {
      $("message").value = "";
      $("last-message-at").value = "";
      status.textContent = `Chatwoot conversation #${conversation.id}: no message from the customer yet.`;
      return;
    }
    $("message").value = message.content;
    const at = Number(message.created_at);
    if (at > 0) setLastMessage(new Date(at * 1000));
    else $("last-message-at").value = "";
    status.textContent = `Chatwoot conversation #${conversation.id} on ${channel}: the customer's last message.`;
    await suggest();
  }

  function onParentMessage(event) {
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
    applyChatwootContext(payload.data).catch((error) => showRequestError(error.message, null));
  }

  function startChatwoot() {
    show($("chatwoot-status"), true);
    document.body.classList.add("embedded");
    // The form fills itself from the conversation: the suggestion comes first, on the
    // screen and in the tab order.
    $("request-form").before($("result"));
    window.addEventListener("message", onParentMessage);
    const fetchInfo = () => window.parent.postMessage(CHATWOOT_FETCH, "*");
    $("chatwoot-refresh").addEventListener("click", () => {
      state.chatwootKey = null;
      state.chatwootForce = true;
      fetchInfo();
    });
    const poll = () => {
      if (document.visibilityState === "visible") fetchInfo();
    };
    setInterval(poll, CHATWOOT_POLL_MS);
    window.addEventListener("focus", poll);
    fetchInfo();
  }

  // --- keyboard -----------------------------------------------------------------

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

  // --- start --------------------------------------------------------------------

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
})();
