// Building the DOM safely. Data only ever becomes text nodes or attribute values:
// nothing here parses HTML, so a display name like `<img src=x onerror=…>` stays text.

/**
 * `h('a', { href: '#/x', class: 'link', onclick: fn }, 'text', childNode, [more])`.
 * Props: `class`, `dataset`, `on<event>` (functions), DOM properties for non-string values
 * (`checked`, `disabled`, `value` …), attributes otherwise. `null`/`false` are skipped.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') {
      el.className = value;
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'href') {
      el.setAttribute('href', safeHref(value));
    } else if (typeof value !== 'string' && key in el) {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Appends children: nodes as they are, anything else as text. */
export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Links to data (homepages, avatars) only when they are http(s); never `javascript:`. */
export function safeHref(url) {
  const text = String(url ?? '');
  if (text.startsWith('#') || text.startsWith('/')) return text;
  try {
    const parsed = new URL(text);
    return ['http:', 'https:', 'mailto:'].includes(parsed.protocol) ? parsed.href : '#';
  } catch {
    return '#';
  }
}

/** A unique id for label/input pairs. */
let counter = 0;
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}
