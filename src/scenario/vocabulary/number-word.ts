import { parseUnsigned } from '../../common/hex';
import { UnknownWordError } from './unknown-word-error';

const EXPECTED = 'an unsigned 64-bit number, 0x… hexadecimal or decimal (underscores may separate digit groups: 0x1000_0000)';

/**
 * The `{hex}` parameter (DESIGN.md): `0x…` hexadecimal (either case, `0X` too) or plain decimal, read exactly as a
 * bigint below 2^64. Underscores are allowed between digit groups (`0x1000_0000`, `1_000`), nothing else: no sign,
 * no suffix, no spaces inside. Throws UnknownWordError, suggesting the intended spelling for common slips
 * (`1000h`, bare hex digits such as `fed00000`, `1,024`).
 */
export function parseHexOrDecimal(text: string): bigint {
  try {
    return parseUnsigned(text, 64);
  } catch {
    throw new UnknownWordError(text, 'number', EXPECTED, repairs(text.trim()));
  }
}

function repairs(t: string): string[] {
  const out: string[] = [];
  const hexSuffix = /^([0-9a-fA-F][0-9a-fA-F_]*)[hH]$/.exec(t);
  if (hexSuffix) out.push(`0x${hexSuffix[1]}`);
  else if (/^[0-9a-fA-F]+$/.test(t) && /[a-fA-F]/.test(t)) out.push(`0x${t}`);
  else if (/^[0-9]{1,3}(,[0-9]{3})+$/.test(t)) out.push(t.replace(/,/g, ''));
  return out.filter((s) => {
    try {
      parseUnsigned(s, 64);
      return true;
    } catch {
      return false;
    }
  });
}
