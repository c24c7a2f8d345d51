import { describe, expect, it } from 'vitest';
import jsQR from 'jsqr';
import { QUIET, qrModules, qrPath } from './qr';

const PAIRING = 'ccs-relais:1?a=192.168.43.1:8443&f=' + 'ab'.repeat(32) + '&t=Q2VzdCB1biBqZXRvbg';

/** The code as a camera would see it: `scale` pixels per module, white quiet zone. */
function pixels(modules: boolean[][], scale: number): { data: Uint8ClampedArray; side: number } {
  const side = (modules.length + 2 * QUIET) * scale;
  const data = new Uint8ClampedArray(side * side * 4).fill(255);
  modules.forEach((row, r) =>
    row.forEach((dark, c) => {
      if (!dark) return;
      for (let y = 0; y < scale; y++)
        for (let x = 0; x < scale; x++) {
          const i = (((r + QUIET) * scale + y) * side + (c + QUIET) * scale + x) * 4;
          data[i] = data[i + 1] = data[i + 2] = 0;
        }
    }),
  );
  return { data, side };
}

describe('the pairing QR code', () => {
  it('reads back as the pairing text', () => {
    const { data, side } = pixels(qrModules(PAIRING), 4);
    expect(jsQR(data, side, side)?.data).toBe(PAIRING);
  });

  it('is a path of rectangles inside a square with the quiet zone', () => {
    const { size, d } = qrPath(PAIRING);
    const n = qrModules(PAIRING).length;
    expect(size).toBe(n + 2 * QUIET);
    // The finder pattern's top row: seven dark modules from the corner.
    expect(d.startsWith(`M${QUIET} ${QUIET}h7v1h-7z`)).toBe(true);
    expect(d).toMatch(/^(M\d+ \d+h\d+v1h-\d+z)+$/);
  });
});
