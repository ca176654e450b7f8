import { SupervisorRequest } from '../../supervisor/request/request-layout';
import { listWords, unknownWord } from './unknown-word-error';

export type SupervisorRequestWord = keyof typeof SupervisorRequest;

const WORDS = Object.keys(SupervisorRequest) as SupervisorRequestWord[];

/**
 * The request word of `DXE sends the supervisor request {word}` (DESIGN.md): VERSION_INFO, FETCH_POLICY,
 * COMM_UPDATE or UNBLOCK_MEM → the MSUP request code (supervisor-facts §6.1: UNBLOCK_MEM 1, FETCH_POLICY 2,
 * VERSION_INFO 3, COMM_UPDATE 4). Exact upper-case spelling; anything else is an UnknownWordError.
 */
export function parseSupervisorRequestWord(word: string): number {
  const t = word.trim();
  if (Object.prototype.hasOwnProperty.call(SupervisorRequest, t)) return SupervisorRequest[t as SupervisorRequestWord];
  throw unknownWord(t, 'supervisor request', `one of ${listWords(WORDS)}`, WORDS);
}
