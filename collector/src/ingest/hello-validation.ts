import { labelSetProblem, vigil } from '@vigil/proto';

const AGENT_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * What is wrong with a hello, or undefined. Its labels follow the rules of sample labels (they are
 * shown and matched like them); the whole message, inventory included, is bounded because every
 * hello is kept in memory and served by /api/agents.
 */
export function helloProblem(hello: vigil.v1.IHello, maxBytes: number): string | undefined {
  const id = hello.agentId ?? '';
  if (!AGENT_ID_RE.test(id)) return `invalid agent id ${JSON.stringify(id).slice(0, 200)}`;
  if (!hello.hostname || hello.hostname.length > 255) return 'hello needs a hostname (at most 255 characters)';
  if (!hello.streamEpoch || hello.streamEpoch.length > 64) return 'hello needs a stream epoch (at most 64 characters)';
  const labelProblem = labelSetProblem(hello.labels ?? {});
  if (labelProblem) return `hello labels: ${labelProblem}`;
  const bytes = vigil.v1.Hello.encode(hello).len;
  if (bytes > maxBytes) return `hello is ${bytes} bytes, more than ingest.max_hello_bytes (${maxBytes}; labels and inventory included)`;
  return undefined;
}
