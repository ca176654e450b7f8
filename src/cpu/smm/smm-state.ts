/** I/O-trap information recorded when an IN/OUT instruction caused the SMI (x86-smm-facts §1.9). */
export interface IoTrapInfo {
  port: number;
  /** Access size in bytes: 1, 2 or 4. */
  size: number;
  /** true for IN/INS, false for OUT/OUTS. */
  input: boolean;
  string: boolean;
  rep: boolean;
  /** Immediate-port form (IN/OUT imm8) rather than DX. */
  immediate: boolean;
  /** RIP of the I/O instruction. */
  rip: number;
  /** Data written by OUT (or read by IN). */
  data: number;
}

/** Per-CPU SMM bookkeeping. */
export interface SmmState {
  inSmm: boolean;
  smbase: number;
  layout: 'intel' | 'amd';
  /** An SMI is pending (delivered at the next instruction boundary outside SMM). */
  pending: boolean;
  /** I/O-trap info for the pending SMI (set when an I/O instruction raised it on this CPU). */
  pendingIo: IoTrapInfo | null;
  /** I/O-trap info of the SMI being handled, for the save-state I/O fields. */
  currentIo: IoTrapInfo | null;
  /** NMIs were blocked when SMM was entered (RSM keeps them blocked). */
  nmiBlockedOnEntry: boolean;
  nmiBlocked: boolean;
  /** The SMI interrupted a HLT (auto-HALT restart, x86-smm-facts §1.8). */
  haltedOnEntry: boolean;
  /** Make `run` return right after RSM (used by a machine scheduler that settles SMIs). */
  stopOnExit: boolean;
}

export function newSmmState(layout: 'intel' | 'amd', smbase: number): SmmState {
  return {
    inSmm: false, smbase, layout, pending: false, pendingIo: null, currentIo: null,
    nmiBlockedOnEntry: false, nmiBlocked: false, haltedOnEntry: false, stopOnExit: false,
  };
}
