import { Decoder, DecoderOptions, Formatter, FormatterSyntax } from 'iced-x86';

/** Bytes as lower-case hex. */
export function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** iced's own reading of the bytes: one Intel-syntax text per instruction (the cross-check for expectations). */
export function icedText(bytes: Uint8Array, ip: bigint, bitness: 16 | 32 | 64 = 64): string[] {
  const d = new Decoder(bitness, bytes, DecoderOptions.None);
  const f = new Formatter(FormatterSyntax.Intel);
  d.ip = ip;
  const out: string[] = [];
  try {
    while (d.canDecode) {
      const ins = d.decode();
      out.push(f.format(ins));
      ins.free();
    }
  } finally {
    f.free();
    d.free();
  }
  return out;
}
