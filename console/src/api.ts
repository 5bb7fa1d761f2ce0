// HTTP calls to the collector's API with the session's token, errors turned into readable text.
import { session } from './session';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The API's error bodies: `{error, message}` or `{error, issues: [...]}`. */
function describe(status: number, body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as { message?: unknown; issues?: unknown; error?: unknown };
    if (Array.isArray(b.issues)) return b.issues.join('; ');
    if (typeof b.message === 'string') return b.message;
    if (typeof b.error === 'string') return b.error;
  }
  return `HTTP ${status}`;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const text = await (await request(method, path, body)).text();
  return (text ? safeJson(text) : undefined) as T;
}

/** A request with the session's token; a non-2xx answer becomes an ApiError with the API's message. */
export async function request(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = session.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch {
    throw new ApiError(0, 'the collector cannot be reached');
  }
  if (!response.ok) {
    const text = await response.text();
    if (response.status === 401) session.rejected();
    throw new ApiError(response.status, describe(response.status, text ? safeJson(text) : undefined));
  }
  return response;
}

export const get = <T>(path: string) => api<T>('GET', path);

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Query string from the defined values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
