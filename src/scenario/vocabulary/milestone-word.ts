import { MILESTONES, isMilestone, type Milestone } from '../../platform/boot/milestones';
import { listWords, unknownWord } from './unknown-word-error';

/**
 * A boot milestone of `the platform boots to {string}` / `the platform continues to {string}` (DESIGN.md "When"):
 * exactly one of the platform's names (src/platform/boot/milestones.ts) — "PEI", "end of PEI", "DXE", "end of DXE",
 * "ready to lock", "ready to boot", "exit boot services", "runtime". Other spellings ("ready-to-lock",
 * "ReadyToLock", "End of DXE") are UnknownWordError with the intended name as the first alternative.
 */
export function parseMilestone(word: string): Milestone {
  const t = word.trim();
  if (isMilestone(t)) return t;
  throw unknownWord(t, 'boot milestone', `one of ${listWords(MILESTONES)}`, MILESTONES);
}
