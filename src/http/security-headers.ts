// Security headers for every response (helmet), with a strict Content-Security-Policy.
// The demo page, Swagger UI and vega are all served by the app itself, so 'self' is enough:
// no CDN, no inline scripts, no eval (vega runs its expressions through vega-interpreter).
import helmet from 'helmet';
import type { RequestHandler } from 'express';

export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  // No 'unsafe-inline' and no 'unsafe-eval': every script is a file under this origin.
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  // 'unsafe-inline' for styles only, and only because the browser libraries need it: vega-embed
  // and vega-tooltip add a <style> element for their menu and tooltip, and Swagger UI renders
  // style attributes in its markup. Inline styles cannot run code; scripts stay locked down.
  styleSrc: ["'self'", "'unsafe-inline'"],
  // data: for the icons Swagger UI and vega inline as data URLs, and vega's "save as PNG/SVG".
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'self'"],
  formAction: ["'self'"],
  // No 'upgrade-insecure-requests' (helmet's default adds it): a deploy reached over plain http
  // (a local run, a private network) would have the browser ask for every script over https.
};

export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
  });
}
