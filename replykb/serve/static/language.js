// The reply's language: the "Reply language" menu (the base's `languages:`, from
// GET v1/languages) and the plain-words line saying which language a reply is in and why.
import { api } from "./api.js";
import { $, element, show } from "./dom.js";

let names = {}; // code -> English name ("it" -> "Italian")

const nameOf = (code) => names[code] || code;

// Fills the menu; hidden when the base has one language (nothing to choose) or when
// the server is older than GET v1/languages.
export async function loadLanguages() {
  let body = null;
  try {
    body = await api("GET", "v1/languages");
  } catch {
    body = null;
  }
  const languages = body && Array.isArray(body.languages) ? body.languages : [];
  names = Object.fromEntries(languages.map((entry) => [entry.code, entry.name]));
  const select = $("language");
  select.replaceChildren(select.options[0]);
  for (const { code, name } of languages) {
    select.append(element("option", { value: code, text: `${name} (${code})` }));
  }
  select.value = "";
  show($("language-field"), languages.length > 1);
}

// The code the agent chose, or null for "Automatic": the server detects it.
export function chosenLanguage() {
  return $("language-field").hidden ? null : $("language").value || null;
}

// The language the reply was meant to be in: the one chosen, or the one the answer
// lacked a translation for. null on a one-language base.
export function wantedLanguage(choice) {
  if (!choice || choice.reason === "fallback-single-language") return null;
  if (choice.reason === "fallback-untranslated") return choice.requested || choice.matched || choice.detected;
  return choice.language;
}

// Why a reply is in its language, for the agent; `choice` is the suggestion's
// LanguageChoice (a closest answer shown later is rendered in its wanted language).
function why(reply, choice) {
  const want = wantedLanguage(choice);
  if (want && reply.language !== want) return `the answer has no ${nameOf(want)} translation yet`;
  switch (choice && choice.reason) {
    case "requested":
      return "as you chose";
    case "detected":
      return "detected from the message";
    case "matched":
      return `the message matched the ${nameOf(choice.matched)} questions best`;
    case "fallback-unsure":
      return "not sure of the message's language";
    case "fallback-unsupported":
      return choice.detected
        ? `the message looks ${nameOf(choice.detected)}, which this base does not answer in`
        : "the message's language is not one of this base's";
    default:
      return "";
  }
}

// Shows (or hides, on a one-language base) the reply's language and why.
export function showReplyLanguage(reply, choice) {
  const line = $("reply-language");
  const several = Object.keys(names).length > 1;
  if (!reply || !reply.language || !several) {
    show(line, false);
    $("reply-language-text").textContent = "";
    delete line.dataset.language;
    return;
  }
  const reason = why(reply, choice);
  $("reply-language-text").textContent = reason ? `${nameOf(reply.language)} — ${reason}` : nameOf(reply.language);
  line.dataset.language = reply.language;
  show(line, true);
}
