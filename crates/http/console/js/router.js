// Hash routes: `#/application/app-mini/setup?tab=x`. Path parts are URI-encoded, so any
// object name is safe in a route.

/** The current route: `{ parts: ['application', 'app-mini', 'setup'], query: URLSearchParams }`. */
export function currentRoute() {
  const raw = window.location.hash.replace(/^#/, '') || '/';
  const mark = raw.indexOf('?');
  const path = mark < 0 ? raw : raw.slice(0, mark);
  const search = mark < 0 ? '' : raw.slice(mark + 1);
  const parts = path
    .split('/')
    .filter(Boolean)
    .map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return part;
      }
    });
  return { parts, query: new URLSearchParams(search) };
}

/** `href(['user', 'acme', 'bob'], { tab: 'x' })` → `#/user/acme/bob?tab=x`. */
export function href(parts, query) {
  const path = `#/${parts.map((p) => encodeURIComponent(p)).join('/')}`;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, value);
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

export function go(parts, query) {
  window.location.hash = href(parts, query);
}
