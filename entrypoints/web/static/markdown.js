// Model replies are untrusted text: Markdown is turned into HTML by marked (raw HTML in
// a reply stays text), and that HTML is cleaned by DOMPurify before it touches the page. Scripts, event handlers and
// javascript: links go; so do images and embedded media (a reply must not make the
// browser fetch what it names), forms, styles and ids or classes (which could pose as
// the page's own controls). Links open in a new tab without a referrer.
import { Marked } from "./vendor/marked.js";
import DOMPurify from "./vendor/purify.js";

const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (text) => text.replace(/[&<>"']/g, (c) => ENTITIES[c]);

// HTML a model writes is shown as text, as in the Gemini app: it is prose about HTML far
// more often than markup, and the sanitiser then never parses a handler from a reply.
const marked = new Marked({ gfm: true, breaks: false, async: false }, { renderer: { html: ({ text }) => escapeHtml(text) } });

const FORBID_TAGS = [
  "img", "picture", "source", "video", "audio", "track", "iframe", "object", "embed",
  "form", "input", "button", "textarea", "select", "option", "style", "link", "meta",
  "base", "svg", "math", "dialog", "template",
];
const FORBID_ATTR = ["style", "id", "class", "name", "srcset", "action", "formaction", "target"];

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A" && node.hasAttribute("href")) {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
});

export function renderMarkdown(text) {
  return DOMPurify.sanitize(marked.parse(text), {
    FORBID_TAGS,
    FORBID_ATTR,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
  });
}

// A search snippet: the service escapes it and marks the matched words; only <mark>
// survives here all the same.
export function renderSnippet(html) {
  return DOMPurify.sanitize(html, { ALLOWED_TAGS: ["mark"], ALLOWED_ATTR: [] });
}
