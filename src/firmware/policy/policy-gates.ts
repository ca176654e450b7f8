import { AccessAttr, INSTRUCTION_COUNT, PolicyAttr, PolicyRoot, PolicyType, SaveStateCondition, SaveStateField, SecurePolicy } from './policy-types';
import { PolicyStatusName, policyStatusValue } from './policy-status';

/** The outcome of a gate: the EFI status it returns and which descriptor decided. */
export interface GateDecision {
  status: PolicyStatusName;
  value: bigint;
  allowed: boolean;
  /** Index of the root the gate consulted (the first of the wanted type), if any. */
  root?: number;
  /** Index (within that root) of the descriptor that decided; absent when none matched. */
  entry?: number;
  /** One readable sentence: why. */
  reason: string;
}

function decision(status: PolicyStatusName, reason: string, root?: number, entry?: number): GateDecision {
  const d: GateDecision = { status, value: policyStatusValue(status), allowed: status === 'EFI_SUCCESS', reason };
  if (root !== undefined) d.root = root;
  if (entry !== undefined) d.entry = entry;
  return d;
}

/** The first root of a type, as the gates find it (supervisor-facts §4.7 "first match"). */
function findRoot(policy: SecurePolicy, type: number): { root: PolicyRoot; index: number } | undefined {
  const index = policy.roots.findIndex((r) => r.type === type);
  return index < 0 ? undefined : { root: policy.roots[index], index };
}

/**
 * The common allow/deny decision (supervisor-facts §4.7): deny iff (matched and the root is DENY) or (not
 * matched and the root is ALLOW). A root whose AccessAttr is neither 0 nor 1 therefore denies nothing.
 */
function decide(accessAttr: number, found: boolean, root: number, entry: number | undefined, what: string): GateDecision {
  const list = accessAttr === AccessAttr.ALLOW ? 'allow list' : accessAttr === AccessAttr.DENY ? 'deny list' : `AccessAttr 0x${accessAttr.toString(16)}`;
  const denied = (found && accessAttr === AccessAttr.DENY) || (!found && accessAttr === AccessAttr.ALLOW);
  const why = entry === undefined ? 'no entry matches' : found ? `entry ${entry} matches` : `entry ${entry} matches the address but not the access`;
  return decision(denied ? 'EFI_ACCESS_DENIED' : 'EFI_SUCCESS', `${what}: ${why} (${list})`, root, entry);
}

function checkMask(mask: number): boolean {
  return (mask & PolicyAttr.READ) === PolicyAttr.READ || (mask & PolicyAttr.WRITE) === PolicyAttr.WRITE;
}

/** EFI_MM_IO_WIDTH → bytes (supervisor-facts §4.7.1 step 2). */
const IO_WIDTH_BYTES = [1, 2, 4];

/**
 * `IsIoReadWriteAllowed` (supervisor-facts §4.7.1). `width` is the EFI_MM_IO_WIDTH enum (0 byte, 1 word,
 * 2 dword); `mask` must contain READ (1) or WRITE (2).
 */
export function isIoReadWriteAllowed(policy: SecurePolicy, port: number | bigint, width: number, mask: number): GateDecision {
  if (!checkMask(mask)) return decision('EFI_INVALID_PARAMETER', `access mask 0x${mask.toString(16)} has neither READ nor WRITE`);
  const bytes = IO_WIDTH_BYTES[width];
  if (bytes === undefined || !Number.isInteger(width)) return decision('EFI_INVALID_PARAMETER', `IO width code ${width} is not 0, 1 or 2`);
  const p = BigInt(port);
  // supervisor-facts §4.7.1 step 3: the port must fit 16 bits and the access must end at or below 0x10000.
  if (p < 0n || p > 0xffffn || p + BigInt(bytes) > 0x10000n) return decision('EFI_INVALID_PARAMETER', `IO port 0x${p.toString(16)} width ${bytes} runs past 0xFFFF`);
  const found = findRoot(policy, PolicyType.IO);
  if (!found || found.root.kind !== 'io') return decision('EFI_ACCESS_DENIED', 'the policy has no IO root');
  const a = Number(p);
  const what = `IO ${mask & PolicyAttr.WRITE ? 'write' : 'read'} 0x${a.toString(16)} width ${bytes}`;
  const d = found.root.descriptors;
  for (let i = 0; i < d.length; i++) {
    const start = d[i].ioAddress;
    const end = start + d[i].lengthOrWidth;
    if (d[i].attributes & PolicyAttr.STRICT_WIDTH) {
      // A strict entry matches only the exact port and width; otherwise the walk continues.
      if (a === start && bytes === d[i].lengthOrWidth) return decide(found.root.accessAttr, (d[i].attributes & mask) !== 0, found.index, i, what);
    } else if ((a >= start && a < end) || (a + bytes > start && a + bytes <= end)) {
      // [Q] supervisor-facts §4.7.1/§11 item 5: an access that strictly encloses a short entry is not matched.
      return decide(found.root.accessAttr, (d[i].attributes & mask) !== 0, found.index, i, what);
    }
  }
  return decide(found.root.accessAttr, false, found.index, undefined, what);
}

