// Replacing the text between two marker comments of a Markdown file: how the bench writes its
// table into the README without touching the prose around it.

export class MarkedSectionError extends Error {
  override name = 'MarkedSectionError';
}

/** The opening and closing markers of the section `name`. */
export function sectionMarkers(name: string): { start: string; end: string } {
  return { start: `<!-- ${name}:start -->`, end: `<!-- ${name}:end -->` };
}

/**
 * `text` with everything between the markers of `name` replaced by `content` (markers kept,
 * on their own lines). Each marker must appear exactly once, the start before the end;
 * `file` names the document in the error.
 */
export function replaceMarkedSection(
  text: string,
  name: string,
  content: string,
  file: string,
): string {
  const { start, end } = sectionMarkers(name);
  const count = (m: string) => text.split(m).length - 1;
  for (const m of [start, end]) {
    if (count(m) !== 1) {
      throw new MarkedSectionError(
        `${file}: expected the marker '${m}' exactly once, found it ${count(m)} times`,
      );
    }
  }
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (b < a) throw new MarkedSectionError(`${file}: '${end}' comes before '${start}'`);
  return `${text.slice(0, a + start.length)}\n${content.trim()}\n${text.slice(b)}`;
}
