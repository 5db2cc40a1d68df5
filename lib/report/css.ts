/**
 * The report's CSS, inlined into the HTML report and served with the web UI's run page: the
 * system font stack (no web font, the report opens offline), tables that scroll sideways when a
 * comparison has many runs, charts that shrink to the page. Scoped to `.fb-report`.
 */
export const REPORT_CSS = `
.fb-report { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1d1f24; line-height: 1.45; }
.fb-report h2 { font-size: 1.45rem; margin: 2.2rem 0 0.4rem; border-bottom: 2px solid #d9dce3; padding-bottom: 0.2rem; }
.fb-report h3 { font-size: 1.1rem; margin: 1.6rem 0 0.5rem; }
.fb-report .fb-kind { color: #5b6070; margin: 0 0 0.8rem; }
.fb-report .fb-results { margin: 0.4rem 0 1rem; padding-left: 1.2rem; }
.fb-report .fb-results li { margin: 0.2rem 0; }
.fb-report .fb-status-failed { color: #b3261e; font-weight: 600; }
.fb-report .fb-status-completed { color: #1e6b35; font-weight: 600; }
.fb-report figure.fb-chart { margin: 1rem 0 1.6rem; padding: 0.6rem; border: 1px solid #e3e5ea; border-radius: 6px; background: #fff; }
.fb-report figure.fb-chart svg { display: block; width: 100%; max-width: 1100px; height: auto; }
.fb-report figcaption { font-size: 0.9rem; color: #3f4350; margin-top: 0.4rem; }
.fb-report .fb-table { margin: 0.8rem 0 1.2rem; }
.fb-report .fb-table-scroll { overflow-x: auto; }
.fb-report table { border-collapse: collapse; font-size: 0.88rem; font-variant-numeric: tabular-nums; }
.fb-report caption { text-align: left; font-weight: 600; padding: 0.3rem 0; }
.fb-report th, .fb-report td { border: 1px solid #d9dce3; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
.fb-report thead th { background: #f2f3f6; position: sticky; top: 0; }
.fb-report tbody th { font-weight: 500; background: #fafbfc; white-space: nowrap; }
.fb-report details > summary { cursor: pointer; font-weight: 600; padding: 0.25rem 0; }
.fb-report .fb-note { font-size: 0.85rem; color: #5b6070; margin: 0.3rem 0 0; }
`;