/** `IsMsrReadWriteAllowed` (supervisor-facts §4.7.2): match if MsrAddress ≤ msr < MsrAddress+Length (32-bit sum). */
export function isMsrReadWriteAllowed(policy: SecurePolicy, msr: number | bigint, mask: number): GateDecision {
  if (!checkMask(mask)) return decision('EFI_INVALID_PARAMETER', `access mask 0x${mask.toString(16)} has neither READ nor WRITE`);
  const found = findRoot(policy, PolicyType.MSR);
  if (!found || found.root.kind !== 'msr') return decision('EFI_ACCESS_DENIED', 'the policy has no MSR root');
  const m = BigInt(msr) & 0xffffffffn;
  const what = `MSR ${mask & PolicyAttr.WRITE ? 'write' : 'read'} 0x${m.toString(16)}`;
  const d = found.root.descriptors;
  for (let i = 0; i < d.length; i++) {
    // The sum is computed in UINT32 by the C code, so it wraps.
    const end = (BigInt(d[i].msrAddress) + BigInt(d[i].length)) & 0xffffffffn;
    if (m >= BigInt(d[i].msrAddress) && m < end) return decide(found.root.accessAttr, (d[i].attributes & mask) !== 0, found.index, i, what);
  }
  return decide(found.root.accessAttr, false, found.index, undefined, what);
}

/** `IsInstructionExecutionAllowed` (supervisor-facts §4.7.3): index 0 CLI, 1 WBINVD, 2 HLT. */
export function isInstructionExecutionAllowed(policy: SecurePolicy, index: number): GateDecision {
  if (!Number.isInteger(index) || index < 0 || index >= INSTRUCTION_COUNT) return decision('EFI_INVALID_PARAMETER', `instruction index ${index} is not 0, 1 or 2`);
  const found = findRoot(policy, PolicyType.INSTRUCTION);
  if (!found || found.root.kind !== 'instruction') return decision('EFI_ACCESS_DENIED', 'the policy has no INSTRUCTION root');
  const what = `${['CLI', 'WBINVD', 'HLT'][index]}`;
  const d = found.root.descriptors;
  for (let i = 0; i < d.length; i++) {
    if (d[i].instructionIndex === index) return decide(found.root.accessAttr, (d[i].attributes & PolicyAttr.EXECUTE) !== 0, found.index, i, what);
  }
  return decide(found.root.accessAttr, false, found.index, undefined, what);
}

/** EFI_MM_SAVE_STATE_REGISTER values the save-state gate knows (supervisor-facts §4.7.4). */
export const SaveStateRegister = { RAX: 38, IO: 512, PROCESSOR_ID: 514 } as const;
/** EFI_MM_SAVE_STATE_IO_WIDTH and _IO_TYPE values. */
export const SaveStateIoWidth = { UINT8: 0, UINT16: 1, UINT32: 2, UINT64: 3 } as const;
export const SaveStateIoType = { INPUT: 1, OUTPUT: 2 } as const;
/** sizeof (EFI_MM_SAVE_STATE_IO_INFO). */
export const IO_INFO_SIZE = 24;

/** The CPU's IO-trap information (the IO pseudo-register), or why it cannot be read on that CPU. */
export type SaveStateIoInfo = { ioWidth: number; ioType: number; ioPort?: number; ioData?: bigint } | { error: PolicyStatusName };
/** The usual answer for a CPU whose MMI was not an IO trap (supervisor-facts §4.7.4 step 3a). */
export const IO_INFO_NOT_FOUND: SaveStateIoInfo = { error: 'EFI_NOT_FOUND' };

