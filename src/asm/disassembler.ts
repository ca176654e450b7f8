import { Decoder, DecoderOptions, Formatter, FormatterSyntax, Instruction } from 'iced-x86';

export interface DisassembledInstruction {
  readonly ip: bigint;
  readonly length: number;
  /** The instruction's bytes as lower-case hex without separators. */
  readonly bytes: string;
  /** Intel syntax from iced's Formatter (e.g. `mov eax,[rbx+10h]`). */
  readonly text: string;
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Decodes `bytes` (placed at `ip`) instruction by instruction until the end. A truncated or invalid
 * encoding is reported as `(bad)` covering the bytes iced consumed, so the listing always ends.
 */
export function disassemble(bytes: Uint8Array, ip: bigint, bitness: 16 | 32 | 64 = 64): DisassembledInstruction[] {
  const out: DisassembledInstruction[] = [];
  const decoder = new Decoder(bitness, bytes, DecoderOptions.None);
  const formatter = new Formatter(FormatterSyntax.Intel);
  const ins = new Instruction();
  try {
    decoder.ip = ip;
    let offset = 0;
    while (decoder.canDecode) {
      decoder.decodeOut(ins);
      const length = Math.max(1, ins.length);
      out.push({
        ip: ins.ip,
        length,
        bytes: toHex(bytes.subarray(offset, offset + length)),
        text: ins.isInvalid ? '(bad)' : formatter.format(ins),
      });
      offset += length;
    }
  } finally {
    ins.free();
    formatter.free();
    decoder.free();
  }
  return out;
}

/** Decodes the single instruction at the start of `bytes`; undefined when it is invalid or truncated. */
export function disassembleOne(bytes: Uint8Array, ip: bigint, bitness: 16 | 32 | 64 = 64): { length: number; text: string } | undefined {
  const decoder = new Decoder(bitness, bytes.subarray(0, 15), DecoderOptions.None);
  const formatter = new Formatter(FormatterSyntax.Intel);
  try {
    decoder.ip = ip;
    if (!decoder.canDecode) return undefined;
    const ins = decoder.decode();
    try {
      return ins.isInvalid ? undefined : { length: ins.length, text: formatter.format(ins) };
    } finally {
      ins.free();
    }
  } finally {
    formatter.free();
    decoder.free();
  }
}
