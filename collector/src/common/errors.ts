/** An error as one log line: the stack when there is one (it starts with the message), else the text. */
export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