/**
 * `IsIhvSmmSaveStateReadAllowed` (supervisor-facts §4.7.4): `register` is the EFI_MM_SAVE_STATE_REGISTER,
 * `width` the requested byte count, `ioInfo` the CPU's IO-trap info (or the error reading it returns).
 */
export function isSaveStateReadAllowed(policy: SecurePolicy, register: number, width: number | bigint, ioInfo: SaveStateIoInfo): GateDecision {
  const found = findRoot(policy, PolicyType.SAVE_STATE);
  // Step 1 [Q] (§11 item 6): no SAVE_STATE root → a "level 20" policy, every read allowed.
  if (!found || found.root.kind !== 'save-state') return decision('EFI_SUCCESS', 'the policy has no SAVE_STATE root: save-state reads are not restricted');
  let target: number;
  if (register === SaveStateRegister.RAX) target = SaveStateField.RAX;
  else if (register === SaveStateRegister.IO) target = SaveStateField.IO_TRAP;
  else if (register === SaveStateRegister.PROCESSOR_ID) return decision('EFI_SUCCESS', 'PROCESSOR_ID reads are never restricted', found.index);
  else return decide(found.root.accessAttr, false, found.index, undefined, `save-state register ${register} (not RAX or IO)`);
  const w = BigInt(width);
  const what = `save-state read of ${target === SaveStateField.RAX ? 'RAX' : 'IO'} width ${w}`;
  const d = found.root.descriptors;
  for (let i = 0; i < d.length; i++) {
    if (d[i].mapField !== target) continue;
    // The first descriptor naming the field decides, whatever its attributes.
    const at = d[i].attributes;
    if ((at & (PolicyAttr.READ | PolicyAttr.COND_READ)) === 0) return decide(found.root.accessAttr, false, found.index, i, what);
    // Step 3a: read the IO info; an error (e.g. no IO trap on that CPU) is returned as is.
    if ('error' in ioInfo) return decision(ioInfo.error, `${what}: the CPU's IO-trap information cannot be read (${ioInfo.error})`, found.index, i);
    // Step 3b [Q] (§11 item 4): RAX may be read up to the IoWidth *enum value*, not a byte count.
    const allowedWidth = BigInt(target === SaveStateField.IO_TRAP ? IO_INFO_SIZE : ioInfo.ioWidth);
    // Step 3c: READ must be unconditional; COND_READ + IO_WR needs an output trap, else "condition mismatch".
    if (at & PolicyAttr.READ) {
      if (d[i].accessCondition !== SaveStateCondition.UNCONDITIONAL) return decision('EFI_INVALID_PARAMETER', `${what}: entry ${i} has READ with condition ${d[i].accessCondition}`, found.index, i);
    } else if (!(ioInfo.ioType === SaveStateIoType.OUTPUT && d[i].accessCondition === SaveStateCondition.IO_WRITE)) {
      const r = decide(found.root.accessAttr, false, found.index, i, what);
      r.reason += `; condition ${d[i].accessCondition} does not hold for IO type ${ioInfo.ioType}`;
      return r;
    }
    // Step 3d.
    if (w > allowedWidth) return decision('EFI_ACCESS_DENIED', `${what}: wider than the ${allowedWidth} entry ${i} allows`, found.index, i);
    // Step 3e: the IO pseudo-register carries IO data, so RAX must also be readable at IoWidth (recursive).
    if (target === SaveStateField.IO_TRAP) {
      const rax = isSaveStateReadAllowed(policy, SaveStateRegister.RAX, ioInfo.ioWidth, ioInfo);
      if (!rax.allowed) return { ...rax, reason: `${what}: IO info granted by entry ${i} but the IO data (RAX) is not: ${rax.reason}` };
    }
    return decide(found.root.accessAttr, true, found.index, i, what);
  }
  return decide(found.root.accessAttr, false, found.index, undefined, what);
}

/** `IsSaveStateWriteAllowed` is a stub in the supervisor that always denies (supervisor-facts §4.7.4). */
export function isSaveStateWriteAllowed(_policy: SecurePolicy, _mapField: number): GateDecision {
  return decision('EFI_ACCESS_DENIED', 'save-state writes are never allowed');
}
