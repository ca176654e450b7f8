/**
 * The MM Supervisor isolation policy, v1.0 layout (supervisor-facts §4.1–§4.4), as a typed model that keeps
 * every byte needed for a byte-exact round trip: reserved fields, root and descriptor offsets (which may be
 * odd or overlap), and any bytes no structure covers.
 */

/** Descriptor / root types (supervisor-facts §4.4). */
export const PolicyType = { MEM: 1, IO: 2, MSR: 3, INSTRUCTION: 4, SAVE_STATE: 5 } as const;

/** Attribute bits: what an entry is about; allow/deny comes from the root (supervisor-facts §4.4). */
export const PolicyAttr = {
  READ: 0x1,
  WRITE: 0x2,
  EXECUTE: 0x4,
  STRICT_WIDTH: 0x8,
  COND_READ: 0x10,
  COND_WRITE: 0x20,
} as const;

/** Root AccessAttr values (supervisor-facts §4.4). Any other byte value is neither. */
export const AccessAttr = { ALLOW: 0, DENY: 1 } as const;

/** Instruction indexes (supervisor-facts §4.4). */
export const PolicyInstruction = { CLI: 0, WBINVD: 1, HLT: 2 } as const;
export const INSTRUCTION_COUNT = 3;

/** Save-state map fields (supervisor-facts §4.4). */
export const SaveStateField = { RAX: 0, IO_TRAP: 1 } as const;

/** Save-state access conditions (supervisor-facts §4.4). */
export const SaveStateCondition = { UNCONDITIONAL: 0, IO_READ: 1, IO_WRITE: 2 } as const;

/** Sizes of the packed v1.0 structures (supervisor-facts §4.1–§4.3). */
export const HEADER_SIZE = 0x28;
export const ROOT_SIZE = 0x18;
export const DESCRIPTOR_SIZE: Record<RootKind, number> = { mem: 24, io: 8, msr: 8, instruction: 8, 'save-state': 16, unknown: 0 };

/** `SMM_SUPV_SECURE_POLICY_MEM_DESCRIPTOR_V1_0` (24 bytes). */
export interface MemDescriptor {
  baseAddress: bigint;
  size: bigint;
  memAttributes: number;
  reserved: number;
}
/** `SMM_SUPV_SECURE_POLICY_IO_DESCRIPTOR_V1_0` (8 bytes). */
export interface IoDescriptor {
  ioAddress: number;
  lengthOrWidth: number;
  attributes: number;
  reserved: number;
}
/** `SMM_SUPV_SECURE_POLICY_MSR_DESCRIPTOR_V1_0` (8 bytes, no reserved field). */
export interface MsrDescriptor {
  msrAddress: number;
  length: number;
  attributes: number;
}
/** `SMM_SUPV_SECURE_POLICY_INSTRUCTION_DESCRIPTOR_V1_0` (8 bytes). */
export interface InstructionDescriptor {
  instructionIndex: number;
  attributes: number;
  reserved: number;
}
/** `SMM_SUPV_SECURE_POLICY_SAVE_STATE_DESCRIPTOR_V1_0` (16 bytes). */
export interface SaveStateDescriptor {
  mapField: number;
  attributes: number;
  accessCondition: number;
  reserved: number;
}

export type RootKind = 'mem' | 'io' | 'msr' | 'instruction' | 'save-state' | 'unknown';

/** The fields every `SMM_SUPV_POLICY_ROOT_V1` carries besides its descriptors (supervisor-facts §4.2). */
export interface PolicyRootFields {
  /** Root `Version` (the tool writes 1). */
  version: number;
  /** Root `PolicyRootSize` (the tool writes 0x18; the supervisor strides by 0x18 regardless). */
  rootSize: number;
  /** Raw `Type` field; always consistent with `kind`. */
  type: number;
  /** `Offset` of the first descriptor from the blob start. */
  offset: number;
  /** `AccessAttr` byte: 0 ALLOW, 1 DENY, anything else is kept as is. */
  accessAttr: number;
  /** The three `Reserved` bytes as a little-endian 24-bit value. */
  reserved: number;
}

export interface MemRoot extends PolicyRootFields { kind: 'mem'; descriptors: MemDescriptor[] }
export interface IoRoot extends PolicyRootFields { kind: 'io'; descriptors: IoDescriptor[] }
export interface MsrRoot extends PolicyRootFields { kind: 'msr'; descriptors: MsrDescriptor[] }
export interface InstructionRoot extends PolicyRootFields { kind: 'instruction'; descriptors: InstructionDescriptor[] }
export interface SaveStateRoot extends PolicyRootFields { kind: 'save-state'; descriptors: SaveStateDescriptor[] }
/** A root whose Type is not 1..5: its descriptors cannot be interpreted, only its Count is kept. */
export interface UnknownRoot extends PolicyRootFields { kind: 'unknown'; count: number }

