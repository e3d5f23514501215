// The error every config problem raises, naming the file and, where there is one, the field.

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    message: string,
    /** The config file the error is about. */
    readonly file: string,
    /** Dotted path of the offending field, when the error is about one. */
    readonly field?: string,
  ) {
    super(message);
  }
}
