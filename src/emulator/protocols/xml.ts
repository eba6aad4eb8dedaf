/**
 * Minimal XML writing for the emulator's XML protocols (query, ec2 query, S3). AWS answers are
 * small and regular, so string building with strict escaping is enough and keeps us dependency-free.
 */

/** Escapes text for use inside an XML element or a double-quoted attribute. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#xD;');
}

/** A value that {@link xmlElement} can render: text, number, boolean, or pre-rendered children. */
export type XmlContent = string | number | boolean | Date | XmlRaw | readonly XmlRaw[] | undefined;

/** Already-rendered XML, inserted verbatim. */
export interface XmlRaw {
  readonly xml: string;
}

/** Marks a string as already-rendered XML. */
export function raw(xml: string): XmlRaw {
  return { xml };
}

/**
 * Renders `<name>content</name>`; `undefined` content renders nothing at all (absent member),
 * dates render as ISO-8601 with milliseconds like AWS's XML timestamps.
 *
 * @example xmlElement('Account', '123456789012') // '<Account>123456789012</Account>'
 */
export function xmlElement(name: string, content: XmlContent): string {
  if (content === undefined) return '';
  if (content instanceof Date) return `<${name}>${content.toISOString()}</${name}>`;
  if (Array.isArray(content)) return `<${name}>${content.map((c: XmlRaw) => c.xml).join('')}</${name}>`;
  if (typeof content === 'object') return `<${name}>${(content as XmlRaw).xml}</${name}>`;
  return `<${name}>${escapeXml(String(content))}</${name}>`;
}

/** Renders several elements in order, skipping the `undefined` ones. */
export function xmlElements(members: ReadonlyArray<readonly [string, XmlContent]>): XmlRaw {
  return raw(members.map(([name, content]) => xmlElement(name, content)).join(''));
}

/** The XML declaration AWS puts in front of its XML documents. */
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
