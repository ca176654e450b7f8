import { peLayout, writePeImage } from './pe-writer';

/** One assembly of an image at a guessed `.data` RVA: its code, its data and the entry point's offset in `.text`. */
export interface AssembledImage {
  code: Uint8Array;
  data: Uint8Array;
  entryOffset: number;
}

/**
 * Writes a PE32+ image whose code refers to its own `.data` by RVA: the code size decides where `.data` lands, so
 * `assembleAt(dataRva)` is repeated until the `.data` RVA it was given is the one the layout yields. `textRva(data)`
 * tells the assembler its origin (it depends only on whether there is a data section).
 */
export function writePeAtFixedPoint(assembleAt: (dataRva: number, textRva: (data: Uint8Array) => number) => AssembledImage, what: string, passes = 4): Uint8Array {
  const textRva = (data: Uint8Array) => peLayout({ code: new Uint8Array(1), data }).textRva;
  let dataRva = peLayout({ code: new Uint8Array(1), data: new Uint8Array(8) }).dataRva;
  for (let pass = 0; pass < passes; pass++) {
    const image = assembleAt(dataRva, textRva);
    const next = peLayout({ code: image.code, data: image.data }).dataRva;
    if (next === dataRva) return writePeImage({ code: image.code, data: image.data, entryOffset: image.entryOffset });
    dataRva = next;
  }
  throw new Error(`internal: the layout of ${what} did not converge`);
}
