// Reads a results file into detection columns: the bytes into shared memory, then the
// records parsed in pieces on several threads.
import { open, stat } from 'node:fs/promises';
import { type DetectionColumns, JsonSegmentations } from './detection-columns.js';
import {
  arrayBody,
  type DetectionChunk,
  guessCuts,
  type NotParsed,
  parseDetections,
} from './detection-parser.js';
import { type PendingWorker, startWorkers } from './worker-threads.js';

/** Below this many bytes one thread parses the whole file (a worker costs ~50 ms to start). */
const MIN_BYTES_PER_THREAD = 16 << 20;
/** Largest file read into one buffer (Node's limit is 4 GiB). */
const MAX_BYTES = 2 ** 32 - 1;

/** A piece of the file for one thread: `[from, to)` of the shared bytes. */
export interface ParseJob {
  kind: 'parse';
  bytes: Uint8Array;
  from: number;
  to: number;
  endsArray: boolean;
}

/**
 * The records of a results file as columns in file order, with their segmentations left
 * in the file's bytes; or why the file is not read this way (any record the columnar
 * parser does not accept, malformed JSON included), so that the caller reads it with
 * JSON.parse and reports errors as that path does. The file is cut into `threads` pieces
 * when `explicit`, else into at most one per 16 MiB.
 */
export async function readDetectionFile(
  path: string,
  threads: number,
  explicit: boolean,
): Promise<DetectionColumns | NotParsed> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    throw new Error(`${path}: cannot read file (${(err as Error).message})`);
  }
  if (size > MAX_BYTES) return { reason: 'file larger than one buffer', offset: 0 };
  const parts = explicit
    ? threads
    : Math.max(1, Math.min(threads, Math.floor(size / MIN_BYTES_PER_THREAD)));
  // Started first: they load while the file is read.
  const workers = startWorkers(parts - 1);
  try {
    const bytes = await readShared(path, size);
    const body = arrayBody(bytes);
    if (!body) return { reason: 'not a JSON array', offset: 0 };
    let pieces = await parseInPieces(
      bytes,
      guessCuts(bytes, body.from, body.to, workers.length + 1),
      workers,
    );
    if (!Array.isArray(pieces) && workers.length > 0) {
      // A cut that missed a record boundary: parse the whole body on this thread.
      const whole = parseDetections(bytes, body.from, body.to, true);
      pieces = 'count' in whole ? [whole] : whole;
    }
    if (!Array.isArray(pieces)) return pieces;
    return joinChunks(pieces, bytes);
  } finally {
    for (const w of workers) w.stop();
  }
}

/** The whole file in one buffer of shared memory (worker threads read it in place). */
async function readShared(path: string, size: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(new SharedArrayBuffer(size));
  const file = await open(path, 'r');
  try {
    let at = 0;
    while (at < size) {
      const { bytesRead } = await file.read(bytes, at, Math.min(size - at, 1 << 30), at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
  } finally {
    await file.close();
  }
  return bytes;
}

/** Piece 0 on this thread, piece k on worker k - 1 (fewer cuts than workers leave some idle). */
async function parseInPieces(
  bytes: Uint8Array,
  cuts: number[],
  workers: readonly PendingWorker[],
): Promise<DetectionChunk[] | NotParsed> {
  const last = cuts.length - 2;
  const others = cuts.slice(1, -1).map((from, k) => {
    const job: ParseJob = {
      kind: 'parse',
      bytes,
      from,
      to: cuts[k + 2],
      endsArray: k + 1 === last,
    };
    return workers[k].run<DetectionChunk | NotParsed>(job);
  });
  const first = parseDetections(bytes, cuts[0], cuts[1], last === 0);
  const rest = await Promise.all(others);
  const all = [first, ...rest];
  for (const c of all) if (!('count' in c)) return c;
  return all as DetectionChunk[];
}

function joinChunks(chunks: DetectionChunk[], bytes: Uint8Array): DetectionColumns {
  const join = (pick: (c: DetectionChunk) => Float64Array) => {
    const parts = chunks.map(pick);
    const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  return {
    count: chunks.reduce((s, c) => s + c.count, 0),
    imageId: join((c) => c.imageId),
    categoryId: join((c) => c.categoryId),
    score: join((c) => c.score),
    bbox: join((c) => c.bbox),
    segmentations: new JsonSegmentations(
      bytes,
      join((c) => c.segStart),
      join((c) => c.segEnd),
    ),
  };
}
