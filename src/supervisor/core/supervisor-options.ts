import type { MailboxLayout } from './comm-mailbox';

/**
 * How one supervisor instance behaves: the platform's choices (reset or hang) and the model's named deliberate
 * deviations from the real code (each defaults to the real behaviour; supervisor-facts §11 says why they exist).
 */
export interface SupervisorOptions {
  /** mSmmRebootOnException (§9.4): true → warm reset after a fatal violation, false → hang. Default true. */
  rebootOnException?: boolean;
  /** MaxSupervisorRequestLevel written by VERSION_INFO (§6.3). Default 4. */
  maxSupervisorRequestLevel?: bigint;
  /** §4.5 step 5 / §11 item 3: an invalid policy blob stays in force (default true, the real behaviour). */
  enforceInvalidPolicy?: boolean;
  /** §8.3 step 3a / §11 item 8: reply ACCESS_DENIED into the supervisor mailbox after ExitBootServices. Default false. */
  replyToRefusedSupervisorCall?: boolean;
  /** §8.4 / §11 item 9: also reject a supervisor comm buffer overlapping MMRAM. Default false. */
  validateSupervisorCommBuffer?: boolean;
  /** §11 item 12: mailbox layout. Default 'mu'. */
  mailboxLayout?: MailboxLayout;
  /** §3.1 / §11 item 20: TSS I/O-map base. Default 'beyond-limit' (every CPL3 IN/OUT raises #GP). */
  tssIoMapBase?: 'beyond-limit' | 'as-built';
  /** Instructions one demoted call (driver entry, handler) may run before the machine is declared hung. */
  userCodeBudget?: number;
  /** PcdSmiHandlerProfilePropertyMask bit 0 (handler profiling syscalls). Default false. */
  handlerProfile?: boolean;
}
