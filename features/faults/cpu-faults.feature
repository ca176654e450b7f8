Feature: A CPU exception in an MM driver ends the boot with telemetry, then a reset or a hang
  There is no recovery from a fault in MM (supervisor-facts §9.1): privileged instructions at CPL 3 raise #GP,
  accesses to supervisor, unmapped or NULL pages and fetches from no-execute pages raise #PF (§9.2). The
  supervisor writes an MSVT telemetry record into the user scratch page and hands it to the error-report driver
  at CPL 3 (§9.3), then warm-resets or spins (§9.4).

  Background:
    Given the platform "q35"

  @req:SUPV-114
  Scenario Outline: A raw <instruction> at CPL 3 is a general protection fault with telemetry, then a reset
    Given the MM driver "Privileged" runs on entry:
      """
      - asm: |
          <code>
      - io_write: { port: 0x80, width: 1, value: 0x77 }
      """
    When the platform boots
    Then the supervisor stops the system for a "general protection fault"
    And the telemetry shows exception type 13
    And the telemetry names the MM driver "Privileged"
    And the port 0x80 was never written
    And the system is reset

    Examples:
      | instruction | code                                  |
      | rdmsr       | mov ecx, 0x1B\n          rdmsr        |
      | wrmsr       | mov ecx, 0x1D9\n          xor eax, eax\n          xor edx, edx\n          wrmsr |
      | cli         | cli                                   |
      | hlt         | hlt                                   |
      | wbinvd      | wbinvd                                |
      | in          | mov dx, 0x80\n          in al, dx     |
      | out         | mov dx, 0xCF8\n          out dx, eax  |
      | mov cr3     | mov rax, cr3                          |

  @req:SUPV-114
  Scenario: The same raw RDMSR hangs the system when fatal violations hang it, after producing telemetry
    Given a fatal violation hangs the system
    And the MM driver "Privileged" runs on entry:
      """
      - asm: |
          mov ecx, 0xC0000080
          rdmsr
      """
    When the platform boots
    Then the supervisor stops the system for a "general protection fault"
    And the telemetry shows exception type 13
    And the system hangs

  @req:SUPV-114
  Scenario: Through the syscall the same MSR read is allowed: only the raw instruction faults
    Given the MM driver "Privileged" runs on entry:
      """
      - rdmsr: 0x1B
      """
    When the platform boots
    Then the system keeps running

  @req:SUPV-115
  Scenario Outline: A CPL 3 <access> at <address> (<what>) is a page fault with telemetry naming the driver
    Given the MM driver "Wanderer" runs on entry:
      """
      - <access>: <operand>
      """
    When the platform boots
    Then the page at <address> is "<page>" in the MM page table
    And the supervisor stops the system for a "page fault"
    And the telemetry shows exception type 14
    And the telemetry names the MM driver "Wanderer"
    And the system is reset

    Examples:
      | access | address    | operand                                  | what                           | page                             |
      | read   | 0x0        | 0x0                                      | the NULL page                  | not present                      |
      | read   | 0x10000000 | 0x10000000                               | memory outside MM never unblocked | not present                   |
      | write  | 0x10000000 | { address: 0x10000000, value: 1 }        | memory outside MM never unblocked | not present                   |
      | read   | 0x3F80FC00 | 0x3F80FC00                               | CPU 0's save state (supervisor) | supervisor read-write no-execute |
      | write  | 0x3F80FC00 | { address: 0x3F80FC00, value: 1 }        | CPU 0's save state (supervisor) | supervisor read-write no-execute |
      | read   | 0x3FFFE000 | 0x3FFFE000                               | the supervisor core image       | supervisor read-only no-execute  |
      | read   | 0x3F7FF000 | 0x3F7FF000                               | just below MMRAM                | not present                      |

  @req:SUPV-115
  Scenario: Writing the driver's own read-only code page is a page fault
    Given the MM driver "SelfModifier" runs on entry:
      """
      - asm: |
          lea rax, [rel $]
          mov byte [rax], 0x90
      """
    When the platform boots
    Then the supervisor stops the system for a "page fault"
    And the telemetry names the MM driver "SelfModifier"

  @req:SUPV-115
  Scenario: The same read in an unblocked region outside MM is allowed
    Given PEI asks to unblock 0x1000 bytes at 0x10000000
    And the MM driver "Wanderer" runs on entry:
      """
      - write: { address: 0x10000000, value: 0x1234 }
      - read: 0x10000000
      """
    When the platform boots
    Then the system keeps running
    And the entry point of the MM driver "Wanderer" returned 0x1234

  @req:SUPV-116
  Scenario: Executing unblocked data outside MMRAM is a page fault ("code executed outside SMM")
    Given PEI asks to unblock 0x1000 bytes at 0x10000000
    And the MM driver "Jumper" runs on entry:
      """
      - write: { address: 0x10000000, value: 0xC3, width: 1 }
      - execute: 0x10000000
      """
    When the platform boots
    Then the page at 0x10000000 is "user read-write no-execute" in the MM page table
    And the supervisor stops the system for a "page fault"
    And the telemetry shows exception type 14
    And the system is reset

  @req:SUPV-116
  Scenario: Executing the driver's own stack is a page fault
    Given the MM driver "Jumper" runs on entry:
      """
      - asm: |
          push 0xC3
          call rsp
          pop rax
      """
    When the platform boots
    Then the supervisor stops the system for a "page fault"
    And the telemetry is abandoned because the faulting RIP lies in no loaded image
    And the system is reset

  @req:SUPV-116
  Scenario: Executing the MMRAM copy of the user comm buffer is a page fault
    Given the MM driver "Jumper" handles MMI "gScenarioJumpGuid" with:
      """
      - asm: |
          call r8
      """
    When the platform boots
    And DXE sends MMI "gScenarioJumpGuid" on the user channel with data "C3C3C3C3"
    Then the supervisor stops the system for a "page fault"
    And the telemetry is abandoned because the faulting RIP lies in no loaded image
    And the system is reset
