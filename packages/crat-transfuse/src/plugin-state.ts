import type { PluginState } from '@crat/core';
import type { TransferDiagnostics } from './diagnostics.js';
import type { FisherBank } from './fisher-bank.js';
import { CratStateError } from './state-codec.js';

/** What a CRAT plug-in keeps across a checkpoint: its Fisher bank and its diagnostics. */
export interface CratStateParts {
  /** Registered type, for error messages (`crat-bbox`, `crat-mask`). */
  type: string;
  /** Versioned state tag; a checkpoint of another format is refused. */
  format: string;
  mode: string;
  numClasses: number;
  bank: FisherBank;
  diagnostics: TransferDiagnostics;
}

export function cratStateOf(p: CratStateParts): PluginState {
  return {
    format: p.format,
    mode: p.mode,
    numClasses: p.numClasses,
    fisher: p.bank.toJSON(),
    diagnostics: p.diagnostics.toJSON(),
  };
}

/** Restore `cratStateOf` output into the bank and diagnostics, refusing another format or class count. */
export function restoreCratState(p: CratStateParts, state: PluginState): void {
  if (state.format !== p.format) {
    throw new CratStateError(
      `${p.type}: state.format is ${JSON.stringify(state.format)}, expected '${p.format}'`,
    );
  }
  if (state.numClasses !== p.numClasses) {
    throw new CratStateError(
      `${p.type}: state.numClasses is ${state.numClasses}, the plug-in has ${p.numClasses}`,
    );
  }
  p.bank.fromJSON(state.fisher);
  p.diagnostics.fromJSON(state.diagnostics, `${p.type}: state.diagnostics`);
}
