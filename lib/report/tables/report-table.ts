/**
 * A table of the report as data: headers and rows of text, rendered the same way as HTML
 * (../html-section.ts) and as Markdown (../markdown-report.ts). A cell's line breaks are kept.
 */
export interface ReportTable {
  title: string;
  headers: readonly string[];
  rows: readonly (readonly string[])[];
  /** A sentence under the table (what was left out, how to read it). */
  note?: string;
  /** Long, detailed tables: collapsed in the HTML report. */
  collapsed?: boolean;
}
