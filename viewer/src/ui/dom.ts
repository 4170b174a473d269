// DOM building without HTML parsing: every piece of text becomes a text node (textContent), so log
// content can never be markup. The viewer uses no HTML-parsing sink at all (tests/xss.test.mjs
// checks the sources for every one of them).

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((ev: never) => void)>;

const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'style']);

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === false) continue;
      if (typeof v === 'function') {
        el.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
      } else if (k === 'class') {
        el.className = String(v);
      } else {
        // Attributes that load or run things are never set from here (the viewer has no links).
        if (URL_ATTRS.has(k.toLowerCase()) || k.toLowerCase().startsWith('on')) throw new Error(`h(): attribute ${k} not allowed`);
        el.setAttribute(k, v === true ? '' : String(v));
      }
    }
  }
  append(el, ...children);
  return el;
}

export function append(el: Node, ...children: Child[]) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function clear(el: Node) {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** Replace an element's children. */
export function replace(el: Node, ...children: Child[]) {
  clear(el);
  append(el, ...children);
}

// Characters that change how neighbouring text is shown (bidirectional overrides and isolates,
// zero-width marks) or are invisible controls: shown as ⟨U+XXXX⟩ so a key or user agent cannot
// disguise itself or its neighbours.
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;

export function visible(s: string): string {
  return s.replace(INVISIBLE, (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`);
}

/** A cell's text: control characters made visible, cut to `max` characters. */
export function cellText(s: string, max = 240): string {
  const t = s.length > max ? s.slice(0, max) + '…' : s;
  return visible(t).replace(/[\t\n\r]/g, ' ');
}

export const fmtInt = (n: number) => n.toLocaleString('en-US');

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1 << 30) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  return `${(n / (1 << 30)).toFixed(2)} GiB`;
}

export function fmtTime(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms);
  const iso = d.toISOString();
  return iso.slice(0, 10) + ' ' + iso.slice(11, 19);
}
