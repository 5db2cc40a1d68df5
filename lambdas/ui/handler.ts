/**
 * The UI Lambda (a function URL with response streaming, behind CloudFront): the web UI app of
 * ./app.ts, its environment read here at module load (./environment.ts), served through hono's
 * `streamHandle`, so server-sent events stream to the browser.
 */
import { streamHandle } from 'hono/aws-lambda';
import { createUiLambdaApp } from './app';
import { uiEnvironment } from './environment';

export const handler = streamHandle(createUiLambdaApp(uiEnvironment(process.env)));
