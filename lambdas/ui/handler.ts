/**
 * Placeholder of the web UI's Lambda entry, so the UI stack synthesizes and its tests run before
 * the web app (`web/`) is merged: a hono app behind `streamHandle` (Lambda response streaming, as
 * the real entry) that answers every request 401, so nothing is served unauthenticated even if
 * this placeholder were deployed. The web app's own `lambdas/ui/handler.ts` replaces this file.
 */
import { Hono } from 'hono';
import { streamHandle } from 'hono/aws-lambda';

const app = new Hono();
app.all('*', (c) => c.json({ error: { type: 'Unauthorized', message: 'sign in through the UI (not deployed in this build)' } }, 401));

export const handler = streamHandle(app);
