// Security headers for every response (helmet), with a strict Content-Security-Policy.
// The demo page, Swagger UI and vega are all served by the app itself, so 'self' is enough:
// no CDN, no inline scripts or styles, no eval (vega runs its expressions through vega-interpreter).
import helmet from 'helmet';
import type { RequestHandler } from 'express';

export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  // No 'unsafe-inline' and no 'unsafe-eval': every script is a file under this origin.
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  // No 'unsafe-inline' for styles either. Swagger UI and vega only set styles through the DOM
  // (element.style), which CSP allows; the <style> elements vega-embed and vega-tooltip would add
  // are turned off in public/demo.js (defaultStyle: false, disableDefaultStyle) and replaced by
  // rules in public/demo.css. Checked in Chromium: no CSP violation on / or /docs.
  styleSrc: ["'self'"],
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
