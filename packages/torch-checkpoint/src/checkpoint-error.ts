// The one error type of this package: what went wrong, in which file, record and field.

/**
 * A checkpoint that cannot be read: refused global, truncated or corrupt data, a tensor that
 * does not fit its storage. `file` is the path (or the name given for bytes), `record` the part
 * of the file (e.g. `archive/data.pkl`, `storage 3`), `field` the item in it when there is one.
 */
export class TorchCheckpointError extends Error {
  constructor(
    readonly file: string,
    readonly record: string,
    message: string,
    readonly field?: string,
    cause?: unknown,
  ) {
    super(`${file}: ${record}${field === undefined ? '' : `: ${field}`}: ${message}`, { cause });
    this.name = 'TorchCheckpointError';
  }
}
