/**
 * The page shell every UI page shares: head with the stylesheet and the live-update script from
 * the static asset prefix (`/static` locally and behind CloudFront), the navigation, and the
 * signed-in user with a sign-out button when the UI runs behind Cognito.
 */
import { html, type SafeHtml } from '../html';

export interface PageContext {
  /** Where web/static/ is served: `/static`. */
  assetPrefix: string;
  /** The signed-in user's name (deployed mode); undefined locally. */
  user?: string | undefined;
}

export interface PageContent {
  title: string;
  /** Which navigation entry is the current page. */
  active?: 'now' | 'runs';
  body: SafeHtml;
}

export function renderPage(context: PageContext, content: PageContent): string {
  const nav = (href: string, label: string, key: PageContent['active']) =>
    html`<a href="${href}"${content.active === key ? html` aria-current="page"` : ''}>${label}</a>`;
  const user = context.user
    ? html`<form class="user" method="post" action="/auth/logout"><span>${context.user}</span> <button type="submit">Sign out</button></form>`
    : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${content.title} · faas-benchmarker</title>
<link rel="stylesheet" href="${context.assetPrefix}/ui.css">
<script src="${context.assetPrefix}/live.js" defer></script>
</head>
<body>
<header class="top">
<a class="brand" href="/">faas-benchmarker</a>
<nav>${nav('/', 'Now', 'now')} ${nav('/runs', 'Runs', 'runs')}</nav>
${user}
</header>
<main>
${content.body}
</main>
</body>
</html>
`.value;
}
