Feature: Port I/O from MM drivers goes through SMM_SC_IO_READ / SMM_SC_IO_WRITE and the IO policy gate
  IoRead8/16/32 and IoWrite8/16/32 of a CPL 3 driver become syscalls with a width code 0/1/2 (supervisor-facts
  §3.5). The supervisor checks the width code, then asks the IO gate (§4.7.1): a strict-width entry matches only
  its exact port and width, a plain entry matches an access whose first or last byte falls inside it. Any refusal
  is fatal (§3.7, §3.8); the example policy denies a dword write to 0xCF8 and any write touching 0xCFC–0xCFF.

  Background:
    Given the platform "q35"

  @req:SUPV-043
  Scenario Outline: Syscall <index> with width code <code> stops the system before any port is touched
    Given the MM driver "RawIo" runs on entry:
      """
      - asm: |
          mov eax, <index>
          mov edx, 0x80
          mov r8d, <code>
          mov r9d, 0x5A
          syscall
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the port 0x80 was never written

    Examples:
      | index | code |
      | 3     | 3    |
      | 4     | 3    |
      | 4     | 4    |
      | 4     | 0xFF |

  @req:SUPV-043
  Scenario: The same raw IO_WRITE syscall with width code 0 (MM_IO_UINT8) writes the port
    Given the MM driver "RawIo" runs on entry:
      """
      - asm: |
          mov eax, 4
          mov edx, 0x80
          xor r8d, r8d
          mov r9d, 0x5A
          syscall
      """
    When the platform boots
    Then the system keeps running
    And the port 0x80 was written with 0x5A

  @req:SUPV-044
  Scenario Outline: An IO syscall of <width> byte(s) at <port> runs past port 0xFFFF and is fatal
    Given the MM driver "HighPort" runs on entry:
      """
      - <action>: { port: <port>, width: <width><value> }
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the policy gate returned EFI_INVALID_PARAMETER for the last access

    Examples:
      | action   | port   | width | value     |
      | io_write | 0xFFFF | 2     | , value: 1 |
      | io_read  | 0xFFFF | 4     |           |
      | io_read  | 0xFFFD | 4     |           |
      | io_write | 0xFFFE | 4     | , value: 1 |

  @req:SUPV-044
  Scenario: A byte access at port 0xFFFF is evaluated by the policy like any other port
    Given the MM driver "HighPort" runs on entry:
      """
      - io_write: { port: 0xFFFF, width: 1, value: 0x42 }
      - io_read: { port: 0xFFFE, width: 2 }
      """
    When the platform boots
    Then the system keeps running
    And the port 0xFFFF was written with 0x42

  @req:SUPV-044
  Scenario: Under an IO ALLOW list, a byte access at port 0xFFFF is refused because no entry matches it
    Given the isolation policy:
      """
      io:
        access: allow
        entries:
          - { port: 0x80, size: 1, attributes: [read, write] }
      """
    And the MM driver "HighPort" runs on entry:
      """
      - io_write: { port: 0xFFFF, width: 1, value: 0x42 }
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the policy gate denied the last access with no entry matching

  @req:SUPV-045 @req:SEED-004-017
  Scenario Outline: The strict-width entry {0xCF8, 4, Write|StrictWidth}: <width>-byte <action> of 0xCF8 → <outcome>
    Given the MM driver "PciConfig" runs on entry:
      """
      - <action>: { port: 0xCF8, width: <width><value> }
      """
    When the platform boots
    Then <outcome>

    Examples:
      | action   | width | value                | outcome                                                  |
      | io_write | 4     | , value: 0x80000000  | the supervisor stops the system for a "policy violation" |
      | io_write | 1     | , value: 0x12        | the port 0xCF8 was written with 0x12                     |
      | io_write | 2     | , value: 0x1234      | the port 0xCF8 was written with 0x1234                   |
      | io_read  | 4     |                      | the system keeps running                                 |
      | io_read  | 1     |                      | the system keeps running                                 |

  @req:SUPV-045
  Scenario: The dword write to 0xCF8 is refused by the strict entry, and never reaches the port
    Given the MM driver "PciConfig" runs on entry:
      """
      - io_write: { port: 0xCF8, width: 4, value: 0x80000000 }
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the policy gate denied the last access by entry 0
    And the port 0xCF8 was never written
    And the system is reset

  @req:SUPV-046 @req:SEED-004-017
  Scenario Outline: A <width>-byte write at <port> touches 0xCFC–0xCFF and is fatal
    Given the MM driver "PciData" runs on entry:
      """
      - io_write: { port: <port>, width: <width>, value: 0x1 }
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the policy gate denied the last access by entry 1
    And the port <port> was never written

    Examples:
      | port  | width |
      | 0xCFC | 1     |
      | 0xCFD | 1     |
      | 0xCFF | 1     |
      | 0xCFE | 2     |
      | 0xCFC | 4     |
      | 0xCFB | 2     |
      | 0xCFA | 4     |

  @req:SUPV-046
  Scenario Outline: A <width>-byte <action> at <port> does not write 0xCFC–0xCFF and is allowed
    Given the MM driver "PciData" runs on entry:
      """
      - <action>: { port: <port>, width: <width><value> }
      """
    When the platform boots
    Then the system keeps running
    And the policy gate allowed every access (1 in all)

    Examples:
      | action   | port  | width | value       |
      | io_read  | 0xCFC | 4     |             |
      | io_read  | 0xCFE | 2     |             |
      | io_read  | 0xCFF | 1     |             |
      | io_write | 0xCFB | 1     | , value: 1  |
      | io_write | 0xD00 | 4     | , value: 1  |

  @req:SUPV-047
  Scenario Outline: Without an IO root, <action> of port 0x80 is fatal
    Given the isolation policy:
      """
      msr:
        access: deny
        entries:
          - { msr: 0xC0000080, count: 1, attributes: [read, write] }
      """
    And the MM driver "PortUser" runs on entry:
      """
      - <action>: { port: 0x80, width: 1<value> }
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the policy gate denied the last access because the policy has no IO root

    Examples:
      | action   | value       |
      | io_read  |             |
      | io_write | , value: 1  |
