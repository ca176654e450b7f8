Feature: MSR access from MM drivers goes through the SMM_SC_RDMSR / SMM_SC_WRMSR syscalls and the MSR policy gate
  User-mode MM drivers run at CPL 3, so AsmReadMsr64 / AsmWriteMsr64 become syscalls (supervisor-facts §3.5–§3.7).
  The supervisor asks the MSR gate of the isolation policy (§4.7.2): the first entry whose range holds the MSR
  decides; a DENY root refuses what it matches, an ALLOW root refuses what it does not. A refusal is fatal (§3.8).

  Background:
    Given the platform "q35"

  @req:SUPV-037 @req:SUPV-040
  Scenario: A permitted WRMSR writes the MSR and a permitted RDMSR hands its value back in RAX
    Given the MM driver "MsrUser" runs on entry:
      """
      - wrmsr: { msr: 0xC0000103, value: 0x5A5A1234 }
      - rdmsr: 0xC0000103
      """
    When the platform boots
    Then the system keeps running
    And the policy gate allowed every access (2 in all)
    And the MSR 0xC0000103 holds 0x5A5A1234
    And the entry point of the MM driver "MsrUser" returned 0x5A5A1234

  @req:SUPV-038 @req:SEED-004-017
  Scenario Outline: Reading MSR <msr>, which the example policy's DENY list covers with Read, stops the system
    Given the MM driver "MsrReader" runs on entry:
      """
      - rdmsr: <msr>
      - io_write: { port: 0x80, width: 1, value: 0x11 }
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the policy gate denied the last access by entry <entry>
    And the port 0x80 was never written
    And the system is reset

    Examples: every MSR of the example policy's MSR root
      | msr        | entry |
      | 0xC0000080 | 0     |
      | 0xC0000081 | 1     |
      | 0xC0000082 | 1     |
      | 0xC0000083 | 1     |
      | 0xC0000084 | 1     |
      | 0xC0010010 | 2     |
      | 0xC0010111 | 3     |
      | 0x1D9      | 4     |
      | 0xDA0      | 5     |
      | 0x6A0      | 6     |
      | 0x6A2      | 7     |
      | 0x6A4      | 8     |
      | 0x6A8      | 8     |
      | 0xC0011010 | 9     |
      | 0xC0011024 | 10    |
      | 0xC0011018 | 11    |
      | 0xC0000101 | 12    |
      | 0xC0000102 | 12    |

  @req:SUPV-038 @req:SEED-004-017
  Scenario Outline: Writing MSR <msr> from the example policy's DENY list stops the system and leaves the MSR alone
    Given the MM driver "MsrWriter" runs on entry:
      """
      - wrmsr: { msr: <msr>, value: 0x1 }
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the policy gate denied the last access by entry <entry>
    And the MSR <msr> holds <before>

    Examples:
      | msr        | entry | before |
      | 0x1D9      | 4     | 0x0    |
      | 0x6A2      | 7     | 0x0    |
      | 0xC0011024 | 10    | 0x0    |

  @req:SEED-004-017
  Scenario Outline: MSR <msr>, which no entry of the example policy's DENY list covers, is readable
    Given the MM driver "MsrReader" runs on entry:
      """
      - rdmsr: <msr>
      """
    When the platform boots
    Then the system keeps running
    And the policy gate allowed every access (1 in all)

    Examples:
      | msr        |
      | 0x1A0      |
      | 0x1B       |
      | 0xC0000103 |
      | 0xC0010015 |

  @req:SUPV-039 @req:SEED-000-026 @req:SEED-002-019
  Scenario Outline: Under an MSR ALLOW list, only the listed MSRs and accesses are permitted (<access> <msr>: <outcome>)
    Given the isolation policy:
      """
      msr:
        access: allow
        entries:
          - { msr: 0x1B, count: 1, attributes: [read] }
          - { msr: 0x200, count: 4, attributes: [read, write] }
      instruction:
        access: allow
        entries: []
      """
    And the MM driver "MsrUser" runs on entry:
      """
      - <access>: <msr>
      """
    When the platform boots
    Then <outcome>

    Examples:
      | access | msr                         | outcome                                                          |
      | rdmsr  | 0x1B                        | the system keeps running                                         |
      | rdmsr  | 0x203                       | the system keeps running                                         |
      | wrmsr  | { msr: 0x201, value: 0x7 }  | the MSR 0x201 holds 0x7                                          |
      | rdmsr  | 0x204                       | the supervisor stops the system for a "policy violation"         |
      | rdmsr  | 0x10                        | the supervisor stops the system for a "policy violation"         |
      | wrmsr  | { msr: 0x1B, value: 0xFEE00900 } | the supervisor stops the system for a "policy violation"    |

  @req:SUPV-039
  Scenario: An MSR that an ALLOW list does not cover is refused with no entry matching
    Given the isolation policy:
      """
      msr:
        access: allow
        entries:
          - { msr: 0x1B, count: 1, attributes: [read] }
      """
    And the MM driver "MsrReader" runs on entry:
      """
      - rdmsr: 0x8B
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the policy gate denied the last access with no entry matching

  @req:SUPV-041
  Scenario Outline: Without an MSR root every MSR syscall is fatal (<action>)
    Given the isolation policy:
      """
      io:
        access: deny
        entries:
          - { port: 0xCF8, size: 4, attributes: [write, strict-width] }
      """
    And the MM driver "MsrUser" runs on entry:
      """
      - <action>
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the policy gate denied the last access because the policy has no MSR root

    Examples:
      | action                               |
      | rdmsr: 0x1B                          |
      | rdmsr: 0xC0000103                    |
      | wrmsr: { msr: 0xC0000103, value: 1 } |

  @req:SUPV-042
  Scenario: Only the first MSR entry whose range holds the MSR decides, even when it lacks the access bit
    # Entry 0 covers 0x200–0x20F for writes only; entry 1 denies reads of 0x201, but the walk stops at entry 0,
    # which does not have Read: not matched, so the DENY list lets the read through.
    Given the isolation policy:
      """
      msr:
        access: deny
        entries:
          - { msr: 0x200, count: 16, attributes: [write] }
          - { msr: 0x201, count: 1, attributes: [read, write] }
      """
    And the MM driver "MsrReader" runs on entry:
      """
      - rdmsr: 0x201
      - wrmsr: { msr: 0x201, value: 0x3 }
      """
    When the platform boots
    Then the supervisor stops the system for a "policy violation"
    And the policy gate denied the last access by entry 0
    And the MSR 0x201 holds 0x0

  @req:SUPV-042
  Scenario: An ALLOW entry that comes first wins over a later one that would refuse
    Given the isolation policy:
      """
      msr:
        access: allow
        entries:
          - { msr: 0x200, count: 2, attributes: [read, write] }
          - { msr: 0x201, count: 1, attributes: [] }
      """
    And the MM driver "MsrWriter" runs on entry:
      """
      - wrmsr: { msr: 0x201, value: 0x3 }
      """
    When the platform boots
    Then the system keeps running
    And the MSR 0x201 holds 0x3
