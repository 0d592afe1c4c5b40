// The management API, as the console calls it: JSON in and out, the session cookie for
// authentication, Casdoor's envelope `{status, msg, data, data2}` out.

/** A refused or failed call: `status` is the HTTP status (0 when the server is unreachable). */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

let onUnauthorized = () => {};

/** Called when a call answers 401 (the session ended): the console shows the sign-in. */
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

/**
 * One request. `query` values that are empty are left out; `body` is sent as JSON (every
 * write carries `Content-Type: application/json`). Answers the parsed envelope.
 */
export async function request(method, path, { query, body, quiet401 = false } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError(0, 'The server cannot be reached. Check that Ferrodoor is running.');
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok || answer?.status === 'error') {
    const message = answer?.msg || answer?.error_description || `HTTP ${response.status}`;
    if (response.status === 401 && !quiet401) onUnauthorized(message);
    throw new ApiError(response.status, message);
  }
  return answer;
}

export const api = {
  get: (path, query, options) => request('GET', path, { ...options, query }),
  post: (path, body, query, options) => request('POST', path, { ...options, query, body }),
};

/** Casdoor's `owner/name`. */
export function idOf(owner, name) {
  return `${owner}/${name}`;
}

/** The owner of organizations, applications and global providers. */
export const GLOBAL_OWNER = 'admin';
