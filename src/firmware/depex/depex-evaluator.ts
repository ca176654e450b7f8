import { Guid, guidFromBytes } from '../guid/guid';
import { DepexOp } from './depex-opcodes';

/** How an evaluation ended. Only 'result' can be TRUE. */
export type DepexOutcome = 'result' | 'empty-stack' | 'stack-underflow' | 'past-end' | 'unknown-opcode' | 'before-after' | 'no-depex';

export interface DepexEvaluation {
  value: boolean;
  outcome: DepexOutcome;
  /** Offset of the opcode that decided a failure. */
  offset?: number;
  detail: string;
}

/**
 * Evaluates DEPEX bytecode with the MM Supervisor's rules (supervisor-facts §2.2):
 * postfix boolean stack; PUSH is TRUE iff `isInstalled(guid)`; END pops the result and an empty stack gives
 * FALSE; running past the end, stack underflow and unknown opcodes (SOR included — it is not recognised in MM)
 * give FALSE; BEFORE/AFTER as the first opcode give FALSE (the dispatcher schedules those by insertion, §2.3),
 * anywhere else they are handled like PUSH (rule 7); a missing depex (undefined) is FALSE (rule 8).
 */
export function evaluateDepex(bytes: Uint8Array | undefined, isInstalled: (guid: Guid) => boolean): DepexEvaluation {
  if (bytes === undefined) return { value: false, outcome: 'no-depex', detail: 'no dependency expression' };
  const stack: boolean[] = [];
  let pc = 0;
  for (;;) {
    if (pc >= bytes.length) return { value: false, outcome: 'past-end', offset: pc, detail: `ran past the end of the depex at offset ${pc}` };
    const op = bytes[pc];
    switch (op) {
      case DepexOp.BEFORE:
      case DepexOp.AFTER:
        if (pc === 0) {
          return { value: false, outcome: 'before-after', offset: 0, detail: `${op === DepexOp.BEFORE ? 'BEFORE' : 'AFTER'} is scheduled by the dispatcher, not evaluated` };
        }
        // supervisor-facts §2.2 rule 7: anywhere else, after the assertion the opcode is handled as PUSH
        if (pc + 17 > bytes.length) return { value: false, outcome: 'past-end', offset: pc, detail: `the GUID operand at offset ${pc + 1} runs past the end` };
        stack.push(isInstalled(guidFromBytes(bytes, pc + 1)));
        pc += 17;
        continue;
      case DepexOp.PUSH: {
        if (pc + 17 > bytes.length) return { value: false, outcome: 'past-end', offset: pc, detail: `the GUID operand at offset ${pc + 1} runs past the end` };
        stack.push(isInstalled(guidFromBytes(bytes, pc + 1)));
        pc += 17;
        continue;
      }
      case DepexOp.AND:
      case DepexOp.OR: {
        if (stack.length < 2) return { value: false, outcome: 'stack-underflow', offset: pc, detail: `stack underflow at ${op === DepexOp.AND ? 'AND' : 'OR'} (offset ${pc})` };
        const b = stack.pop()!;
        const a = stack.pop()!;
        stack.push(op === DepexOp.AND ? a && b : a || b);
        break;
      }
      case DepexOp.NOT:
        if (stack.length < 1) return { value: false, outcome: 'stack-underflow', offset: pc, detail: `stack underflow at NOT (offset ${pc})` };
        stack.push(!stack.pop()!);
        break;
      case DepexOp.TRUE:
        stack.push(true);
        break;
      case DepexOp.FALSE:
        stack.push(false);
        break;
      case DepexOp.END:
        if (stack.length === 0) return { value: false, outcome: 'empty-stack', offset: pc, detail: `END with an empty stack (offset ${pc})` };
        {
          const value = stack.pop()!;
          return { value, outcome: 'result', offset: pc, detail: value ? 'TRUE' : 'FALSE' };
        }
      default:
        return {
          value: false, outcome: 'unknown-opcode', offset: pc,
          detail: op === DepexOp.SOR ? `SOR (offset ${pc}) is not recognised by the MM dispatcher` : `unknown opcode 0x${op.toString(16).padStart(2, '0')} at offset ${pc}`,
        };
    }
    pc += 1;
  }
}
