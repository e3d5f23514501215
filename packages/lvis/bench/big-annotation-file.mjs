// Writes an LVIS annotation file of at least a given size by replicating a small one under
// new image and annotation ids, streamed so it never exists as one string.
import { createWriteStream, readFileSync } from 'node:fs';

/** Replicate `srcPath` into `path` until it has `targetBytes`; returns the replica count. */
export async function writeBigAnnotationFile(srcPath, path, targetBytes) {
  const src = JSON.parse(readFileSync(srcPath, 'utf8'));
  const perReplica =
    Buffer.byteLength(JSON.stringify(src.annotations)) +
    Buffer.byteLength(JSON.stringify(src.images));
  const n = Math.ceil(targetBytes / perReplica);
  const out = createWriteStream(path);
  const write = (s) => (out.write(s) ? undefined : new Promise((r) => out.once('drain', r)));
  await write(
    `{"info":${JSON.stringify(src.info ?? {})},"categories":${JSON.stringify(src.categories)},"images":[`,
  );
  for (let r = 0; r < n; r++) {
    const imgs = src.images.map((im) => JSON.stringify({ ...im, id: r * 10_000_000 + im.id }));
    await write((r ? ',' : '') + imgs.join(','));
  }
  await write('],"annotations":[');
  let id = 1;
  for (let r = 0; r < n; r++) {
    const anns = src.annotations.map((a) =>
      JSON.stringify({ ...a, id: id++, image_id: r * 10_000_000 + a.image_id }),
    );
    await write((r ? ',' : '') + anns.join(','));
  }
  await write(']}');
  await new Promise((r) => out.end(r));
  return n;
}