export type PolicyRoot = MemRoot | IoRoot | MsrRoot | InstructionRoot | SaveStateRoot | UnknownRoot;

/** Bytes of a blob that no header, root or descriptor covers (kept so that write(parse(b)) = b). */
export interface UncoveredBytes {
  offset: number;
  bytes: Uint8Array;
}

/** `SMM_SUPV_SECURE_POLICY_DATA_V1_0` and everything it points to (supervisor-facts §4.1). */
export interface SecurePolicy {
  versionMinor: number;
  versionMajor: number;
  /** Header `Size` exactly as stored (validation rule 11 compares it with the structures). */
  size: number;
  memoryPolicyOffset: number;
  memoryPolicyCount: number;
  flags: number;
  capabilities: number;
  reserved: bigint;
  policyRootOffset: number;
  roots: PolicyRoot[];
  /** Uncovered bytes, in ascending offset order. Empty for anything the encoder produced. */
  uncovered: UncoveredBytes[];
}

export function rootKindOf(type: number): RootKind {
  switch (type) {
    case PolicyType.MEM: return 'mem';
    case PolicyType.IO: return 'io';
    case PolicyType.MSR: return 'msr';
    case PolicyType.INSTRUCTION: return 'instruction';
    case PolicyType.SAVE_STATE: return 'save-state';
    default: return 'unknown';
  }
}

export const TYPE_OF_KIND: Record<Exclude<RootKind, 'unknown'>, number> = {
  mem: PolicyType.MEM,
  io: PolicyType.IO,
  msr: PolicyType.MSR,
  instruction: PolicyType.INSTRUCTION,
  'save-state': PolicyType.SAVE_STATE,
};

/** Display name of a root type (the XML category names where one exists). */
export function typeName(type: number): string {
  switch (type) {
    case PolicyType.MEM: return 'MEM';
    case PolicyType.IO: return 'IO';
    case PolicyType.MSR: return 'MSR';
    case PolicyType.INSTRUCTION: return 'INSTRUCTION';
    case PolicyType.SAVE_STATE: return 'SAVE_STATE';
    default: return `TYPE_${type}`;
  }
}

/** Number of descriptors a root declares (its Count field). */
export function rootCount(root: PolicyRoot): number {
  return root.kind === 'unknown' ? root.count : root.descriptors.length;
}

/** Names of the set attribute bits, e.g. ['READ', 'WRITE']; unknown bits as hex. */
export function attributeNames(attributes: number): string[] {
  const out: string[] = [];
  const names: [number, string][] = [
    [PolicyAttr.READ, 'READ'], [PolicyAttr.WRITE, 'WRITE'], [PolicyAttr.EXECUTE, 'EXECUTE'],
    [PolicyAttr.STRICT_WIDTH, 'STRICT_WIDTH'], [PolicyAttr.COND_READ, 'COND_READ'], [PolicyAttr.COND_WRITE, 'COND_WRITE'],
  ];
  for (const [bit, n] of names) if (attributes & bit) out.push(n);
  const rest = attributes & ~0x3f;
  if (rest) out.push('0x' + (rest >>> 0).toString(16));
  return out;
}

export function accessName(accessAttr: number): string {
  return accessAttr === AccessAttr.ALLOW ? 'ALLOW' : accessAttr === AccessAttr.DENY ? 'DENY' : `0x${accessAttr.toString(16)}`;
}

export function instructionName(index: number): string {
  return ['CLI', 'WBINVD', 'HLT'][index] ?? `INSTRUCTION_${index}`;
}
export function saveStateFieldName(field: number): string {
  return ['RAX', 'IO_TRAP'][field] ?? `FIELD_${field}`;
}
export function conditionName(condition: number): string {
  return ['UNCONDITIONAL', 'IO_READ', 'IO_WRITE'][condition] ?? `CONDITION_${condition}`;
}

/** Deep copy (descriptors are plain data; Uint8Arrays are copied). */
export function clonePolicy(p: SecurePolicy): SecurePolicy {
  return {
    ...p,
    roots: p.roots.map((r) => (r.kind === 'unknown' ? { ...r } : { ...r, descriptors: r.descriptors.map((d) => ({ ...d })) } as PolicyRoot)),
    uncovered: p.uncovered.map((u) => ({ offset: u.offset, bytes: u.bytes.slice() })),
  };
}
