/**
 * HTML built from tagged templates, escaped by default: every interpolated string or number is
 * escaped unless it is already {@link SafeHtml} (the result of another `html` template or of
 * {@link trustedHtml}). Pages are plain functions from data to SafeHtml, so server-side rendering
 * needs no JSX compiler and no template engine, and one missed escape cannot happen by accident.
 */

/** Markup that is safe to insert as is. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** What a template may interpolate; null, undefined and false render nothing. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text escaped for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** The template with its values escaped (arrays joined, SafeHtml kept). */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Markup from a trusted producer (e.g. the report module's chart SVG), inserted unescaped. */
export function trustedHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
