// Plug-in state as plain JSON, and the `Stateful` contract through which checkpoints carry it
// so a resumed run continues exactly.

/** A JSON value: what plug-in state is made of, so checkpoints are plain JSON files. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Plug-in state written beside the weights in a checkpoint and read back on resume. */
export type PluginState = { [key: string]: JsonValue };

/** Something that owns running state that must survive a checkpoint/resume cycle exactly. */
export interface Stateful {
  /**
   * A JSON snapshot of the running state; restoring it with `setState` continues exactly.
   * State held in tensors is read back asynchronously (the only read every backend has), so
   * the snapshot may come as a promise; checkpoint writers await it.
   */
  getState(): PluginState | Promise<PluginState>;
  setState(state: PluginState): void;
}
