import { EFI_STATUS_VALUES, type EfiStatus } from '../../firmware/efi-status';
import { unknownWord } from './unknown-word-error';

/**
 * A status word of `the request result is {word}` / `the MMI return status is {word}` / `return: STATUS`: an EFI_STATUS
 * name spelled exactly as in the UEFI/PI headers (`EFI_SUCCESS`, `EFI_ACCESS_DENIED`, … — x86-smm-facts §4.8,
 * supervisor-facts §0.1) → its X64 value. Anything else (other case, missing `EFI_` prefix, a typo) is an
 * UnknownWordError naming the closest names.
 */
export function parseEfiStatusWord(word: string): EfiStatus {
  const t = word.trim();
  const v = EFI_STATUS_VALUES.get(t);
  if (v === undefined) throw unknownWord(t, 'EFI status', 'an EFI_STATUS name such as EFI_SUCCESS or EFI_ACCESS_DENIED', EFI_STATUS_VALUES.keys());
  return v;
}
