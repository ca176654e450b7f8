Feature: Save-state reads by MM drivers are supervised by the SAVE_STATE policy
  A driver reads a CPU's save state through the broker's EFI_MM_CPU_PROTOCOL.ReadSaveState, which makes the
  SMM_SC_SVST_READ / SMM_SC_SVST_READ_2 syscalls (supervisor-facts §3.7). The save-state gate (§4.7.4) decides;
  a refusal is returned to the driver as an EFI_STATUS, never fatal. The example policy is an ALLOW list:
  RAX with LimitedRead on an IoWrite trap, and IO_TRAP with Read. The IO-trap information comes from the CPU
  itself: the SMI was raised while it executed an IN/OUT (x86-smm-facts §1.9). Driver entry points run inside
  the dispatch MMI, which PEI raised with a byte `out 0xB2` on CPU 0; CPU 1 took the SMI without any I/O.

  Background:
    Given the platform "q35"

  @req:SUPV-068
  Scenario Outline: Under the example ALLOW root, reading <register> returns EFI_ACCESS_DENIED to the driver
    Given the MM driver "StateReader" runs on entry:
      """
      - save_state_read: { register: <register>, cpu: 0, width: 8 }
      """
    When the platform boots
    Then the system keeps running
    And the entry point of the MM driver "StateReader" returned EFI_ACCESS_DENIED

    Examples:
      | register |
      | RBX      |
      | RCX      |
      | RSP      |
      | RIP      |
      | CR3      |
      | RFLAGS   |

  @req:SUPV-066
  Scenario Outline: With no SAVE_STATE root the same read of <register> succeeds
    Given the isolation policy:
      """
      io:
        access: deny
        entries:
          - { port: 0xCF8, size: 4, attributes: [write, strict-width] }
      """
    And the MM driver "StateReader" runs on entry:
      """
      - save_state_read: { register: <register>, cpu: 0, width: 8 }
      """
    When the platform boots
    Then the system keeps running
    And the entry point of the MM driver "StateReader" returned EFI_SUCCESS

    Examples:
      | register |
      | RBX      |
      | RIP      |
      | CR3      |
      | RAX      |

  @req:SUPV-066 @req:SUPV-071
  Scenario: With no SAVE_STATE root a RAX read of a CPU without an IO trap is not refused by policy
    Given the isolation policy:
      """
      msr:
        access: deny
        entries:
          - { msr: 0xC0000080, count: 1, attributes: [read, write] }
      """
    And the MM driver "StateReader" runs on entry:
      """
      - save_state_read: { register: RAX, cpu: 1, width: 8 }
      """
    When the platform boots
    Then the entry point of the MM driver "StateReader" returned EFI_SUCCESS

  @req:SUPV-067
  Scenario Outline: PROCESSOR_ID of CPU <cpu> is readable under <policy>
    Given the isolation policy "<policy>"
    And the MM driver "StateReader" runs on entry:
      """
      - save_state_read: { register: PROCESSOR_ID, cpu: <cpu>, width: 8 }
      """
    When the platform boots
    Then the system keeps running
    And the entry point of the MM driver "StateReader" returned EFI_SUCCESS

    Examples:
      | policy                             | cpu |
      | MmIsolationPoliciesExample.xml     | 0   |
      | MmIsolationPoliciesExample.xml     | 1   |
      | save-state-allow-nothing.yaml      | 0   |
      | save-state-deny-rax-io.yaml        | 1   |

  @req:SUPV-071
  Scenario Outline: Reading <register> of CPU 1, which took the SMI without an IO trap, returns EFI_NOT_FOUND
    Given the MM driver "StateReader" runs on entry:
      """
      - save_state_read: { register: <register>, cpu: 1, width: <width> }
      """
    When the platform boots
    Then the system keeps running
    And the entry point of the MM driver "StateReader" returned EFI_NOT_FOUND

    Examples:
      | register | width |
      | RAX      | 1     |
      | IO       | 24    |

  @req:SUPV-069
  Scenario: During the dispatch MMI (a byte OUT, IoWidth 0) even a 1-byte RAX read of CPU 0 is refused
    Given the MM driver "StateReader" runs on entry:
      """
      - save_state_read: { register: RAX, cpu: 0, width: 1 }
      """
    When the platform boots
    Then the entry point of the MM driver "StateReader" returned EFI_ACCESS_DENIED

  @req:SUPV-069
  Scenario Outline: RAX after a <width>-byte OUT trap: a <read>-byte read → <status>
    Given the MM driver "TrapHandler" handles every MMI with:
      """
      - save_state_read: { register: RAX, cpu: 0, width: <read> }
      """
    When the platform boots
    And code outside MM writes 0x12345678 to the trapped IO port 0x1230 with width <width>
    Then the system keeps running
    And the MMI handler of the MM driver "TrapHandler" returned <status>

    Examples: the allowed width is the IoWidth enum value (0, 1, 2), not a byte count (§4.7.4 [Q])
      | width | read | status            |
      | 4     | 1    | EFI_SUCCESS       |
      | 4     | 2    | EFI_SUCCESS       |
      | 4     | 4    | EFI_ACCESS_DENIED |
      | 4     | 8    | EFI_ACCESS_DENIED |
      | 2     | 1    | EFI_SUCCESS       |
      | 2     | 2    | EFI_ACCESS_DENIED |
      | 1     | 1    | EFI_ACCESS_DENIED |

  @req:SUPV-069
  Scenario Outline: RAX after a <width>-byte IN trap is refused (the entry is LimitedRead on IoWrite only)
    Given the MM driver "TrapHandler" handles every MMI with:
      """
      - save_state_read: { register: RAX, cpu: 0, width: 1 }
      """
    When the platform boots
    And code outside MM reads the trapped IO port 0x1230 with width <width>
    Then the system keeps running
    And the MMI handler of the MM driver "TrapHandler" returned EFI_ACCESS_DENIED

    Examples:
      | width |
      | 1     |
      | 4     |

  @req:SUPV-070
  Scenario Outline: The IO pseudo-register after a <direction> trap → <status>
    Given the MM driver "TrapHandler" handles every MMI with:
      """
      - save_state_read: { register: IO, cpu: 0, width: <read> }
      """
    When the platform boots
    And <access>
    Then the system keeps running
    And the MMI handler of the MM driver "TrapHandler" returned <status>

    Examples:
      | direction | access                                                               | read | status            |
      | IN        | code outside MM reads the trapped IO port 0x1230 with width 4         | 24   | EFI_ACCESS_DENIED |
      | IN        | code outside MM reads the trapped IO port 0x1230 with width 1         | 8    | EFI_ACCESS_DENIED |
      | OUT       | code outside MM writes 0x55 to the trapped IO port 0x1230 with width 4 | 24   | EFI_SUCCESS       |
      | OUT       | code outside MM writes 0x55 to the trapped IO port 0x1230 with width 1 | 24   | EFI_SUCCESS       |

  @req:SUPV-066 @req:SUPV-069
  Scenario: A DENY save-state root that lists RAX refuses RAX and lets every other register through
    Given the isolation policy "save-state-deny-rax-io.yaml"
    And the MM driver "StateReader" runs on entry:
      """
      - save_state_read: { register: RBX, cpu: 0, width: 8 }
      """
    And the MM driver "TrapHandler" handles every MMI with:
      """
      - save_state_read: { register: RAX, cpu: 0, width: 1 }
      """
    When the platform boots
    And code outside MM writes 0x12345678 to the trapped IO port 0x1230 with width 4
    Then the entry point of the MM driver "StateReader" returned EFI_SUCCESS
    And the MMI handler of the MM driver "TrapHandler" returned EFI_ACCESS_DENIED
