// Finds the ```ts examples of a README, with the hidden declarations (a `<!-- ts-preamble: ... -->`
// comment right above the fence) a type-check needs, and maps a line of the checked file back to
// the README line it came from.

export interface ReadmeSnippet {
  /** README path relative to the repository root. */
  readme: string;
  /** 1-based README line of the opening fence. */
  fenceLine: number;
  /** The example as the README shows it. */
  code: string;
  /** Declarations the check prepends (empty when the README gives none). */
  preamble: string;
  /** 1-based README line where the preamble comment starts (0 when there is none). */
  preambleLine: number;
}

const PREAMBLE_START = '<!-- ts-preamble:';
const TS_FENCE = /^```(ts|typescript)\s*$/;
const ANY_FENCE = /^\s*```/;

/** Every ```ts block of one README, in order. Throws naming the file and line of a bad layout. */
export function extractTsSnippets(markdown: string, readme: string): ReadmeSnippet[] {
  const lines = markdown.split(/\r?\n/);
  const snippets: ReadmeSnippet[] = [];
  let pending: { text: string; line: number; endLine: number } | null = null;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trimStart().startsWith(PREAMBLE_START)) {
      const start = i;
      const body: string[] = [];
      let rest = line.trimStart().slice(PREAMBLE_START.length);
      while (!rest.includes('-->')) {
        body.push(rest);
        i += 1;
        if (i >= lines.length) {
          throw new Error(`${readme}:${start + 1}: ts-preamble comment is never closed with -->`);
        }
        rest = lines[i];
      }
      body.push(rest.slice(0, rest.indexOf('-->')));
      pending = { text: body.join('\n').trim(), line: start + 1, endLine: i + 1 };
      i += 1;
      continue;
    }
    if (ANY_FENCE.test(line)) {
      const isTs = TS_FENCE.test(line);
      if (pending && (!isTs || pending.endLine !== i)) {
        throw new Error(
          `${readme}:${pending.line}: a ts-preamble comment must stand on the line right above a \`\`\`ts fence`,
        );
      }
      const open = i;
      i += 1;
      while (i < lines.length && !ANY_FENCE.test(lines[i])) i += 1;
      if (i >= lines.length) throw new Error(`${readme}:${open + 1}: code fence is never closed`);
      if (isTs) {
        snippets.push({
          readme,
          fenceLine: open + 1,
          code: lines.slice(open + 1, i).join('\n'),
          preamble: pending?.text ?? '',
          preambleLine: pending?.line ?? 0,
        });
      }
      pending = null;
      i += 1;
      continue;
    }
    if (pending && line.trim() !== '') {
      throw new Error(
        `${readme}:${pending.line}: a ts-preamble comment must stand on the line right above a \`\`\`ts fence`,
      );
    }
    i += 1;
  }
  if (pending) {
    throw new Error(
      `${readme}:${pending.line}: a ts-preamble comment with no \`\`\`ts fence after it`,
    );
  }
  return snippets;
}

/** The file the check compiles: preamble, example, and an export so it is a module of its own. */
export function snippetSource(snippet: ReadmeSnippet): string {
  const head = snippet.preamble === '' ? '' : `${snippet.preamble}\n`;
  return `${head}${snippet.code}\nexport {};\n`;
}

/** The README line behind a 1-based line of `snippetSource(snippet)`. */
export function readmeLineOf(snippet: ReadmeSnippet, fileLine: number): number {
  const preambleLines = snippet.preamble === '' ? 0 : snippet.preamble.split('\n').length;
  if (fileLine <= preambleLines) return snippet.preambleLine;
  return snippet.fenceLine + (fileLine - preambleLines);
}
