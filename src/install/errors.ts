/** A host configuration file we refuse to edit; the message says where and what is wrong. */
export class InvalidConfigError extends Error {
  constructor(
    readonly file: string,
    readonly at: { line: number; column: number } | undefined,
    readonly problem: string,
  ) {
    super(`${file}${at ? `:${at.line}:${at.column}` : ''}: ${problem}. Nothing was changed; fix the file (or move it aside) and run the command again.`);
    this.name = 'InvalidConfigError';
  }
}

/** Anything else that stops an install or uninstall, with the next step in the message. */
export class InstallError extends Error {
  override name = 'InstallError';
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}
