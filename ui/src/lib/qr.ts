/**
 * A QR code as an SVG path (the pairing text of « Servir sur le réseau local »), drawn
 * by the component without `{@html}`: the modules come from `qrcode-generator`, the
 * path is one square per dark module. Error correction « M »: a phone screen shown to
 * another phone's camera, a little glare tolerated.
 */
import qrcode from 'qrcode-generator';

export interface QrPath {
  /** Modules per side, the quiet zone included. */
  size: number;
  /** The SVG path of the dark modules, in module units. */
  d: string;
}

/** The quiet zone the standard asks for, in modules. */
export const QUIET = 4;

/** The modules of `text` as a boolean grid (row by row), without the quiet zone. */
export function qrModules(text: string): boolean[][] {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const n = qr.getModuleCount();
  return Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => qr.isDark(r, c)));
}

export function qrPath(text: string): QrPath {
  const modules = qrModules(text);
  const parts: string[] = [];
  modules.forEach((row, r) => {
    // Runs of dark modules on a row become one rectangle: a shorter path.
    let c = 0;
    while (c < row.length) {
      if (!row[c]) {
        c += 1;
        continue;
      }
      const start = c;
      while (c < row.length && row[c]) c += 1;
      parts.push(`M${start + QUIET} ${r + QUIET}h${c - start}v1h-${c - start}z`);
    }
  });
  return { size: modules.length + 2 * QUIET, d: parts.join('') };
}
