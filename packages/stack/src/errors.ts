/** An expected failure of the stack command: printed as one line, no stack trace. */
export class StackError extends Error {
  override readonly name = 'StackError';
}
