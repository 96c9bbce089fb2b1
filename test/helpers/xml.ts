/**
 * A small XML well-formedness check for reporter output: balanced tags, quoted attributes, only the
 * five predefined entities, no characters XML 1.0 cannot carry. Throws on the first problem.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  text: string;
  parent?: string;
}

export function parseXml(xml: string): XmlElement[] {
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.exec(xml);
  if (bad) throw new Error(`character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${bad.index} is not allowed in XML`);
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const elements: XmlElement[] = [];
  const stack: XmlElement[] = [];
  const token = /<\/?([A-Za-z][\w.-]*)((?:\s+[\w.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  const entities = (s: string) => {
    for (const ent of s.match(/&[^;\s]*;?/g) ?? []) if (!['&amp;', '&lt;', '&gt;', '&quot;', '&apos;'].includes(ent)) throw new Error(`bad entity ${ent}`);
  };
  while ((m = token.exec(body)) !== null) {
    consumed = token.lastIndex;
    if (m[4] !== undefined) {
      entities(m[4]);
      if (stack.length > 0) stack[stack.length - 1]!.text += m[4];
      else if (m[4].trim() !== '') throw new Error(`text outside the root: ${m[4].slice(0, 40)}`);
      continue;
    }
    const [full, name, rawAttrs] = m;
    if (full.startsWith('</')) {
      const open = stack.pop();
      if (open?.name !== name) throw new Error(`</${name}> closes <${open?.name}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of rawAttrs!.matchAll(/([\w.-]+)="([^"]*)"/g)) {
      entities(a[2]!);
      attrs[a[1]!] = a[2]!;
    }
    const el: XmlElement = { name: name!, attrs, text: '', ...(stack.length > 0 ? { parent: stack[stack.length - 1]!.name } : {}) };
    elements.push(el);
    if (m[3] !== '/') stack.push(el);
  }
  if (consumed !== body.length) throw new Error(`not XML at ${consumed}: ${body.slice(consumed, consumed + 40)}`);
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  return elements;
}
