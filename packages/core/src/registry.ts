// A registry of one plug-in kind, keyed by `type`: a config names a plug-in and its options,
// and an unknown type or option is an error naming it and the valid ones.

/** A config entry that names a plug-in: `{ type: 'seesaw', p: 0.8, q: 2 }`. */
export interface PluginConfig {
  type: string;
  [option: string]: unknown;
}

/** How a registry builds one plug-in kind. */
export interface PluginFactory<T, Init, Options extends object> {
  /** Every option the plug-in accepts, with its default; any other key is an error. */
  defaults: Options;
  create(options: Options, init: Init): T;
  /** One line for `crat info`. */
  description?: string;
}

export class RegistryError extends Error {
  override name = 'RegistryError';
}

/** A registry of one plug-in kind (classification losses, task transfers, samplers), keyed by `type`. */
export class Registry<T, Init> {
  readonly #factories = new Map<string, PluginFactory<T, Init, object>>();

  constructor(readonly kind: string) {}

  register<Options extends object>(type: string, factory: PluginFactory<T, Init, Options>): void {
    if (this.#factories.has(type)) {
      throw new RegistryError(`${this.kind} '${type}' is already registered`);
    }
    this.#factories.set(type, factory as unknown as PluginFactory<T, Init, object>);
  }

  has(type: string): boolean {
    return this.#factories.has(type);
  }

  types(): string[] {
    return [...this.#factories.keys()].sort();
  }

  describe(): { type: string; description: string; defaults: object }[] {
    return this.types().map((type) => {
      const f = this.#factories.get(type)!;
      return { type, description: f.description ?? '', defaults: f.defaults };
    });
  }

  /** Resolve options against the factory's defaults; unknown keys are an error naming them and the valid ones. */
  resolveOptions(config: PluginConfig, where = 'config'): { type: string; options: object } {
    const { type, ...given } = config;
    const factory = this.#factories.get(type);
    if (!factory) {
      const known = this.types();
      throw new RegistryError(
        `${where}: unknown ${this.kind} type '${type}'. Known types: ${known.length ? known.join(', ') : '(none registered)'}`,
      );
    }
    const defaults = factory.defaults as Record<string, unknown>;
    const unknown = Object.keys(given).filter((k) => !(k in defaults));
    if (unknown.length > 0) {
      const valid = Object.keys(defaults);
      throw new RegistryError(
        `${where}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} for ${this.kind} '${type}'. Valid options: ${valid.length ? valid.join(', ') : '(none)'}`,
      );
    }
    const options: Record<string, unknown> = { ...defaults };
    for (const [k, v] of Object.entries(given)) if (v !== undefined) options[k] = v;
    return { type, options };
  }

  /** Build a plug-in from `{ type, ...options }`. */
  create(config: PluginConfig, init: Init, where?: string): T {
    const { type, options } = this.resolveOptions(config, where);
    return this.#factories.get(type)!.create(options, init);
  }
}
