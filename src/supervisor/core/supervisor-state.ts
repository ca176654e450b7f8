/**
 * The core's lifecycle flags that other components consult (supervisor-facts §1.5 step 15, §1.8, §1.9):
 * core initialization complete, ready-to-lock done ("locked"), ExitBootServices seen ("runtime").
 * One instance per supervisor (no module-level state).
 */
export class SupervisorState {
  private initComplete = false;
  private lockedFlag = false;
  private runtimeFlag = false;

  /** §1.5 step 15: set once the final page table is built. Before it VERSION_INFO is denied (§6.3). */
  get coreInitComplete(): boolean {
    return this.initComplete;
  }
  markCoreInitComplete(): void {
    this.initComplete = true;
  }

  /** §1.8 step 5: set by the ready-to-lock handler (also when its snapshot failed). */
  get locked(): boolean {
    return this.lockedFlag;
  }
  markLocked(): void {
    this.lockedFlag = true;
  }

  /** §1.9: set by the ExitBootServices handler; idempotent. Returns true when it was already set. */
  get runtime(): boolean {
    return this.runtimeFlag;
  }
  markRuntime(): boolean {
    const was = this.runtimeFlag;
    this.runtimeFlag = true;
    return was;
  }
}
