/** Element builders over a given document, so rendering runs the same in the browser and in a light DOM in tests. */

/** Attribute values; `undefined` leaves the attribute out. */
export type Attributes = Record<string, string | number | undefined>;

/** A child: an element, text (set as text, never parsed as HTML), or nothing. */
export type Child = Node | string | undefined | null | false;

function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    parent.appendChild(typeof child === 'string' ? parent.ownerDocument!.createTextNode(child) : child);
  }
}

function setAttributes(element: Element, attributes: Attributes): void {
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) element.setAttribute(name, String(value));
}

/** An HTML element. */
export function html(doc: Document, tag: string, attributes: Attributes = {}, ...children: Child[]): HTMLElement {
  const element = doc.createElement(tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

const svgNamespace = 'http://www.w3.org/2000/svg';

/** An SVG element. */
export function svg(doc: Document, tag: string, attributes: Attributes = {}, ...children: Child[]): SVGElement {
  const element = doc.createElementNS(svgNamespace, tag) as SVGElement;
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

/** `http:` and `https:` URLs only: a report is data, and a `javascript:` link must not become one. */
export function safeUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  return /^https?:\/\/[^\s]+$/i.test(url) ? url : undefined;
}
