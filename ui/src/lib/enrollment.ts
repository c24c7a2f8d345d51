/**
 * Enrollment input: the server address and the single-use code, typed, pasted or read
 * from a QR code (or the whole enrollment slip, lib/relay.ts). The server compares
 * codes ignoring case, dashes and spaces; here we only tidy them for display and catch
 * obvious typing mistakes early.
 */

import { slipPreview } from './relay';

/** The code alphabet of the server (no 0/O, 1/I look-alikes). */
const CODE_ALPHABET = /^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{12}$/;

/** Upper case, no spaces or dashes. */
export function compactCode(raw: string): string {
  return raw.toUpperCase().replace(/[\s\-_.]/g, '');
}

/** `ABCD-EFGH-JKLM` when the code has the expected 12 characters, else the compact form. */
export function formatCode(raw: string): string {
  const c = compactCode(raw);
  return c.length === 12 ? `${c.slice(0, 4)}-${c.slice(4, 8)}-${c.slice(8)}` : c;
}

export function isValidCode(raw: string): boolean {
  return CODE_ALPHABET.test(compactCode(raw));
}

/** Hosts plain http:// may reach: this machine only (core's `sync::address` rule). */
function isLoopback(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * https:// anywhere; http:// only to this machine (local tests, a server beside the app):
 * a forged QR code saying http:// would otherwise send the token and the records in clear.
 * Core checks the same rule again before anything is sent.
 */
export function normalizeServerUrl(raw: string): string | null {
  const s = raw.trim();
  if (s === '') return null;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.hostname === '' || url.username !== '' || url.password !== '') return null;
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) return null;
  return url.href.replace(/\/+$/, '');
}

export interface ScannedEnrollment {
  code: string;
  server?: string;
  /** The whole enrollment slip (`ccs-inscription:1?…`) when the QR code was one: the
   * device can then enroll without a network. */
  slip?: string;
}

/**
 * What a QR code holds: the server prints the bare code, or the enrollment slip
 * (`ccs-inscription:1?…`: address, code and the server's keys); a link of the form
 * `…?code=ABCD-EFGH-JKLM&server=https://…` is accepted too.
 */
export function parseScan(text: string): ScannedEnrollment | null {
  const s = text.trim();
  if (isValidCode(s)) return { code: formatCode(s) };
  const slip = slipPreview(s);
  if (slip) {
    const server = normalizeServerUrl(slip.server);
    return server ? { code: slip.code, server, slip: s } : { code: slip.code, slip: s };
  }
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return null;
  }
  const code = url.searchParams.get('code');
  if (!code || !isValidCode(code)) return null;
  const serverParam = url.searchParams.get('server');
  const server = serverParam ? normalizeServerUrl(serverParam) : null;
  return server ? { code: formatCode(code), server } : { code: formatCode(code) };
}
