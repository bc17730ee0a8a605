// The one way data reaches the page: built as elements, text set as text, never parsed as markup.
//
// Room and element names come from IFC files, ticket titles and technician names from API
// clients, alarm messages from rules: none of it is the operator's to trust. A name such as
// `<img src=x onerror=...>` put into innerHTML would run in every operator's browser, so every
// module builds its DOM with el()/svg(): children that are not nodes become text nodes
// (textContent), attribute values go through setAttribute (never parsed). innerHTML is left
// only for constant markup and for the server's plan SVG, whose exporter escapes every text.

const SVG_NS = "http://www.w3.org/2000/svg";

function build(node, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) node.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : String(c)); // a string is appended as a text node
  }
  return node;
}

/** An HTML element: el("li", { "data-id": 3, class: "x" }, "text", el("small", {}, "more")).
 * null/undefined attributes and children are skipped; every other value is text. */
export const el = (tag, attrs = {}, ...children) => build(document.createElement(tag), attrs, children);

/** The same for SVG elements (plan overlays, technician markers). */
export const svg = (tag, attrs = {}, ...children) => build(document.createElementNS(SVG_NS, tag), attrs, children);
