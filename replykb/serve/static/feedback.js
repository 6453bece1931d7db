// Feedback: what the agent did with the suggestion (sent as is, edited, wrong answer,
// none used), reported to the server's usage log.
import { api } from "./api.js";
import { $, show } from "./dom.js";
import { state } from "./state.js";

// Whitespace the comparison ignores: JavaScript's \s plus the separators Python's
// str.isspace also counts, so that this and the Chatwoot webhook's `normalised`
// (examples/chatwoot_webhook.py, the same set) agree on every text.
const SPACES = /[\s\x1c-\x1f\x85]+/;

// The text as compared: runs of spaces and line breaks are one space. An agent who
// only re-wraps a reply sent it as is, through the console as through Chatwoot.
export function normalised(text) {
  return text
    .split(SPACES)
    .filter((part) => part)
    .join(" ");
}

function changed(id, original) {
  return normalised($(id).value) !== normalised(original);
}

export function edited() {
  return changed("reply-text", state.original.reply) || changed("private-text", state.original.private);
}

function editedText() {
  const parts = [];
  if (changed("reply-text", state.original.reply)) parts.push($("reply-text").value);
  if (changed("private-text", state.original.private)) parts.push($("private-text").value);
  return parts.join("\n\n");
}

export function updateFeedbackButtons() {
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

export async function report(kind, usedAnswerId) {
  if (!state.suggestion || state.reported) return;
  const suggestion = state.suggestion;
  const body = feedbackBody(kind, usedAnswerId);
  const status = $("feedback-status");
  status.textContent = "Sending…";
  try {
    const result = await api("POST", "v1/feedback", body);
    if (state.suggestion !== suggestion) return; // the agent moved to another conversation
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
    if (state.suggestion !== suggestion) return;
    status.textContent = `Not recorded: ${error.message}`;
  }
  updateFeedbackButtons();
}

export function openWrongBox() {
  if ($("fb-wrong").disabled) return;
  show($("wrong-box"), true);
  $("right-answer").focus();
}
