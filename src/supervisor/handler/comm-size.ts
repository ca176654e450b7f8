import type { MemoryView } from '../../platform/memory-view';

/**
 * The `UINTN *CommBufferSize` an MMI handler receives (supervisor-facts §8.5 "Handler signature"). A user handler
 * gets the address of a variable in the user-owned supervisor-to-user scratch page (§1.5 step 10, §8.3 2d); a
 * supervisor handler may get a CPL0 local, which user code can never address.
 */
export interface CommSize {
  read(): bigint;
  write(value: bigint): void;
  /** Address handed to CPL3 code (the scratch-page variable); 0 for a supervisor-local variable. */
  readonly address: bigint;
}

/** A size variable that lives in emulated memory (8 bytes, little endian). */
export class MemoryCommSize implements CommSize {
  constructor(private readonly view: MemoryView, readonly address: bigint) {}
  read(): bigint {
    return this.view.u64(Number(this.address));
  }
  write(value: bigint): void {
    this.view.setU64(Number(this.address), value);
  }
}

/** A supervisor-local size variable (the C code's stack local on the supervisor channel path). */
export class LocalCommSize implements CommSize {
  readonly address = 0n;
  constructor(private value: bigint) {}
  read(): bigint {
    return this.value;
  }
  write(value: bigint): void {
    this.value = BigInt.asUintN(64, value);
  }
}
